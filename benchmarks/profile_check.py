"""Where the CPU of ``linkcheck check`` goes, per link: a py-spy profile on the check benchmark's web.

Starts the web of ``benchmarks/check_bench.py`` (2,000 links on 50 loopback hosts, 50 ms a
response), seeds a database, and runs ``linkcheck check --all`` at 4 per host / 128 in flight /
no host interval under ``py-spy record --subprocesses`` (py-spy from PyPI, installed in the
virtual environment but not a project dependency: ``.venv/bin/pip install py-spy``). Every
busy sample of every process (linkcheck and its content workers) is put in one category by
the frames on its stack. A sampler on a shared machine counts a process that waits for a core
as busy, so the samples give only each category's share: the milliseconds are that share of
the CPU time (user + system, from the kernel) of the same run made without the profiler, per
link. ``--recheck`` profiles a second run on the database the first left, as a scheduled
recheck finds it (every page fingerprinted once already).

    .venv/bin/python benchmarks/profile_check.py [--stack httpx|aiohttp] [--recheck] [--raw OUT]
"""

from __future__ import annotations

import argparse
import collections
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_bench import ROOT, Bench, linkcheck_command, seed_linkcheck

RATE = 250
"""Samples a second, per process."""

#: (category, pattern over the whole stack), first match wins. Stacks read root first.
CATEGORIES: list[tuple[str, re.Pattern[str]]] = [
    ("start-up: imports", re.compile(r"_find_and_load")),
    ("content worker: main text (trafilatura)", re.compile(r"_fingerprint \(linkcheck/check/worker")),
    ("content worker: page signals (read_page)", re.compile(r"_read_page \(linkcheck/check/worker")),
    ("content worker: pipes, pickling", re.compile(r"linkcheck\.check\.worker")),
    ("SQLite reads and writes (store)", re.compile(r"linkcheck/store/|sqlite_utils/|sqlite3")),
    (
        "HTTP stack (httpx, httpcore, h11, anyio / aiohttp) and socket I/O",
        re.compile(
            r"httpx/|httpcore/|h11/|anyio/|aiohttp/|aiohappyeyeballs/|multidict/|yarl/|"
            r"asyncio/(selector_events|streams|sslproto)\.py"
        ),
    ),
    (
        "content step (drift/content.py, drift/__init__.py)",
        re.compile(r"linkcheck/drift/(content|__init__)\.py"),
    ),
    ("classification (classify.py)", re.compile(r"linkcheck/check/classify\.py")),
    (
        "fetcher and runner logic",
        re.compile(r"linkcheck/check/(fetch|runner|outcome|rules|verdict)|linkcheck/http/(client|network)"),
    ),
    ("command line, settings", re.compile(r"linkcheck/(cli|settings|launch)\.py")),
]  # fmt: skip
OTHER = "other (asyncio's loop and tasks, the rest)"
#: Leaf frames of a thread waiting, not working (py-spy's own idle test misses some on a busy machine).
IDLE = re.compile(
    r"(select \(selectors\.py|_do_waitpid|watch \(linkcheck/check/worker|main \(linkcheck/check/worker"
    r"|\(idle\))[^;]*$"
)


def categorise(raw: str) -> tuple[collections.Counter[str], int]:
    """Busy samples per category from py-spy's raw (collapsed stack) output, and their total."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or IDLE.search(stack):
            continue
        total += int(n)
        for name, pattern in CATEGORIES:
            if pattern.search(stack):
                counts[name] += int(n)
                break
        else:
            counts[OTHER] += int(n)
    return counts, total


def by_process(raw: str) -> collections.Counter[str]:
    """Busy samples per process: the checking process, its page-signal worker, its main-text workers.

    py-spy names each process at the root of its stacks, a child's under its parent's.
    """
    counts: collections.Counter[str] = collections.Counter()
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or IDLE.search(stack):
            continue
        frames = stack.split(";")
        child = frames[1] if len(frames) > 1 and frames[1].startswith("process ") else None
        if child is None:
            counts["the checking process (its event loop)"] += int(n)
        elif child.rstrip('"').endswith(" read_page"):  # the worker's preload ends its command line
            counts["page-signal worker (read_page)"] += int(n)
        else:
            counts["main-text workers"] += int(n)
    return counts


def cpu_seconds(bench: Bench, db: Path, stack: str | None, root: Path) -> float:
    """CPU seconds (user + system) of one check run and its content workers, not profiled."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        linkcheck_command(bench, db, 4, 128, 0.0, stack), capture_output=True, cwd=root, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def profile(bench: Bench, db: Path, out: Path, stack: str | None, root: Path) -> str:
    """Run the check under py-spy; the raw collapsed stacks."""
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    cmd = [py_spy, "record", "--subprocesses", "--rate", str(RATE), "--format", "raw", "-o", str(out), "--"]
    cmd += linkcheck_command(bench, db, 4, 128, 0.0, stack)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root, check=False)
    if not out.exists():
        raise SystemExit(f"py-spy failed: {proc.stderr.strip()[-500:]}")
    return out.read_text()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stack", default=None, help="--http-stack value (default: linkcheck's default)")
    ap.add_argument("--recheck", action="store_true", help="profile a second run on the checked database")
    ap.add_argument("--raw", type=Path, help="keep py-spy's raw output here")
    ap.add_argument("--tree", type=Path, default=ROOT, help="the source tree whose linkcheck runs")
    args = ap.parse_args()
    root = args.tree.resolve()
    work = Path(tempfile.mkdtemp(prefix="linkcheck-profile-"))
    bench = Bench(50, 40, 0.05, work)
    try:
        seeded = seed_linkcheck(bench, root)
        db = work / "run.db"
        shutil.copyfile(seeded, db)
        if args.recheck:
            cpu_seconds(bench, db, args.stack, root)  # the first check, which the profiled one repeats
            shutil.copyfile(db, work / "checked.db")
        cpu = cpu_seconds(bench, db, args.stack, root)
        if args.recheck:
            shutil.copyfile(work / "checked.db", db)
        else:
            shutil.copyfile(seeded, db)
        raw = profile(bench, db, work / "profile.txt", args.stack, root)
        if args.raw:
            args.raw.write_text(raw)
    finally:
        bench.close()
        shutil.rmtree(work, ignore_errors=True)
    counts, total = categorise(raw)
    per_link = cpu * 1000 / bench.links
    what = "recheck" if args.recheck else "first check"
    print(f"| where the CPU goes ({what}, --http-stack {args.stack or 'default'}), per link | ms | share |")
    print("| --- | ---: | ---: |")
    for name, n in counts.most_common():
        print(f"| {name} | {per_link * n / total:.2f} | {n / total:.0%} |")
    print(f"| **total** (CPU of the run, not profiled) | **{per_link:.2f}** | |")
    print()
    print(f"| by process ({what}), per link | ms | share |")
    print("| --- | ---: | ---: |")
    for name, n in by_process(raw).most_common():
        print(f"| {name} | {per_link * n / total:.2f} | {n / total:.0%} |")


if __name__ == "__main__":
    main()
