"""Named errors of the library. The CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class LinkcheckError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(LinkcheckError):
    """An input document could not be read or understood."""

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
    line naming the component and the fix, exit 4 (CONTRACT.md), after keeping what was done.
    """

    def __init__(self, component: str, problem: str, fix: str) -> None:
        super().__init__(f"{component}: {problem}; {fix}")
        self.component = component
        self.problem = problem
        self.fix = fix
