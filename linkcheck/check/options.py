"""The options of checking, each declared once: the table every layer derives its own from.

One :class:`Option` per option of ``linkcheck check``: its key (a schedule's or settings file's
``[check]`` key, with ``_`` where the flag has ``-``), its kind, default, least value, help text
and environment variable. From :data:`CHECK_OPTIONS` come the Typer parameters of ``check``,
``run`` and ``config show`` (:mod:`linkcheck.cli`), the keys a schedule's ``[check]`` table and the
settings file take, the checking of their values (:func:`option_value`), the precedence of the
environment (:meth:`Option.from_environment`) and ``config show``'s lines; the library's
:class:`~linkcheck.check.runner.CheckOptions` is built from the values by
:func:`~linkcheck.check.runner.check_options`. A new option is one entry here, its use in
``check_options``, and its line in the docs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from linkcheck import defaults
from linkcheck.errors import OptionError


@dataclass(frozen=True, slots=True)
class Option:
    """One check option, as every layer sees it."""

    key: str
    """The name in a ``[check]`` table and in the values' mappings: ``older_than``."""
    kind: type
    """bool, int, float, str or list (of strings)."""
    default: Any
    help: str
    minimum: float | None = None
    envvar: str | None = None
    """An environment variable that gives the option when the command line does not (it wins
    over the settings file)."""
    metavar: str | None = None
    show_default: bool = True
    param: str | None = None
    """The command's parameter, when its name is not the key (``all`` is a Python keyword)."""
    selection: bool = False
    """What to check this time (--all, --url, --document), not a setting ``config show`` lists."""
    in_schedule: bool = True
    """Taken by a schedule's ``[check]`` table (``document``: a schedule has ``documents``)."""
    flag_in_errors: bool = False
    """Its problems are shown after its flag: their text does not name the option themselves."""

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def parameter(self) -> str:
        return self.param or self.key

    @property
    def full_help(self) -> str:
        """The help text, with the environment variable that also gives the option."""
        if self.envvar is None:
            return self.help
        return f"{self.help} Also the variable {self.envvar} in the environment."

    def from_environment(self) -> str | None:
        """The option's value in the environment, if it has a variable and the variable is set."""
        return (os.environ.get(self.envvar) or None) if self.envvar else None


_OPTIONS = (
    Option("all", bool, False, "Check every link, due or not.", param="all_links", selection=True),
    Option(
        "url", list, (), "Check this stored link now, due or not (repeatable).",
        show_default=False, param="urls", selection=True,
    ),
    Option(
        "document", list, (),
        "Only links cited in this seeded document, or in the documents under this folder "
        "(repeatable); a path naming none is an error (exit 2).",
        show_default=False, param="documents", selection=True, in_schedule=False,
    ),
    Option(
        "older_than", str, defaults.OLDER_THAN,
        "A link is due when last checked longer ago than this: 30m, 12h, 7d, 2w. Failing links are "
        f"due after {defaults.FAILING_RECHECK}, so that failures can be confirmed.",
    ),
    Option("concurrency", int, defaults.CONCURRENCY, "Requests in flight at once, in all.", minimum=1),
    Option("per_host", int, defaults.PER_HOST, "Requests in flight at once to one host.", minimum=1),
    Option(
        "host_interval", float, defaults.HOST_INTERVAL,
        "Least seconds between the starts of two requests to one host (a host answering 429 or "
        "503 earns a longer one).",
        minimum=0.0,
    ),
    Option(
        "timeout", float, defaults.TIMEOUT, "Seconds for one request, connect to last byte read.",
        minimum=0.001,
    ),
    Option(
        "retries", int, defaults.RETRIES,
        "Further tries after a transient failure (timeout, refused or reset connection, 429, "
        f"5xx), with backoff; Retry-After is honoured up to {defaults.RETRY_AFTER_CAP:.0f} s.",
        minimum=0,
    ),
    Option(
        "allow_private", bool, False,
        "Also fetch hosts that are or resolve to loopback, private, link-local or other non-public "
        "addresses (otherwise their verdict is skipped and nothing is sent).",
    ),
    Option(
        "resolve", list, (),
        "Connect to ADDR for HOST:PORT (PORT may be *), keeping HOST for the Host header and TLS, "
        "like curl's option (repeatable).",
        metavar="HOST:PORT:ADDR", show_default=False,
    ),
    Option(
        "user_agent", str, defaults.USER_AGENT,
        # Said in words: the default holds a URL, one word too long for a help column, which
        # the help screen would cut off with an ellipsis.
        "User-Agent header: say who you are and how to reach you. Default: linkcheck, its version "
        "and the project's address (linkcheck config show prints it whole).",
        show_default=False,
    ),
    Option(
        "archive_url", str, defaults.ARCHIVE_URL,
        "Base URL of an archive that answers like the Wayback Machine's availability API (its "
        "/wayback/available is asked with the URL and a date). Its own host (and hosts under it) "
        "is reached even at a private address: you named it.",
        envvar=defaults.ARCHIVE_URL_ENV,
    ),
    Option("no_archive", bool, False, "Ask no archive (answers cached by earlier runs are still used)."),
    Option(
        "refresh_archive", bool, False, "Ask the archive again even where its answer is cached."
    ),
    Option(
        "archive_timeout", float, defaults.ARCHIVE_TIMEOUT,
        f"Seconds for one archive request; after {defaults.ARCHIVE_BREAKER} failures in a row the "
        "archive is not asked again in the run.",
        minimum=0.001,
    ),
    Option(
        "exclude", list, (),
        "Do not fetch URLs matching this regular expression: their verdict is skipped "
        "(repeatable; adds to exclude in the settings file and the patterns of .linkcheckignore).",
        metavar="REGEX", show_default=False, flag_in_errors=True,
    ),
    Option(
        "accept", str, None,
        "HTTP statuses counted as alive, e.g. 200..299,403 (a paywall you know of).",
        metavar="CODES", show_default=False, flag_in_errors=True,
    ),
    Option(
        "remap", list, (),
        "Check the URL the replacement makes ($1 for a group) instead of a matching one; the first "
        "rule that matches applies (repeatable). EZproxy links are unwrapped to their target anyway.",
        metavar="'REGEX REPLACEMENT'", show_default=False, flag_in_errors=True,
    ),
    Option(
        "http_stack", str, defaults.HTTP_STACK,
        "What carries the requests under httpx: aiohttp (the default: less CPU a request) or httpx "
        "(httpcore); the same address guard, limits and verdicts either way.",
        envvar="LINKCHECK_HTTP_STACK", flag_in_errors=True,
    ),
)  # fmt: skip

CHECK_OPTIONS: dict[str, Option] = {option.key: option for option in _OPTIONS}
"""The options of ``linkcheck check`` by key, in the order the help screen shows them."""

SCHEDULE_CHECK_KEYS = tuple(key for key, option in CHECK_OPTIONS.items() if option.in_schedule)
"""The keys of a schedule's (and the settings file's) ``[check]`` table."""

_KIND_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
               list: "a list of strings"}  # fmt: skip


def option_value(key: str, value: Any) -> Any:
    """``value`` checked against the option ``key``; None: the environment's, else the default.

    OptionError says what is wrong, or that there is no such option.
    """
    option = CHECK_OPTIONS.get(key)
    if option is None:
        raise OptionError(key, "unknown check option")
    if value is None:
        value = option.from_environment()
        if value is None:
            return option.default
    # bool is an int to Python, never to a user: `timeout = true` is a mistake.
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
        list: isinstance(value, list | tuple) and all(isinstance(v, str) for v in value),
    }[option.kind]
    if not ok:
        raise OptionError(key, f"expected {_KIND_NAMES[option.kind]}, got {value!r}")
    if option.minimum is not None and value < option.minimum:
        raise OptionError(key, f"must be at least {option.minimum:g}, got {value!r}")
    return float(value) if option.kind is float else value
