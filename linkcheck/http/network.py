"""The network layer: our own name resolution, ``--resolve`` overrides and the address guard.

Host names are resolved here, once per run, and every address is checked before anything is
sent: loopback, private, link-local, shared (CGNAT), multicast, reserved and unspecified
addresses (and their IPv6 forms) are refused unless private addresses are allowed. The HTTP
client connects only through :class:`GuardedBackend`, which asks the same resolver, so the
address checked is the address connected to (no second lookup that DNS rebinding could
change), while the Host header and TLS SNI keep the name.

Only public APIs of httpx and httpcore are used: :class:`GuardedTransport` is an
``httpx.AsyncBaseTransport`` of our own over httpcore's ``AsyncConnectionPool`` (one per
origin), whose ``network_backend`` is the guarded one.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import select
import socket
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

import httpcore
import httpx

from linkcheck.errors import AddressRefused, DnsError, InvalidHost
from linkcheck.http.hostnames import host_problem

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: How addresses are looked up: (host, port) -> address texts. Injected by tests.
Lookup = Callable[[str, int], Awaitable[list[str]]]

CGNAT = ipaddress.ip_network("100.64.0.0/10")
# DNS64 on IPv6-only networks answers public IPv4 hosts inside this prefix (RFC 6052).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# glibc answers EAI_NODATA when the name exists but has no address: as dead for a link as NXDOMAIN.
MISSING_NAME_ERRORS = frozenset(e for e in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if e)


class ConnectionRefused(httpcore.ConnectError):
    """Every address of a host refused the connection (kept apart from other connect failures)."""


# -- --resolve ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolveRule:
    """One ``--resolve HOST:PORT:ADDR[,ADDR...]``: connect to these addresses for HOST (on PORT)."""

    host: str
    port: int | None
    """None for ``*``: every port."""
    addresses: tuple[IPAddress, ...]


def parse_resolve(spec: str) -> ResolveRule:
    """Parse ``HOST:PORT:ADDR`` as curl does (PORT may be ``*``; ADDR may be ``[v6]`` or a list).

    Raises ValueError with a message naming what is wrong.
    """
    parts = spec.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"--resolve {spec!r}: expected HOST:PORT:ADDR")
    host, port_text, addr_text = parts
    port: int | None = None
    if port_text != "*":
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"--resolve {spec!r}: port must be a number from 1 to 65535 or *")
        port = int(port_text)
    addresses = []
    for raw in addr_text.split(","):
        raw = raw.strip().removeprefix("[").removesuffix("]")
        try:
            addresses.append(ipaddress.ip_address(raw))
        except ValueError:
            raise ValueError(f"--resolve {spec!r}: {raw!r} is not an IP address") from None
    return ResolveRule(host.lower().rstrip("."), port, tuple(addresses))


# -- the guard ----------------------------------------------------------------------


def address_problem(ip: IPAddress) -> str | None:
    """Why connecting to ``ip`` is refused by default (e.g. "loopback"), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 (mapped, 6to4, Teredo) is judged as itself.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded)
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "shared (CGNAT)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-public"
    return None


# -- resolution ---------------------------------------------------------------------


async def system_lookup(host: str, port: int) -> list[str]:
    """Addresses of ``host`` from the system resolver (getaddrinfo, in a worker thread)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


@dataclass(slots=True)
class NetStats:
    """What the network did during a run: enough to tell an outage from dead links."""

    lookups: int = 0
    connects: int = 0
    """Connections that some server accepted."""


@dataclass(slots=True)
class Resolver:
    """Resolves host names once per run, applies ``--resolve`` rules and the address guard."""

    rules: Sequence[ResolveRule] = ()
    allow_private: bool = False
    lookup: Lookup = system_lookup
    stats: NetStats = field(default_factory=NetStats)
    _cache: dict[tuple[str, int], asyncio.Future[list[IPAddress]]] = field(default_factory=dict)

    def _rule(self, host: str, port: int) -> ResolveRule | None:
        for rule in self.rules:
            if rule.host == host and rule.port in (None, port):
                return rule
        return None

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """The addresses of ``host`` (an ASCII name or an IP literal); raises DnsError.

        Answers, failures included, are kept for the run: concurrent checks of one host
        share one question, and the guard sees the same addresses the connection uses.
        """
        host = host.lower().rstrip(".").removeprefix("[").removesuffix("]")
        key = (host, port)
        if key not in self._cache:
            # A task of its own: a caller cancelled mid-lookup does not strand the others.
            self._cache[key] = asyncio.ensure_future(self._resolve(host, port))
        return list(await asyncio.shield(self._cache[key]))

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        rule = self._rule(host, port)
        if rule is not None:
            return list(rule.addresses)
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        # RFC 6761: reserved names never exist and localhost is loopback; no resolver is asked.
        problem = host_problem(host, allow_private=self.allow_private)
        if problem is not None:
            raise InvalidHost(host, *problem)
        if host == "localhost" or host.endswith(".localhost"):
            return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
        self.stats.lookups += 1
        try:
            texts = await self.lookup(host, port)
        except socket.gaierror as e:
            raise DnsError(host, e.strerror or str(e), missing=e.errno in MISSING_NAME_ERRORS) from e
        except (UnicodeError, OSError) as e:
            raise DnsError(host, str(e), missing=False) from e
        addresses: list[IPAddress] = []
        for text in texts:
            ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise DnsError(host, "no address", missing=True)
        return addresses

    async def checked(self, host: str, port: int) -> list[IPAddress]:
        """The addresses of ``host`` after the guard: raises AddressRefused (or DnsError).

        One refused address refuses the host: a name that mixes public and private
        addresses is exactly what a rebinding attack looks like.
        """
        addresses = await self.resolve(host, port)
        if not self.allow_private:
            for ip in addresses:
                why = address_problem(ip)
                if why is not None:
                    raise AddressRefused(host, ip, why)
        return addresses


# -- the transport ------------------------------------------------------------------


class AddressedStream(httpcore.AsyncNetworkStream):
    """A connected stream that knows the address it reached, without asking the socket.

    Asking anyio for ``server_addr`` builds every socket attribute with a getpeername()
    each time: five system calls per response, about a tenth of a check run's CPU.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream, address: tuple[str, int]) -> None:
        self.inner = inner
        self.address = address
        # Kept for httpcore's is_readable question, asked of every idle connection it reuses:
        # anyio answers it by building every socket attribute again.
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read as the inner stream does."""
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write as the inner stream does."""
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        """Close the inner stream."""
        await self.inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        """TLS over the same connection, still knowing its address."""
        tls = await self.inner.start_tls(ssl_context, server_hostname, timeout)
        return AddressedStream(tls, self.address)

    def get_extra_info(self, info: str) -> object:
        """The known address for ``server_addr``; anything else from the inner stream."""
        if info == "server_addr":
            return self.address
        if info == "is_readable" and isinstance(self._socket, socket.socket):
            return socket_readable(self._socket)
        return self.inner.get_extra_info(info)


def socket_readable(sock: socket.socket) -> bool:
    """Has an idle connection's socket something to read (the peer closed it, or sent bytes)?

    httpcore asks this of a kept-alive connection before reusing it: a readable idle
    connection is dropped. A closed socket counts as readable, so that it is dropped too.
    """
    if sock.fileno() == -1:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting to the guarded addresses of the resolver."""

    def __init__(self, resolver: Resolver, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first address of ``host`` that accepts; the name stays for Host and SNI."""
        errors: list[Exception] = []
        for ip in await self.resolver.checked(host, port):
            try:
                stream = await self.inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                errors.append(e)
                continue
            self.resolver.stats.connects += 1
            return AddressedStream(stream, (str(ip), port))
        if errors and all(_is_refused(e) for e in errors):
            raise ConnectionRefused(f"connection refused by {host}:{port}") from errors[-1]
        raise errors[-1]

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never used for checking links."""
        raise httpcore.ConnectError(f"refusing to connect to the unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        """Sleep as the inner backend does."""
        await self.inner.sleep(seconds)


def _is_refused(exc: BaseException) -> bool:
    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, ConnectionRefusedError) or "refused" in str(cur).lower():
            return True
        cur = cur.__cause__ or cur.__context__
    return False


_Origin = tuple[bytes, bytes, int | None]


class PerOriginPool:
    """One httpcore connection pool per origin, the least recently used idle ones closed.

    A single pool shared by every host stays full of idle connections to other hosts, so
    nearly every request closes one and opens another, and httpcore rescans all of them on
    each request (quadratic in the pool size): measured on 2,000 links over 50 hosts, 1,922
    new connections for 2,050 requests. Per origin, connections are reused; the number of
    pools kept is bounded so that a run over thousands of hosts does not hold thousands of
    idle sockets. The limits on requests in flight are enforced above, by the fetcher.
    """

    def __init__(self, make: Callable[[bytes], httpcore.AsyncConnectionPool], max_pools: int) -> None:
        """``make(scheme)``: a new pool for an origin of that scheme (b"http" or b"https")."""
        self._make = make
        self._max_pools = max_pools
        self._pools: OrderedDict[_Origin, httpcore.AsyncConnectionPool] = OrderedDict()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        """Send the request through its origin's pool."""
        origin = request.url.origin
        key = (origin.scheme, origin.host, origin.port)
        pool = self._pools.pop(key, None) or self._make(origin.scheme)
        self._pools[key] = pool  # most recently used last
        if len(self._pools) > self._max_pools:
            await self._evict(keep=key)
        return await pool.handle_async_request(request)

    async def _evict(self, keep: _Origin) -> None:
        for key in list(self._pools):
            if len(self._pools) <= self._max_pools:
                return
            pool = self._pools[key]
            if key != keep and all(c.is_idle() for c in pool.connections):
                del self._pools[key]  # before awaiting: a new request makes a fresh pool
                await pool.aclose()

    async def aclose(self) -> None:
        """Close every pool."""
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()

    async def __aenter__(self) -> PerOriginPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


#: httpcore's exceptions and the httpx ones they are raised as, most specific last (as httpx does).
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
)
#: The roots of httpcore's exceptions: what the transport turns into httpx's. Anything else (the
#: guard's AddressRefused, DnsError) passes through unchanged, for the fetcher to classify.
HTTPCORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
    httpcore.ProtocolError,
)


def as_httpx_error(exc: Exception) -> httpx.TransportError:
    """The httpx exception for an httpcore one: the most specific, as httpx's own transport does."""
    mapped: type[httpx.TransportError] = httpx.TransportError
    for source, target in _EXCEPTIONS:
        if isinstance(exc, source) and issubclass(target, mapped):
            mapped = target
    return mapped(str(exc))


class _ResponseStream(httpx.AsyncByteStream):
    """A response body from httpcore, its errors raised as httpx's."""

    def __init__(self, inner: httpcore.Response) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._inner.aiter_stream():
                yield part
        except HTTPCORE_ERRORS as e:
            raise as_httpx_error(e) from e

    async def aclose(self) -> None:
        await self._inner.aclose()


@functools.cache
def verifying_context() -> ssl.SSLContext:
    """The TLS context of the process's clients: certificates verified, as httpx's default
    (certifi's authorities, nothing from the environment). Made once, when first needed: each
    costs 40 ms of CPU (its authorities loaded), and a run has two clients (the links' and the
    archive's), whose context is the same."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose every connection goes through :class:`GuardedBackend`.

    Requests go to one httpcore pool per origin (:class:`PerOriginPool`), each with at most
    ``per_host`` connections, all opened by the guarded backend: the address guard sees every
    connection of every request, redirect hops included (the fetcher follows them itself).
    ``network_backend`` is what the guard connects through (httpcore's AnyIOBackend; tests
    pass one that records each connection).
    """

    def __init__(
        self,
        resolver: Resolver,
        *,
        per_host: int,
        max_pools: int,
        ssl_context: ssl.SSLContext | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.backend = GuardedBackend(resolver, network_backend)

        def make(scheme: bytes) -> httpcore.AsyncConnectionPool:
            # Only an https origin's pool needs a TLS context (made once, on the first one).
            ctx = None if scheme == b"http" else ssl_context or verifying_context()
            return httpcore.AsyncConnectionPool(
                ssl_context=ctx,
                max_connections=per_host,
                max_keepalive_connections=per_host,
                keepalive_expiry=5.0,
                http1=True,
                http2=False,
                network_backend=self.backend,
            )

        self._pools = PerOriginPool(make, max_pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through its origin's pool; httpcore's errors are raised as httpx's."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pools.handle_async_request(core)
        except HTTPCORE_ERRORS as e:
            raise as_httpx_error(e) from e
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every pool and its connections."""
        await self._pools.aclose()


def guarded_transport(
    resolver: Resolver, *, per_host: int, max_pools: int, ssl_context: ssl.SSLContext | None = None
) -> GuardedTransport:
    """The transport of a run's client (see :class:`GuardedTransport`)."""
    return GuardedTransport(resolver, per_host=per_host, max_pools=max_pools, ssl_context=ssl_context)
