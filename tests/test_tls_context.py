"""One verifying TLS context per process, made only for https origins (linkcheck/http/network.py).

Loading the certificate authorities costs 40 ms of CPU a context; a run's two clients (the
links' and the archive's) share one, and an http-only run makes none. Certificates are still
verified: a server whose certificate no authority signed is a ``tls-error`` on both stacks.
"""

from __future__ import annotations

import asyncio
import sqlite3
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkcheck.http.aiohttp_transport import AiohttpTransport
from linkcheck.http.network import GuardedTransport, Resolver, verifying_context
from tests.conftest import run_linkcheck


def test_an_http_pool_has_no_tls_context_and_https_pools_share_the_verifying_one() -> None:
    transport = GuardedTransport(Resolver(), per_host=2, max_pools=4)
    make = transport._pools._make
    assert make(b"http")._ssl_context is None
    first, second = make(b"https")._ssl_context, make(b"https")._ssl_context
    assert first is second is verifying_context()
    assert first.verify_mode is ssl.CERT_REQUIRED and first.check_hostname
    # The aiohttp stack takes the same context, made once for the process.
    assert AiohttpTransport(Resolver(), per_host=2)._ssl is None


@pytest.fixture(scope="module")
def untrusted_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """An HTTPS server on 127.0.0.2 whose certificate is self-signed (no authority vouches for it)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tls.test",
         "-addext", "subjectAltName=DNS:tls.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client refused our certificate: what the test expects
        finally:
            writer.close()

    server = loop.run_until_complete(asyncio.start_server(answer, "127.0.0.2", 0, ssl=context))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield server.sockets[0].getsockname()[1]
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()


@pytest.mark.parametrize("stack", ["httpx", "aiohttp"])
def test_an_untrusted_certificate_is_a_tls_error_on_both_stacks(
    untrusted_tls: int, tmp_path: Path, stack: str
) -> None:
    url = f"https://tls.test:{untrusted_tls}/page"
    (tmp_path / "refs.txt").write_text(f"{url}\n")
    assert run_linkcheck("--db", "t.db", "seed", "refs.txt", cwd=tmp_path).returncode == 0
    checked = run_linkcheck(
        "--db", "t.db", "check", "--all", "--no-archive", "--allow-private", "--retries", "0",
        "--http-stack", stack, "--resolve", f"tls.test:{untrusted_tls}:127.0.0.2",
        cwd=tmp_path,
    )  # fmt: skip
    assert checked.returncode in (0, 1), checked.stderr
    conn = sqlite3.connect(tmp_path / "t.db")
    try:
        reason, error = conn.execute("SELECT reason, error FROM checks").fetchone()
    finally:
        conn.close()
    assert reason == "tls-error" and "certificate" in error.lower(), (reason, error, checked.stdout)
