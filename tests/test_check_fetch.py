"""The fetcher over httpx.MockTransport: retries, redirects, the guard on every hop, bounded reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import random
import zlib
from collections.abc import Callable

import httpx
import pytest

from linkcheck.check import config
from linkcheck.check.fetch import (
    BoundedDecoder,
    Fetcher,
    FetchSettings,
    backoff_delay,
    retry_after_seconds,
)
from linkcheck.check.network import Resolver
from linkcheck.check.runner import interleave
from linkcheck.durations import parse_duration
from linkcheck.models import Outcome, Reason
from linkcheck.store import LinkToCheck

PUBLIC = {"site.org": "93.184.216.34", "other.org": "93.184.216.35", "intranet.site.org": "10.0.0.7"}


async def stub_lookup(host: str, port: int) -> list[str]:
    return [PUBLIC[host]]


def run(
    handler: Callable[[httpx.Request], httpx.Response], url: str, **settings: object
) -> tuple[Outcome, list[httpx.Request], list[float], Fetcher]:
    """Check ``url`` against ``handler``; return the outcome, the requests and the sleeps asked."""
    seen: list[httpx.Request] = []
    sleeps: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> tuple[Outcome, Fetcher]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
            fetcher = Fetcher(
                client,
                Resolver(lookup=stub_lookup),
                FetchSettings(host_interval=0, **settings),  # type: ignore[arg-type]
                rng=random.Random(1),
                sleep=sleep,
            )
            return await fetcher.check(url), fetcher

    outcome, fetcher = asyncio.run(go())
    return outcome, seen, sleeps, fetcher


PAGE = b"<html><head><title>An article</title></head><body><p>" + b"words " * 200 + b"</p></body></html>"


def ok(request: httpx.Request) -> httpx.Response:
    if "linkcheck-probe-" in request.url.path:
        return httpx.Response(404)
    return httpx.Response(200, headers={"Content-Type": "text/html", "ETag": '"v1"'}, content=PAGE)


def test_a_live_page_is_one_get_and_its_headers_are_kept() -> None:
    outcome, seen, _, _ = run(ok, "https://site.org/articles/1")
    assert outcome.reason is Reason.OK
    assert [r.method for r in seen] == ["GET", "GET"]  # the page, then the soft-404 probe
    assert seen[1].url.path.startswith("/articles/linkcheck-probe-")
    assert outcome.etag == '"v1"' and outcome.content_type == "text/html"
    assert outcome.title == "An article" and outcome.body_bytes == len(PAGE)
    assert seen[0].headers["user-agent"].startswith("linkcheck/")


def test_a_redirect_to_a_private_address_is_refused_before_anything_is_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://intranet.site.org/admin"})

    outcome, seen, _, _ = run(handler, "https://site.org/a")
    assert outcome.reason is Reason.PRIVATE_ADDRESS
    assert [str(r.url) for r in seen] == ["https://site.org/a"]
    assert [h.location for h in outcome.hops] == ["http://intranet.site.org/admin"]
    assert "10.0.0.7" in (outcome.error or "")


def test_too_many_redirects_and_loops() -> None:
    def chain(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/") or 0)
        return httpx.Response(301, headers={"Location": f"/{n + 1}"})

    outcome, seen, _, _ = run(chain, "https://site.org/0", max_redirects=10)
    assert outcome.reason is Reason.TOO_MANY_REDIRECTS
    assert len(seen) == 11 and len(outcome.hops) == 11

    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "/b" if request.url.path == "/a" else "/a"})

    outcome, seen, _, _ = run(loop, "https://site.org/a")
    assert outcome.reason is Reason.TOO_MANY_REDIRECTS and "loop" in (outcome.error or "")
    assert len(seen) <= 5


def test_retry_after_is_honoured_and_the_host_backs_off() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, content=b"fine")])
    outcome, _, sleeps, fetcher = run(lambda r: next(answers), "https://site.org/x")
    assert outcome.reason is Reason.OK and outcome.attempts == 2
    # The retry waits as asked; the host's gate holds every request to it as long.
    assert sleeps[0] == 7.0 and all(s <= 7.0 for s in sleeps)
    assert fetcher.gate("site.org:443").extra > 0


def test_a_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    outcome, seen, sleeps, _ = run(
        lambda r: httpx.Response(429, headers={"Retry-After": "3600"}), "https://site.org/x"
    )
    assert outcome.reason is Reason.RATE_LIMITED
    assert len(seen) == 1 and sleeps == []


def test_server_errors_are_retried_with_growing_backoff_then_reported() -> None:
    outcome, seen, sleeps, _ = run(lambda r: httpx.Response(500), "https://site.org/x", retries=2)
    assert outcome.reason is Reason.SERVER_ERROR and outcome.http_status == 500
    assert len(seen) == 3 and len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.6


def test_hard_answers_and_errors_are_not_retried() -> None:
    for status, reason in ((404, Reason.NOT_FOUND), (410, Reason.GONE), (403, Reason.FORBIDDEN)):
        outcome, seen, sleeps, _ = run(lambda r, s=status: httpx.Response(s), "https://site.org/x")
        assert outcome.reason is reason and len(seen) == 1 and sleeps == []

    def tls(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    outcome, seen, _, _ = run(tls, "https://site.org/x")
    assert outcome.reason is Reason.TLS_ERROR and len(seen) == 1


def test_transport_errors_are_retried() -> None:
    calls = iter([httpx.ReadError("Connection reset by peer"), None])

    def flaky(request: httpx.Request) -> httpx.Response:
        exc = next(calls)
        if exc is not None:
            raise exc
        return httpx.Response(204)

    outcome, seen, _, _ = run(flaky, "https://site.org/x")
    assert outcome.reason is Reason.OK and len(seen) == 2


def test_unsupported_and_invalid_urls_send_nothing() -> None:
    outcome, seen, _, _ = run(ok, "ftp://site.org/file")
    assert outcome.reason is Reason.UNSUPPORTED_SCHEME and seen == []
    outcome, seen, _, _ = run(ok, "http://site.org:abc/")
    assert outcome.reason is Reason.INVALID_URL and seen == []


def test_soft404_probe_is_once_per_folder() -> None:
    def everything(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=PAGE)

    async def go() -> tuple[list[Outcome], list[str]]:
        paths: list[str] = []

        def record(request: httpx.Request) -> httpx.Response:
            paths.append(request.url.path)
            return everything(request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
            f = Fetcher(client, Resolver(lookup=stub_lookup), FetchSettings(host_interval=0))
            outcomes = await asyncio.gather(*(f.check(f"https://site.org/p/{i}") for i in range(5)))
            outcomes.append(await f.check("https://site.org/"))
        return list(outcomes), paths

    outcomes, paths = asyncio.run(go())
    assert [o.reason for o in outcomes] == [Reason.SOFT_404] * 5 + [Reason.OK]
    assert len([p for p in paths if "linkcheck-probe-" in p]) == 1


def test_the_probe_cache_keeps_the_most_recently_used_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "PROBE_CACHE", 2)

    def everything(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=PAGE)

    async def go() -> tuple[list[str], int]:
        paths: list[str] = []

        def record(request: httpx.Request) -> httpx.Response:
            paths.append(request.url.path)
            return everything(request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
            f = Fetcher(client, Resolver(lookup=stub_lookup), FetchSettings(host_interval=0))
            for folder in ("a", "b", "a", "c", "a", "b"):  # b is the least recently used when c comes
                await f.check(f"https://site.org/{folder}/page")
            return paths, len(f._probes)

    paths, kept = asyncio.run(go())
    probes = [p.split("/")[1] for p in paths if "linkcheck-probe-" in p]
    assert probes == ["a", "b", "c", "b"]  # a stayed cached throughout; b was dropped and asked again
    assert kept == 2


def gzip(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def test_bounded_decoder_stops_a_bomb_at_the_bound() -> None:
    bomb = gzip(bytes(64 << 20))
    d = BoundedDecoder("gzip", 1 << 20)
    for i in range(0, len(bomb), 65536):
        d.feed(bomb[i : i + 65536])
        if d.full:
            break
    assert len(d.out) == 1 << 20 and d.full


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("gzip", gzip(b"hello " * 1000)),
        ("x-gzip", gzip(b"hello " * 1000)),
        ("deflate", zlib.compress(b"hello " * 1000)),
        ("deflate", zlib.compressobj(6, zlib.DEFLATED, -15).compress(b"hello " * 1000) + b""),
        ("identity", b"hello " * 1000),
        (None, b"hello " * 1000),
    ],
)
def test_bounded_decoder_decodes(encoding: str | None, data: bytes) -> None:
    if encoding == "deflate" and data[:1] != b"\x78":
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = c.compress(b"hello " * 1000) + c.flush()
    d = BoundedDecoder(encoding, 1 << 20)
    d.feed(data[:10])
    d.feed(data[10:])
    assert bytes(d.out) == b"hello " * 1000


def test_bounded_decoder_rejects_corrupt_data_and_keeps_unknown_encodings_raw() -> None:
    with pytest.raises(httpx.DecodingError):
        BoundedDecoder("gzip", 100).feed(b"not gzip at all")
    d = BoundedDecoder("br", 100)
    d.feed(b"\x8b\x02\x80raw")
    assert bytes(d.out) == b"\x8b\x02\x80raw"


def test_retry_after_parsing() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert (
        retry_after_seconds(email.utils.format_datetime(now + dt.timedelta(seconds=30), usegmt=True), now)
        == 30.0
    )
    assert (
        retry_after_seconds(email.utils.format_datetime(now - dt.timedelta(hours=1), usegmt=True), now) == 0.0
    )
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(3)
    delays = [backoff_delay(i, 0.5, 10.0, rng) for i in range(8)]
    assert 0.25 <= delays[0] <= 0.75 and 0.5 <= delays[1] <= 1.5 and 1.0 <= delays[2] <= 3.0
    assert max(delays) <= 15.0
    assert len({round(d, 6) for d in delays}) == len(delays)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("7d", 7 * 86400), ("12h", 43200), ("30m", 1800), ("2w", 14 * 86400), ("45s", 45), ("0", 0)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_parse_age_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")


def test_interleave_spreads_hosts() -> None:
    links = [LinkToCheck(i, f"u{i}", h) for i, h in enumerate("aaaabbc")]
    assert [link.host for link in interleave(links)] == list("abcabaa")
