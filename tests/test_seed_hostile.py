"""``seed`` survives any file: surrogates, FIFOs, devices, huge one-line files, zip bombs, UTF-16/32.

Real processes where a hang or a memory blow-up is the failure: ``linkcheck seed`` runs as a
child with a deadline, and its peak memory is read from its own resource usage.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

CITE = "Smith J. Report. Available at: http://www.example.org/{} (accessed on 8 September 2017)."


def seed(db: Path, *args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run ``linkcheck seed`` as a process; return it and its peak memory in MB.

    The peak is the child's own high-water mark (``VmHWM``, which starts afresh at exec), written
    by the child as it exits: rusage's ``ru_maxrss`` keeps the forking parent's size too, so
    inside a large pytest process every child seemed to need as much as pytest.
    """
    fd, name = tempfile.mkstemp(suffix=".hwm")  # outside any folder a test seeds
    os.close(fd)
    hwm = Path(name)
    code = (
        "import atexit\n"
        "def _hwm():\n"
        "    with open('/proc/self/status') as f:\n"
        "        kb = next(line.split()[1] for line in f if line.startswith('VmHWM'))\n"
        f"    open({str(hwm)!r}, 'w').write(kb)\n"
        "atexit.register(_hwm)\n"
        "from linkcheck.cli import main\n"
        "main()\n"
    )
    hwm.unlink()
    cmd = [sys.executable, "-c", code, "--db", str(db), "seed", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    # wait4, not poll(): it gives this child's own peak memory (RUSAGE_CHILDREN keeps the largest
    # child's ever). The pipes are drained by threads so that a chatty child cannot block.
    outs: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: outs.__setitem__(k, f.read()), daemon=True)
        for k, f in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for r in readers:
        r.start()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.waitpid(proc.pid, 0)
            pytest.fail(f"seed {args} did not finish within {timeout} s")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join(10)
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    peak = int(hwm.read_text()) // 1024 if hwm.exists() else usage.ru_maxrss // 1024
    hwm.unlink(missing_ok=True)
    return subprocess.CompletedProcess(cmd, proc.returncode, outs["out"], outs["err"]), peak


def links(db: Path) -> dict[str, tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT l.url, c.text, d.path FROM citations c JOIN links l ON l.id = c.link_id "
                            "JOIN documents d ON d.id = c.document_id")  # fmt: skip
        return {u: (t, p) for u, t, p in rows}
    finally:
        conn.close()


def test_lone_surrogates_are_replaced_and_every_file_is_seeded(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.wiki").write_text(
        "== References ==\n<ref>{{cite web |url=http://www.example.org/wiki |title=Bad &#xD800; char "
        "|access-date=8 September 2017}}</ref>\n"
    )
    csl = [{"id": "x", "type": "webpage", "title": "Bad \ud800 title", "URL": "http://www.example.org/csl",
            "accessed": {"date-parts": [[2017, 9, 8]]}}]  # fmt: skip
    (docs / "b.json").write_text(json.dumps(csl))  # ASCII JSON: the surrogate is an escape
    (docs / "c.html").write_text(
        "<html><body><p>See <a href='http://www.example.org/html'>it &#xD800;</a> (accessed 8 Sep 2017)</p>"
        "</body></html>"
    )
    (docs / "d.txt").write_text(CITE.format("plain") + "\n")
    db = tmp_path / "lc.db"
    result, _ = seed(db, str(docs))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    found = links(db)
    for name in ("wiki", "csl", "html", "plain"):
        assert f"http://www.example.org/{name}" in found, (name, found)
    conn = sqlite3.connect(db)
    titles = [t for (t,) in conn.execute("SELECT title FROM citations WHERE title IS NOT NULL")]
    conn.close()
    assert any("\ufffd" in t for t in titles), titles


def test_file_names_that_are_not_utf8_are_seeded(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / os.fsdecode(b"caf\xe9.txt")).write_text(CITE.format("latin1-name") + "\n")
    db = tmp_path / "lc.db"
    result, _ = seed(db, str(docs))
    assert result.returncode == 0, result.stderr
    [(_, path)] = links(db).values()
    assert path.endswith("caf\ufffd.txt")


def test_fifo_socket_and_device_links_are_skipped_without_hanging(tmp_path: Path) -> None:
    import socket

    docs = tmp_path / "docs"
    docs.mkdir()
    os.mkfifo(docs / "pipe.txt")  # nobody writes: opening it for reading would wait forever
    (docs / "zero.txt").symlink_to("/dev/zero")  # read whole, it never ends
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(docs / "sock.txt"))
    (docs / "real.txt").write_text(CITE.format("real") + "\n")
    db = tmp_path / "lc.db"
    try:
        result, peak = seed(db, "--verbose", str(docs), timeout=30)
    finally:
        sock.close()
    assert result.returncode == 0, result.stderr
    assert list(links(db)) == ["http://www.example.org/real"]
    for name, kind in (("pipe.txt", "a FIFO"), ("zero.txt", "a character device"), ("sock.txt", "a socket")):
        assert f"skipped {docs.name}/{name}" in result.stderr or f"{name}: not a regular file ({kind})" in (
            result.stderr
        ), result.stderr
        assert f"not a regular file ({kind})" in result.stderr
    assert peak < 300


def test_a_fifo_named_directly_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "real.txt").write_text(CITE.format("real") + "\n")
    result, _ = seed(tmp_path / "lc.db", str(tmp_path / "pipe.txt"), str(tmp_path / "real.txt"), timeout=30)
    assert result.returncode == 2
    assert "pipe.txt: not a regular file (a FIFO)" in result.stderr
    assert list(links(tmp_path / "lc.db")) == ["http://www.example.org/real"]


def test_max_size_bounds_the_read(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(CITE.format("big") + "\n" + "x" * 5000)
    (tmp_path / "small.txt").write_text(CITE.format("small") + "\n")
    result, _ = seed(tmp_path / "lc.db", "--max-size", "1000", str(tmp_path))
    assert result.returncode == 2
    assert "big.txt: file is 5,090 bytes, larger than the limit of 1,000" in result.stderr
    assert list(links(tmp_path / "lc.db")) == ["http://www.example.org/small"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_text(tmp_path: Path, encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[encoding]  # fmt: skip
    text = "Références\r\n\r\n" + CITE.format("wide") + "\r\n"
    (tmp_path / "refs.txt").write_bytes(bom + text.encode(encoding))
    result, _ = seed(tmp_path / "lc.db", str(tmp_path / "refs.txt"))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(tmp_path / "lc.db")
    [(url, accessed)] = conn.execute("SELECT url, accessed FROM citations").fetchall()
    conn.close()
    assert (url, accessed) == ("http://www.example.org/wide", "2017-09-08")


def test_a_docx_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    good = (FIXTURES / "docx_hyperlinks_table.docx").read_bytes()
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, src.read(info))
        # 1 GB of spaces inside the main part: about 1 MB packed.
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            chunk = b" " * (1 << 20)
            for _ in range(1024):
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    (tmp_path / "real.txt").write_text(CITE.format("real") + "\n")
    result, peak = seed(tmp_path / "lc.db", str(tmp_path))
    assert result.returncode == 2
    assert "bomb.docx: DOCX unpacks to" in result.stderr and "zip bomb" in result.stderr
    assert list(links(tmp_path / "lc.db")) == ["http://www.example.org/real"]
    assert peak < 300


@pytest.mark.slow
def test_a_20_mb_one_line_file_seeds_in_seconds_in_bounded_memory(tmp_path: Path) -> None:
    # One line: prose with a citation every ~2 KB (10,000 of them), then one URL of 4 MB.
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit; " * 34
    parts = [f"{filler} {CITE.format(f'p{i}')} " for i in range(10_000)]
    line = "".join(parts)
    line += "http://www.example.org/" + "a" * (20 * 1024 * 1024 - len(line))
    (tmp_path / "one-line.txt").write_text(line)
    t0 = time.monotonic()
    result, peak = seed(tmp_path / "lc.db", "--max-size", str(64 * 1024 * 1024), str(tmp_path), timeout=120)
    seconds = time.monotonic() - t0
    assert result.returncode == 0, result.stderr
    assert "10,001 citations" in result.stdout or "10001 citations" in result.stdout, result.stdout
    assert seconds < 60, seconds
    assert peak < 300, peak
