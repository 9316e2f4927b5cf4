"""The archive client: availability answers in the real JSON shape, the id_ form, trust, the breaker.

Pure helpers are tested on their own; the client over ``httpx.MockTransport`` (one transport
for the trusted client, one for the guarded one, so that which client asked is visible).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import httpx
import pytest

from linkcheck.check.archive import (
    ArchiveClient,
    ArchiveUnavailable,
    availability_url,
    distance_days,
    id_url,
    is_trusted,
    iso_timestamp,
    parse_availability,
)
from linkcheck.models import Snapshot

# What archive.org answers (2024), verbatim but for the URL.
REAL = {
    "url": "www.health.org.uk/publication/clear-road-ahead",
    "archived_snapshots": {
        "closest": {
            "status": "200",
            "available": True,
            "url": "http://web.archive.org/web/20170908093512/http://www.health.org.uk/publication/clear-road-ahead",
            "timestamp": "20170908093512",
        }
    },
    "timestamp": "20170908",
}


def test_a_real_answer_gives_its_capture_over_https() -> None:
    snap = parse_availability(REAL)
    assert snap == Snapshot(
        "https://web.archive.org/web/20170908093512/http://www.health.org.uk/publication/clear-road-ahead",
        "2017-09-08T09:35:12Z",
        200,
    )
    assert snap.when == dt.datetime(2017, 9, 8, 9, 35, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "answer",
    [
        {"url": "x.org", "archived_snapshots": {}},
        {
            "url": "x.org",
            "archived_snapshots": {"closest": {**REAL["archived_snapshots"]["closest"], "status": "404"}},
        },  # type: ignore[index]
        {
            "url": "x.org",
            "archived_snapshots": {"closest": {**REAL["archived_snapshots"]["closest"], "available": False}},
        },  # type: ignore[index]
    ],
    ids=["nothing archived", "capture of an error page", "unavailable"],
)
def test_no_usable_capture_is_none(answer: dict[str, object]) -> None:
    assert parse_availability(answer) is None


@pytest.mark.parametrize(
    "answer",
    [
        [],
        "<html>",
        {"archived_snapshots": []},
        {"archived_snapshots": {"closest": "x"}},
        {"archived_snapshots": {"closest": {"available": True, "timestamp": "20170908"}}},
        {
            "archived_snapshots": {
                "closest": {"available": True, "url": "http://a/", "timestamp": "yesterday"}
            }
        },
    ],
)
def test_another_shape_is_an_unusable_answer(answer: object) -> None:
    with pytest.raises(ArchiveUnavailable):
        parse_availability(answer)


def test_timestamps() -> None:
    assert iso_timestamp("20170908093512") == "2017-09-08T09:35:12Z"
    assert iso_timestamp("20170908") == "2017-09-08T00:00:00Z"
    assert iso_timestamp("201709") == "2017-09-01T00:00:00Z"
    with pytest.raises(ValueError):
        iso_timestamp("2017-09-08")
    snap = Snapshot("u", "2017-10-01T12:00:00Z")
    assert distance_days(snap, dt.date(2017, 9, 8)) == 23
    assert distance_days(snap, dt.date(2017, 10, 5)) == -4
    assert distance_days(snap, None) is None


def test_the_question_has_the_contract_form() -> None:
    url = availability_url("https://archive.org/", "http://a.org/x?y=1&z=2", dt.date(2017, 9, 8))
    assert url.path == "/wayback/available"
    assert url.params["url"] == "http://a.org/x?y=1&z=2" and url.params["timestamp"] == "20170908"
    assert str(url).startswith("https://archive.org/wayback/available?url=http%3A%2F%2Fa.org")


@pytest.mark.parametrize(
    ("capture", "original"),
    [
        ("https://web.archive.org/web/20170908093512/http://x.org/a?b=1", "https://web.archive.org/web/20170908093512id_/http://x.org/a?b=1"),
        ("http://127.0.0.5:8080/web/2017im_/http://x.org/", "http://127.0.0.5:8080/web/2017id_/http://x.org/"),
        ("https://web.archive.org/web/20170908093512id_/http://x.org/", "https://web.archive.org/web/20170908093512id_/http://x.org/"),
        ("https://example.org/not/a/capture", "https://example.org/not/a/capture"),
    ],
)  # fmt: skip
def test_id_form(capture: str, original: str) -> None:
    assert id_url(capture) == original


def test_the_archive_host_and_hosts_under_it_are_trusted() -> None:
    assert is_trusted("https://archive.org/wayback/available", "https://archive.org")
    assert is_trusted("https://web.archive.org/web/2017/x", "https://archive.org")
    assert is_trusted("http://archive.test:8080/web/x", "http://archive.test:8080")
    assert not is_trusted("https://notarchive.org/web/x", "https://archive.org")
    assert not is_trusted("http://127.0.0.1/web/x", "https://archive.org")
    assert not is_trusted("https://archive.org.evil.example/x", "https://archive.org")


# -- the client -------------------------------------------------------------------------------


def client(
    handler: httpx.MockTransport, guarded: httpx.MockTransport | None = None, **kw: object
) -> ArchiveClient:
    other = guarded or httpx.MockTransport(lambda r: httpx.Response(599))
    return ArchiveClient(
        "https://archive.org",
        httpx.AsyncClient(transport=handler),
        httpx.AsyncClient(transport=other),
        interval=0.0,
        **kw,  # type: ignore[arg-type]
    )


def test_available_asks_and_parses() -> None:
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=REAL)

    archive = client(httpx.MockTransport(answer))
    snap = asyncio.run(archive.available("http://www.health.org.uk/x", dt.date(2017, 9, 8)))
    assert snap is not None and snap.timestamp == "2017-09-08T09:35:12Z"
    assert seen[0].params["timestamp"] == "20170908"
    assert archive.answered and archive.requests == 1


def test_snapshots_elsewhere_go_through_the_guarded_client() -> None:
    trusted: list[str] = []
    guarded: list[str] = []

    def archive_host(request: httpx.Request) -> httpx.Response:
        trusted.append(str(request.url))
        if "20170908093512id_" in str(request.url):
            return httpx.Response(302, headers={"Location": "/web/20170908093513id_/http://x.org/"})
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>ok</html>")

    def elsewhere(request: httpx.Request) -> httpx.Response:
        guarded.append(str(request.url))
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>mirror</html>")

    archive = client(httpx.MockTransport(archive_host), httpx.MockTransport(elsewhere))
    got = asyncio.run(archive.fetch("https://web.archive.org/web/20170908093512/http://x.org/"))
    assert (got.status, got.body) == (200, b"<html>ok</html>")
    assert trusted == [
        "https://web.archive.org/web/20170908093512id_/http://x.org/",
        "https://web.archive.org/web/20170908093513id_/http://x.org/",
    ]
    got = asyncio.run(archive.fetch("https://mirror.example/web/2017/http://x.org/"))
    assert got.body == b"<html>mirror</html>"
    assert guarded == ["https://mirror.example/web/2017id_/http://x.org/"]


def test_a_capture_that_is_gone_is_returned_not_raised() -> None:
    archive = client(httpx.MockTransport(lambda r: httpx.Response(404)))
    got = asyncio.run(archive.fetch("https://web.archive.org/web/2017/http://x.org/"))
    assert (got.status, got.body) == (404, None)
    assert archive.failures == 0


@pytest.mark.parametrize(
    "response",
    [httpx.Response(500), httpx.Response(200, content=b"<html>busy</html>"), httpx.Response(200, json=[])],
    ids=["500", "not JSON", "not the shape"],
)
def test_failures_trip_the_breaker_and_it_stops_asking(response: httpx.Response) -> None:
    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(response.status_code, content=response.content)

    archive = client(httpx.MockTransport(answer))

    async def ask_many() -> int:
        failed = 0
        for _ in range(6):
            try:
                await archive.available("http://x.org/", dt.date(2020, 1, 1))
            except ArchiveUnavailable:
                failed += 1
        return failed

    assert asyncio.run(ask_many()) == 6
    assert len(calls) == archive.breaker == 3 and archive.down


def test_a_success_resets_the_failure_count() -> None:
    answers = iter(
        [httpx.Response(500), httpx.Response(500), httpx.Response(200, json=REAL), httpx.Response(500)]
    )
    archive = client(httpx.MockTransport(lambda r: next(answers)))

    async def go() -> None:
        for _ in range(4):
            with contextlib.suppress(ArchiveUnavailable):
                await archive.available("http://x.org/", dt.date(2020, 1, 1))

    asyncio.run(go())
    assert archive.failures == 1 and not archive.down


def test_a_slow_archive_times_out() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=REAL)

    archive = client(httpx.MockTransport(slow), timeout=0.05)

    async def go() -> None:
        with pytest.raises(ArchiveUnavailable):
            await archive.available("http://x.org/", dt.date(2020, 1, 1))

    asyncio.run(go())
    assert archive.failures == 1


def test_unreachable_archive_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    archive = client(httpx.MockTransport(refuse))
    with pytest.raises(ArchiveUnavailable):
        asyncio.run(archive.available("http://x.org/", dt.date(2020, 1, 1)))
    assert not archive.answered and archive.requests == 1


def test_the_fake_archive_answers_the_nearest_capture() -> None:
    # The end-to-end tests rely on the fake archive choosing as the real one does.
    from tests.web import FakeArchive

    fake = FakeArchive()
    fake.add("http://x.org/", "20170101", b"<html></html>")
    fake.add("http://x.org/", "20171001120000", b"<html></html>")
    assert fake.closest("http://x.org/", "20170908").timestamp == "20171001120000"  # type: ignore[union-attr]
    assert fake.closest("http://x.org/", None).timestamp == "20171001120000"  # type: ignore[union-attr]
    assert fake.closest("http://x.org/", "20170301").timestamp == "20170101000000"  # type: ignore[union-attr]
    assert fake.closest("http://y.org/", "20170301") is None
