"""Schedule files: read and check ``schedules/*.toml``, one job each (README.md, "linkcheck schedule").

Every problem in every file is found before anything starts, and each is one line naming the
file, the key and what is wrong: an unknown key (with the likely one meant), a wrong type, a
bad cron expression or interval, both ``cron`` and ``every`` or neither. Check options are
converted by :func:`linkcheck.check.runner.check_options`, the same function the command line
uses, so a schedule means exactly what the same options mean to ``linkcheck check``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import os
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from linkcheck.check.options import SCHEDULE_CHECK_KEYS
from linkcheck.check.runner import CheckOptions, check_options
from linkcheck.durations import UNITS, duration_seconds, parse_duration
from linkcheck.errors import OptionError, ScheduleError
from linkcheck.models import DateOrder, ExtractOptions, Verdict
from linkcheck.report import Format, parse_verdicts
from linkcheck.seed import DEFAULT_MAX_BYTES

DEFAULT_FOLDER = "schedules"
"""Where ``linkcheck schedule`` looks for schedule files unless ``--schedules`` says otherwise."""
WEBHOOK_TIMEOUT = 10.0
"""Seconds a webhook receiver gets to take a digest: a slow one must not hold up the scheduler."""
RETRY_FOR = "7d"
"""How long a notification that could not be delivered is tried again, on the next runs."""
WEBHOOK_FORMATS = ("json", "slack", "teams")
"""Webhook payload shapes: the JSON digest, or a message for a Slack or Microsoft Teams incoming webhook."""
SMTP_TIMEOUT = 30.0
"""Seconds for each step of talking to the mail server."""
SMTP_DEADLINE = 120.0
"""Seconds for a whole mail delivery, however the server trickles its answers."""
MIN_EVERY = dt.timedelta(minutes=1)
"""Shortest interval of an ``every`` schedule."""
MAX_EVERY = dt.timedelta(days=365)
"""Longest interval of an ``every`` schedule."""
MIN_EVERY_ENV = "LINKCHECK_MIN_EVERY"
"""Environment variable lowering :data:`MIN_EVERY` (in seconds, at least 1) for tests and demos."""

TOP_KEYS = (
    "name", "cron", "every", "timezone", "paths", "documents", "seed", "check", "report", "notify", "prune",
)  # fmt: skip
SEED_KEYS = ("date_order", "include_dois", "max_size")
REPORT_KEYS = ("format", "output", "only")
NOTIFY_KEYS = ("webhook", "webhook_timeout", "format", "retry_for", "report_base_url", "email")
EMAIL_KEYS = ("host", "port", "from", "to", "starttls", "ssl", "username", "password_env", "subject")

_NICKNAMES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Owner:
    """Who is told about which documents: ``[[owners]]`` of the settings file."""

    name: str
    email: str | None
    documents: tuple[str, ...]
    """Globs of document paths as seeded (``*`` and ``**`` match across folders too)."""

    def owns(self, path: str) -> bool:
        """Is the document at ``path`` this owner's?"""
        return any(
            fnmatch.fnmatchcase(path, g) or path.startswith(g.rstrip("/") + "/") for g in self.documents
        )


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """A report written after each run: ``[[report]]``."""

    format: Format
    output: str
    only: frozenset[Verdict] | None = None


@dataclass(frozen=True, slots=True)
class EmailSpec:
    """Mail sent through SMTP when a run found links newly dead, changed or moved: ``[notify.email]``."""

    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    """The environment variable holding the password: a schedule file never holds it."""
    subject: str = "linkcheck"
    """The start of each message's subject."""


@dataclass(frozen=True, slots=True)
class NotifySpec:
    """Who hears of links newly dead, changed or moved: ``[notify]``."""

    webhook: str | None = None
    webhook_timeout: float = WEBHOOK_TIMEOUT
    email: EmailSpec | None = None
    format: str = "json"
    """The webhook payload's shape (:data:`WEBHOOK_FORMATS`)."""
    retry_for: dt.timedelta = dt.timedelta(days=7)
    """A message not delivered is tried again on the next runs for this long, then given up."""
    report_base_url: str | None = None
    """Where the reports are served: they are named by this URL and their path, not by file name."""


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """One schedule file, checked: when to run, what to seed and check, what to write and tell."""

    name: str
    file: str
    """The file it was read from, as found (for messages)."""
    cron: str | None = None
    """A five-field cron expression (0 and 7 in the weekday field are Sunday, as in crontab)."""
    every: dt.timedelta | None = None
    every_text: str | None = None
    timezone: str | None = None
    """An IANA zone for ``cron``; None: the machine's local zone."""
    paths: tuple[str, ...] = ()
    """Files and folders to seed again before each run."""
    documents: tuple[str, ...] = ()
    """Seeded documents whose links to check (paths, folders or globs); empty: every due link."""
    extract: ExtractOptions = field(default_factory=ExtractOptions)
    max_size: int = DEFAULT_MAX_BYTES
    check: CheckOptions = field(default_factory=CheckOptions)
    reports: tuple[ReportSpec, ...] = ()
    notify: NotifySpec | None = None
    check_values: Mapping[str, Any] = field(default_factory=dict)
    """The ``[check]`` table as written: what the settings file (linkcheck.toml) may not override."""
    owners: tuple[Owner, ...] = ()
    """The settings file's owners, each told of their own documents' news (``[notify.email]``)."""
    prune: dt.timedelta | None = None
    """``prune = "90d"``: after each run, delete the checks older than this that nothing needs
    (``linkcheck prune --keep``); None: keep every check (the default)."""

    @property
    def trigger_text(self) -> str:
        """The trigger as the file gives it: ``cron 0 2 * * *`` or ``every 6h``."""
        if self.cron is not None:
            zone = f" ({self.timezone})" if self.timezone else ""
            return f"cron {self.cron}{zone}"
        return f"every {self.every_text}"

    def trigger(self) -> BaseTrigger:
        """The APScheduler trigger of this schedule."""
        zone = zoneinfo.ZoneInfo(self.timezone) if self.timezone else None
        if self.cron is not None:
            return cron_trigger(self.cron, zone)
        assert self.every is not None
        return IntervalTrigger(seconds=self.every.total_seconds(), timezone=zone)


# -- cron and intervals -------------------------------------------------------------------


def _weekday(text: str) -> int:
    if text.isdigit():
        n = int(text)
        if n > 7:
            raise ValueError(f"weekday {text} is not 0-7")
        return n
    if text[:3] in _DAYS and len(text) == 3:
        return _DAYS.index(text)
    raise ValueError(f"{text!r} is not a weekday (0-7 or sun-sat)")


def crontab_weekdays(spec: str) -> str:
    """A crontab weekday field as APScheduler 3 reads it: day names, since its numbers start on Monday.

    crontab counts 0 (and 7) as Sunday; APScheduler 3's ``CronTrigger`` counts 0 as Monday (its
    documented historical mistake), so ``1-5`` would mean Tuesday to Saturday there. The field is
    expanded to names (``mon,tue,wed,thu,fri``), which both read alike.
    """
    spec = spec.strip().lower()
    if spec in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in spec.split(","):
        part, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"weekday step {step_text!r} is not a positive number")
            step = int(step_text)
        if part == "*":
            lo, hi = 0, 6
        elif "-" in part:
            first, _, last = part.partition("-")
            lo, hi = _weekday(first), _weekday(last)
            if lo > hi:
                raise ValueError(f"weekday range {part!r} runs backwards")
        else:
            lo = _weekday(part)
            hi = 6 if slash else lo
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_DAYS[d] for d in sorted(days))


def cron_trigger(expr: str, timezone: dt.tzinfo | None = None) -> CronTrigger:
    """A trigger for a five-field crontab expression (or ``@daily`` and the like); ValueError if bad."""
    fields = _NICKNAMES.get(expr.strip().lower(), expr).split()
    if len(fields) != 5:
        raise ValueError(
            f"{expr!r} has {len(fields)} field{'s' if len(fields) != 1 else ''}; a cron expression has "
            'five: minute hour day-of-month month day-of-week (e.g. "0 2 * * *")'
        )
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=crontab_weekdays(weekday),
            timezone=timezone,
        )  # fmt: skip
    except ValueError as e:
        raise ValueError(f"{expr!r} is not a valid cron expression: {e}") from None


def min_every() -> float:
    """The least interval in seconds: :data:`MIN_EVERY`, or ``LINKCHECK_MIN_EVERY`` (never below 1 s).

    The environment variable is for tests and demonstrations that cannot wait a minute for a run.
    """
    raw = os.environ.get(MIN_EVERY_ENV)
    if raw is None:
        return MIN_EVERY.total_seconds()
    try:
        return max(1.0, float(raw))
    except ValueError:
        return MIN_EVERY.total_seconds()


def _shown(seconds: float) -> str:
    return "1 minute (1m)" if seconds == 60 else f"{seconds:g} s"


def parse_every(text: str) -> dt.timedelta:
    """An interval such as ``6h`` (:func:`~linkcheck.durations.parse_duration`), from 1 minute to 1 year.

    Bounded both ways: ``0.0001s`` ran a job 31 times in 15 s (each run a check of every due
    link), and ``1000000000d`` overflowed the scheduler's date arithmetic.
    """
    try:
        seconds = duration_seconds(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an interval: a positive number and {UNITS}, such as 6h or 30m"
        ) from None
    floor = min_every()
    if seconds < floor:
        raise ValueError(f"{text!r} is too short: at least {_shown(floor)} between runs")
    if seconds > MAX_EVERY.total_seconds():
        raise ValueError(f"{text!r} is too long: at most a year (365d) between runs; or use cron")
    return dt.timedelta(seconds=seconds)


# -- reading files ------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return {
        bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)  # fmt: skip


class _Reader:
    """Checks one file's values, collecting a line for each problem instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.file}: {key}: {message}")

    def known(self, table: dict[str, Any], keys: Iterable[str], prefix: str = "") -> None:
        """Name each key of ``table`` not in ``keys``, with the known key it most resembles."""
        keys = list(keys)
        for key in table:
            if key in keys:
                continue
            close = difflib.get_close_matches(key.replace("-", "_"), keys, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(keys)}"
            self.problem(f"{prefix}{key}", f"unknown key ({hint})")

    def get(self, table: dict[str, Any], key: str, kind: type, path: str, what: str) -> Any:
        """``table[key]`` if present and of ``kind``, else None (a wrong type is a problem)."""
        if key not in table:
            return None
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(path, f"expected {what}, got {_type_name(value)} ({value!r})")
            return None
        return value

    def strings(self, table: dict[str, Any], key: str, path: str, example: str) -> tuple[str, ...] | None:
        """A list of strings, or None when absent or wrong."""
        value = self.get(table, key, list, path, f"a list of strings such as {example}")
        if value is None:
            return None
        if not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(path, f"expected a list of non-empty strings such as {example}, got {value!r}")
            return None
        return tuple(value)

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(key, f"expected a table ([{key}]), got {_type_name(value)}")
            return None
        return value


#: The checker of TOML tables that schedule files and the settings file (:mod:`linkcheck.settings`)
#: share: one line per problem, naming the file and the key, with the likely key meant.
TableReader = _Reader


def read_toml(path: Path, shown: str, error: Callable[[list[str]], Exception]) -> dict[str, Any]:
    """The tables of a TOML file; unreadable or not TOML, ``error`` raised with one line naming
    ``shown`` and what is wrong (a schedule's and the settings file's reader alike)."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise error([f"{shown}: cannot read: {e.strerror or e}"]) from None
    except tomllib.TOMLDecodeError as e:
        raise error([f"{shown}: not valid TOML: {e}"]) from None
    except UnicodeDecodeError:
        raise error([f"{shown}: not valid TOML: not UTF-8 text"]) from None


def load_schedule(path: Path) -> ScheduleConfig:
    """Read and check one schedule file; ScheduleError lists every problem in it."""
    file = str(path)
    r = _Reader(file)
    data = read_toml(path, file, ScheduleError)
    r.known(data, TOP_KEYS)

    name = r.get(data, "name", str, "name", "a string")
    if name is not None and not name.strip():
        r.problem("name", "must not be empty")
    name = (name or path.stem).strip()

    cron = r.get(data, "cron", str, "cron", 'a cron expression such as "0 2 * * *"')
    every_text = r.get(data, "every", str, "every", 'an interval such as "6h"')
    every = None
    if "cron" in data and "every" in data:
        r.problem("cron", "give either cron or every, not both")
    elif "cron" not in data and "every" not in data:
        r.problem("cron", 'no trigger: give cron (e.g. "0 2 * * *") or every (e.g. "6h")')
    timezone = r.get(data, "timezone", str, "timezone", 'an IANA time zone such as "Europe/London"')
    zone = None
    if timezone is not None:
        try:
            zone = zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            r.problem("timezone", f'{timezone!r} is not a known time zone (e.g. "Europe/London", "UTC")')
    if cron is not None:
        try:
            cron_trigger(cron, zone)
        except ValueError as e:
            r.problem("cron", str(e))
    if every_text is not None:
        try:
            every = parse_every(every_text)
        except ValueError as e:
            r.problem("every", str(e))

    paths = r.strings(data, "paths", "paths", '["reading-lists/"]') or ()
    documents = r.strings(data, "documents", "documents", '["reading-lists/*.md"]') or ()
    extract, max_size = _seed_options(r, data)
    check = _check_options(r, data)
    table = data.get("check")
    check_values = (
        {k: v for k, v in table.items() if k in SCHEDULE_CHECK_KEYS} if isinstance(table, dict) else {}
    )
    reports = _reports(r, data)
    notify = _notify(r, data)
    prune = None
    prune_text = r.get(data, "prune", str, "prune", 'a period such as "90d"')
    if prune_text is not None:
        try:
            prune = parse_duration(prune_text)
        except ValueError as e:
            r.problem("prune", str(e))

    if r.problems:
        raise ScheduleError(r.problems)
    return ScheduleConfig(
        name=name, file=file, cron=cron, every=every, every_text=every_text and every_text.strip(),
        timezone=timezone, paths=paths, documents=documents, extract=extract, max_size=max_size,
        check=check, reports=reports, notify=notify, check_values=check_values, prune=prune,
    )  # fmt: skip


def _seed_options(r: _Reader, data: dict[str, Any]) -> tuple[ExtractOptions, int]:
    table = r.table(data, "seed") or {}
    r.known(table, SEED_KEYS, "seed.")
    options = ExtractOptions()
    order = r.get(table, "date_order", str, "seed.date_order", '"dmy", "mdy" or "ymd"')
    if order is not None:
        try:
            options = replace(options, date_order=DateOrder(order.lower()))
        except ValueError:
            r.problem("seed.date_order", f'{order!r} is not "dmy", "mdy" or "ymd"')
    dois = r.get(table, "include_dois", bool, "seed.include_dois", "true or false")
    if dois is not None:
        options = replace(options, include_dois=dois)
    max_size = r.get(table, "max_size", int, "seed.max_size", "a number of bytes")
    if max_size is not None and max_size < 1:
        r.problem("seed.max_size", f"must be at least 1, got {max_size}")
    return options, max_size if max_size and max_size > 0 else DEFAULT_MAX_BYTES


def _check_options(r: _Reader, data: dict[str, Any]) -> CheckOptions:
    table = r.table(data, "check") or {}
    if "document" in table:
        r.problem("check.document", "give the documents to check as the top-level key documents = [...]")
    r.known({k: v for k, v in table.items() if k != "document"}, SCHEDULE_CHECK_KEYS, "check.")
    try:
        return check_options({k: v for k, v in table.items() if k in SCHEDULE_CHECK_KEYS})
    except OptionError as e:
        r.problem(f"check.{e.key}", str(e))
        return CheckOptions()


def _reports(r: _Reader, data: dict[str, Any]) -> tuple[ReportSpec, ...]:
    value = data.get("report")
    if value is None:
        return ()
    if isinstance(value, dict):
        value = [value]  # [report] written for [[report]]: one report, meant the same way
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        r.problem("report", "expected [[report]] tables, each with format and output")
        return ()
    specs = []
    formats = ", ".join(str(f) for f in Format)
    for i, table in enumerate(value, 1):
        at = f"report[{i}]."
        r.known(table, REPORT_KEYS, at)
        fmt_name = r.get(table, "format", str, f"{at}format", f"one of {formats}")
        output = r.get(table, "output", str, f"{at}output", "a file path")
        only: frozenset[Verdict] | None = None
        if "only" in table:
            raw = table["only"]
            names = [raw] if isinstance(raw, str) else raw
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                example = f'["{Verdict.DEAD}", "{Verdict.MOVED}"]'
                r.problem(f"{at}only", f"expected verdicts such as {example}, got {raw!r}")
            else:
                try:
                    only = parse_verdicts(names)
                except ValueError as e:
                    r.problem(f"{at}only", str(e))
        if "format" not in table:
            r.problem(f"{at}format", f"missing: one of {formats}")
        if "output" not in table:
            r.problem(f"{at}output", "missing: the file to write the report to")
        elif output is not None and not output.strip():
            r.problem(f"{at}output", "must not be empty")
        fmt = None
        if fmt_name is not None:
            try:
                fmt = Format(fmt_name.lower())
            except ValueError:
                r.problem(f"{at}format", f"{fmt_name!r} is not one of {formats}")
        if fmt is not None and output:
            specs.append(ReportSpec(fmt, output, only))
    return tuple(specs)


def _http_url(r: _Reader, key: str, value: str) -> bool:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        r.problem(key, f"{value!r} is not an http or https URL")
        return False
    return True


def _notify(r: _Reader, data: dict[str, Any]) -> NotifySpec | None:
    table = r.table(data, "notify")
    if table is None:
        return None
    r.known(table, NOTIFY_KEYS, "notify.")
    webhook = r.get(table, "webhook", str, "notify.webhook", "a URL")
    if webhook is not None and not _http_url(r, "notify.webhook", webhook):
        webhook = None
    timeout = r.get(table, "webhook_timeout", float, "notify.webhook_timeout", "a number of seconds")
    if timeout is not None and timeout <= 0:
        r.problem("notify.webhook_timeout", f"must be more than 0, got {timeout}")
    email = None
    if "email" in table:
        if isinstance(table["email"], dict):
            email = _email(r, table["email"])
        else:
            r.problem("notify.email", f"expected a table ([notify.email]), got {_type_name(table['email'])}")
    fmt = r.get(table, "format", str, "notify.format", "json, slack or teams") or "json"
    if fmt not in WEBHOOK_FORMATS:
        r.problem("notify.format", f"{fmt!r} is not one of {', '.join(WEBHOOK_FORMATS)}")
        fmt = "json"
    retry_text = r.get(table, "retry_for", str, "notify.retry_for", "a duration such as 7d") or RETRY_FOR
    try:
        retry_for = parse_every(retry_text)
    except ValueError as e:
        r.problem("notify.retry_for", str(e))
        retry_for = parse_every(RETRY_FOR)
    base = r.get(table, "report_base_url", str, "notify.report_base_url", "a URL")
    if base is not None and not _http_url(r, "notify.report_base_url", base):
        base = None
    return NotifySpec(
        webhook, timeout if timeout and timeout > 0 else WEBHOOK_TIMEOUT, email, fmt, retry_for, base
    )


def _email(r: _Reader, table: dict[str, Any]) -> EmailSpec | None:
    at = "notify.email."
    if "password" in table:
        r.problem(
            f"{at}password",
            "a schedule file never holds a password: put it in an environment variable and name that "
            "variable in password_env",
        )
    r.known({k: v for k, v in table.items() if k != "password"}, EMAIL_KEYS, at)
    host = r.get(table, "host", str, f"{at}host", "a host name")
    sender = r.get(table, "from", str, f"{at}from", "an e-mail address")
    to = r.strings(table, "to", f"{at}to", '["editor@example.org"]')
    starttls = r.get(table, "starttls", bool, f"{at}starttls", "true or false") or False
    use_ssl = r.get(table, "ssl", bool, f"{at}ssl", "true or false") or False
    port = r.get(table, "port", int, f"{at}port", "a port number")
    username = r.get(table, "username", str, f"{at}username", "a string")
    password_env = r.get(table, "password_env", str, f"{at}password_env", "an environment variable name")
    subject = r.get(table, "subject", str, f"{at}subject", "a string")
    for key in ("host", "from", "to"):
        if key not in table:
            r.problem(f"{at}{key}", "missing")
    for key, text in (("host", host), ("from", sender)):
        if text is not None and not text.strip():
            r.problem(f"{at}{key}", "must not be empty")
    if sender is not None and "@" not in sender:
        r.problem(f"{at}from", f"{sender!r} is not an e-mail address")
    if starttls and use_ssl:
        r.problem(f"{at}starttls", "give starttls (port 587) or ssl (port 465), not both")
    if port is not None and not 0 < port < 65536:
        r.problem(f"{at}port", f"{port} is not a port number (1-65535)")
    if password_env is not None and not _ENV_NAME.fullmatch(password_env):
        r.problem(f"{at}password_env", f"{password_env!r} is not an environment variable name")
    if password_env is not None and username is None:
        r.problem(f"{at}username", "missing: password_env needs a username to log in with")
    if host is None or sender is None or to is None:
        return None
    default_port = 465 if use_ssl else 587 if starttls else 25
    return EmailSpec(
        host=host, port=port or default_port, sender=sender, to=to, starttls=starttls, ssl=use_ssl,
        username=username, password_env=password_env, subject=subject or "linkcheck",
    )  # fmt: skip


def load_schedules(folder: str | Path) -> list[ScheduleConfig]:
    """Every schedule in ``folder`` (``*.toml``, by file name); ScheduleError lists every problem found.

    Names must be unique: they identify jobs in the job store across restarts.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ScheduleError([f"{folder}: no such folder of schedule files"])
    files = sorted(p for p in root.glob("*.toml") if not p.name.startswith(".") and p.is_file())
    if not files:
        raise ScheduleError([f"{folder}: no schedule files (*.toml)"])
    problems: list[str] = []
    configs: list[ScheduleConfig] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            config = load_schedule(path)
        except ScheduleError as e:
            problems.extend(e.problems)
            continue
        if config.name in seen:
            problems.append(
                f"{config.file}: name: {config.name!r} is already the name of {seen[config.name]}"
            )
            continue
        seen[config.name] = config.file
        configs.append(config)
    if problems:
        raise ScheduleError(problems)
    return configs
