"""What to check instead of what is cited, and what not to check: exclusions, accepted statuses,
remap rules, proxy unwrapping and per-host overrides (README.md, "The settings file").

Pure and small: :class:`Rules` answers questions about one URL (is it excluded? what is
requested for it? is this status alive here?) and never touches the network or the database.

Proxied links: a library's reading list cites articles through its EZproxy so that readers off
campus get in, either as a starting-point URL (``https://ezproxy.example.edu/login?url=<target>``,
or ``qurl=`` with the target percent-encoded) or with the target's host name rewritten into the
proxy's (``www-publisher-com.ezproxy.example.edu``: dots become hyphens, hyphens double). Checked
as written, such a link is the proxy's login page: alive whatever became of the article. So the
target is unwrapped and checked instead; nothing is sent to the proxy. See EZproxy's documentation
of starting point URLs and proxy by host name:
https://help.oclc.org/Library_Management/EZproxy/Configure_resources/Starting_point_URLs_and_config.txt
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote, urlsplit, urlunsplit

#: Paths of EZproxy's starting-point URLs (``/login?url=``, ``/login?qurl=``).
PROXY_LOGIN_PATHS = ("/login",)
#: A host label that marks an EZproxy server when a rewritten host name is seen without
#: configuration (``www-jstor-org.ezproxy.lib.example.edu``, ``...ezproxy2.example.ac.uk``).
PROXY_HOST_LABEL = re.compile(r"^ezproxy\d*$")

_STATUS = re.compile(r"^\s*(\d{3})\s*(?:\.\.\s*(\d{3})\s*)?$")
# lychee writes a remap replacement's groups as $1 or ${1} (Rust's regex syntax).
_DOLLAR_GROUP = re.compile(r"\$(?:\{(\w+)\}|(\d+))")


@dataclass(frozen=True, slots=True)
class StatusSet:
    """HTTP statuses counted as alive: ``200..299,403``."""

    ranges: tuple[tuple[int, int], ...] = ()

    def __contains__(self, status: object) -> bool:
        return isinstance(status, int) and any(lo <= status <= hi for lo, hi in self.ranges)

    def __str__(self) -> str:
        return ",".join(str(lo) if lo == hi else f"{lo}..{hi}" for lo, hi in self.ranges)


def parse_statuses(value: str | int | Iterable[str | int]) -> StatusSet:
    """``"200..299,403"``, ``403`` or ``[200, "400..403"]`` as a :class:`StatusSet`; ValueError if bad."""
    items: list[str] = []
    for part in [value] if isinstance(value, str | int) else value:
        if isinstance(part, bool) or not isinstance(part, str | int):
            raise ValueError(f"{part!r} is not a status such as 403 or a range such as 200..299")
        items.extend(str(part).split(","))
    ranges: list[tuple[int, int]] = []
    for item in items:
        if not item.strip():
            continue
        m = _STATUS.match(item)
        if not m:
            raise ValueError(f"{item.strip()!r} is not a status such as 403 or a range such as 200..299")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if not (100 <= lo <= hi <= 999):
            raise ValueError(f"{item.strip()!r} is not a range of HTTP statuses (100..999, low to high)")
        ranges.append((lo, hi))
    if not ranges:
        raise ValueError("no status given: write them as 200..299,403")
    return StatusSet(tuple(ranges))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A URL pattern as a regular expression; ValueError says what is wrong with it."""
    if not pattern.strip():
        raise ValueError("an empty pattern would match every URL")
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ValueError(f"{pattern!r} is not a regular expression: {e}") from None


@dataclass(frozen=True, slots=True)
class Remap:
    """Rewrite a URL before checking it (lychee's ``--remap``): the first rule that matches applies."""

    pattern: re.Pattern[str]
    replacement: str
    """As written, with ``$1`` or ``\\1`` for groups."""

    def apply(self, url: str) -> str | None:
        """The rewritten URL, or None when the pattern does not match."""
        if not self.pattern.search(url):
            return None
        return self.pattern.sub(_python_template(self.replacement), url, count=1)

    def __str__(self) -> str:
        return f"{self.pattern.pattern} {self.replacement}"


def _python_template(replacement: str) -> str:
    return _DOLLAR_GROUP.sub(lambda m: f"\\g<{m.group(1) or m.group(2)}>", replacement)


def parse_remap(pattern: str, replacement: str) -> Remap:
    """A remap rule; ValueError for a bad pattern or a replacement naming a group the pattern lacks."""
    rule = Remap(compile_pattern(pattern), replacement)
    compiled = rule.pattern
    for m in re.finditer(r"\\g<(\w+)>|\\(\d+)", _python_template(replacement)):
        name = m.group(1) or m.group(2)
        known = int(name) <= compiled.groups if name.isdigit() else name in compiled.groupindex
        if not known:
            raise ValueError(f"replacement {replacement!r} names group {name}, which {pattern!r} lacks")
    return rule


def parse_remap_arg(text: str) -> Remap:
    """``--remap 'REGEX REPLACEMENT'`` (separated by white space) as a rule; ValueError if bad."""
    parts = text.strip().split(None, 1)
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not 'REGEX REPLACEMENT' (a pattern, a space, its replacement)")
    return parse_remap(parts[0], parts[1])


@dataclass(frozen=True, slots=True)
class HostRule:
    """Overrides for one host: ``[hosts."name"]`` in the settings file (None: the run's value)."""

    per_host: int | None = None
    host_interval: float | None = None
    timeout: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    accept: StatusSet | None = None


def _ezproxy_login(url: str, prefixes: Iterable[str], default: bool) -> str | None:
    target = _login_target(url, prefixes, default)
    # Only a web address is a proxy's target: a site's own /login?url=/cart is its return path.
    return target if target and re.match(r"https?://", target, re.I) else None


def _login_target(url: str, prefixes: Iterable[str], default: bool) -> str | None:
    for prefix in prefixes:
        if url.startswith(prefix) and len(url) > len(prefix):
            rest = url[len(prefix) :]
            return unquote(rest) if "://" not in rest else rest
    if not default:
        return None
    parts = urlsplit(url)
    if parts.path.rstrip("/").lower() not in PROXY_LOGIN_PATHS or not parts.query:
        return None
    query = parts.query + (f"#{parts.fragment}" if parts.fragment else "")
    # EZproxy takes everything after url= as the target, & and # included (it must come last);
    # qurl= is one percent-encoded parameter.
    m = re.search(r"(?:^|&)url=(.+)$", query, re.I | re.S)
    if m:
        target = m.group(1)
        return unquote(target) if re.match(r"https?%3a", target, re.I) else target
    m = re.search(r"(?:^|&)qurl=([^&#]+)", query, re.I)
    if m:
        return unquote(m.group(1))
    return None


def _rewritten_host(url: str, hosts: Iterable[str], default: bool) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    label, dot, rest = host.partition(".")
    if not dot or "-" not in label:
        return None
    known = any(rest == h.lower().strip(".") for h in hosts)
    if not known and not (default and any(PROXY_HOST_LABEL.match(x) for x in rest.split(".")[:1])):
        return None
    # EZproxy writes the target's dots as hyphens and its hyphens as two.
    target = ".".join(piece.replace("\0", "-") for piece in label.replace("--", "\0").split("-"))
    if not target or target.startswith(".") or target.endswith(".") or ".." in target:
        return None
    netloc = target + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True, slots=True)
class Rules:
    """Per-URL rules of a run: exclusions, remaps, proxies, accepted statuses, per-host overrides."""

    exclude: tuple[re.Pattern[str], ...] = ()
    """URLs matching any of these are not fetched: verdict ``skipped``, reason ``excluded``."""
    exclude_documents: tuple[str, ...] = ()
    """Globs of documents whose citations are not checked (a link cited elsewhere too still is)."""
    accept: StatusSet | None = None
    remaps: tuple[Remap, ...] = ()
    unwrap_proxies: bool = True
    """Unwrap EZproxy links recognised without configuration (``/login?url=``, ``ezproxy`` hosts)."""
    proxy_prefixes: tuple[str, ...] = ()
    """Starting-point prefixes of proxies: ``https://login.proxy.example.edu/login?url=``."""
    proxy_hosts: tuple[str, ...] = ()
    """Host names of proxies that rewrite host names: ``proxy.example.edu``."""
    hosts: Mapping[str, HostRule] = field(default_factory=lambda: MappingProxyType({}))

    def excluded(self, url: str) -> str | None:
        """The exclude pattern ``url`` matches, or None."""
        for pattern in self.exclude:
            if pattern.search(url):
                return pattern.pattern
        return None

    def unwrap(self, url: str) -> str | None:
        """The target of a proxied link, or None when ``url`` is not one."""
        return _ezproxy_login(url, self.proxy_prefixes, self.unwrap_proxies) or _rewritten_host(
            url, self.proxy_hosts, self.unwrap_proxies
        )

    def target(self, url: str) -> str:
        """What to request for a cited ``url``: the proxy's target, then the first remap that matches."""
        url = self.unwrap(url) or url
        for rule in self.remaps:
            found = rule.apply(url)
            if found is not None:
                return found
        return url

    def host_rule(self, host: str, port: int | None = None) -> HostRule | None:
        """The overrides for ``host`` (``name:port`` first, then the bare name), or None."""
        if not self.hosts:
            return None
        host = host.lower()
        if port is not None and f"{host}:{port}" in self.hosts:
            return self.hosts[f"{host}:{port}"]
        return self.hosts.get(host)

    def accepts(self, status: int | None, host: str, port: int | None = None) -> bool:
        """Is ``status`` counted as alive for ``host`` (its own list, else the run's)?"""
        if status is None:
            return False
        rule = self.host_rule(host, port)
        statuses = rule.accept if rule is not None and rule.accept is not None else self.accept
        return statuses is not None and status in statuses

    @property
    def most_per_host(self) -> int:
        """The largest per-host limit any host is given (0: none given)."""
        return max((r.per_host or 0 for r in self.hosts.values()), default=0)
