"""Every connection, on every redirect hop, is opened through the address guard.

The transport is ours (GuardedTransport over httpcore's public pool and backend): these tests
record every connection the network backend is asked for and every approval the guard gives,
and fail if a connection is opened that the guard did not approve just before, for the very
address connected to. A rebinding resolver (a public address first, loopback after) shows that
the address checked is the address connected to: nothing asks the resolver a second time.
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


def check(url: str, resolver: RecordingResolver, backend: RecordingBackend) -> Outcome:
    settings = FetchSettings(host_interval=0.0, retries=0, timeout=5.0)

    async def go() -> Outcome:
        transport = GuardedTransport(resolver, per_host=2, max_pools=8, network_backend=backend)
        async with httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False) as client:
            return await Fetcher(client, resolver, settings).check(url)

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


def test_every_hop_of_a_redirect_chain_connects_through_the_guard(web: Web) -> None:
    events: list[Event] = []
    rules = tuple(parse_resolve(f"{s.name}:{s.port}:{s.address}") for s in web.sites.values())
    resolver = RecordingResolver(rules, allow_private=True)
    resolver.events = events
    outcome = check(web.sites["hop-a.test"].url("/start"), resolver, RecordingBackend(events, {}))
    assert outcome.final_url == web.sites["hop-c.test"].url("/end"), outcome.error
    connects = assert_every_connection_was_approved_just_before(events)
    # One connection per host of the chain at least, each to that host's own address.
    assert {(a, p) for _, a, p, _ in connects} == {(s.address, s.port) for s in web.sites.values()}


def test_a_public_page_redirecting_inside_is_refused_before_any_connection(web: Web) -> None:
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
    outcome = check("http://outside.org/page", resolver, RecordingBackend(events, public))
    assert outcome.reason is Reason.PRIVATE_ADDRESS, outcome.error
    connects = assert_every_connection_was_approved_just_before(events)
    assert [(a, p) for _, a, p, _ in connects] == [("8.8.4.4", 80)]
    assert not web.hits, "a request reached the private address"


def test_a_rebinding_name_is_connected_to_at_the_address_the_guard_approved(web: Web) -> None:
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
    outcome = check(
        f"http://rebind.org:{inside.port}/end", resolver, RecordingBackend(events, {"8.8.4.4": page})
    )
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
