"""Summary benchmark: `linkcheck summary` over a database of 100,000 checked links.

Builds a database straight through SQL (no network): 200 documents, 100,000 links with one
check each and verdicts in realistic proportions (mostly alive; dead, failing, moved, changed,
blocked links with final URLs and archived copies), and about 1.2 citations per link. Then times
``linkcheck summary --format F --output FILE`` for each format in a fresh process, and, as a
baseline measured in the same run, a plain script in a fresh process that selects the same rows
(links joined with citations and documents) and writes them with ``json.dumps``: the figure that
matters is each format's time as a ratio of it.

    python benchmarks/summary_bench.py [--links 100000] [--formats json,html,csv,markdown] [--repeat 3]
                                       [--keep DIR]

Each command runs ``--repeat`` times; the median and the best are printed (the machine is shared,
so single runs wander by a second), with the peak resident memory of each run (``ru_maxrss`` of
the summary's process; the baseline's too).

Targets: under 5 s for JSON and for HTML at 100,000 links (issue 5); ``summary --format json`` of
1,000,000 links under 500 MB (issue 12: ``--links 1000000 --formats json,csv,markdown``).

``--browser``: the HTML report is also opened in headless Chromium (``/usr/bin/chromium``, or
LINKCHECK_CHROMIUM, through Playwright as tests/test_report_browser.py drives it), ``--repeat``
times in a fresh tab: the time from navigation to the end of the load event (the page's script
has run and the first page of the table is built), then the time to sort the table by URL and
to filter it (issue 12 target: under 5 s to load at 100,000 links).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linkcheck.store import Store  # noqa: E402

DOCUMENTS = 200
# (verdict, reason, http status, share of links)
MIX = [
    ("alive", "ok", 200, 0.78),
    ("dead", "not-found", 404, 0.08),
    ("failing", "timeout", None, 0.04),
    ("moved", "permanent-redirect", 200, 0.03),
    ("blocked", "forbidden", 403, 0.03),
    ("changed", "ok", 200, 0.02),
    ("skipped", "private-address", None, 0.01),
    ("unchecked", None, None, 0.01),
]
CHECKED_AT = "2026-03-01T02:00:00Z"

BASELINE = """
import json, resource, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.row_factory = sqlite3.Row
rows = conn.execute(
    "SELECT l.url, l.verdict, l.reason, l.http_status, l.final_url, l.checks, l.last_checked, "
    "l.first_failed, l.similarity, l.archive_url, l.archive_timestamp, d.path AS document, c.line, "
    "c.accessed, c.text FROM links l LEFT JOIN citations c ON c.link_id = l.id "
    "LEFT JOIN documents d ON d.id = c.document_id"
).fetchall()
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(json.dumps([dict(r) for r in rows], ensure_ascii=False, indent=2))
print("PEAK", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""

# Runs `linkcheck ARGS...` as `python -m linkcheck` does, then prints its peak RSS (KiB) on stderr.
SUMMARY = """
import atexit, resource, runpy, sys
atexit.register(lambda: print("PEAK", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))
sys.argv = ["linkcheck", *sys.argv[1:]]
runpy.run_module("linkcheck", run_name="__main__")
"""
BATCH = 50_000
"""Links written to the benchmark's database at a time (a million rows at once would take gigabytes)."""


def build(path: Path, links: int, seed: int = 5) -> tuple[int, int]:
    """Write a database of ``links`` checked links; returns (links, citations)."""
    rng = random.Random(seed)
    store = Store.open(path)
    conn = store.db.conn
    verdicts = rng.choices([m[:3] for m in MIX], weights=[m[3] for m in MIX], k=links)
    # links and checks point at each other (links.last_check_id): rows go in with the checks off.
    conn.execute("PRAGMA foreign_keys = OFF")
    cited = 0
    with conn:
        conn.executemany(
            "INSERT INTO documents (id, path, format, sha256, size, seeded_at, citations) "
            "VALUES (?, ?, 'text', '', 0, ?, 0)",
            [(d + 1, f"reading-lists/list-{d:03d}.txt", CHECKED_AT) for d in range(DOCUMENTS)],
        )
    position = [0] * DOCUMENTS
    for first in range(0, links, BATCH):
        link_rows, check_rows, citation_rows = [], [], []
        for i, (verdict, reason, status) in enumerate(verdicts[first : first + BATCH], start=first + 1):
            url = f"https://www{i % 2000}.example.org/reports/{i}/page.html"
            final = url
            archive = archive_ts = first_failed = similarity = None
            if verdict == "moved":
                final = f"https://new{i % 2000}.example.org/r/{i}"
            if verdict in ("dead", "failing", "changed"):
                archive = f"https://web.archive.org/web/20170908093512/{url}"
                archive_ts = "2017-09-08T09:35:12Z"
            if verdict in ("dead", "failing"):
                first_failed = "2026-02-20T02:00:00Z"
            if verdict == "changed":
                similarity = round(rng.random() * 0.5, 3)
            checked = verdict != "unchecked"
            link_rows.append(
                (
                    i, url, url, f"www{i % 2000}.example.org", "https", CHECKED_AT, verdict, reason,
                    CHECKED_AT if checked else None, first_failed, int(checked), status,
                    final if checked else None, i if checked else None, similarity, archive, archive_ts,
                )
            )  # fmt: skip
            if checked:
                check_rows.append((i, i, url, CHECKED_AT, 120, reason, verdict, status, final, f"Page {i}"))
            for _ in range(2 if rng.random() < 0.2 else 1):
                doc = rng.randrange(DOCUMENTS)
                position[doc] += 1
                citation_rows.append(
                    (
                        doc + 1, i, position[doc], position[doc] * 3, url, url,
                        f"20{rng.randrange(10, 24)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
                        f"Author {i}, A. ({2010 + i % 14}) Report {i} on health care. Available at: {url} "
                        f"(accessed on 8 September 2017).",
                    )
                )  # fmt: skip
        with conn:
            conn.executemany(
                "INSERT INTO checks (id, link_id, url, started_at, duration_ms, reason, verdict, "
                "http_status, final_url, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                check_rows,
            )
            conn.executemany(
                "INSERT INTO links (id, url, normal, host, scheme, first_seen, verdict, reason, "
                "last_checked, first_failed, checks, http_status, final_url, last_check_id, similarity, "
                "archive_url, archive_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                link_rows,
            )
            conn.executemany(
                "INSERT INTO citations (document_id, link_id, position, line, cited, url, accessed, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                citation_rows,
            )
        cited += len(citation_rows)
    with conn:
        conn.execute(
            "UPDATE documents SET citations = "
            "(SELECT COUNT(*) FROM citations c WHERE c.document_id = documents.id)"
        )
    store.close()
    return links, cited


def timed(cmd: list[str], repeat: int) -> tuple[float, float, float]:
    """Median and best wall time of a command, each run in a fresh process, and its largest peak
    RSS in MB (printed by the command as ``PEAK kib`` on stderr); a failure stops it all."""
    times, peaks = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr}")
        peaks += [
            int(line.split()[1]) / 1024 for line in proc.stderr.splitlines() if line.startswith("PEAK ")
        ]
    return statistics.median(times), min(times), max(peaks, default=0.0)


def browse(path: Path, repeat: int) -> None:
    """Open the HTML report in headless Chromium and print how long it takes to load, sort, filter."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("LINKCHECK_CHROMIUM", "/usr/bin/chromium")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    loads, sorts, filters = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=flags)
        for _ in range(repeat):
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda e: errors.append(str(e)))  # noqa: B023
            start = time.perf_counter()
            tab.goto(path.as_uri(), wait_until="load", timeout=120_000)
            loads.append(time.perf_counter() - start)
            start = time.perf_counter()
            tab.locator("#links thead th", has_text="link").locator("button").click()
            tab.wait_for_function("document.querySelector('#links th[aria-sort]') !== null")
            sorts.append(time.perf_counter() - start)
            start = time.perf_counter()
            tab.locator("#verdict").select_option("dead")
            filters.append(time.perf_counter() - start)
            if errors:
                sys.exit(f"the page failed: {errors}")
            context.close()
        browser.close()
    print(
        f"html in Chromium: load median {statistics.median(loads):.2f} s (best {min(loads):.2f} s), "
        f"sort by URL {statistics.median(sorts):.2f} s, filter by verdict {statistics.median(filters):.2f} s",
        flush=True,
    )


def main() -> None:
    """Build the database, time each format and the baseline, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--formats", default="json,html,csv,markdown")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep the files")
    parser.add_argument("--browser", action="store_true", help="also load the HTML report in Chromium")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="summary-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    db.unlink(missing_ok=True)
    try:
        start = time.perf_counter()
        links, citations = build(db, args.links)
        built = time.perf_counter() - start
        print(f"database: {links:,} links, {citations:,} citations, built in {built:.1f} s")
        baseline = [sys.executable, "-c", BASELINE, str(db), str(work / "baseline.json")]
        base, base_best, base_peak = timed(baseline, args.repeat)
        print(
            f"baseline (SELECT + json.dumps, fresh process): median {base:.2f} s, best {base_best:.2f} s, "
            f"peak RSS {base_peak:.0f} MB",
            flush=True,
        )
        for fmt in args.formats.split(","):
            out = work / f"report.{fmt}"
            cmd = [sys.executable, "-c", SUMMARY, "--db", str(db), "summary", "-f", fmt, "-o", str(out)]
            t, best, peak = timed(cmd, args.repeat)
            size = os.path.getsize(out) / 1e6
            print(
                f"summary --format {fmt:8}: median {t:.2f} s, best {best:.2f} s "
                f"({t / base:.1f}x the baseline's median, {size:.1f} MB), peak RSS {peak:.0f} MB",
                flush=True,
            )
            if fmt == "html" and args.browser:
                browse(out, args.repeat)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
