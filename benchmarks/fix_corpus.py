"""`linkcheck fix` on the real reference lists of the shared corpus: does each fix hold up?

Usage: python benchmarks/fix_corpus.py [CORPUS_DIR] [--verbose]

Each corpus document is copied into a temporary folder and seeded into a temporary database;
then, in place of checks (this machine reaches no web site), the store is told that every
third link is ``dead`` with an archived copy nearest its citation's accessed-on date, and every
seventh ``moved`` to a new address. ``linkcheck fix`` then writes a diff, and the script checks
what tests/test_fix_web.py checks on the project's own fixtures through real checks: the diff
applies with ``git apply``; ``--write`` gives the same bytes; the extractor reads the fixed file
with no new complaints; seeding it again gives the same citations (a moved URL replaced), plus
undated archived copies; and a second ``fix`` is empty. It prints, per document, the repairs
made, those already there, those left to do by hand (with ``--verbose``, why), and a verdict.

CORPUS_DIR defaults to ``../shared/corpus`` relative to the project root. The corpus is read
where it is, never copied into the project.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from linkcheck.cli import app  # noqa: E402
from linkcheck.extract import extract_bytes  # noqa: E402
from linkcheck.extract.urls import is_archive_url  # noqa: E402

runner = CliRunner()


def _state(db: Path) -> dict[str, str]:
    """Make every third link dead (with its archived copies) and every seventh moved; return
    each problem URL's verdict."""
    conn = sqlite3.connect(db)
    try:
        problems: dict[str, str] = {}
        links = conn.execute("SELECT id, url FROM links WHERE verdict = 'unchecked' ORDER BY id").fetchall()
        for k, (link_id, url) in enumerate(links):
            if k % 7 == 3:
                conn.execute(
                    "UPDATE links SET verdict = 'moved', final_url = ? WHERE id = ?",
                    [url.rstrip("/") + "/moved-here", link_id],
                )
                problems[url] = "moved"
            elif k % 3 == 0:
                conn.execute("UPDATE links SET verdict = 'dead' WHERE id = ?", [link_id])
                for cid, accessed in conn.execute(
                    "SELECT id, accessed FROM citations WHERE link_id = ?", [link_id]
                ).fetchall():
                    stamp = (accessed or "2020-01-01").replace("-", "") + "120000"
                    when = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T12:00:00Z"
                    conn.execute(
                        "UPDATE citations SET archive_url = ?, archive_timestamp = ? WHERE id = ?",
                        [f"https://web.archive.org/web/{stamp}/{url}", when, cid],
                    )
                problems[url] = "dead"
        conn.commit()
        return problems
    finally:
        conn.close()


def _citations(db: Path) -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(db)
    try:
        return [(r[0], r[1]) for r in conn.execute("SELECT url, accessed FROM citations ORDER BY position")]
    finally:
        conn.close()


def fix_one(source: Path, verbose: bool) -> tuple[list[str], bool]:
    """Fix one corpus document; the row of the report and whether every check held."""
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.chdir(tmp)
        doc = tmp / source.name
        shutil.copyfile(source, doc)
        db = ["--db", str(tmp / "lc.db")]
        r = runner.invoke(app, [*db, "seed", doc.name])
        if r.exit_code:
            return [source.name, "seed failed", r.output.strip()], False
        before_citations = _citations(tmp / "lc.db")
        problems = _state(tmp / "lc.db")
        r = runner.invoke(app, [*db, "fix"])
        if r.exit_code:
            return [source.name, "fix failed", r.stderr.strip()], False
        diff = r.stdout_bytes
        notes = [line for line in r.stderr.splitlines() if line.startswith("linkcheck:")]
        summary = r.stderr.splitlines()[-1] if r.stderr else ""
        before = doc.read_bytes()
        (tmp / "fix.diff").write_bytes(diff)
        work = tmp / "applied"
        work.mkdir()
        shutil.copyfile(doc, work / doc.name)
        applied = subprocess.run(
            ["git", "apply", "--whitespace=nowarn", str(tmp / "fix.diff")],
            cwd=work,
            capture_output=True,
            check=False,
        )
        if applied.returncode:
            failures.append(f"git apply: {applied.stderr.decode().strip()}")
        r = runner.invoke(app, [*db, "fix", "--write"])
        after = doc.read_bytes()
        if applied.returncode == 0 and (work / doc.name).read_bytes() != after:
            failures.append("--write and the diff differ")
        if len(extract_bytes(after, doc.name).notes) != len(extract_bytes(before, doc.name).notes):
            failures.append("the fixed file reads with new complaints")
        runner.invoke(app, [*db, "seed", doc.name])
        moved = {u for u, v in problems.items() if v == "moved"}
        # A moved URL is replaced where the fix could place it (not where it is split over elements).
        placed = {u for u in moved if (u.rstrip("/") + "/moved-here").encode() in after}
        expected = [((u.rstrip("/") + "/moved-here") if u in placed else u, a) for u, a in before_citations]
        got = _citations(tmp / "lc.db")
        extra = list(got)
        for item in expected:
            if item in extra:
                extra.remove(item)
            else:
                failures.append(f"citation lost or changed: {item}")
        failures += [
            # An archived copy is an undated citation of its own; BibTeX keeps a moved URL in a comment.
            f"unexpected citation {u} {a}"
            for u, a in extra
            if not ((is_archive_url(u) or u in moved) and a is None)
        ]
        second = runner.invoke(app, [*db, "fix"])
        if second.stdout_bytes:
            failures.append("a second fix is not empty")
        os.chdir(ROOT)
    row = [source.name, str(len(problems)), summary, "ok" if not failures else "; ".join(failures[:3])]
    if verbose:
        row += [f"    {n}" for n in notes]
    return row, not failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    folder = Path(args.corpus).resolve()
    docs = sorted(p for p in folder.iterdir() if (folder / f"{p.name}.expected.json").exists())
    if not docs:
        print(f"no corpus documents in {folder}", file=sys.stderr)
        return 2
    ok = True
    for source in docs:
        row, good = fix_one(source, args.verbose)
        ok &= good
        print(" | ".join(row[:4]))
        for extra in row[4:]:
            print(extra)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
