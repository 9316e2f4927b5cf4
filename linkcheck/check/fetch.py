"""Fetching one link politely: limits per host and in all, retries, redirects, bounded reads.

One :class:`Fetcher` per run holds the shared ``httpx.AsyncClient`` (injected: tests may
pass one over ``httpx.MockTransport``), the resolver with its address guard, and a
:class:`~linkcheck.http.client.HostGate` per host. Every link costs one GET (plus redirect hops, retries of
transient failures and, for a 200 HTML page, one soft-404 probe per site folder).

Why GET and not HEAD first: the verdict needs the body of every live page (a soft 404 is
a 200 whose title says "not found", or whose text equals a made-up sibling's), and drift
detection compares content. HEAD would be a second request to every live page, and is
refused or wrong often enough (405, 404 on HEAD, 200 on GET) to need a GET anyway. A GET
read to a bound (2 MB) costs the server no more than the page it serves every reader.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from linkcheck import defaults
from linkcheck.check.classify import (
    PageSignals,
    classify_error,
    classify_response,
    classify_status,
    read_page,
    says_not_found,
    similarity,
)
from linkcheck.check.outcome import is_retryable
from linkcheck.check.rules import Rules
from linkcheck.check.worker import ContentWorker
from linkcheck.errors import AddressRefused, ContentTooComplex, DnsError, Stop
from linkcheck.http.client import (
    HELD_LOCATION,
    MAX_URL_LENGTH,
    FetchSettings,
    HostGate,
    Validators,
    backoff_delay,
    read_bounded,
    redirect_target,
    require_http,
    retry_after_seconds,
)
from linkcheck.http.network import Resolver
from linkcheck.models import REASON_VERDICT, Hop, Outcome, Reason, Verdict

REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Only what we can decompress to a bound ourselves; a server sending br anyway is read raw.
ACCEPT_ENCODING = "gzip, deflate"


def utcnow() -> str:
    """The current UTC time as stored (the store's format)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Answer:
    """One response as far as it was read."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes | None = None
    truncated: bool = False
    address: str | None = None
    conditional: bool = False
    """The request carried If-None-Match or If-Modified-Since."""


# -- the fetcher -------------------------------------------------------------------------


@dataclass(slots=True)
class Fetcher:
    """Checks links one call at a time, sharing limits, caches and the client across a run."""

    client: httpx.AsyncClient
    resolver: Resolver
    settings: FetchSettings = field(default_factory=FetchSettings)
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rules: Rules = field(default_factory=Rules)
    """Accepted statuses and per-host overrides (exclusions and remaps are the runner's)."""
    requests: int = 0
    """Tries sent (or attempted) in this run."""
    responses: int = 0
    """Responses received in this run."""
    worker: ContentWorker | None = None
    """Where pages are parsed, within a time budget; None: in place (unit tests, tiny runs)."""
    _gates: dict[str, HostGate] = field(default_factory=dict)
    _slots: asyncio.Semaphore | None = None
    _probes: OrderedDict[tuple[str, str], asyncio.Task[PageSignals | None]] = field(
        default_factory=OrderedDict
    )
    """Probe answers by site folder, the least recently used first; at most defaults.PROBE_CACHE."""

    @property
    def _headers(self) -> dict[str, str]:
        # Set on every request, so that an injected client identifies us honestly too.
        return {"User-Agent": self.settings.user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}

    @property
    def network_answered(self) -> bool:
        """Did any server accept a connection or answer during the run?"""
        return self.responses > 0 or self.resolver.stats.connects > 0

    @property
    def network_tried(self) -> bool:
        """Was anything asked of the network (a DNS question or a request)?"""
        return self.requests > 0 or self.resolver.stats.lookups > 0

    def gate(self, host: str) -> HostGate:
        """The politeness gate of one host (by name and port), with the host's own limits if it has any."""
        if host not in self._gates:
            per_host, interval = self.settings.per_host, self.settings.host_interval
            name, _, port = host.rpartition(":")
            rule = self.rules.host_rule(name, int(port)) if port.isdigit() else self.rules.host_rule(host)
            if rule is not None:
                per_host = rule.per_host or per_host
                interval = rule.host_interval if rule.host_interval is not None else interval
            self._gates[host] = HostGate(per_host, interval, self.sleep)
        return self._gates[host]

    async def check(self, url: str, validators: Validators | None = None) -> Outcome:
        """Check one link: follow redirects, retry transient failures, classify. Never raises.

        With ``validators`` the request to their URL is conditional; a 304 leaves the outcome
        without a body and with ``not_modified`` set (the page is the one those validators name).
        """
        outcome = Outcome(url=url, reason=Reason.OK, started_at=utcnow(), method="GET")
        t0 = time.monotonic()
        try:
            await self._check(outcome, validators)
        except Stop as e:
            outcome.reason, outcome.error = e.reason, str(e)
        outcome.duration_ms = round((time.monotonic() - t0) * 1000)
        return outcome

    async def _check(self, outcome: Outcome, validators: Validators | None = None) -> None:
        try:
            start = httpx.URL(outcome.url)
        except (httpx.InvalidURL, UnicodeError) as e:
            raise Stop(Reason.INVALID_URL, str(e)) from e
        require_http(
            start,
            unsupported=f"{start.scheme or 'no'} scheme: only http and https are checked",
            invalid=outcome.url[:200],
        )
        answer, hops = await self._follow(start, outcome, validators=validators)
        outcome.hops = hops
        outcome.not_modified = answer.status == 304 and answer.conditional
        outcome.final_url = answer.url
        outcome.http_status = answer.status
        outcome.address = answer.address
        h = answer.headers
        outcome.etag = h.get("etag")
        outcome.last_modified = h.get("last-modified")
        outcome.content_type = h.get("content-type")
        length = h.get("content-length", "")
        outcome.content_length = int(length) if length.isdigit() else None
        page: PageSignals | None = None
        too_complex: str | None = None
        if answer.body is not None:
            outcome.body_bytes = len(answer.body)
            outcome.body_sha256 = hashlib.sha256(answer.body).hexdigest()
            outcome.truncated = answer.truncated
            outcome.body = answer.body
            try:
                page = await self._read_page(answer.body, outcome.content_type)
            except ContentTooComplex as e:
                too_complex = f"page not parsed: {e}"
            outcome.title = page.title if page else None
        not_found = page is not None and says_not_found(page)
        login = page is not None and page.is_login
        reason = classify_response(
            outcome.url, answer.url, hops, answer.status, h, not_found_text=not_found, login_page=login
        )
        if too_complex and reason in (Reason.OK, Reason.REDIRECT):
            # Reached, but what the page says is unknown: neither alive-and-checked nor a failure.
            outcome.reason, outcome.error, outcome.body = Reason.CONTENT_TOO_COMPLEX, too_complex, None
            return
        if (
            page is not None
            and answer.status == 200
            and reason in (Reason.OK, Reason.REDIRECT, Reason.PERMANENT_REDIRECT)
            and urlsplit(answer.url).path not in ("", "/")
        ):
            probe = await self._probe(answer.url, outcome)
            if probe is not None:
                outcome.probe_similarity = round(similarity(page.words, probe.words), 4)
                if outcome.probe_similarity >= self.settings.soft404_ratio:
                    reason = classify_response(
                        outcome.url, answer.url, hops, answer.status, h, probe_similar=True
                    )
        if REASON_VERDICT[reason] is not Verdict.ALIVE and self._accepted(answer):
            reason = Reason.ACCEPTED
        outcome.reason = reason

    def _accepted(self, answer: Answer) -> bool:
        """Do the settings count the final answer's status as alive on its host?

        Only a status that is not 2xx: a 200 that is a soft 404 or a login page stays what the
        page says it is, even with ``accept = "200..299"``.
        """
        if 200 <= answer.status < 300:
            return False
        url = httpx.URL(answer.url)
        return self.rules.accepts(answer.status, url.host, url.port)

    async def _follow(
        self,
        start: httpx.URL,
        outcome: Outcome,
        retries: int | None = None,
        urgent: bool = False,
        validators: Validators | None = None,
    ) -> tuple[Answer, list[Hop]]:
        """Request ``start`` and follow its redirects by hand, guarding every hop."""
        hops: list[Hop] = []
        visits: dict[str, int] = {str(start): 1}
        url = start
        while True:
            tries = self.settings.retries if retries is None else retries
            conditional = validators.headers() if validators and str(url) == validators.url else None
            answer = await self._with_retries(url, outcome, tries, urgent, conditional)
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location:
                return answer, hops
            try:
                target = redirect_target(url, location)
            except Stop:
                # The hop is kept as the server sent it (cut to a bound): where the link led is the news.
                hops.append(Hop(str(url), answer.status, location[:MAX_URL_LENGTH]))
                outcome.hops = hops
                raise
            hops.append(Hop(str(url), answer.status, str(target)))
            outcome.hops = hops
            # A cookie-setting redirect back to the same URL is allowed once; a third visit is a loop.
            visits[str(target)] = visits.get(str(target), 0) + 1
            if visits[str(target)] > 2:
                raise Stop(Reason.TOO_MANY_REDIRECTS, f"redirect loop at {target}")
            if len(hops) > self.settings.max_redirects:
                raise Stop(Reason.TOO_MANY_REDIRECTS, f"more than {self.settings.max_redirects} redirects")
            url = target

    async def _with_retries(
        self,
        url: httpx.URL,
        outcome: Outcome,
        retries: int,
        urgent: bool,
        conditional: dict[str, str] | None = None,
    ) -> Answer:
        """One request, repeated after transient failures with backoff (Retry-After honoured)."""
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            await self.resolver.checked(host, port)
        except AddressRefused as e:
            raise Stop(Reason.PRIVATE_ADDRESS, str(e)) from e
        except DnsError as e:
            raise Stop(classify_error(e), str(e)) from e
        gate = self.gate(f"{host}:{port}")
        attempt = 0
        while True:
            attempt += 1
            outcome.attempts += 1
            delay: float | None = None
            try:
                answer = await self._try(url, gate, urgent, conditional)
            except (httpx.HTTPError, OSError, TimeoutError) as e:
                reason = classify_error(e)
                if not is_retryable(reason) or attempt > retries:
                    raise Stop(reason, _describe(e)) from e
            else:
                if answer.status in REDIRECTS and answer.headers.get("location"):
                    return answer
                reason = classify_status(answer.status, answer.headers)
                if not is_retryable(reason) or attempt > retries:
                    return answer
                asked = retry_after_seconds(answer.headers.get("retry-after"))
                if asked is not None and asked > self.settings.retry_after_cap:
                    return answer  # waiting less than asked would be rude; the host stays blocked
                delay = asked
                if answer.status in (429, 503):
                    gate.penalise(delay if delay is not None else self.settings.backoff_base)
            if delay is None:
                delay = backoff_delay(
                    attempt - 1, self.settings.backoff_base, self.settings.backoff_max, self.rng
                )
            await self.sleep(delay)

    async def _try(
        self, url: httpx.URL, gate: HostGate, urgent: bool = False, conditional: dict[str, str] | None = None
    ) -> Answer:
        """Send one GET and read its body to the bound, all within the timeout."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.concurrency)
        # The host's slot first: waiting for a busy host must not hold one of the global slots.
        async with gate.slot(urgent), self._slots:
            self.requests += 1
            rule = self.rules.host_rule(url.host, url.port) if self.rules.hosts else None
            timeout = rule.timeout if rule is not None and rule.timeout is not None else self.settings.timeout
            async with asyncio.timeout(timeout):
                headers = {**self._headers, **conditional} if conditional else self._headers
                if rule is not None and rule.headers:
                    headers = {**headers, **dict(rule.headers)}
                try:
                    request = self.client.build_request("GET", url, headers=headers, timeout=timeout)
                    response = await self.client.send(request, stream=True)
                except (httpx.InvalidURL, UnicodeError) as e:
                    # A URL httpx cannot send, or (on a client without _hold_location) a
                    # redirect whose Location it cannot parse: this link's fault, not the run's.
                    raise Stop(Reason.INVALID_URL, f"cannot request {str(url)[:200]}: {e}") from e
                try:
                    self.responses += 1
                    answer = Answer(
                        str(url), response.status_code, {k.lower(): v for k, v in response.headers.items()}
                    )
                    held = response.extensions.get(HELD_LOCATION)
                    if isinstance(held, str):
                        answer.headers["location"] = held
                    answer.address = _peer(response)
                    answer.conditional = bool(conditional)
                    if 200 <= response.status_code < 300:
                        answer.body, answer.truncated = await read_bounded(response, self.settings.max_body)
                finally:
                    await response.aclose()
        if response.status_code not in (429, 503):
            gate.relax()
        return answer

    async def _probe(self, url: str, outcome: Outcome) -> PageSignals | None:
        """The page a made-up sibling of ``url`` answers with, when it is a 200 HTML page.

        Fetched once per site folder and run, so a hundred links into one folder cost one probe.
        """
        parts = urlsplit(url)
        folder, _, last = parts.path.rpartition("/")
        ext = last[last.rfind(".") :] if "." in last else ""
        key = (f"{parts.scheme}://{parts.netloc}", folder)
        task = self._probes.get(key)
        if task is None:
            name = f"linkcheck-probe-{secrets.token_hex(8)}{ext}"
            probe_url = urlunsplit((parts.scheme, parts.netloc, f"{folder}/{name}", "", ""))
            task = self._probes[key] = asyncio.ensure_future(self._fetch_probe(probe_url))
            # Bounded: a run over a million links in as many folders must not keep every answer
            # (a PageSignals holds up to SOFT404_MAX_WORDS words). The links of one folder come
            # close together (interleaved by host), so the least recently used go first.
            while len(self._probes) > defaults.PROBE_CACHE:
                self._probes.popitem(last=False)  # a probe still running goes on for its waiters
        else:
            self._probes.move_to_end(key)
        return await asyncio.shield(task)

    async def _fetch_probe(self, url: str) -> PageSignals | None:
        scratch = Outcome(url=url, reason=Reason.OK)
        try:
            answer, _ = await self._follow(httpx.URL(url), scratch, retries=0, urgent=True)
        except Stop:
            return None
        if answer.status != 200 or answer.body is None:
            return None
        try:
            return await self._read_page(answer.body, answer.headers.get("content-type"))
        except ContentTooComplex:
            return None  # a probe trap: no evidence either way

    async def _read_page(self, body: bytes, content_type: str | None) -> PageSignals | None:
        """:func:`read_page` in the worker (raises ContentTooComplex past its budget), or in place."""
        if self.worker is None:
            return read_page(body, content_type)
        page = await self.worker.call("read_page", body, content_type)
        assert page is None or isinstance(page, PageSignals)
        return page


def _peer(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    try:
        addr = stream.get_extra_info("server_addr") if stream is not None else None
    except (AttributeError, OSError):
        return None
    return str(addr[0]) if isinstance(addr, tuple) and addr else None


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}"
    return f"{type(exc).__name__}: {text}"[:500]
