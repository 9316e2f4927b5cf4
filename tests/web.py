"""A test web on loopback: several sites on several addresses, real sockets, hostile servers.

Each site listens on its own address (127.0.0.2, 127.0.0.3, ...) and ephemeral port, and is
reached by a real-looking name mapped with ``--resolve`` (see :meth:`Web.resolve_args`). One
asyncio loop in a background thread serves them all with a tiny hand-written HTTP/1.1 server,
so that it can misbehave on purpose: reset connections, answer garbage, stall, stream 200 MB
or a gzip bomb. Every request is counted per site, with the most requests seen in flight at
once and the start time of each, so tests can assert politeness.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import struct
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qs, unquote, urlsplit

# -- what a route answers ------------------------------------------------------------


@dataclass
class Request:
    """A request as the server parsed it."""

    site: str
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    """An HTTP response; ``chunks`` streams a body instead of ``body``."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks: Callable[[], AsyncIterator[bytes]] | None = None
    delay: float = 0.0
    """Seconds to wait (in flight) before answering."""


@dataclass
class Reset:
    """Close the connection with a TCP reset after reading the request."""


@dataclass
class Garbage:
    """Answer bytes that are not HTTP, then close."""

    data: bytes = b"SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\x00\x01\x02 garbage\r\n\r\n"


Answer = Reply | Reset | Garbage
Route = Callable[[Request, "Web"], Awaitable[Answer] | Answer]

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 410: "Gone", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip


def html(title: str, body: str, h1: str | None = None) -> Reply:
    """A 200 HTML page."""
    page = (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<nav>Home | About | Contact</nav><h1>{h1 if h1 is not None else title}</h1>{body}"
        "<footer>Copyright 2024</footer></body></html>"
    )
    return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())


def redirect(status: int, location: str) -> Reply:
    """A redirect to ``location``."""
    return Reply(status, {"Location": location})


def words(seed: str, n: int) -> str:
    """``n`` words of filler text that differ with ``seed``."""
    vocab = [
        *("citation", "library", "archive", "record", "evidence", "method", "result", "journal", "article"),
        *("author", "study", "policy", "health", "quality", "service", "improvement", "report", "data"),
    ]
    h = zlib.crc32(seed.encode())
    out = []
    for i in range(n):
        h = (h * 1103515245 + 12345 + i) & 0x7FFFFFFF
        out.append(vocab[h % len(vocab)])
    return " ".join(out)


@cache  # made once, before a run: making it blocks the server's loop for most of a second
def gzip_bomb(megabytes: int = 256) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed into about a thousandth of that."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join([comp.compress(zeros) for _ in range(megabytes)] + [comp.flush()])


# -- the server ----------------------------------------------------------------------


@dataclass
class Site:
    """One site of the test web."""

    name: str
    address: str
    port: int
    route: Route

    def url(self, path: str = "/") -> str:
        """The URL of ``path`` on this site, by name."""
        return f"http://{self.name}:{self.port}{path}"


class Web:
    """The loopback test web: start it, add sites, read its counters."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-web", daemon=True)
        self.thread.start()
        self.sites: dict[str, Site] = {}
        self.servers: list[asyncio.Server] = []
        self.lock = threading.Lock()
        self.hits: Counter[tuple[str, str]] = Counter()
        """Requests per (site, path)."""
        self.methods: list[tuple[str, str, str]] = []
        """(site, method, path) of every request, in order."""
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.starts: defaultdict[str, list[float]] = defaultdict(list)
        self.user_agents: set[str] = set()
        self.state: Counter[str] = Counter()
        """Free counters for routes that change their answer (503 then 200)."""
        self._next_address = 2

    def _run(self, coro: Awaitable[object]) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)  # type: ignore[arg-type]

    def add_site(self, name: str, route: Route) -> Site:
        """Serve ``route`` as ``name`` on the next free loopback address."""
        address = f"127.0.0.{self._next_address}"
        self._next_address += 1

        async def start() -> asyncio.Server:
            return await asyncio.start_server(
                lambda r, w: self._serve(name, r, w), host=address, port=0, reuse_address=True
            )

        server = self._run(start())
        assert isinstance(server, asyncio.Server)
        self.servers.append(server)
        port = server.sockets[0].getsockname()[1]
        site = Site(name, address, port, route)
        self.sites[name] = site
        return site

    def closed_site(self, name: str) -> Site:
        """A name mapped to an address and port where nothing listens (connection refused)."""
        address = f"127.0.0.{self._next_address}"
        self._next_address += 1
        with socket.socket() as s:
            s.bind((address, 0))
            port = s.getsockname()[1]

        async def never(req: Request, web: Web) -> Answer:
            raise AssertionError("a closed port cannot be reached")

        site = Site(name, address, port, never)
        self.sites[name] = site
        return site

    def resolve_args(self) -> list[str]:
        """``--resolve NAME:PORT:ADDRESS`` for every site."""
        args = []
        for site in self.sites.values():
            args += ["--resolve", f"{site.name}:{site.port}:{site.address}"]
        return args

    def reset_counters(self) -> None:
        """Forget requests seen so far."""
        with self.lock:
            self.hits.clear()
            self.methods.clear()
            self.max_in_flight.clear()
            self.starts.clear()
            self.state.clear()

    def close(self) -> None:
        """Stop every server and the loop."""

        async def stop() -> None:
            for server in self.servers:
                server.close()
            for server in self.servers:
                await server.wait_closed()
            # Cancel handlers still running (a stalled reply) so their sockets close.
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.loop.shutdown_asyncgens()

        self._run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _serve(self, name: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        site = self.sites[name]
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        req = Request(name, method, target, headers)
        with self.lock:
            self.hits[(name, target)] += 1
            self.methods.append((name, method, target))
            self.in_flight[name] += 1
            self.max_in_flight[name] = max(self.max_in_flight[name], self.in_flight[name])
            self.starts[name].append(time.monotonic())
            self.user_agents.add(headers.get("user-agent", ""))
        counted = True
        try:
            answer = site.route(req, self)
            if not isinstance(answer, Reply | Reset | Garbage):
                answer = await answer
            if isinstance(answer, Reply) and answer.delay:
                await asyncio.sleep(answer.delay)
            # Out of flight before the last bytes leave: the client cannot start its next request
            # on this slot before it has read them, so the count never overstates.
            with self.lock:
                self.in_flight[name] -= 1
            counted = False
            await self._answer(answer, req, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if counted:
                with self.lock:
                    self.in_flight[name] -= 1
            if not writer.is_closing():
                writer.close()

    async def _answer(self, answer: Answer, req: Request, writer: asyncio.StreamWriter) -> None:
        if isinstance(answer, Reset):
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if isinstance(answer, Garbage):
            writer.write(answer.data)
            await writer.drain()
            return
        headers = {"Connection": "close", "Server": "test-web", **answer.headers}
        if answer.chunks is None:
            headers["Content-Length"] = str(len(answer.body))
        head = f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'Whatever')}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1"))
        if req.method == "HEAD":
            await writer.drain()
            return
        if answer.chunks is None:
            writer.write(answer.body)
            await writer.drain()
            return
        async for chunk in answer.chunks():
            writer.write(chunk)
            await writer.drain()


def no_dns(monkeypatch: object, missing: set[str] | None = None) -> list[str]:
    """Make the system resolver answer "no such name" (EAI_NONAME), as DNS does for a lapsed domain.

    ``missing`` limits it to those names (others keep the real resolver, which on a machine
    without DNS fails too); returns the list of names asked, in order. Names mapped with
    ``--resolve`` are never asked. Works in-process only (CliRunner), through pytest's monkeypatch.
    """
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)
        asked.append(name)
        if missing is None or name in missing:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)  # type: ignore[attr-defined]
    return asked


# -- the sites of the standard test web ---------------------------------------------------

ARTICLE = "<article><p>" + words("article", 400) + "</p></article>"


def honest_site(req: Request, web: Web) -> Answer:
    """A well-behaved site with every behaviour of the verdict table on its own path."""
    p = req.path.split("?", 1)[0]
    if p == "/":
        return html("Site A home", "<p>" + words("home", 200) + "</p>")
    if p == "/live":
        return html("A live article", ARTICLE)
    if p == "/head-refused":
        return Reply(405) if req.method == "HEAD" else html("HEAD refused", ARTICLE)
    if p == "/head-lies":
        return Reply(404) if req.method == "HEAD" else html("HEAD lies", ARTICLE)
    if p == "/old-article":
        return redirect(301, "/new-article")
    if p == "/new-article":
        return html("The article's new home", "<p>" + words("new", 300) + "</p>")
    if p == "/folder":
        return redirect(301, "/folder/")  # housekeeping, not a move
    if p == "/folder/":
        return html("A folder index", ARTICLE)
    if p == "/reports/2015/annual-report":
        return redirect(301, "/")
    if p == "/temp":
        return redirect(302, "/live")
    if p == "/gone":
        return Reply(410, {"Content-Type": "text/plain"}, b"gone")
    if p == "/says-not-found":
        return html("Page not found | Site A", "<p>Sorry.</p>" + "<p>" + words("sorry", 50) + "</p>")
    if p == "/article-about-errors":
        text = (
            "<p>When a reader follows a citation and the server says page not found, the reference has "
            "rotted. Our study found that not found errors affect one link in five.</p>"
        )
        return html("Reference rot in scholarly articles", text + ARTICLE)
    if p == "/error500":
        return Reply(500, {"Content-Type": "text/plain"}, b"oops")
    if p == "/flaky503":
        web.state["flaky503"] += 1
        if web.state["flaky503"] == 1:
            return Reply(503, {"Retry-After": "1"})
        return html("Back again", ARTICLE)
    if p == "/rate-limited":
        web.state["rate-limited"] += 1
        if web.state["rate-limited"] == 1:
            return Reply(429, {"Retry-After": "1"})
        return html("Patience rewarded", ARTICLE)
    if p == "/always429":
        return Reply(429, {"Retry-After": "1"})
    if p == "/auth":
        return Reply(401, {"WWW-Authenticate": 'Basic realm="x"'})
    if p == "/forbidden":
        return Reply(403)
    if p == "/challenge":
        return Reply(403, {"cf-mitigated": "challenge"}, b"Just a moment...")
    if p == "/members":
        return redirect(302, "/login?next=/members")
    if p == "/login":
        return html("Sign in", "<form>user <input> password <input type=password></form>")
    if p == "/publication/temporary":  # a session id in the path: no login about it
        return redirect(302, "/session/7f3a/publication")
    if p == "/session/7f3a/publication":
        return html("The publication", ARTICLE)
    if p == "/guides/access":  # a URL named for logging in, serving an article about it
        return redirect(302, "/help/login")
    if p == "/help/login":
        text = "<p>To log in to the catalogue, enter your library card number and your password.</p>"
        return html("How to log in to the library catalogue", text + ARTICLE)
    if p == "/story":  # an article with a sign-in box in its header
        return redirect(302, "/news/story")
    if p == "/news/story":
        box = "<form action=/login><input name=user><input type=password><button>Sign in</button></form>"
        return html("A news story", box + ARTICLE)
    if p == "/intranet":
        return redirect(302, "/signin?next=/intranet")
    if p == "/signin":
        return Reply(403, {"Content-Type": "text/html"}, b"<html><title>Forbidden</title></html>")
    if p == "/institutional" and "login.openathens.net" in web.sites:
        return redirect(302, web.sites["login.openathens.net"].url("/saml/start?entity=site-a"))
    if p.startswith("/dies-later/") and "linkcheck-probe" not in p:  # alive when first asked, then gone
        web.state[p] += 1
        return html("Still here", ARTICLE) if web.state[p] == 1 else Reply(410)
    if p == "/loop":
        return redirect(302, "/loop2")
    if p == "/loop2":
        return redirect(302, "/loop")
    if p == "/redirect-to-ftp":
        return redirect(301, "ftp://files.example.org/x")
    return Reply(404, {"Content-Type": "text/html"}, b"<html><title>Not Found</title></html>")


def sso_site(req: Request, web: Web) -> Answer:
    """A single-sign-on service whose page is drawn by a script: no form in the HTML."""
    return html("Sign in", "<div id=app></div><script src=/app.js></script>")


def soft404_site(req: Request, web: Web) -> Answer:
    """A site that answers every path with the same 200 page, echoing the path."""
    return html(
        "Example Shop",
        f"<p>Sorry, we looked everywhere for {req.path}.</p><p>{words('shop', 300)}</p>",
        h1="Welcome to the shop",
    )


def hostile_site(req: Request, web: Web) -> Answer:
    """Slow answers, resets, garbage, huge bodies and a gzip bomb."""
    p = req.path
    if p == "/slow":
        return Reply(200, {"Content-Type": "text/html"}, b"<html>late</html>", delay=3.0)
    if p == "/reset":
        return Reset()
    if p == "/garbage":
        return Garbage()
    if p == "/huge":

        async def body() -> AsyncIterator[bytes]:
            block = b"<p>" + b"x" * 65_530 + b"</p>"
            yield b"<!doctype html><html><head><title>Huge</title></head><body>"
            for _ in range(200 * 16):  # 200 MB
                yield block

        return Reply(
            200, {"Content-Type": "text/html", "Content-Length": str(200 * 16 * 65_537 + 60)}, chunks=body
        )
    if p == "/bomb":
        bomb = gzip_bomb()
        return Reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
    if p == "/":
        return html("Hostile home", "<p>" + words("hostile", 100) + "</p>")
    return Reply(404)


def slowish_site(req: Request, web: Web) -> Answer:
    """Every path answers after 0.2 s: for counting requests in flight."""
    reply = html("Slowish " + req.path, "<p>" + words(req.path, 100) + "</p>")
    reply.delay = 0.2
    return reply


# -- conditional requests and a fake web archive -------------------------------------------


def conditional(
    req: Request, reply: Reply, etag: str | None = None, last_modified: str | None = None
) -> Reply:
    """``reply`` with validators, or a 304 when the request's validators match them (RFC 9110)."""
    headers = dict(reply.headers)
    if etag:
        headers["ETag"] = etag
    if last_modified:
        headers["Last-Modified"] = last_modified
    asked_etag = req.headers.get("if-none-match")
    if etag and asked_etag is not None:
        if etag in [t.strip() for t in asked_etag.split(",")]:
            return Reply(304, {k: v for k, v in headers.items() if k != "Content-Type"})
    elif last_modified and req.headers.get("if-modified-since") == last_modified:
        return Reply(304, {k: v for k, v in headers.items() if k != "Content-Type"})
    return Reply(reply.status, headers, reply.body, reply.chunks, reply.delay)


HTML_UTF8 = "text/html; charset=utf-8"


@dataclass
class Capture:
    """One capture the fake archive holds."""

    timestamp: str
    """14 digits, YYYYMMDDhhmmss."""
    body: bytes
    content_type: str = HTML_UTF8
    status: str = "200"


class FakeArchive:
    """A Wayback Machine on loopback: the availability API's real JSON and captures in the id_ form.

    ``/wayback/available?url=U&timestamp=T`` answers the capture of U closest to T (the latest
    without T) as ``{"url", "archived_snapshots": {"closest": {"status", "available", "url",
    "timestamp"}}, "timestamp"}``, or ``"archived_snapshots": {}``; ``/web/<T>id_/<U>`` serves
    the capture's original bytes, and ``/web/<T>/<U>`` the same under an archive banner.
    ``snapshot_base`` makes the API name captures on another host.
    """

    def __init__(self) -> None:
        self.captures: dict[str, list[Capture]] = defaultdict(list)
        self.delay = 0.0
        self.snapshot_base: str | None = None
        self.questions: list[tuple[str, str | None]] = []
        """(url, timestamp) of every availability question."""
        self.fetches: list[str] = []
        """Paths of every capture fetched."""

    def add(self, url: str, timestamp: str, body: bytes, content_type: str = HTML_UTF8) -> None:
        """Hold a capture of ``url`` taken at ``timestamp`` (YYYYMMDD or YYYYMMDDhhmmss)."""
        self.captures[url].append(Capture(timestamp.ljust(14, "0"), body, content_type))

    def closest(self, url: str, timestamp: str | None) -> Capture | None:
        """The capture of ``url`` nearest ``timestamp`` (the latest when None)."""
        found = self.captures.get(url)
        if not found:
            return None
        if not timestamp:
            return max(found, key=lambda c: c.timestamp)
        want = _seconds(timestamp.ljust(14, "0"))
        return min(found, key=lambda c: abs(_seconds(c.timestamp) - want))

    def route(self, req: Request, web: Web) -> Answer:
        """The archive's answers."""
        site = web.sites[req.site]
        parts = urlsplit(req.path)
        if parts.path == "/wayback/available":
            query = parse_qs(parts.query)
            url = query.get("url", [""])[0]
            stamp = query.get("timestamp", [None])[0]
            with web.lock:
                self.questions.append((url, stamp))
            capture = self.closest(url, stamp)
            answer: dict[str, object] = {"url": url, "archived_snapshots": {}}
            if stamp:
                answer["timestamp"] = stamp
            if capture is not None:
                base = self.snapshot_base or f"http://{site.name}:{site.port}"
                answer["archived_snapshots"] = {
                    "closest": {
                        "status": capture.status,
                        "available": True,
                        "url": f"{base}/web/{capture.timestamp}/{url}",
                        "timestamp": capture.timestamp,
                    }
                }
            body = json.dumps(answer).encode()
            return Reply(200, {"Content-Type": "application/json"}, body, delay=self.delay)
        if parts.path.startswith("/web/"):
            stamp, _, original = req.path[len("/web/") :].partition("/")
            with web.lock:
                self.fetches.append(req.path)
            digits = stamp.removesuffix("id_")
            for capture in self.captures.get(unquote(original), []):
                if capture.timestamp == digits:
                    body = capture.body
                    if not stamp.endswith("id_"):  # the replay form: the archive's banner on top
                        body = body.replace(b"<body>", b"<body><div id='wm-ipp'>Wayback banner</div>", 1)
                    return Reply(200, {"Content-Type": capture.content_type}, body, delay=self.delay)
            return Reply(404, {"Content-Type": "text/html"}, b"<html><title>Not in archive</title></html>")
        return Reply(404)


def _seconds(stamp: str) -> float:
    return dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC).timestamp()
