"""Scale benchmark (issue 12): memory of `check` at 10k and 100k links, the cost of writing a
check against the length of a link's history, and the database's size per link per check.

    python benchmarks/scale_bench.py check [--links 10000,100000] [--before SRC]
    python benchmarks/scale_bench.py write [--links 2000] [--history 1,300]
    python benchmarks/scale_bench.py size [--links 2000] [--days 365] [--keep 90d]

``check``: the generated web of ``benchmarks/check_bench.py`` (50 loopback hosts, answering at
once), a database of N links seeded straight through the store, then ``linkcheck check --all``
in a fresh process per size; printed: its peak resident memory (``ru_maxrss`` of the checking
process, and apart that of its main-text worker process) and wall time, and the ratio of each
size's peak to the first's (target: flat within 20% from 10,000 to 100,000). ``--before SRC``
runs the same check with the linkcheck package found in SRC (say, an export of an older commit:
``git archive main | tar -x -C /tmp/main``) beside it, for the figures before the change.

``write``: Store.record_checks of one check for each of N links whose history holds H checks
already, timed per check for each H (the first H is the baseline). Beside it, in the same run, the
previous method emulated: the same write plus reading each link's history to judge it.

``size``: N links checked daily for D days (a realistic mix: mostly alive pages whose main text
changes now and then, a few failures), then the database's bytes per link per daily check, before
and after ``prune --keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_bench import Bench, host_address, host_name, urls  # noqa: E402

from linkcheck.check.verdict import judge, judge_next  # noqa: E402
from linkcheck.models import (  # noqa: E402
    Citation,
    Outcome,
    Reason,
)
from linkcheck.store import Store  # noqa: E402

FMT = "%Y-%m-%dT%H:%M:%SZ"

# Runs linkcheck as `python -m linkcheck` does (from the source folder given first), then prints
# its own peak RSS and that of the processes it waited for (the main-text worker), in KiB.
RUNNER = """
import atexit, resource, runpy, sys
sys.path.insert(0, sys.argv[1])
def peak():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"PEAK {own} {kids}", file=sys.stderr)
atexit.register(peak)
sys.argv = ["linkcheck", *sys.argv[2:]]
runpy.run_module("linkcheck", run_name="__main__")
"""


# Writes a database citing the URLs read from stdin, 500 to a document, straight through the store
# of the linkcheck package in the source folder given first (each version writes its own schema).
SEEDER = """
import sys
sys.path.insert(0, sys.argv[1])
from linkcheck.models import Citation
from linkcheck.store import Store
urls = sys.stdin.read().split()
store = Store.open(sys.argv[2])
for start in range(0, len(urls), 500):
    part = urls[start:start + 500]
    cites = [Citation(u, u, i + 1, "Report. Available at: " + u) for i, u in enumerate(part)]
    store.save_document(f"list-{start // 500:04d}.md", "markdown", str(start), 1, cites)
store.close()
"""


def seed_links(src: Path, db: Path, link_urls: list[str]) -> None:
    """A database citing ``link_urls``, written by the linkcheck in ``src``."""
    subprocess.run(
        [sys.executable, "-c", SEEDER, str(src), str(db)], input="\n".join(link_urls), text=True, check=True
    )


def bench_check(args: argparse.Namespace) -> None:
    sizes = [int(n) for n in args.links.split(",")]
    sources = [("this", ROOT)] + ([("before", Path(args.before))] if args.before else [])
    work = Path(tempfile.mkdtemp(prefix="linkcheck-scale-"))
    hosts = 50
    try:
        first: dict[str, float] = {}
        for size in sizes:
            bench = Bench(hosts, size // hosts, 0.0, work)
            try:
                for label, src in sources:
                    run = work / "run.db"
                    run.unlink(missing_ok=True)
                    seed_links(src, run, urls(hosts, size // hosts, bench.port, names=True))
                    cmd = [
                        sys.executable, "-c", RUNNER, str(src), "--db", str(run), "check", "--all",
                        "--allow-private", "--no-archive", "--per-host", "4", "--concurrency", "128",
                        "--host-interval", "0", "--retries", "0",
                    ]  # fmt: skip
                    for h in range(hosts):
                        cmd += ["--resolve", f"{host_name(h)}:{bench.port}:{host_address(h)}"]
                    t0 = time.perf_counter()
                    # The source first for every process the check starts too (its main-text worker).
                    env = {**os.environ, "PYTHONPATH": str(src)}
                    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work, env=env)
                    wall = time.perf_counter() - t0
                    peaks = [line.split() for line in proc.stderr.splitlines() if line.startswith("PEAK ")]
                    if proc.returncode != 0 or not peaks:
                        sys.exit(f"check failed ({proc.returncode}): {proc.stderr[-2000:]}")
                    own, kids = int(peaks[-1][1]) / 1024, int(peaks[-1][2]) / 1024
                    line = next((x for x in proc.stdout.splitlines() if x.startswith("Checked")), "")
                    ratio = ""
                    if label in first:
                        ratio = f", {own / first[label]:.2f}x the peak at {sizes[0]:,}"
                    else:
                        first[label] = own
                    print(
                        f"{label:6} {size:>8,} links: peak RSS {own:6.0f} MB (processes it reaped: "
                        f"{kids:.0f} MB), {wall:6.1f} s{ratio}  [{line}]",
                        flush=True,
                    )
            finally:
                bench.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_write(args: argparse.Namespace) -> None:
    n = args.links
    work = Path(tempfile.mkdtemp(prefix="linkcheck-write-"))
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    try:
        base: dict[str, float] = {}
        for history in [int(h) for h in args.history.split(",")]:
            store = Store.open(work / f"w{history}.db")
            link_urls = [f"https://h{i % 50}.example.org/p/{i}" for i in range(n)]
            store.save_document(
                "refs.md", "markdown", "x", 1, [Citation(u, u, i, u) for i, u in enumerate(link_urls)]
            )
            ids = [r["id"] for r in store.query("SELECT id FROM links ORDER BY id")]
            # The history, written in bulk: `history` checks a link, hours apart.
            rows = [
                (link_id, u, (t0 + dt.timedelta(hours=h)).strftime(FMT), "ok", "alive")
                for h in range(history)
                for link_id, u in zip(ids, link_urls, strict=True)
            ]
            with store.db.conn:
                store.db.conn.executemany(
                    "INSERT INTO checks (link_id, url, started_at, reason, verdict) VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                store.db.conn.execute(
                    "UPDATE links SET checks = ?, last_checked = ?, streak = 0", [history, rows[-1][2]]
                )
            figures = {}
            for k, method in enumerate(("streak", "history"), start=1):
                at = (t0 + dt.timedelta(hours=history + k)).strftime(FMT)
                pairs = zip(ids, link_urls, strict=True)
                batch = [(link_id, Outcome(url=u, reason=Reason.OK, started_at=at)) for link_id, u in pairs]
                start = time.perf_counter()
                for i in range(0, n, 200):
                    part = batch[i : i + 200]
                    if method == "history":
                        # The previous method's extra work: each link's whole history, judged.
                        for link_id, _ in part:
                            judge([f for _, f in store.history_facts(link_id)])
                    store.record_checks(None, part, judge_next)
                figures[method] = (time.perf_counter() - start) / n * 1000
            store.close()
            ratio = {m: f"{figures[m] / base[m]:.2f}x" if m in base else "baseline" for m in figures}
            base = base or figures
            print(
                f"history {history:>5} checks a link: {figures['streak']:.3f} ms a check "
                f"({ratio['streak']}); judged from the history: {figures['history']:.3f} ms "
                f"({ratio['history']})",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_size(args: argparse.Namespace) -> None:
    from linkcheck.durations import parse_duration
    from linkcheck.store.prune import database_bytes, prune

    n, days = args.links, args.days
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="linkcheck-size-"))
    now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    try:
        store = Store.open(work / "size.db")
        link_urls = [f"https://www{i % 400}.example.org/reports/{i}/page.html" for i in range(n)]
        store.save_document(
            "refs.md", "markdown", "x", 1, [Citation(u, u, i, u) for i, u in enumerate(link_urls)]
        )
        ids = [r["id"] for r in store.query("SELECT id FROM links ORDER BY id")]
        empty = database_bytes(store)
        version = dict.fromkeys(ids, 0)
        for day in range(days, 0, -1):
            at = (now - dt.timedelta(days=day)).strftime(FMT)
            batch = []
            for link_id, u in zip(ids, link_urls, strict=True):
                roll = rng.random()
                reason = Reason.OK if roll < 0.93 else Reason.TIMEOUT if roll < 0.97 else Reason.NOT_FOUND
                batch.append((link_id, Outcome(
                    url=u, reason=reason, started_at=at, duration_ms=rng.randrange(40, 900),
                    http_status=200 if reason is Reason.OK else 404 if reason is Reason.NOT_FOUND else None,
                    final_url=u, method="GET", attempts=1, address="93.184.215.14",
                    etag=f'"{rng.getrandbits(64):x}"', last_modified="Wed, 21 Oct 2025 07:28:00 GMT",
                    content_type="text/html; charset=utf-8", content_length=38_000, body_bytes=38_000,
                    body_sha256=f"{rng.getrandbits(256):064x}", title=f"Report {link_id} on health care",
                )))  # fmt: skip
            store.record_checks(None, batch, judge_next)
            # Main texts: one for each version of a page (a page changes every 60 days or so).
            with store.db.atomic():
                for link_id, o in batch:
                    if o.reason is not Reason.OK:
                        continue
                    if rng.random() < 1 / 60:
                        version[link_id] += 1
                    sha = f"{link_id}-{version[link_id]}"
                    text = os.urandom(1_500)  # about a 1,500-word page's words, compressed
                    store.db.execute(
                        "INSERT INTO texts (sha256, words, simhash, text) VALUES (?, 1500, 0, ?) "
                        "ON CONFLICT DO NOTHING",
                        [sha, text],
                    )
                    store.db.execute(
                        "UPDATE checks SET text_sha256 = ?, simhash = 0, word_count = 1500, "
                        "similarity = 1.0, change = 'none', baseline_kind = 'check' "
                        "WHERE link_id = ? AND started_at = ?",
                        [sha, link_id, at],
                    )
        full = database_bytes(store)
        checks = store.db["checks"].count
        per = (full - empty) / n / days
        print(
            f"{n:,} links checked daily for {days} days: {checks:,} checks, {full / 1e6:.1f} MB in use: "
            f"{per:.0f} bytes a link a daily check ({per * 100_000 * 30 / 1e9:.2f} GB a month for 100,000 "
            "links)",
            flush=True,
        )
        keep = parse_duration(args.keep)
        t = time.perf_counter()
        result = prune(store, keep, now=now)
        took = time.perf_counter() - t
        after = database_bytes(store)
        kept_days = keep.days
        print(
            f"prune --keep {args.keep}: {result.deleted:,} of {result.checks:,} checks and "
            f"{result.texts_deleted:,} texts deleted in {took:.1f} s; {after / 1e6:.1f} MB in use "
            f"({after / full:.2f}x). Pruned daily, the database holds {kept_days} days of checks and what "
            f"is kept: {(after - empty) / n:,.0f} bytes a link",
            flush=True,
        )
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("check")
    c.add_argument("--links", default="10000,100000")
    c.add_argument("--before", help="a folder holding another linkcheck package, run beside this one")
    w = sub.add_parser("write")
    w.add_argument("--links", type=int, default=2000)
    w.add_argument("--history", default="1,300")
    s = sub.add_parser("size")
    s.add_argument("--links", type=int, default=2000)
    s.add_argument("--days", type=int, default=365)
    s.add_argument("--keep", default="90d")
    args = ap.parse_args()
    {"check": bench_check, "write": bench_write, "size": bench_size}[args.what](args)


if __name__ == "__main__":
    main()
