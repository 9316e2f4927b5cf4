"""An httpx transport over aiohttp, with the address guard in aiohttp's resolver (``--http-stack aiohttp``).

The fetcher speaks httpx (``httpx.AsyncClient``, its requests, responses and errors); only the
transport under it changes. aiohttp's HTTP/1.1 client (a C parser, one asyncio protocol per
connection) costs less CPU a request than httpcore over anyio and h11, the largest share of
a check run's own CPU (docs/benchmarks.md). What the run relies on is kept:

- **The guard.** aiohttp connects only to the addresses its resolver answers, and the resolver
  here is :class:`GuardedResolver`, which answers from the run's :class:`Resolver` after its
  address guard (``Resolver.checked``): the address checked is the address connected to, and a
  name is looked up once per run, so DNS rebinding cannot change it between the two. aiohttp
  asks no resolver for an IP literal, so every request's host, literal or name, is also checked
  here before it is sent (the fetcher checks each redirect hop before that too). Its own DNS
  cache is off: the run's resolver is the cache.
- **No cookies** (a ``DummyCookieJar``): a check must not depend on what an earlier one was told.
- **Header limits as permissive as h11's**: h11 (as httpcore sets it up) takes a status line and
  headers of up to 100 KiB in all, however they are split; aiohttp's defaults (8,190 bytes a
  line, 128 headers) would fail pages that httpx reads.
- **Idle connections bounded**: aiohttp bounds only the connections in use; idle ones are kept
  for the latest ``max_pools`` origins, as the httpcore stack keeps its pools, and requests to
  other origins ask the server to close.
- **The peer address and accepted connections known**: the address each response came from
  (``checks.address``) is taken from its connection when the response starts; every connection
  a server accepts is counted in the resolver's :class:`NetStats` (the outage guard).
- **Bounded reads**: aiohttp hands over the body as it came (``auto_decompress=False``); the
  fetcher reads it to its bound and decompresses it to its bound itself (``read_bounded``).
- **Errors as httpx's**: every aiohttp error is raised as the httpx error the httpcore transport
  raises for the same failure, with the original as its cause, so the classification of a
  failure does not depend on the stack (tests/test_check_web.py runs on both).

Only public aiohttp APIs are used: ``AbstractResolver``, ``TCPConnector``, ``TraceConfig``,
``ClientSession(response_class=...)`` and the client exceptions.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import httpx
from yarl import URL

from linkcheck.http.network import Resolver, verifying_context

H11_HEADER_BYTES = 100 * 1024
"""The bound on a response's status line and headers together that httpcore gives h11
(``max_incomplete_event_size``): the httpx stack reads a 100,000-character Location."""
H11_MAX_HEADERS = H11_HEADER_BYTES // 4
"""As many headers as fit in that bound (the shortest is ``a:`` and CRLF): no count of its own."""
KEEPALIVE = 5.0
"""Seconds an idle connection is kept for reuse (as the httpcore transport's pools)."""

#: Where an address the guard approved is reached: identity in production. Tests map made-up
#: public addresses to loopback servers here (the role of httpcore's network backend).
Network = Callable[[str, int], tuple[str, int]]


def _direct(address: str, port: int) -> tuple[str, int]:
    return address, port


class GuardedResolver(aiohttp.abc.AbstractResolver):
    """aiohttp's resolver, answering the addresses the run's :class:`Resolver` approves.

    The guard's refusals (``AddressRefused``) and failed lookups (``DnsError``) are not OSErrors,
    so aiohttp lets them through unchanged, for the fetcher to classify as it does on httpx.
    """

    def __init__(self, resolver: Resolver, network: Network = _direct) -> None:
        self.resolver = resolver
        self.network = network

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[aiohttp.abc.ResolveResult]:
        """The guarded addresses of ``host``, in the resolver's order."""
        out: list[aiohttp.abc.ResolveResult] = []
        for ip in await self.resolver.checked(host, port):
            address, to_port = self.network(str(ip), port)
            af = socket.AF_INET6 if ":" in address else socket.AF_INET
            out.append(
                {"hostname": host, "host": address, "port": to_port, "family": af, "proto": 0, "flags": 0}
            )
        return out

    async def close(self) -> None:
        """Nothing to release: the run's resolver outlives the transport."""


class _AddressedResponse(aiohttp.ClientResponse):
    """A response that keeps the address of the server it came from (its connection's peer).

    Taken when the response starts: a response with an empty body hands its connection back
    to the pool before the caller sees it.
    """

    peer: tuple[str, int] | None = None

    async def start(self, connection: aiohttp.connector.Connection) -> aiohttp.ClientResponse:
        transport = connection.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        if isinstance(peer, tuple) and len(peer) >= 2:
            self.peer = (str(peer[0]), int(peer[1]))
        return await super().start(connection)


class _Peer:
    """What ``response.extensions["network_stream"]`` offers the fetcher: the server's address."""

    def __init__(self, address: tuple[str, int] | None) -> None:
        self.address = address

    def get_extra_info(self, info: str) -> object:
        """``server_addr``, as httpcore's network streams answer it."""
        return self.address if info == "server_addr" else None


def as_httpx_error(exc: BaseException) -> BaseException:
    """The httpx exception the httpcore transport raises for the failure aiohttp raised as ``exc``.

    Timeouts by phase; a connection not made (refused, unreachable, TLS) as ConnectError, whose
    cause keeps the OSError or SSL error the classifier looks for; a server that closed without
    an answer, sent a malformed one or cut its body short as RemoteProtocolError (h11's word for
    all three); a reset while reading as ReadError.
    """
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)
    if isinstance(
        exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError | aiohttp.ClientPayloadError
    ):
        return httpx.RemoteProtocolError(message)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.InvalidURL(message)
    if isinstance(exc, aiohttp.ClientOSError | OSError):
        return httpx.ReadError(message)
    return httpx.TransportError(message)


#: What aiohttp raises for a failed exchange: turned into httpx's errors. Anything else (the
#: guard's AddressRefused, DnsError) passes through unchanged, for the fetcher to classify.
AIOHTTP_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


class _ResponseStream(httpx.AsyncByteStream):
    """A response body from aiohttp as it came off the wire, its errors raised as httpx's."""

    def __init__(self, inner: aiohttp.ClientResponse) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._inner.content.iter_any():
                yield part
        except AIOHTTP_ERRORS as e:
            raise as_httpx_error(e) from e

    async def aclose(self) -> None:
        # A body read to its end hands the connection back; one cut short (our bound) closes it.
        self._inner.release()


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    """httpx's per-phase timeouts of ``request`` as aiohttp's."""
    t = request.extensions.get("timeout") or {}
    return aiohttp.ClientTimeout(
        total=None, connect=t.get("pool"), sock_connect=t.get("connect"), sock_read=t.get("read")
    )


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose every connection is made by aiohttp to guarded addresses.

    ``per_host`` bounds the connections to one host (aiohttp's per-host limit; the fetcher's
    gates keep the request limits), ``max_pools`` the origins whose idle connections are kept;
    ``network`` is where approved addresses are reached (tests only). The session is made on
    first use, inside the run's event loop.
    """

    def __init__(
        self,
        resolver: Resolver,
        *,
        per_host: int,
        max_pools: int = 64,
        ssl_context: ssl.SSLContext | None = None,
        network: Network = _direct,
    ) -> None:
        self.resolver = resolver
        self._per_host = per_host
        self._ssl = ssl_context
        self._network = network
        self._session: aiohttp.ClientSession | None = None
        self._max_pools = max_pools
        self._kept: OrderedDict[tuple[str, str, int], float] = OrderedDict()

    def _keep_alive(self, origin: tuple[str, str, int]) -> bool:
        """May the connection of a request to ``origin`` stay open for reuse (else: ``Connection: close``)?

        aiohttp keeps every idle connection for KEEPALIVE seconds and bounds only those in use:
        a run over thousands of hosts would hold thousands of idle sockets (and run out of file
        descriptors). As the httpcore stack keeps at most ``max_pools`` origins' pools, only the
        origins of the latest ``max_pools`` kept-alive answers (within KEEPALIVE) keep theirs.
        """
        now = asyncio.get_running_loop().time()
        while self._kept and next(iter(self._kept.values())) < now - KEEPALIVE:
            self._kept.popitem(last=False)
        if origin not in self._kept and len(self._kept) >= self._max_pools:
            return False
        self._kept[origin] = now
        self._kept.move_to_end(origin)
        return True

    def _make_session(self) -> aiohttp.ClientSession:
        stats = self.resolver.stats

        async def accepted(session: Any, context: SimpleNamespace, params: Any) -> None:
            stats.connects += 1  # a server accepted a connection: the network is up

        trace = aiohttp.TraceConfig()
        trace.on_connection_create_end.append(accepted)
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.resolver, self._network),
            use_dns_cache=False,  # the run's resolver is the cache, and the guard is in it
            limit=0,  # the fetcher bounds the requests in flight
            limit_per_host=self._per_host,
            keepalive_timeout=KEEPALIVE,
            ssl=self._ssl or verifying_context(),
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            # httpx has put every header the request needs (Host, User-Agent, Accept...): send
            # those and nothing of aiohttp's own.
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            max_line_size=H11_HEADER_BYTES,
            max_field_size=H11_HEADER_BYTES,
            max_headers=H11_MAX_HEADERS,
            response_class=_AddressedResponse,
            trace_configs=[trace],
            raise_for_status=False,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through aiohttp; its errors are raised as httpx's."""
        if self._session is None:
            self._session = self._make_session()
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        # aiohttp asks no resolver for an IP literal: the guard looks at every host here.
        await self.resolver.checked(url.raw_host.decode("ascii"), port)
        body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        if not self._keep_alive((url.scheme, url.host, port)):
            # Asked before sending: aiohttp pools a connection itself once its body is read.
            headers = [(k, v) for k, v in headers if k.lower() != "connection"] + [("Connection", "close")]
        try:
            response = await self._session.request(
                request.method,
                URL(str(url), encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=_timeout(request),
            )
        except AIOHTTP_ERRORS as e:
            raise as_httpx_error(e) from e
        assert isinstance(response, _AddressedResponse)
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=_ResponseStream(response),
            extensions={
                "http_version": b"HTTP/%d.%d" % (response.version.major, response.version.minor)
                if response.version
                else b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
                "network_stream": _Peer(response.peer),
            },
        )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
