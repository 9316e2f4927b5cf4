"""Resolution, --resolve and the address guard."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpcore
import httpx
import pytest

from linkcheck.check.classify import DnsError, InvalidHost, classify_error
from linkcheck.http.aiohttp_transport import AiohttpTransport
from linkcheck.http.client import CheckingClient, FetchSettings, SetCookieJar, build_client, http_transport
from linkcheck.http.network import (
    AddressRefused,
    PerOriginPool,
    Resolver,
    ResolveRule,
    address_problem,
    parse_resolve,
)
from linkcheck.models import Reason
from tests.web import Reply, Request, Web, html

ip = ipaddress.ip_address


def test_parse_resolve_like_curl() -> None:
    assert parse_resolve("Example.org:443:93.184.216.34") == ResolveRule(
        "example.org", 443, (ip("93.184.216.34"),)
    )
    assert parse_resolve("example.org:*:127.0.0.2").port is None
    assert parse_resolve("example.org:80:[2001:db8::1]").addresses == (ip("2001:db8::1"),)
    assert parse_resolve("example.org:80:2001:db8::1").addresses == (ip("2001:db8::1"),)
    assert parse_resolve("a.test:80:10.0.0.1,10.0.0.2").addresses == (ip("10.0.0.1"), ip("10.0.0.2"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("example.org", "HOST:PORT:ADDR"),
        ("example.org:80", "HOST:PORT:ADDR"),
        ("example.org:http:1.2.3.4", "port"),
        ("example.org:70000:1.2.3.4", "port"),
        ("example.org:80:not-an-ip", "not an IP address"),
        (":80:1.2.3.4", "HOST:PORT:ADDR"),
    ],
)
def test_parse_resolve_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_resolve(spec)


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.127.255.254", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("192.0.2.1", "private"),  # documentation range
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::1.2.3.4", None),  # NAT64 of a public address
    ],
)
def test_address_guard(address: str, problem: str | None) -> None:
    assert address_problem(ip(address)) == problem


def lookup_returning(*answers: str, calls: list[str] | None = None):  # type: ignore[no-untyped-def]
    async def lookup(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        await asyncio.sleep(0)
        return list(answers)

    return lookup


def lookup_raising(code: int, text: str):  # type: ignore[no-untyped-def]
    async def lookup(host: str, port: int) -> list[str]:
        raise socket.gaierror(code, text)

    return lookup


def test_nxdomain_and_temporary_failure_are_told_apart() -> None:
    async def go() -> None:
        with pytest.raises(DnsError) as e:
            await Resolver(lookup=lookup_raising(socket.EAI_NONAME, "Name or service not known")).resolve(
                "x.org", 80
            )
        assert e.value.missing
        with pytest.raises(DnsError) as e:
            await Resolver(lookup=lookup_raising(socket.EAI_AGAIN, "Temporary failure")).resolve("x.org", 80)
        assert not e.value.missing
        with pytest.raises(DnsError) as e:
            await Resolver(lookup=lookup_raising(socket.EAI_FAIL, "Non-recoverable failure")).resolve(
                "x.org", 80
            )
        assert not e.value.missing

    asyncio.run(go())


def test_special_names_need_no_resolver() -> None:
    async def go() -> None:
        r = Resolver(lookup=lookup_raising(socket.EAI_AGAIN, "must not be asked"))
        for reserved in ("nowhere.invalid", "site.test", "www.example", "app.localhost", "localhost"):
            with pytest.raises(InvalidHost) as e:
                await r.resolve(reserved, 80)
            assert e.value.reason is Reason.RESERVED_NAME
        for impossible in ("a..b.org", "x" * 64 + ".org", "-bad.org", "bad-.org", "a b.org", "10.0.0.300"):
            with pytest.raises(InvalidHost) as e:
                await r.resolve(impossible, 80)
            assert e.value.reason is Reason.INVALID_URL, impossible
        # localhost is loopback (RFC 6761 section 6.3) where private addresses are allowed.
        loopback = Resolver(allow_private=True, lookup=lookup_raising(socket.EAI_AGAIN, "must not be asked"))
        assert ip("127.0.0.1") in await loopback.resolve("localhost", 80)
        assert ip("127.0.0.1") in await loopback.resolve("app.localhost", 80)
        # A --resolve rule names a reserved name's address: the test web's .test sites are fetched.
        rule = parse_resolve("site.test:80:127.0.0.2")
        ruled = Resolver([rule], lookup=lookup_raising(socket.EAI_AGAIN, "must not be asked"))
        assert await ruled.resolve("site.test", 80) == [ip("127.0.0.2")]
        assert await r.resolve("93.184.216.34", 80) == [ip("93.184.216.34")]
        assert await r.resolve("[2001:db8::1]", 80) == [ip("2001:db8::1")]
        assert r.stats.lookups == 0

    asyncio.run(go())


def test_rules_override_resolution_by_port() -> None:
    async def go() -> None:
        rules = (parse_resolve("a.example.org:8080:127.0.0.2"), parse_resolve("b.example.org:*:127.0.0.3"))
        r = Resolver(rules, lookup=lookup_returning("93.184.216.34"))
        assert await r.resolve("a.example.org", 8080) == [ip("127.0.0.2")]
        assert await r.resolve("a.example.org", 80) == [ip("93.184.216.34")]
        assert await r.resolve("B.example.org.", 1234) == [ip("127.0.0.3")]

    asyncio.run(go())


def test_one_question_per_host_shared_by_concurrent_checks() -> None:
    async def go() -> None:
        calls: list[str] = []
        r = Resolver(lookup=lookup_returning("93.184.216.34", calls=calls))
        results = await asyncio.gather(*(r.resolve("x.org", 443) for _ in range(20)))
        assert all(a == [ip("93.184.216.34")] for a in results)
        assert calls == ["x.org"]

    asyncio.run(go())


def test_guard_refuses_a_name_with_any_private_address_unless_allowed() -> None:
    async def go() -> None:
        mixed = lookup_returning("93.184.216.34", "10.0.0.5")
        with pytest.raises(AddressRefused, match=r"10\.0\.0\.5, a private address"):
            await Resolver(lookup=mixed).checked("rebind.example.net", 80)
        assert len(await Resolver(allow_private=True, lookup=mixed).checked("rebind.example.net", 80)) == 2
        assert await Resolver(lookup=lookup_returning("93.184.216.34")).checked("ok.example.net", 80) == [
            ip("93.184.216.34")
        ]

    asyncio.run(go())


class _FakeConnection:
    def __init__(self, idle: bool) -> None:
        self.idle = idle

    def is_idle(self) -> bool:
        return self.idle


class _FakePool:
    def __init__(self) -> None:
        self.connections: list[_FakeConnection] = []
        self.closed = False
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpcore.Request) -> str:
        self.sent.append(bytes(request.url).decode())
        return "response"

    async def aclose(self) -> None:
        self.closed = True


def test_one_pool_per_origin_and_idle_pools_evicted_least_recent_first() -> None:
    made: list[_FakePool] = []

    def make(scheme: bytes) -> _FakePool:
        assert scheme == b"http"
        made.append(_FakePool())
        return made[-1]

    pool = PerOriginPool(make, max_pools=2)  # type: ignore[arg-type]

    async def send(url: str) -> None:
        await pool.handle_async_request(httpcore.Request("GET", url))

    async def scenario() -> None:
        await send("http://a.test/1")
        await send("http://a.test/2")
        await send("http://b.test/1")
        assert len(made) == 2 and made[0].sent == ["http://a.test/1", "http://a.test/2"]
        made[1].connections = [_FakeConnection(idle=False)]  # b is busy
        await send("http://c.test/1")  # a is the least recently used and idle: closed
        assert made[0].closed and not made[1].closed
        await send("http://a.test/3")  # a comes back in a fresh pool; b busy, c idle: c goes
        assert len(made) == 4 and made[2].closed and not made[1].closed
        await pool.aclose()
        assert all(p.closed for p in made)

    asyncio.run(scenario())


# -- the transports, on both HTTP stacks ---------------------------------------------------


STACKS = ["httpx", "aiohttp"]


def transport(stack: str, resolver: Resolver) -> httpx.AsyncBaseTransport:
    """The run's transport on ``stack``, as ``build_client`` makes it."""
    return http_transport(resolver, FetchSettings(http_stack=stack))


async def _get(stack: str, resolver: Resolver, url: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=transport(stack, resolver), trust_env=False) as client:
        response = await client.get(url, headers=headers)
        await response.aread()
        return response


@pytest.mark.parametrize("stack", STACKS)
def test_the_transport_guards_ip_literals_and_names_itself(stack: str) -> None:
    # Whoever uses the client (not only the fetcher, which asks the guard first): nothing is sent.
    web = Web()
    try:
        site = web.add_site("inside.test", lambda req, web: html("Inside", "<p>secret</p>"))
        by_address = site.url("/").replace("inside.test", site.address)

        async def lookup(host: str, port: int) -> list[str]:
            return [site.address]

        for url in (by_address, f"http://inside.org:{site.port}/"):
            with pytest.raises(AddressRefused, match="loopback"):
                asyncio.run(_get(stack, Resolver(lookup=lookup), url))
        assert not web.hits
        # A failed lookup reaches the caller as the resolver's own error, for the classifier.
        with pytest.raises(DnsError):
            asyncio.run(
                _get(
                    stack,
                    Resolver(lookup=lookup_raising(socket.EAI_NONAME, "Name or service not known")),
                    "http://gone.org/",
                )
            )
    finally:
        web.close()


@pytest.mark.parametrize("stack", STACKS)
def test_no_cookie_is_kept_and_long_headers_are_read(stack: str) -> None:
    # Cookies set by one answer are not sent with the next request; a 12 KB header (h11 takes up
    # to 16 KB of headers) is read, not refused as aiohttp's defaults would.
    seen: list[str] = []

    def route(req: Request, web: Web) -> Reply:
        seen.append(req.headers.get("cookie", ""))
        return Reply(200, {"Set-Cookie": "session=abc; Path=/", "X-Long": "x" * 12_000}, b"hello")

    web = Web()
    try:
        site = web.add_site("cookies.test", route)
        rules = (parse_resolve(f"{site.name}:{site.port}:{site.address}"),)

        async def twice() -> list[httpx.Response]:
            resolver = Resolver(rules, allow_private=True)
            async with httpx.AsyncClient(transport=transport(stack, resolver), trust_env=False) as client:
                out = []
                for _ in range(2):
                    response = await client.get(site.url("/"))
                    await response.aread()
                    out.append(response)
                    client.cookies.clear()  # httpx's own jar, above the transport: the caller's
                return out

        first, second = asyncio.run(twice())
        assert first.status_code == second.status_code == 200 and first.content == b"hello"
        assert len(first.headers["x-long"]) == 12_000
        assert seen == ["", ""]
    finally:
        web.close()


@pytest.mark.parametrize("stack", STACKS)
def test_peer_address_and_accepted_connections_are_known(stack: str) -> None:
    web = Web()
    try:
        site = web.add_site("peer.test", lambda req, web: Reply(204))
        resolver = Resolver((parse_resolve(f"{site.name}:{site.port}:{site.address}"),), allow_private=True)
        response = asyncio.run(_get(stack, resolver, site.url("/")))
        assert response.status_code == 204
        assert response.extensions["network_stream"].get_extra_info("server_addr")[0] == site.address
        assert resolver.stats.connects == 1
    finally:
        web.close()


@pytest.mark.parametrize("stack", STACKS)
def test_a_refused_connection_is_a_connect_error_naming_the_refusal(stack: str) -> None:
    web = Web()
    try:
        closed = web.closed_site("closed.test")
        resolver = Resolver((parse_resolve(f"{closed.name}:*:{closed.address}"),), allow_private=True)
        with pytest.raises(httpx.ConnectError) as caught:
            asyncio.run(_get(stack, resolver, closed.url("/")))
        assert classify_error(caught.value) is Reason.CONNECTION_REFUSED
        assert resolver.stats.connects == 0
    finally:
        web.close()


async def keep_alive_server() -> asyncio.Server:
    """A loopback server keeping its connections open unless asked to close (tests/web.py always closes)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                close = b"connection: close" in head.lower()  # as HTTP/1.1 servers do (RFC 9112)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")
                writer.write(b"Connection: close\r\n\r\nok" if close else b"\r\nok")
                await writer.drain()
                if close:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


def test_aiohttp_keeps_idle_connections_for_the_latest_origins_only() -> None:
    # aiohttp bounds the connections in use, not the idle ones: without a bound of our own, a
    # run over thousands of hosts would hold thousands of idle sockets.
    async def visits(max_pools: int) -> int:
        a, b = await keep_alive_server(), await keep_alive_server()
        urls = {s: f"http://127.0.0.1:{s.sockets[0].getsockname()[1]}/" for s in (a, b)}
        resolver = Resolver(allow_private=True)
        try:
            t = AiohttpTransport(resolver, per_host=1, max_pools=max_pools)
            async with httpx.AsyncClient(transport=t, trust_env=False) as client:
                for server in (a, b, b, a, a):
                    response = await client.get(urls[server])
                    assert await response.aread() == b"ok"
        finally:
            a.close()
            b.close()
        return resolver.stats.connects

    # Room for both origins: one connection each, reused. Room for one: a keeps its
    # connection, b (the newcomer) gets a new one for each request.
    assert asyncio.run(visits(2)) == 2
    assert asyncio.run(visits(1)) == 3


@pytest.mark.parametrize("stack", STACKS)
def test_the_run_client_keeps_cookies_as_httpx_does_reading_only_answers_that_set_one(stack: str) -> None:
    # The run's client hands its jar only answers with Set-Cookie (SetCookieJar): the cookies
    # kept, and sent back, are those httpx's own client keeps and sends.
    seen: list[str] = []

    def route(req: Request, web: Web) -> Reply:
        seen.append(req.headers.get("cookie", ""))
        if req.path == "/login":
            return Reply(200, {"Set-Cookie": "session=abc; Path=/"}, b"in")
        if req.path == "/expire":
            return Reply(200, {"Set-Cookie": "session=; Path=/; Max-Age=0"}, b"out")
        return Reply(200, {"Set-Cookie2": 'old="1"; Version=1'}, b"page")  # ignored by both jars

    web = Web()
    try:
        site = web.add_site("jar.test", route)
        rules = (parse_resolve(f"{site.name}:{site.port}:{site.address}"),)
        paths = ["/page", "/login", "/page", "/page", "/expire", "/page"]

        async def visit(client: httpx.AsyncClient) -> list[str]:
            async with client:
                for path in paths:
                    response = await client.get(site.url(path))
                    await response.aread()
                return [f"{c.name}={c.value}" for c in client.cookies.jar]

        def run(make: type[httpx.AsyncClient]) -> tuple[list[str], list[str]]:
            seen.clear()
            resolver = Resolver(rules, allow_private=True)
            jar = asyncio.run(visit(make(transport=transport(stack, resolver), trust_env=False)))
            return jar, list(seen)

        ours, plain = run(CheckingClient), run(httpx.AsyncClient)
        assert ours == plain
        assert ours[1] == ["", "", "session=abc", "session=abc", "session=abc", ""]
        built = build_client(Resolver(rules, allow_private=True), FetchSettings(http_stack=stack))
        assert isinstance(built, CheckingClient) and isinstance(built.cookies, SetCookieJar)
        asyncio.run(built.aclose())
    finally:
        web.close()
