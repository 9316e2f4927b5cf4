"""Named errors of the library, each with the exit code the CLI ends with when it reaches it.

The CLI catches :class:`LinkcheckError` once and turns it into one line on stderr and
``error.exit_code`` (the codes are :class:`ExitCode`, documented in README.md). The tree, with
the exit code of each::

    LinkcheckError                2  base class of every error raised on purpose
    ├── InputError                2  a document could not be read or understood
    ├── UnsupportedFormat         2  a file in no format linkcheck reads
    ├── NotRegular                2  a path that is not a regular file (a FIFO, a device): never read
    ├── TooLarge                  2  a file larger than the read limit
    ├── OptionError               2  a check option with a bad value (also a ValueError)
    ├── ConfigError               2  a settings or schedule file that cannot be used, one line a problem
    │   ├── SettingsError         2    linkcheck.toml or .linkcheckignore
    │   └── ScheduleError         2    schedules/*.toml
    ├── SchedulerBusy             2  another scheduler holds the database
    ├── FixError                  2  a document that cannot be fixed (changed, unreadable, read-only)
    ├── DatabaseError             2  the database could not be opened, migrated or written
    │   ├── DamagedDatabase       2    malformed, or not a database at all
    │   └── NewerDatabase         2    written by a newer linkcheck
    ├── EnvironmentFailure        4  the tool itself cannot work (a component, a worker, the disk)
    └── FetchError                -  a check got or read no answer: recorded as its reason, never shown
        ├── DnsError                   resolving a name failed ("no such name" or a temporary failure)
        │   └── InvalidHost            a name that can never resolve: no resolver is asked
        ├── AddressRefused             the address guard refused a non-public address
        ├── Stop                       a check ended early with its reason
        ├── ContentTooComplex          a page's content work ran past its budget, or killed its worker
        └── ArchiveUnavailable         the archive could not be asked or did not answer usably

A :class:`FetchError` reaching the CLI would be a bug: it ends with exit 2 like any named error.
Interruption is not an error: the CLI ends with :attr:`ExitCode.INTERRUPTED` (Ctrl-C) or
:attr:`ExitCode.TERMINATED` (SIGTERM).
Laid out as httpx lays out its own (https://github.com/encode/httpx/blob/master/httpx/_exceptions.py).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from ipaddress import IPv4Address, IPv6Address

    from linkcheck.models import Reason


class ExitCode(IntEnum):
    """Exit codes of every command (README.md, "Exit codes")."""

    OK = 0
    FAIL_ON = 1
    """``summary --fail-on`` matched a reported link."""
    USAGE = 2
    """Bad input: an option, a file, a document, the database."""
    NETWORK = 3
    """The network seemed unavailable: nothing was recorded as dead."""
    ENVIRONMENT = 4
    """The tool itself cannot work here."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT, as shells report it); what was stored is kept."""
    TERMINATED = 143
    """Stopped by SIGTERM (128 + SIGTERM); what was stored is kept."""


class LinkcheckError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code: ClassVar[ExitCode] = ExitCode.USAGE


class InputError(LinkcheckError):
    """An input document could not be read or understood."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedFormat(LinkcheckError):
    """The file is not in any format linkcheck reads."""


class NotRegular(LinkcheckError, OSError):
    """The path is not a regular file (a FIFO, socket or device, or a link to one): never read."""


class TooLarge(LinkcheckError, OSError):
    """The file is larger than the read limit; ``size`` is what is known of its size."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


class OptionError(LinkcheckError, ValueError):
    """A check option with a bad value; ``key`` names it as on the command line, with _ for -."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class ConfigError(LinkcheckError):
    """A configuration file that cannot be used: one line per problem, each naming the file and key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class SettingsError(ConfigError):
    """A settings file (or ignore file) that cannot be used: one line per problem."""


class ScheduleError(ConfigError):
    """Schedule files that cannot be used: one line per problem, each naming the file and key."""


class SchedulerBusy(LinkcheckError):
    """Another scheduler holds this database."""


class FixError(LinkcheckError):
    """A document cannot be fixed: changed since seeding, unreadable, or not writable."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class DatabaseError(LinkcheckError):
    """The database could not be opened, migrated or written."""


class DamagedDatabase(DatabaseError):
    """The database file is damaged (SQLite finds it malformed, or not a database at all): a bad input."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"{path}: the database is damaged ({detail}); check it with: "
            f'sqlite3 {path} "PRAGMA integrity_check"'
        )
        self.path = path


class NewerDatabase(DatabaseError):
    """The database was written by a newer linkcheck (it has migrations this one does not know)."""


class EnvironmentFailure(LinkcheckError):
    """The tool itself cannot work: a component missing or broken, a worker process dead, the disk full.

    Never a link's or a document's fault, so never recorded as one: the command stops with one
    line naming the component and the fix, exit 4, after keeping what was done.
    """

    exit_code = ExitCode.ENVIRONMENT

    def __init__(self, component: str, problem: str, fix: str) -> None:
        super().__init__(f"{component}: {problem}; {fix}")
        self.component = component
        self.problem = problem
        self.fix = fix


class FetchError(LinkcheckError):
    """Asking a host (a cited page's, the archive's) gave no answer: the check records why."""


class DnsError(FetchError):
    """Resolving a host name failed; ``missing`` tells "no such name" from a temporary failure."""

    def __init__(self, host: str, message: str, *, missing: bool) -> None:
        super().__init__(f"{host}: {message}")
        self.host = host
        self.missing = missing


class InvalidHost(DnsError):
    """A host name that can never be looked up (reserved, or impossible in DNS): no resolver is asked."""

    def __init__(self, host: str, reason: Reason, message: str) -> None:
        super().__init__(host, message, missing=True)
        self.reason = reason
        self.args = (message,)


class AddressRefused(FetchError):
    """The address guard refused to connect: the host is or resolves to a non-public address."""

    def __init__(self, host: str, address: IPv4Address | IPv6Address, why: str) -> None:
        super().__init__(f"{host} resolves to {address}, a {why} address (use --allow-private to check it)")
        self.host = host
        self.address = address
        self.why = why


class Stop(FetchError):
    """Ends a check early with a reason (a refused address, an unsupported redirect target)."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ArchiveUnavailable(FetchError):
    """The archive could not be asked or did not answer usably: nothing is learnt, nothing cached."""


class ContentTooComplex(FetchError):
    """A page's content work ran past the budget (or killed its worker): not analysed."""
