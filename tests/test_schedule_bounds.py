"""Schedules within sensible limits: intervals from 1 minute to a year, and deliveries under a deadline.

A webhook receiver or a mail server that trickles its answer a byte at a time never times out
a read; the whole delivery is bounded instead (real sockets on loopback).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.schedule import job
from linkcheck.schedule.config import EmailSpec
from tests.test_schedule import write

runner = CliRunner()


@pytest.mark.parametrize(
    ("every", "message"),
    [
        ("1000000000d", "too long: at most a year (365d) between runs; or use cron"),
        ("0.0001s", "too short: at least 1 minute (1m) between runs"),
    ],
)
def test_schedule_list_names_an_interval_out_of_bounds(in_tmp: Path, every: str, message: str) -> None:
    write(in_tmp / "schedules", "odd.toml", f'every = "{every}"\n')
    write(in_tmp / "schedules", "fine.toml", 'every = "365d"\n')
    result = runner.invoke(app, ["schedule", "list"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"linkcheck: schedules/odd.toml: every: '{every}' is {message}"
    ]


def test_the_longest_and_shortest_intervals_are_listed(in_tmp: Path) -> None:
    write(in_tmp / "schedules", "yearly.toml", 'every = "365d"\n')
    write(in_tmp / "schedules", "often.toml", 'every = "1m"\n')
    result = runner.invoke(app, ["schedule", "list"])
    assert result.exit_code == 0, result.output
    assert "yearly: every 365d; next run" in result.stdout and "often: every 1m; next run" in result.stdout


class Trickle:
    """A server on loopback that answers one byte every ``pause`` seconds, for ever."""

    def __init__(self, first: bytes, pause: float = 0.5) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.first, self.pause = first, pause
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        conns = []
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conns.append(conn)
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()
        for c in conns:
            c.close()

    def drip(self, conn: socket.socket) -> None:
        try:
            for byte in self.first:
                if self.stop.wait(self.pause):
                    return
                conn.sendall(bytes([byte]))
            while not self.stop.wait(self.pause):
                conn.sendall(b"x")
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def trickle_http() -> Iterator[Trickle]:
    t = Trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    yield t
    t.close()


@pytest.fixture
def trickle_smtp() -> Iterator[Trickle]:
    t = Trickle(b"220-mail.example.org hello\r\n220-")
    yield t
    t.close()


def test_a_trickling_webhook_is_given_up_at_the_deadline(trickle_http: Trickle) -> None:
    t0 = time.monotonic()
    problem = job.post_webhook(f"http://127.0.0.1:{trickle_http.port}/hook", {"a": 1}, 2.0, "linkcheck-test")
    took = time.monotonic() - t0
    assert problem == "no complete answer within 2 s"
    assert took < 5, took
    asyncio.get_event_loop_policy()  # the delivery's own loop is closed and gone: nothing left running


def test_a_trickling_mail_server_is_given_up_at_the_deadline(
    trickle_smtp: Trickle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job, "SMTP_DEADLINE", 2.0)
    spec = EmailSpec(host="127.0.0.1", port=trickle_smtp.port, sender="a@example.org", to=("b@example.org",))
    t0 = time.monotonic()
    problem = job.send_email(spec, "subject", "text")
    took = time.monotonic() - t0
    assert problem == "the mail server did not finish within 2 s"
    assert took < 5, took
