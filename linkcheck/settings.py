"""The settings file: ``linkcheck.toml``, ``[tool.linkcheck]`` in pyproject.toml, or ``--config FILE``.

README.md, "The settings file", gives its keys. Precedence, highest first: the command line, the
environment (an option's variable, ``LINKCHECK_ARCHIVE_URL``; ``LINKCHECK_CONFIG`` names the file),
the settings file, the defaults. Exclusions add up instead: the file's ``exclude``, the patterns of
``.linkcheckignore`` in the working directory and ``--exclude`` all apply. A settings file is
checked with the schedule files' reader (:data:`linkcheck.schedule.config.TableReader`), and its
``[check]`` table is read with the same declaration of check options (:data:`CHECK_OPTIONS`), so
every problem is one line naming the file, the key and what is wrong, with the key most likely meant.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from linkcheck.check.options import CHECK_OPTIONS, SCHEDULE_CHECK_KEYS, option_value
from linkcheck.check.rules import HostRule, Remap, compile_pattern, parse_remap, parse_statuses
from linkcheck.check.runner import CheckOptions, check_options
from linkcheck.errors import OptionError, SettingsError
from linkcheck.schedule.config import Owner, ScheduleConfig, TableReader, read_toml

SETTINGS_FILE = "linkcheck.toml"
"""Read from the working directory when no ``--config`` is given."""
PYPROJECT = "pyproject.toml"
"""Its ``[tool.linkcheck]`` table is read when there is no linkcheck.toml."""
IGNORE_FILE = ".linkcheckignore"
"""URL patterns to exclude, a regular expression a line (``#``: a comment), like lychee's .lycheeignore."""
CONFIG_ENV = "LINKCHECK_CONFIG"
"""Environment variable naming the settings file when ``--config`` is not given."""

TOP_KEYS = ("exclude", "exclude_documents", "accept", "check", "remap", "proxy", "hosts", "owners")
#: The settings file's [check] keys: the schedule files' (one declaration, CHECK_OPTIONS).
CHECK_KEYS = SCHEDULE_CHECK_KEYS
HOST_KEYS = ("per_host", "host_interval", "timeout", "headers", "accept")
PROXY_KEYS = ("prefixes", "hosts", "unwrap")
REMAP_KEYS = ("pattern", "replacement")
OWNER_KEYS = ("name", "email", "documents")

DEFAULT = "default"
COMMAND_LINE = "command line"


def owner_of(owners: tuple[Owner, ...], path: str) -> Owner | None:
    """The first owner (in the file's order) of the document at ``path``."""
    return next((o for o in owners if o.owns(path)), None)


@dataclass(frozen=True, slots=True)
class Settings:
    """A settings file as read and checked (every field empty when there is none)."""

    file: str | None = None
    """Where the settings came from, as messages and ``config show`` name it."""
    check: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Check options by name (:data:`CHECK_OPTIONS`), as the file gives them."""
    exclude: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    """Patterns of the ignore file."""
    ignore_file: str | None = None
    exclude_documents: tuple[str, ...] = ()
    remaps: tuple[Remap, ...] = ()
    unwrap_proxies: bool = True
    proxy_prefixes: tuple[str, ...] = ()
    proxy_hosts: tuple[str, ...] = ()
    hosts: Mapping[str, HostRule] = field(default_factory=lambda: MappingProxyType({}))
    owners: tuple[Owner, ...] = ()

    def owner(self, name: str) -> Owner | None:
        """The owner called ``name`` (case-insensitive), or None."""
        return next((o for o in self.owners if o.name.casefold() == name.casefold()), None)


# -- finding and reading ------------------------------------------------------------------


def find_settings(explicit: str | None = None, cwd: Path | None = None) -> tuple[Path, bool] | None:
    """The settings file to read and whether it is a pyproject.toml, or None when there is none.

    ``--config`` first, then ``LINKCHECK_CONFIG``, then linkcheck.toml, then a pyproject.toml
    with a ``[tool.linkcheck]`` table, in the working directory. A named file that is missing
    is a SettingsError.
    """
    cwd = cwd or Path.cwd()
    named = explicit or os.environ.get(CONFIG_ENV) or None
    if named:
        path = cwd / named
        if not path.is_file():
            how = "--config" if explicit else CONFIG_ENV
            raise SettingsError([f"{named}: no such settings file (named by {how})"])
        return path, path.name == PYPROJECT
    if (cwd / SETTINGS_FILE).is_file():
        return cwd / SETTINGS_FILE, False
    pyproject = cwd / PYPROJECT
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None  # another tool's file: ours only if it says tool.linkcheck
        if "tool.linkcheck" in text:
            return pyproject, True
    return None


def load_settings(explicit: str | None = None, cwd: Path | None = None) -> Settings:
    """The settings in force in ``cwd`` (the working directory): file and ignore file, checked.

    SettingsError lists every problem found, each naming the file and the key.
    """
    cwd = cwd or Path.cwd()
    found = find_settings(explicit, cwd)
    settings = (
        Settings()
        if found is None
        else read_settings(found[0], pyproject=found[1], shown=_shown(found[0], cwd))
    )
    ignore_path = cwd / IGNORE_FILE
    if ignore_path.is_file():
        settings = replace(settings, ignore=read_ignore(ignore_path, IGNORE_FILE), ignore_file=IGNORE_FILE)
    return settings


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def read_ignore(path: Path, shown: str) -> tuple[str, ...]:
    """The patterns of an ignore file; SettingsError names each bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise SettingsError([f"{shown}: cannot read: {e.strerror or e}"]) from None
    except UnicodeDecodeError:
        raise SettingsError([f"{shown}: not UTF-8 text"]) from None
    patterns: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            compile_pattern(text)
        except ValueError as e:
            problems.append(f"{shown}: line {number}: {e}")
            continue
        patterns.append(text)
    if problems:
        raise SettingsError(problems)
    return tuple(patterns)


def read_settings(path: Path, *, pyproject: bool = False, shown: str | None = None) -> Settings:
    """Read and check one settings file (its ``[tool.linkcheck]`` table when ``pyproject``)."""
    shown = shown or str(path)
    data = read_toml(path, shown, SettingsError)
    prefix = ""
    label = shown
    if pyproject:
        tool = data.get("tool", {})
        data = tool.get("linkcheck", {}) if isinstance(tool, dict) else {}
        prefix = "tool.linkcheck."
        label = f"{shown} [tool.linkcheck]"
        if not isinstance(data, dict):
            raise SettingsError([f"{shown}: tool.linkcheck: expected a table ([tool.linkcheck])"])
    r = TableReader(shown)
    return _read(r, data, prefix, label)


def _read(r: TableReader, data: dict[str, Any], at: str, label: str) -> Settings:
    r.known(data, TOP_KEYS, at)
    check: dict[str, Any] = {}
    table = data.get("check")
    if table is not None and not isinstance(table, dict):
        r.problem(f"{at}check", "expected a table ([check])")
        table = None
    table = table or {}
    r.known(table, CHECK_KEYS, f"{at}check.")
    for key, value in table.items():
        if key not in CHECK_KEYS:
            continue
        if key == "accept":
            value = _accept(r, f"{at}check.accept", value)
            if value is None:
                continue
        try:
            check_options({key: value})
        except OptionError as e:
            r.problem(f"{at}check.{key}", str(e))
            continue
        check[key] = value
    excludes = list(r.strings(data, "exclude", f"{at}exclude", '["^https?://localhost"]') or ())
    excludes += check.pop("exclude", [])
    for pattern in excludes:
        try:
            compile_pattern(pattern)
        except ValueError as e:
            r.problem(f"{at}exclude", str(e))
    if "accept" in data:
        accept = _accept(r, f"{at}accept", data["accept"])
        if accept is not None:
            check.setdefault("accept", accept)  # [check] accept, more specific, wins
    documents = r.strings(data, "exclude_documents", f"{at}exclude_documents", '["drafts/**"]') or ()
    remaps = _remaps(r, data, at)
    unwrap, prefixes, proxy_hosts = _proxy(r, data, at)
    hosts = _hosts(r, data, at)
    owners = _owners(r, data, at)
    if r.problems:
        raise SettingsError(r.problems)
    return Settings(
        file=label, check=MappingProxyType(check), exclude=tuple(excludes), exclude_documents=documents,
        remaps=remaps, unwrap_proxies=unwrap, proxy_prefixes=prefixes, proxy_hosts=proxy_hosts,
        hosts=MappingProxyType(hosts), owners=owners,
    )  # fmt: skip


def _accept(r: TableReader, key: str, value: Any) -> str | None:
    """Accepted statuses as the option's text (``200..299,403``), from a string, a number or a list."""
    try:
        return str(parse_statuses(value))
    except (ValueError, TypeError) as e:
        r.problem(key, f'{e} (e.g. accept = "200..299,403")')
        return None


def _tables(r: TableReader, data: dict[str, Any], key: str, example: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]  # [remap] written for [[remap]]: one table, meant the same way
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        r.problem(key, f"expected [[{key}]] tables, each with {example}")
        return []
    return value


def _remaps(r: TableReader, data: dict[str, Any], at: str) -> tuple[Remap, ...]:
    rules: list[Remap] = []
    for i, table in enumerate(_tables(r, data, "remap", "pattern and replacement"), 1):
        key = f"{at}remap[{i}]."
        r.known(table, REMAP_KEYS, key)
        pattern = r.get(table, "pattern", str, f"{key}pattern", "a regular expression")
        replacement = r.get(table, "replacement", str, f"{key}replacement", "a URL, with $1 for groups")
        for name in REMAP_KEYS:
            if name not in table:
                r.problem(f"{key}{name}", "missing")
        if pattern is not None and replacement is not None:
            try:
                rules.append(parse_remap(pattern, replacement))
            except ValueError as e:
                r.problem(f"{key}pattern", str(e))
    return tuple(rules)


def _proxy(r: TableReader, data: dict[str, Any], at: str) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    table = data.get("proxy")
    if table is None:
        return True, (), ()
    if not isinstance(table, dict):
        r.problem(f"{at}proxy", "expected a table ([proxy])")
        return True, (), ()
    r.known(table, PROXY_KEYS, f"{at}proxy.")
    unwrap = r.get(table, "unwrap", bool, f"{at}proxy.unwrap", "true or false")
    example = '["https://login.proxy.example.edu/login?url="]'
    prefixes = r.strings(table, "prefixes", f"{at}proxy.prefixes", example) or ()
    for prefix in prefixes:
        parts = urlsplit(prefix)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            r.problem(f"{at}proxy.prefixes", f"{prefix!r} is not an http or https URL prefix")
    hosts = r.strings(table, "hosts", f"{at}proxy.hosts", '["ezproxy.example.edu"]') or ()
    for host in hosts:
        if "/" in host or ":" in host or " " in host:
            r.problem(f"{at}proxy.hosts", f"{host!r} is not a host name (such as ezproxy.example.edu)")
    return unwrap if unwrap is not None else True, prefixes, tuple(h.lower().strip(".") for h in hosts)


def _hosts(r: TableReader, data: dict[str, Any], at: str) -> dict[str, HostRule]:
    table = data.get("hosts")
    if table is None:
        return {}
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        r.problem(f"{at}hosts", 'expected tables such as [hosts."slow.example.org"]')
        return {}
    rules: dict[str, HostRule] = {}
    for host, values in table.items():
        key = f'{at}hosts."{host}".'
        r.known(values, HOST_KEYS, key)
        found: dict[str, Any] = {}
        for name in ("per_host", "host_interval", "timeout"):
            if name in values:
                try:
                    found[name] = option_value(name, values[name])
                except OptionError as e:
                    r.problem(f"{key}{name}", str(e))
        headers = r.get(values, "headers", dict, f"{key}headers", '{ "Accept-Language" = "en" }')
        if headers is not None:
            if all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
                found["headers"] = tuple(headers.items())
            else:
                r.problem(f"{key}headers", f"expected header names and text values, got {headers!r}")
        if "accept" in values:
            accept = _accept(r, f"{key}accept", values["accept"])
            if accept is not None:
                found["accept"] = parse_statuses(accept)
        rules[host.lower()] = HostRule(**found)
    return rules


def _owners(r: TableReader, data: dict[str, Any], at: str) -> tuple[Owner, ...]:
    owners: list[Owner] = []
    for i, table in enumerate(_tables(r, data, "owners", "name and documents"), 1):
        key = f"{at}owners[{i}]."
        r.known(table, OWNER_KEYS, key)
        name = r.get(table, "name", str, f"{key}name", "a string")
        email = r.get(table, "email", str, f"{key}email", "an e-mail address")
        documents = r.strings(table, "documents", f"{key}documents", '["reading-lists/hist*/**"]')
        if "name" not in table:
            r.problem(f"{key}name", "missing")
        elif name is not None and not name.strip():
            r.problem(f"{key}name", "must not be empty")
        if "documents" not in table:
            r.problem(f"{key}documents", "missing: the globs of this owner's documents")
        if email is not None and "@" not in email:
            r.problem(f"{key}email", f"{email!r} is not an e-mail address")
        if name and name.strip() and documents:
            owners.append(Owner(name.strip(), email, documents))
    return tuple(owners)


# -- the effective settings -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Effective:
    """Check options with the precedence applied, and where each value came from."""

    options: CheckOptions
    values: dict[str, Any]
    sources: dict[str, str]


def effective(cli: Mapping[str, Any], given: Mapping[str, str], settings: Settings) -> Effective:
    """The check options in force: ``given`` (key: ``command line`` or ``environment ...``) from
    ``cli``, else the settings file's, else ``cli``'s default; exclusions from every source.

    Raises OptionError for a bad command-line value (the file's were checked when read).
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    file = settings.file or "settings file"
    for key in CHECK_OPTIONS:
        if key == "exclude":
            cli_patterns = list(cli.get("exclude") or ()) if "exclude" in given else []
            values[key] = [*settings.exclude, *settings.ignore, *cli_patterns]
            from_ = [s for s, got in ((file, settings.exclude), (settings.ignore_file, settings.ignore),
                                      (given.get("exclude"), cli_patterns)) if s and got]  # fmt: skip
            sources[key] = ", ".join(from_) or DEFAULT
        elif key in given:
            values[key], sources[key] = cli.get(key), given[key]
        elif CHECK_OPTIONS[key].from_environment() is not None:
            values[key] = CHECK_OPTIONS[key].from_environment()
            sources[key] = f"environment {CHECK_OPTIONS[key].envvar}"
        elif key in settings.check:
            values[key], sources[key] = settings.check[key], file
        else:
            values[key], sources[key] = cli.get(key), DEFAULT
    options = check_options(values)
    rules = options.rules
    rules = replace(
        rules,
        exclude_documents=settings.exclude_documents,
        remaps=rules.remaps + settings.remaps,  # the command line's first: the first match applies
        unwrap_proxies=settings.unwrap_proxies,
        proxy_prefixes=settings.proxy_prefixes,
        proxy_hosts=settings.proxy_hosts,
        hosts=settings.hosts,
    )
    return Effective(replace(options, rules=rules), values, sources)


def apply_to_schedule(config: ScheduleConfig, settings: Settings) -> ScheduleConfig:
    """A schedule with the settings file under it: the schedule's ``[check]`` keys win, the file
    fills in the rest (exclusions add up, as on the command line), and its owners come along."""
    given = {key: config.file for key in config.check_values}
    eff = effective(config.check_values, given, settings)
    return replace(
        config, check=replace(eff.options, documents=config.check.documents), owners=settings.owners
    )


def describe(eff: Effective, settings: Settings) -> list[str]:
    """``config show``: one line per setting, as TOML, with where it came from."""
    lines = [f"# settings file: {settings.file or 'none'}"]
    if settings.ignore_file:
        lines.append(f"# ignore file: {settings.ignore_file} ({len(settings.ignore)} patterns)")
    rows: list[tuple[str, str]] = []
    for key, option in CHECK_OPTIONS.items():
        if option.selection:
            continue  # what to check this time, not a setting
        value, source = eff.values[key], eff.sources[key]
        if value is None:
            if option.kind is not list:
                rows.append((f"# {key} = (not set)", source))
                continue
            value = []
        if key == "remap" and settings.remaps:
            value = [*(value or ()), *(str(r) for r in settings.remaps)]
            source = ", ".join(s for s in (source if source != DEFAULT else None, settings.file) if s)
        rows.append((f"{key} = {_toml(value)}", source))
    file = settings.file or DEFAULT
    rows.append((f"exclude_documents = {_toml(list(settings.exclude_documents))}",
                 file if settings.exclude_documents else DEFAULT))  # fmt: skip
    rows.append(
        (f"proxy.unwrap = {_toml(settings.unwrap_proxies)}", DEFAULT if settings.unwrap_proxies else file)
    )
    rows.append(
        (
            f"proxy.prefixes = {_toml(list(settings.proxy_prefixes))}",
            file if settings.proxy_prefixes else DEFAULT,
        )
    )
    rows.append(
        (f"proxy.hosts = {_toml(list(settings.proxy_hosts))}", file if settings.proxy_hosts else DEFAULT)
    )
    for host, rule in settings.hosts.items():
        given = (
            ("per_host", rule.per_host),
            ("host_interval", rule.host_interval),
            ("timeout", rule.timeout),
        )
        parts: dict[str, Any] = {k: v for k, v in given if v is not None}
        if rule.accept is not None:
            parts["accept"] = str(rule.accept)
        if rule.headers:
            parts["headers"] = dict(rule.headers)
        rows.append((f'hosts."{host}" = {_toml(parts)}', file))
    for owner in settings.owners:
        parts = {"name": owner.name, "email": owner.email, "documents": list(owner.documents)}
        rows.append((f"owners = {_toml({k: v for k, v in parts.items() if v is not None})}", file))
    width = min(max(len(text) for text, _ in rows), 70)
    lines += [f"{text:<{width}}  # {source}" for text, source in rows]
    return lines


def _toml(value: Any) -> str:
    """A value as TOML would write it (inline), for ``config show``."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Mapping):
        pairs = [f"{k if k.replace('_', '').isalnum() else _toml(k)} = {_toml(v)}" for k, v in value.items()]
        return "{ " + ", ".join(pairs) + " }" if value else "{}"
    return "[" + ", ".join(_toml(v) for v in value) + "]"
