"""Every connection, on every redirect hop, is opened through the address guard, on both HTTP stacks.

The transports are ours: GuardedTransport over httpcore's public pool and backend (``--http-stack
httpx``) and AiohttpTransport, whose aiohttp connector is given addresses only by the guarded
resolver (``--http-stack aiohttp``). These tests record every connection the network below is
asked for (httpcore's network backend; the addresses aiohttp's resolver hands its connector) and
every approval the guard gives, and fail if a connection is opened that the guard did not approve
just before, for the very address connected to. A rebinding resolver (a public address first,
loopback after) shows that the address checked is the address connected to: nothing asks the
resolver a second time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpcore
import httpx
import pytest

from linkcheck.check.aiohttp_transport import AiohttpTransport
from linkcheck.check.fetch import Fetcher, FetchSettings
from linkcheck.check.network import GuardedTransport, IPAddress, Resolver, parse_resolve, socket_readable
from linkcheck.models import Outcome, Reason
from tests.web import Answer, Request, Web, html, redirect

Event = tuple[str, str, int, tuple[str, ...]]
"""("approved", host, port, addresses) or ("connect", address, port, ())."""


class RecordingResolver(Resolver):
    """The run's resolver, writing down each approval of the guard."""

    events: list[Event]

    async def checked(self, host: str, port: int) -> list[IPAddress]:
        addresses = await Resolver.checked(self, host, port)
        self.events.append(("approved", host, port, tuple(str(a) for a in addresses)))
        return addresses


class FakeStream(httpcore.AsyncNetworkStream):
    """A connection to a made-up public server that answers one canned response."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        chunk, self.reply = self.reply[:max_bytes], self.reply[max_bytes:]
        return chunk

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def get_extra_info(self, info: str) -> object:
        return None


@dataclass
class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The network under the guard: loopback addresses really connect; made-up public ones answer
    from ``public`` (address -> canned response) without any packet leaving the machine."""

    events: list[Event]
    public: dict[str, bytes]

    def __post_init__(self) -> None:
        self.real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.events.append(("connect", host, port, ()))
        if host in self.public:
            return FakeStream(self.public[host])
        if not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"the test network has no {host}")
        return await self.real.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.real.sleep(seconds)


@dataclass
class RecordingNetwork:
    """The network under aiohttp's guarded resolver: loopback addresses as they are; made-up public
    ones reached at a loopback server answering from ``public`` (no packet leaves the machine)."""

    events: list[Event]
    servers: dict[str, tuple[str, int]]

    def __call__(self, address: str, port: int) -> tuple[str, int]:
        self.events.append(("connect", address, port, ()))
        if address in self.servers:
            return self.servers[address]
        if not ipaddress.ip_address(address).is_loopback:
            raise OSError(f"the test network has no {address}")
        return address, port


async def canned_server(reply: bytes) -> asyncio.Server:
    """A loopback server answering every connection's first request with ``reply``, then closing."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
        finally:
            writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


STACKS = ["httpx", "aiohttp"]


def check(
    url: str, resolver: RecordingResolver, events: list[Event], public: dict[str, bytes], stack: str
) -> Outcome:
    """Check ``url`` on ``stack``, the network below it recorded in ``events``."""
    settings = FetchSettings(host_interval=0.0, retries=0, timeout=5.0)

    async def go() -> Outcome:
        transport: httpx.AsyncBaseTransport
        servers = []
        if stack == "httpx":
            backend = RecordingBackend(events, public)
            transport = GuardedTransport(resolver, per_host=2, max_pools=8, network_backend=backend)
        else:
            servers = [await canned_server(reply) for reply in public.values()]
            where = {a: s.sockets[0].getsockname()[:2] for a, s in zip(public, servers, strict=True)}
            transport = AiohttpTransport(resolver, per_host=2, network=RecordingNetwork(events, where))
        try:
            async with httpx.AsyncClient(
                transport=transport, follow_redirects=False, trust_env=False
            ) as client:
                return await Fetcher(client, resolver, settings).check(url)
        finally:
            for server in servers:
                server.close()

    return asyncio.run(go())


def assert_every_connection_was_approved_just_before(events: list[Event]) -> list[Event]:
    connects = [e for e in events if e[0] == "connect"]
    for i, (kind, address, port, _) in enumerate(events):
        if kind != "connect":
            continue
        assert i > 0, f"connection to {address}:{port} before any approval"
        before = events[i - 1]
        assert before[0] == "approved" and before[2] == port and address in before[3], (
            f"connection to {address}:{port} not approved by the guard just before: {events[: i + 1]}"
        )
    return connects


def hop(target: str) -> object:
    def route(req: Request, web: Web) -> Answer:
        return redirect(301, target)

    return route


def final(req: Request, web: Web) -> Answer:
    return html("The end of the chain", "<p>" + "Words of the page at the end of the chain. " * 40 + "</p>")


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    w = Web()
    c = w.add_site("hop-c.test", final)
    b = w.add_site("hop-b.test", hop(c.url("/end")))  # type: ignore[arg-type]
    w.add_site("hop-a.test", hop(b.url("/middle")))  # type: ignore[arg-type]
    yield w
    w.close()


@pytest.mark.parametrize("stack", STACKS)
def test_every_hop_of_a_redirect_chain_connects_through_the_guard(web: Web, stack: str) -> None:
    events: list[Event] = []
    rules = tuple(parse_resolve(f"{s.name}:{s.port}:{s.address}") for s in web.sites.values())
    resolver = RecordingResolver(rules, allow_private=True)
    resolver.events = events
    outcome = check(web.sites["hop-a.test"].url("/start"), resolver, events, {}, stack)
    assert outcome.final_url == web.sites["hop-c.test"].url("/end"), outcome.error
    connects = assert_every_connection_was_approved_just_before(events)
    # One connection per host of the chain at least, each to that host's own address.
    assert {(a, p) for _, a, p, _ in connects} == {(s.address, s.port) for s in web.sites.values()}


@pytest.mark.parametrize("stack", STACKS)
def test_a_public_page_redirecting_inside_is_refused_before_any_connection(web: Web, stack: str) -> None:
    events: list[Event] = []
    inside = web.sites["hop-c.test"]
    # 8.8.4.4 stands for a public server (answered by FakeStream: no packet leaves the machine).
    answers = {"outside.org": ["8.8.4.4"], "inside.org": [inside.address]}

    async def lookup(host: str, port: int) -> list[str]:
        return answers[host]

    resolver = RecordingResolver(lookup=lookup)
    resolver.events = events
    moved = f"Location: http://inside.org:{inside.port}/end\r\nContent-Length: 0\r\n\r\n"
    public = {"8.8.4.4": b"HTTP/1.1 301 Moved Permanently\r\n" + moved.encode()}
    web.reset_counters()
    outcome = check("http://outside.org/page", resolver, events, public, stack)
    assert outcome.reason is Reason.PRIVATE_ADDRESS, outcome.error
    connects = assert_every_connection_was_approved_just_before(events)
    assert [(a, p) for _, a, p, _ in connects] == [("8.8.4.4", 80)]
    assert not web.hits, "a request reached the private address"


@pytest.mark.parametrize("stack", STACKS)
def test_a_rebinding_name_is_connected_to_at_the_address_the_guard_approved(web: Web, stack: str) -> None:
    events: list[Event] = []
    inside = web.sites["hop-c.test"]
    asked: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        # Public while the guard looks, loopback for whoever asks next: DNS rebinding.
        asked.append(host)
        return ["8.8.4.4"] if asked.count(host) == 1 else [inside.address]

    resolver = RecordingResolver(lookup=rebinding)
    resolver.events = events
    page = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    web.reset_counters()
    outcome = check(f"http://rebind.org:{inside.port}/end", resolver, events, {"8.8.4.4": page}, stack)
    assert outcome.http_status == 200, outcome.error
    connects = assert_every_connection_was_approved_just_before(events)
    assert {a for _, a, _, _ in connects} == {"8.8.4.4"}
    assert asked == ["rebind.org"]  # asked once in the run, by the guard
    assert not web.hits


def test_an_idle_connection_is_readable_once_the_peer_closes_it() -> None:
    # httpcore asks before reusing a kept-alive connection: a readable one is dropped.
    ours, theirs = socket.socketpair()
    try:
        assert not socket_readable(ours)
        theirs.close()
        assert socket_readable(ours)
    finally:
        ours.close()
    assert socket_readable(ours)  # closed: never reused
