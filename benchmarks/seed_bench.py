"""Seeding benchmark: 100,000 generated citations in several formats, time and peak memory.

Generates a collection of reference lists (Harvard and APA plain text, Vancouver Markdown,
biblatex, RIS, CSL-JSON) with a known number of citations, then runs ``linkcheck seed`` on
it in a fresh process and reports wall time and peak resident memory. As a baseline measured
in the same run, a naive seeder (read every file, one regex for URLs, insert rows into SQLite)
runs over the same files: the figure that matters is linkcheck's time as a ratio of it.

    python benchmarks/seed_bench.py [--citations 100000[,1000000]] [--keep DIR] [--compare-tree DIR]

Targets (issue 2): under 30 s and under 300 MB on the 2-core machine. Given several sizes
(``--citations 100000,1000000``), each is generated and seeded in turn in the same run, and the
time of each is given as a ratio of the first's (issue 12: 1,000,000 citations at most 12x the
time of 100,000). Besides wall time, each run's CPU time (user and system) and the time it spent
ready but waiting for a core (``/proc/self/schedstat``: other processes of a shared machine) are
given, so that a busy machine is not mistaken for a slow seeder. ``--compare-tree DIR`` also
seeds each size with the linkcheck package of another source tree (``git archive COMMIT | tar -x
-C DIR``), after this tree's run of the same size: a before and an after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
PER_FILE = 500
ROOT = Path(__file__).resolve().parents[1]


def _url(rng: random.Random, i: int) -> str:
    host = f"www.site{rng.randrange(2000)}.example.org"
    return f"https://{host}/reports/{i}/page-{rng.randrange(10**6)}.html"


def _date(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(2005, 2024), rng.randrange(1, 13), rng.randrange(1, 29)


def harvard(rng: random.Random, start: int, n: int) -> str:
    out = []
    for i in range(start, start + n):
        y, m, d = _date(rng)
        out.append(
            f"Author{i}, A. ({y}) Report number {i} on health care. London: Publisher. "
            f"Available at: {_url(rng, i)} (accessed on {d} {MONTHS[m - 1]} {y}).\n"
        )
    return "\n".join(out)


def apa(rng: random.Random, start: int, n: int) -> str:
    out = []
    for i in range(start, start + n):
        y, m, d = _date(rng)
        out.append(
            f"Author{i}, B. ({y}). A study of things, part {i}. Retrieved {MONTHS[m - 1]} {d}, {y}, "
            f"from {_url(rng, i)}\n"
        )
    return "\n".join(out)


def vancouver(rng: random.Random, start: int, n: int) -> str:
    out = ["# References\n"]
    for i in range(start, start + n):
        y, m, d = _date(rng)
        out.append(
            f"{i - start + 1}. Author{i} C. Data set {i} [Internet]. {y} "
            f"[cited {y} {MONTHS[m - 1][:3]} {d}]. Available from: {_url(rng, i)}"
        )
    return "\n".join(out) + "\n"


def biblatex(rng: random.Random, start: int, n: int) -> str:
    out = []
    for i in range(start, start + n):
        y, m, d = _date(rng)
        out.append(
            f"@online{{key{i},\n  author = {{Author{i}, D.}},\n  title = {{Online source {i}}},\n"
            f"  url = {{{_url(rng, i)}}},\n  urldate = {{{y}-{m:02d}-{d:02d}}},\n  year = {{{y}}}\n}}\n"
        )
    return "\n".join(out)


def ris(rng: random.Random, start: int, n: int) -> str:
    out = []
    for i in range(start, start + n):
        y, m, d = _date(rng)
        out.append(
            f"TY  - ELEC\nAU  - Author{i}, E.\nTI  - Web page {i}\nUR  - {_url(rng, i)}\n"
            f"Y2  - {y}/{m:02d}/{d:02d}/\nER  - \n"
        )
    return "\n".join(out)


def csljson(rng: random.Random, start: int, n: int) -> str:
    items = []
    for i in range(start, start + n):
        y, m, d = _date(rng)
        items.append(
            {
                "id": f"item{i}",
                "type": "webpage",
                "title": f"Page {i}",
                "URL": _url(rng, i),
                "accessed": {"date-parts": [[y, m, d]]},
            }
        )
    return json.dumps(items, indent=1)


STYLES = [
    ("txt", harvard),
    ("txt", apa),
    ("md", vancouver),
    ("bib", biblatex),
    ("ris", ris),
    ("json", csljson),
]


def generate(folder: Path, citations: int) -> int:
    rng = random.Random(20170908)
    made = 0
    k = 0
    while made < citations:
        ext, style = STYLES[k % len(STYLES)]
        n = min(PER_FILE, citations - made)
        (folder / f"list{k:04d}.{ext}").write_text(style(rng, made, n), encoding="utf-8")
        made += n
        k += 1
    return k


def naive_baseline(folder: Path, db: Path) -> tuple[float, int]:
    """Read every file, find URLs with one regex, insert them: the floor of seeding."""
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE c (path TEXT, url TEXT)")
    rx = re.compile(r"https?://[^\s}<>\"]+")
    n = 0
    with conn:
        for p in sorted(folder.iterdir()):
            urls = rx.findall(p.read_text(encoding="utf-8"))
            conn.executemany("INSERT INTO c VALUES (?, ?)", ((p.name, u) for u in urls))
            n += len(urls)
    conn.close()
    return time.perf_counter() - t0, n


# Runs `linkcheck seed` as `python -m linkcheck` does, then prints on stderr the process's time
# waiting for a core (the second field of /proc/self/schedstat, in nanoseconds), its own peak
# RSS (RUSAGE_CHILDREN would give the largest of every child so far, the other runs' included)
# and its reading and writing system calls and bytes (/proc/self/io: syscr and syscw count
# read, pread64, write, pwrite64 and their kin): what system time is mostly spent on here.
RUNNER = """
import atexit, resource, runpy, sys
def waited():
    with open("/proc/self/schedstat") as f:
        print(f"RUNQUEUE {int(f.read().split()[1]) / 1e9:.3f}", file=sys.stderr)
    print(f"PEAK {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
    with open("/proc/self/io") as f:
        io = dict(line.split(": ") for line in f.read().splitlines())
    print(f"IO {io['syscr']} {io['syscw']} {io['rchar']} {io['wchar']}", file=sys.stderr)
    print(f"LOADED {sys.modules['linkcheck'].__file__}", file=sys.stderr)
atexit.register(waited)
sys.argv = ["linkcheck", *sys.argv[1:]]
runpy.run_module("linkcheck", run_name="__main__")
"""


@dataclass
class Timing:
    """One seeding run: wall, CPU (user, system) and run-queue seconds, peak RSS, its last line,
    and its reading and writing system calls and megabytes (reads, writes, read MB, written MB)."""

    wall: float
    user: float
    system: float
    waited: float
    peak_mb: float
    line: str
    io: tuple[int, int, float, float]

    def io_line(self) -> str:
        reads, writes, read_mb, written_mb = self.io
        return f"{reads:,} read calls ({read_mb:,.0f} MB), {writes:,} write calls ({written_mb:,.0f} MB)"

    @property
    def cpu(self) -> float:
        return self.user + self.system


def run_linkcheck(folder: Path, db: Path, tree: Path | None = None) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # Another tree's package first on the path, ahead of the installed one. With -P, `python -c`
    # does not put the working directory first on the path: run from a checkout, it would import
    # that checkout's linkcheck whatever PYTHONPATH says (the tree each run loaded is checked).
    env = {**os.environ, "PYTHONPATH": str(tree)} if tree is not None else None
    proc = subprocess.run(
        [sys.executable, "-P", "-c", RUNNER, "--db", str(db), "seed", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"linkcheck seed failed ({proc.returncode}): {proc.stderr.strip()[:2000]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = float(re.findall(r"RUNQUEUE ([0-9.]+)", proc.stderr)[-1])
    peak = int(re.findall(r"PEAK ([0-9]+)", proc.stderr)[-1])
    loaded = Path(re.findall(r"LOADED (.+)", proc.stderr)[-1]).resolve()
    expected = (tree if tree is not None else ROOT).resolve() / "linkcheck" / "__init__.py"
    if loaded != expected:
        sys.exit(f"seeded with {loaded}, not {expected}")
    sr, sw, rb, wb = (int(x) for x in re.findall(r"IO ([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+)", proc.stderr)[-1])
    return Timing(
        elapsed, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, waited,
        peak / 1024, proc.stdout.strip(), (sr, sw, rb / 2**20, wb / 2**20),
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--citations", default="100000", help="a size, or several: 100000,1000000")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--compare-tree", type=Path, help="also seed with the linkcheck of this source tree")
    args = ap.parse_args()
    sizes = [int(n.replace("_", "")) for n in args.citations.split(",")]
    work = Path(tempfile.mkdtemp(prefix="linkcheck-bench-"))
    first: Timing | None = None
    first_other: Timing | None = None
    try:
        for size in sizes:
            folder = (args.keep or work / "lists") / str(size)
            folder.mkdir(parents=True, exist_ok=True)
            files = generate(folder, size)
            base_t, base_n = naive_baseline(folder, work / f"naive-{size}.db")
            t = run_linkcheck(folder, work / f"bench-{size}.db")
            conn = sqlite3.connect(work / f"bench-{size}.db")
            stored, dated = conn.execute("SELECT COUNT(*), COUNT(accessed) FROM citations").fetchone()
            conn.close()
            print(f"generated   {size:,} citations in {files} files")
            print(f"baseline    naive regex + insert: {base_t:6.2f} s ({base_n:,} URLs)")
            print(
                f"linkcheck   seed: {t.wall:7.2f} s wall, {t.cpu:7.2f} s CPU ({t.user:.2f} user, "
                f"{t.system:.2f} system), {t.waited:.2f} s waiting for a core, peak RSS {t.peak_mb:.0f} MB "
                f"({t.line})"
            )
            print(f"system I/O  {t.io_line()}")
            print(f"stored      {stored:,} citations, {dated:,} with an accessed-on date")
            print(f"ratio       linkcheck / baseline = {t.wall / base_t:.1f}x")
            if first is None:
                first = t
            else:
                ran, first_ran = t.wall - t.waited, first.wall - first.waited
                print(
                    f"scale       {size / sizes[0]:.0f}x the citations: {t.wall / first.wall:.1f}x the wall "
                    f"time, {t.cpu / first.cpu:.1f}x the CPU time, {t.system / max(first.system, 0.01):.1f}x "
                    f"the system time, {ran / first_ran:.1f}x the wall time less waiting for a core, "
                    f"{t.io[1] / first.io[1]:.1f}x the write calls"
                )
            if stored != size or dated != size:
                sys.exit("MISMATCH: every generated citation has a URL and a date")
            (work / f"bench-{size}.db").unlink()
            if args.compare_tree is not None:
                o = run_linkcheck(folder, work / f"other-{size}.db", args.compare_tree)
                (work / f"other-{size}.db").unlink()
                print(
                    f"other tree  seed ({args.compare_tree}): {o.wall:7.2f} s wall, {o.cpu:7.2f} s CPU "
                    f"({o.user:.2f} user, {o.system:.2f} system), {o.waited:.2f} s waiting for a core, "
                    f"peak RSS {o.peak_mb:.0f} MB ({o.line})"
                )
                print(
                    f"other I/O   {o.io_line()}; this tree / other: "
                    f"{t.io[1] / max(o.io[1], 1):.2f}x the write calls, "
                    f"{t.system / max(o.system, 0.01):.2f}x the system time"
                )
                if first_other is None:
                    first_other = o
                else:
                    ran, first_ran = o.wall - o.waited, first_other.wall - first_other.waited
                    print(
                        f"other scale {size / sizes[0]:.0f}x the citations: {o.wall / first_other.wall:.1f}x "
                        f"the wall time, {o.cpu / first_other.cpu:.1f}x the CPU time, "
                        f"{o.system / max(first_other.system, 0.01):.1f}x the system time, "
                        f"{ran / first_ran:.1f}x the wall time less waiting for a core, "
                        f"{o.io[1] / first_other.io[1]:.1f}x the write calls"
                    )
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
