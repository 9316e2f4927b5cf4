"""The HTTP pieces shared by page checks (:mod:`linkcheck.check.fetch`) and archive look-ups
(:mod:`linkcheck.drift.archive`): the guarded client, per-host pacing, bounded reads, redirect
targets, ``Retry-After`` and backoff.

Both talk to servers that anyone may run, so both need the same guards: the address guard of
:mod:`linkcheck.http.network` under the client, every body read to a bound whatever its
compression, every ``Location`` value judged before it is followed, every wait a server asks
for capped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import random
import re
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from linkcheck import defaults
from linkcheck.errors import Stop
from linkcheck.http.network import Resolver, guarded_transport
from linkcheck.models import Reason


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How politely and how far to fetch (defaults: :mod:`linkcheck.defaults`)."""

    user_agent: str = defaults.USER_AGENT
    concurrency: int = defaults.CONCURRENCY
    per_host: int = defaults.PER_HOST
    host_interval: float = defaults.HOST_INTERVAL
    timeout: float = defaults.TIMEOUT
    retries: int = defaults.RETRIES
    max_redirects: int = defaults.MAX_REDIRECTS
    max_body: int = defaults.MAX_BODY_BYTES
    retry_after_cap: float = defaults.RETRY_AFTER_CAP
    backoff_base: float = defaults.BACKOFF_BASE
    backoff_max: float = defaults.BACKOFF_MAX
    soft404_ratio: float = defaults.SOFT404_RATIO
    http_stack: str = defaults.HTTP_STACK
    """Which transport carries the requests: one of :data:`defaults.HTTP_STACKS`."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What a previous check's final response said about its version, for a conditional request."""

    url: str
    """The URL that answered (the previous check's final URL): only a request to it is conditional."""
    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """``If-None-Match`` and ``If-Modified-Since``, for those known."""
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


# -- Retry-After and backoff ------------------------------------------------------------


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: about base, 2*base, 4*base... (never above cap)."""
    return min(cap, base * 2**attempt) * rng.uniform(0.5, 1.5)


# -- bounded reading -------------------------------------------------------------------


class BoundedDecoder:
    """Decompresses a Content-Encoding to at most ``limit`` bytes, whatever the compression ratio.

    httpx's own decoders inflate a whole network chunk at once (a 64 KB chunk of a gzip
    bomb is 64 MB); zlib's ``max_length`` keeps every step within the bound instead.
    """

    def __init__(self, encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self.limit = limit
        self.raw = False
        self.z: zlib._Decompress | None = None
        self.deflate = False
        if codings in (["gzip"], ["x-gzip"]):
            self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif codings == ["deflate"]:
            self.deflate = True  # zlib-wrapped or raw: decided on the first bytes
        elif codings:
            self.raw = True  # an encoding we did not ask for: kept as it came
        self.out = bytearray()

    @property
    def full(self) -> bool:
        """Has the bound been reached?"""
        return len(self.out) >= self.limit

    def feed(self, data: bytes) -> None:
        """Add a chunk as received; raises httpx.DecodingError on corrupt data."""
        if self.deflate and self.z is None:
            self.z = zlib.decompressobj(zlib.MAX_WBITS if data[:1] == b"\x78" else -zlib.MAX_WBITS)
        if self.z is None:
            self.out += data[: self.limit - len(self.out)]
            return
        pending = data
        try:
            while pending and not self.full and not self.z.eof:
                self.out += self.z.decompress(pending, self.limit - len(self.out))
                pending = self.z.unconsumed_tail
        except zlib.error as e:
            raise httpx.DecodingError(f"cannot decompress the body: {e}") from e


async def read_bounded(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """A streamed body read to ``limit`` bytes after decompression, and whether it was cut.

    The raw byte count bounds it too: a body whose compressed form alone exceeds the limit.
    """
    if response.is_stream_consumed:  # a transport that handed over a body already read (MockTransport)
        return response.content[:limit], len(response.content) > limit
    decoder = BoundedDecoder(response.headers.get("content-encoding"), limit)
    raw = 0
    async for chunk in response.aiter_raw():
        raw += len(chunk)
        decoder.feed(chunk)
        if decoder.full or raw >= limit:
            return bytes(decoder.out), True
    return bytes(decoder.out), False


# -- per-host politeness ---------------------------------------------------------------


class HostGate:
    """Requests to one host: at most ``per_host`` at once, starts ``interval`` apart, plus backoff."""

    def __init__(
        self, per_host: int, interval: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        self.free = per_host
        self.waiting: deque[asyncio.Future[None]] = deque()
        # The soft-404 probe jumps the queue: every check of the folder waits for its answer.
        self.urgent: deque[asyncio.Future[None]] = deque()
        self.sleep = sleep
        self.interval = interval
        self.extra = 0.0
        self.next_start = 0.0

    async def _acquire(self, urgent: bool) -> None:
        if self.free > 0 and not self.waiting and not self.urgent:
            self.free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self.urgent if urgent else self.waiting
        queue.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self._release()  # the slot was handed over just as we were cancelled: pass it on
            elif fut in queue:
                queue.remove(fut)
            raise

    def _release(self) -> None:
        for queue in (self.urgent, self.waiting):
            while queue:
                fut = queue.popleft()
                if not fut.done():
                    fut.set_result(None)  # the slot goes straight to the next waiter
                    return
        self.free += 1

    @asynccontextmanager
    async def slot(self, urgent: bool = False) -> AsyncIterator[None]:
        """Hold one of the host's slots, starting no sooner than its interval allows."""
        await self._acquire(urgent)
        try:
            loop = asyncio.get_running_loop()
            now = loop.time()
            start = max(now, self.next_start)
            self.next_start = start + self.interval + self.extra
            if start > now:
                await self.sleep(start - now)
            yield
        finally:
            self._release()

    def penalise(self, delay: float) -> None:
        """The host said 429 or 503: nothing before ``delay`` seconds, and a longer interval after."""
        now = asyncio.get_running_loop().time()
        self.next_start = max(self.next_start, now + delay)
        self.extra = min(defaults.HOST_BACKOFF_MAX, max(self.extra * 2, self.interval, 0.25))

    def relax(self) -> None:
        """A normal answer: earned backoff fades."""
        self.extra = self.extra / 2 if self.extra > 0.01 else 0.0


# -- redirect targets and the client ---------------------------------------------------

MAX_URL_LENGTH = 8192
"""Longest redirect target followed, in characters (common servers refuse longer request lines)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LABEL = re.compile(r"[A-Za-z0-9_-]+")
# An authority spelt out ("//...", "http://...") up to the path: its host must not be empty.
_AUTHORITY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)")


def http_url_problem(url: httpx.URL) -> str | None:
    """Why an http(s) URL cannot be requested, or None: no host, a bad port, a host that is not IDNA.

    httpx parses such URLs but fails later (on send, or inside the resolver's IDNA codec), far
    from the link they belong to; asking first lets the check record why.
    """
    try:
        host = url.raw_host.decode("ascii")
        port = url.port
    except (UnicodeError, ValueError) as e:
        return f"malformed host or port ({e})"
    if not host:
        return "no host"
    if port is not None and not 0 < port < 65536:
        return f"port {port} out of range"
    if ":" in host:
        return None  # an IPv6 literal: httpx has validated it
    if len(host) > 253:
        return "host name longer than 253 characters"
    for label in host.rstrip(".").split("."):
        if not label or len(label) > 63 or not _LABEL.fullmatch(label):
            return "malformed host name"
        if label.lower().startswith("xn--"):
            try:
                label.encode("ascii").decode("idna")
            except UnicodeError:
                return f"host label {label!r} is not valid IDNA"
    return None


def _authority_host(authority: str) -> str:
    """The host part of an authority (``user@host:port``), as written."""
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        return hostport
    return hostport.partition(":")[0]


def redirect_target(url: httpx.URL, location: str) -> httpx.URL:
    """The absolute URL a ``Location`` value points to from ``url``; raises Stop when unusable.

    The value comes from anyone on the web: other schemes (``mailto:``, ``javascript:``,
    ``data:``) end the check as ``unsupported-scheme``; a value that is not a usable http(s)
    URL (control characters, no host, bad IDNA, an absurd length) as ``invalid-url``.
    """
    shown = location if len(location) <= 200 else location[:200] + "..."
    value = location.strip()
    if len(value) > MAX_URL_LENGTH:
        raise Stop(Reason.INVALID_URL, f"{url} redirects to a URL of {len(value):,} characters")
    if _CONTROL.search(value):
        raise Stop(Reason.INVALID_URL, f"{url} redirects to a URL with control characters: {shown!r}")
    authority = _AUTHORITY.match(value)
    if authority and not _authority_host(authority.group(1)):
        raise Stop(Reason.INVALID_URL, f"{url} redirects to {shown!r}: no host")
    try:
        target = url.join(value)
    except (httpx.InvalidURL, UnicodeError, ValueError) as e:
        raise Stop(Reason.INVALID_URL, f"{url} redirects to an invalid URL {shown!r}: {e}") from e
    require_http(
        target,
        unsupported=f"{url} redirects to {target.scheme or 'no'} scheme: not checked",
        invalid=f"{url} redirects to {shown!r}",
    )
    return target


def require_http(url: httpx.URL, *, unsupported: str, invalid: str) -> None:
    """Stop unless ``url`` is an http(s) URL that can be requested (the start and every hop).

    ``unsupported`` is the message for another scheme; ``invalid`` starts the one for a URL that
    :func:`http_url_problem` refuses.
    """
    if url.scheme not in ("http", "https"):
        raise Stop(Reason.UNSUPPORTED_SCHEME, unsupported)
    problem = http_url_problem(url)
    if problem:
        raise Stop(Reason.INVALID_URL, f"{invalid}: {problem}")


def http_transport(
    resolver: Resolver, settings: FetchSettings, per_host: int | None = None
) -> httpx.AsyncBaseTransport:
    """The guarded transport of ``settings.http_stack``, connections to one host bounded by ``per_host``."""
    if settings.http_stack == "aiohttp":
        # Imported here: a run on the default stack does not pay for importing aiohttp.
        from linkcheck.http.aiohttp_transport import AiohttpTransport

        return AiohttpTransport(
            resolver, per_host=per_host or settings.per_host, max_pools=max(64, settings.concurrency)
        )
    return guarded_transport(
        resolver, per_host=per_host or settings.per_host, max_pools=max(64, settings.concurrency)
    )


class SetCookieJar(httpx.Cookies):
    """httpx's cookie jar, handed only the answers that set a cookie.

    httpx gives every response to its jar, which wraps the response and its request as urllib
    objects before looking for a ``Set-Cookie`` header: 40-90 us of the checking process's CPU
    an answer. The jar's policy (http.cookiejar's default: RFC 2965 off) takes cookies from
    ``Set-Cookie`` alone and ignores the rest, so an answer without one changes nothing in it.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep the cookies ``response`` sets (as httpx does), when it sets any."""
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class CheckingClient(httpx.AsyncClient):
    """httpx's client whose cookie jar is a :class:`SetCookieJar` (the same cookies, kept the same way)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_cookie_jar = SetCookieJar(kwargs.get("cookies"))

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookie jar, as httpx's ``cookies``."""
        return self._set_cookie_jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._set_cookie_jar = SetCookieJar(cookies)


def build_client(
    resolver: Resolver, settings: FetchSettings, per_host: int | None = None
) -> httpx.AsyncClient:
    """The run's one client: guarded transport, honest User-Agent, no automatic redirects.

    ``per_host`` sizes each host's connection pool when some host is allowed more requests
    at once than ``settings.per_host`` (``[hosts."name"] per_host``); the gates keep the limits.
    """
    transport = http_transport(resolver, settings, per_host)
    return CheckingClient(
        transport=transport,
        headers={"User-Agent": settings.user_agent},
        timeout=httpx.Timeout(settings.timeout),
        follow_redirects=False,
        trust_env=False,
        event_hooks={"response": [_hold_location]},
    )


HELD_LOCATION = "linkcheck.location"
"""Where :func:`_hold_location` keeps a response's ``Location`` value (``response.extensions``)."""


async def _hold_location(response: httpx.Response) -> None:
    """Take ``Location`` out of httpx's hands: the fetcher follows redirects itself.

    Even with redirects off, httpx builds the next request of every redirect response, and a
    hostile ``Location`` (``http:foo``, ``http://xn--/``) makes that raise out of ``send``,
    losing the response. Held aside, the value is judged by :func:`redirect_target` instead.
    """
    if "location" in response.headers:
        response.extensions[HELD_LOCATION] = response.headers["location"]
        del response.headers["location"]
