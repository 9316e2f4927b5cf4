"""The web archive: Wayback-Machine availability lookups and snapshot fetches, politely.

The availability API (``{base}/wayback/available?url=...&timestamp=YYYYMMDD``) answers the
capture closest to a date; a capture's original bytes, without the archive's banner and
rewritten links, are fetched in the ``id_`` form (``/web/<timestamp>id_/<url>``).

Trust: the archive is named by the user (``--archive-url``), so requests to its host, and to
the hosts under it (``web.archive.org`` under ``archive.org``), are sent even when that host
is a private or loopback address: a user may run a private Wayback instance, and the tests
run a fake one on loopback. A snapshot URL the archive points to on any other host is an
ordinary URL and goes through the address guard like every link.

Politeness and failure: at most :data:`~linkcheck.check.config.ARCHIVE_CONCURRENCY` requests
in flight, starts :data:`~linkcheck.check.config.ARCHIVE_INTERVAL` apart, each bounded by its
own timeout; after :data:`~linkcheck.check.config.ARCHIVE_BREAKER` failures in a row the
archive is taken as down for the rest of the run and asked nothing more, so a dead or stalled
archive costs a run a few timeouts at most and never fails a check.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from dataclasses import dataclass, field

import httpx

from linkcheck.check import config
from linkcheck.check.fetch import HELD_LOCATION, read_bounded, redirect_target, retry_after_seconds
from linkcheck.errors import AddressRefused, ArchiveUnavailable, DnsError, Stop
from linkcheck.models import Snapshot

MAX_ANSWER_BYTES = 1024 * 1024
"""Largest availability answer read: a real one is a few hundred bytes."""
MAX_SNAPSHOT_REDIRECTS = 5
"""Redirect hops followed when fetching a snapshot (the archive redirects to the exact capture)."""
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CAPTURE = re.compile(r"/web/(\d{4,14})[a-z]*_?/")


# -- pure helpers ---------------------------------------------------------------------


def availability_url(base: str, url: str, date: dt.date) -> httpx.URL:
    """The availability question for ``url`` near ``date`` (the contract's form)."""
    return httpx.URL(
        f"{base.rstrip('/')}/wayback/available", params={"url": url, "timestamp": date.strftime("%Y%m%d")}
    )


def iso_timestamp(wayback: str) -> str:
    """A Wayback timestamp (``YYYYMMDDhhmmss``, maybe shortened) as UTC ISO 8601; ValueError if not one."""
    digits = wayback.strip()
    if not digits.isdigit() or not 4 <= len(digits) <= 14:
        raise ValueError(f"not a Wayback timestamp: {wayback!r}")
    digits = digits.ljust(14, "0")
    # A shortened timestamp pads to month 00 or day 00: read those as the first.
    year, month, day = digits[:4], digits[4:6], digits[6:8]
    month = "01" if month == "00" else month
    day = "01" if day == "00" else day
    when = dt.datetime.strptime(f"{year}{month}{day}{digits[8:]}", "%Y%m%d%H%M%S")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_availability(data: object) -> Snapshot | None:
    """The closest capture in an availability answer (parsed JSON), or None when there is none.

    The real shape: ``{"url": ..., "archived_snapshots": {"closest": {"available": true,
    "url": ..., "timestamp": "20170908093512", "status": "200"}}}``; ``archived_snapshots``
    is ``{}`` when nothing is archived. A capture marked unavailable, or of an error page
    (a status other than 2xx), is no snapshot of the cited page. Raises
    :class:`ArchiveUnavailable` for an answer of another shape.
    """
    if not isinstance(data, dict) or not isinstance(data.get("archived_snapshots", {}), dict):
        raise ArchiveUnavailable("the availability answer is not the Wayback JSON shape")
    closest = data.get("archived_snapshots", {}).get("closest")
    if closest is None:
        return None
    if not isinstance(closest, dict):
        raise ArchiveUnavailable("the availability answer's closest capture is not an object")
    if closest.get("available") is False:
        return None
    url, stamp = closest.get("url"), closest.get("timestamp")
    if not isinstance(url, str) or not url or not isinstance(stamp, str | int):
        raise ArchiveUnavailable("the availability answer's closest capture has no url or timestamp")
    status_text = str(closest.get("status") or "").strip()
    status = int(status_text) if status_text.isdigit() else None
    if status is not None and not 200 <= status < 300:
        return None
    try:
        iso = iso_timestamp(str(stamp))
    except ValueError as e:
        raise ArchiveUnavailable(str(e)) from e
    # The API names captures with http://web.archive.org; the archive serves them over https.
    if url.startswith("http://web.archive.org/"):
        url = "https://" + url.removeprefix("http://")
    return Snapshot(url=url, timestamp=iso, status=status)


def id_url(snapshot_url: str) -> str:
    """The ``id_`` form of a capture URL: the original bytes, without the archive's banner.

    ``.../web/20170908093512/http://x.org/`` becomes ``.../web/20170908093512id_/http://x.org/``;
    other flags after the timestamp (``im_``, ``if_``) are replaced; a URL not of this form is kept.
    """
    return _CAPTURE.sub(r"/web/\1id_/", snapshot_url, count=1)


def distance_days(snapshot: Snapshot, accessed: dt.date | None) -> int | None:
    """Days from the accessed-on date to the capture (negative: captured before), or None without a date."""
    if accessed is None:
        return None
    return (snapshot.when.date() - accessed).days


def is_trusted(url: str | httpx.URL, base: str) -> bool:
    """Is ``url`` on the archive's own host (the host of ``base``, or one under it)?"""
    host = (httpx.URL(url).host if isinstance(url, str) else url.host).lower().rstrip(".")
    own = (httpx.URL(base).host or "").lower().rstrip(".")
    return bool(own) and (host == own or host.endswith("." + own))


# -- the client -----------------------------------------------------------------------


@dataclass(slots=True)
class Fetched:
    """A snapshot's bytes as fetched in the ``id_`` form."""

    status: int
    content_type: str | None
    body: bytes | None


@dataclass(slots=True)
class ArchiveClient:
    """Asks one archive, politely, with a breaker that stops asking a dead archive.

    ``trusted`` is a client allowed to connect to the archive's host whatever its address;
    ``guarded`` is the run's ordinary client, for snapshot URLs on any other host.
    """

    base: str
    trusted: httpx.AsyncClient
    guarded: httpx.AsyncClient
    timeout: float = config.ARCHIVE_TIMEOUT
    user_agent: str = config.USER_AGENT
    max_body: int = config.MAX_BODY_BYTES
    breaker: int = config.ARCHIVE_BREAKER
    concurrency: int = field(default_factory=lambda: config.ARCHIVE_CONCURRENCY)
    interval: float = field(default_factory=lambda: config.ARCHIVE_INTERVAL)
    requests: int = 0
    """Requests sent (or attempted) to the archive in this run."""
    responses: int = 0
    """Responses the archive (or a snapshot host) gave in this run."""
    failures: int = 0
    """Failures in a row; at ``breaker`` the archive is down for the rest of the run."""
    _slots: asyncio.Semaphore | None = None
    _next_start: float = 0.0
    _extra: float = 0.0
    """Interval earned by a 429 or 503, fading with normal answers."""

    @property
    def down(self) -> bool:
        """Has the archive failed often enough in a row to stop asking it?"""
        return self.failures >= self.breaker

    @property
    def answered(self) -> bool:
        """Did the archive answer anything during the run?"""
        return self.responses > 0

    async def available(self, url: str, date: dt.date) -> Snapshot | None:
        """The capture of ``url`` closest to ``date`` (today's date: the latest), or None when none exists.

        Raises :class:`ArchiveUnavailable` when the archive did not answer usably.
        """
        status, _, body = await self._get(availability_url(self.base, url, date), MAX_ANSWER_BYTES)
        if status != 200 or body is None:
            raise self._failed(f"the archive answered {status} to an availability question")
        try:
            data = json.loads(body.decode("utf-8", errors="replace"))
            found = parse_availability(data)
        except (ValueError, ArchiveUnavailable) as e:
            raise self._failed(f"unreadable availability answer: {e}") from e
        self.failures = 0
        return found

    async def fetch(self, snapshot_url: str) -> Fetched:
        """A capture's original bytes (the ``id_`` form), following the archive's redirects.

        Raises :class:`ArchiveUnavailable` for a transient failure (worth another try in a
        later run); a final 4xx is returned as it is.
        """
        target = httpx.URL(id_url(snapshot_url))
        for _ in range(MAX_SNAPSHOT_REDIRECTS + 1):
            status, headers, body = await self._get(target, self.max_body)
            location = headers.get("location")
            if status in _REDIRECTS and location:
                try:
                    target = redirect_target(target, location)
                except Stop as e:
                    raise self._failed(str(e)) from e
                continue
            if status == 429 or status >= 500:
                raise self._failed(f"the archive answered {status} for {snapshot_url}")
            self.failures = 0
            return Fetched(status, headers.get("content-type"), body)
        raise ArchiveUnavailable(f"too many redirects fetching {snapshot_url}")

    def _failed(self, message: str) -> ArchiveUnavailable:
        self.failures += 1
        return ArchiveUnavailable(message)

    async def _get(self, url: httpx.URL, limit: int) -> tuple[int, dict[str, str], bytes | None]:
        """One GET within the archive's politeness and timeout; the body of a 2xx read to ``limit``."""
        if self.down:
            raise ArchiveUnavailable("the archive is not answering; not asked again in this run")
        client = self.trusted if is_trusted(url, self.base) else self.guarded
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            await self._pace()
            self.requests += 1
            try:
                async with asyncio.timeout(self.timeout):
                    sent = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"}
                    request = client.build_request("GET", url, headers=sent)
                    response = await client.send(request, stream=True)
                    try:
                        self.responses += 1
                        headers = {k.lower(): v for k, v in response.headers.items()}
                        held = response.extensions.get(HELD_LOCATION)  # see fetch._hold_location
                        if isinstance(held, str):
                            headers["location"] = held
                        body = None
                        if 200 <= response.status_code < 300:
                            body, _ = await read_bounded(response, limit)
                    finally:
                        await response.aclose()
            except (httpx.HTTPError, OSError, TimeoutError, DnsError, AddressRefused) as e:
                raise self._failed(f"{type(e).__name__}: {e}"[:300]) from e
        if response.status_code in (429, 503):
            asked = retry_after_seconds(headers.get("retry-after"))
            delay = min(asked if asked is not None else 1.0, config.RETRY_AFTER_CAP)
            self._next_start = max(self._next_start, asyncio.get_running_loop().time() + delay)
            self._extra = min(config.HOST_BACKOFF_MAX, max(self._extra * 2, self.interval, 0.25))
        else:
            self._extra = self._extra / 2 if self._extra > 0.01 else 0.0
        return response.status_code, headers, body

    async def _pace(self) -> None:
        """Wait for this request's turn (``interval`` after the previous start), unless the archive goes down.

        The check for "down" comes after every wait: requests queued behind the failures that
        tripped the breaker give up at once instead of each waiting out its interval.
        """
        loop = asyncio.get_running_loop()
        while True:
            if self.down:
                raise ArchiveUnavailable("the archive is not answering; not asked again in this run")
            now = loop.time()
            if now >= self._next_start:
                self._next_start = now + self.interval + self._extra
                return
            await asyncio.sleep(self._next_start - now)
