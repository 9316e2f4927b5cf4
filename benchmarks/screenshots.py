"""Screenshots of the terminal report at 80 and 160 columns, on a library of 200 links.

    python -m benchmarks.screenshots [OUT_DIR]     # default: docs/

Writes ``table-80.png`` and ``table-160.png`` (the first screenful, as a terminal shows it: Rich's
SVG export of the coloured report, photographed by the system's Chromium through Playwright) and
``table-80.txt`` and ``table-160.txt`` (the whole report as plain text). Not a benchmark: it lives
here because it builds a realistic store the way the benchmarks do, and is run by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

from linkcheck.models import Citation
from linkcheck.report import Format, build_report
from linkcheck.report.output import render
from linkcheck.store import Store

CHROMIUM = "/usr/bin/chromium"
SCREEN_LINES = 48
"""Lines of the first screenful photographed."""

GUIDES = [
    "reading-lists/history101/week1-medieval-europe.md",
    "reading-lists/history101/week2-reformation.md",
    "reading-lists/biology-intro/ecology-and-evolution.md",
    "reading-lists/chemistry/organic-synthesis-sources.md",
    "theses/2019-nursing-workforce/references.bib",
    "guides/open-access-publishing.html",
    "guides/citing-government-reports.md",
    "reports/nhs-quality-improvement.txt",
]
HOSTS = [
    "www.health.org.uk", "www.gov.uk", "journals.plos.org", "www.nature.com", "archive.nhs.uk",
    "www.jstor.org", "doi.org", "en.wikipedia.org", "www.who.int", "data.europa.eu",
]  # fmt: skip
WORDS = ["publication", "clear", "road", "ahead", "annual", "report", "workforce", "strategy", "guidance",
         "evidence", "review", "policy"]  # fmt: skip
# Verdicts as a large collection has them: mostly alive, some rot.
MIX: list[tuple[str, str | None, int | None]] = [
    *[("alive", "ok", 200)] * 120, *[("dead", "not-found", 404)] * 24, *[("dead", "gone", 410)] * 6,
    *[("dead", "soft-404", 200)] * 5, *[("failing", "timeout", None)] * 8,
    *[("changed", "content-changed", 200)] * 12, *[("moved", "permanent-redirect", 200)] * 10,
    *[("blocked", "forbidden", 403)] * 9, *[("blocked", "login-required", 200)] * 3,
    *[("skipped", "private-address", None)] * 2, ("unchecked", None, None),
]  # fmt: skip


def library(path: Path, links: int = 200) -> Store:
    """A store of ``links`` links cited from eight guides, with verdicts as a real collection has them."""
    rng = random.Random(13)
    store = Store.open(path)
    urls = []
    for i in range(links):
        slug = "-".join(rng.sample(WORDS, 3))
        folder = rng.choice(["publication", "docs", "article", "media"])
        urls.append(f"https://{rng.choice(HOSTS)}/{folder}/{slug}-{i}")
    for g, guide in enumerate(GUIDES):
        mine = urls[g :: len(GUIDES)] + rng.sample(urls, 4)
        cites = [
            Citation(u, u, 3 + 4 * n, f"Reference {n}. Available at: {u} (accessed on 8 September 2017)",
                     dt.date(2017 + n % 6, 1 + n % 12, 1 + n % 28))
            for n, u in enumerate(mine)
        ]  # fmt: skip
        store.save_document(guide, "markdown", str(g), 1, cites)
    rows = store.db.execute("SELECT id, url FROM links ORDER BY id").fetchall()
    with store.db.atomic():
        for (link_id, url), (verdict, reason, status) in zip(rows, MIX, strict=False):
            final = url.replace("/publication/", "/publications/") if verdict == "moved" else url
            archived = verdict in ("dead", "changed")
            archive = f"https://web.archive.org/web/20170908093512/{url}" if archived else None
            failed = "2026-02-20T02:00:00Z" if verdict in ("dead", "failing") else None
            store.db.execute(
                "UPDATE links SET verdict = ?, reason = ?, http_status = ?, final_url = ?, checks = 3, "
                "last_checked = '2026-03-01T02:00:00Z', first_failed = ?, similarity = ?, archive_url = ?, "
                "archive_timestamp = ? WHERE id = ?",
                [
                    verdict, reason, status, final, failed, 0.31 if verdict == "changed" else None, archive,
                    "2017-09-08T09:35:12Z" if archive else None, link_id,
                ],
            )  # fmt: skip
    return store


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as tmp,
        library(Path(tmp) / "library.db") as store,
        open(os.devnull, "w") as devnull,
    ):
        report = build_report(store, now="2026-03-01T09:00:00Z")
        shots: dict[int, str] = {}
        for width in (80, 160):
            plain = render(report, Format.TABLE, width=width)
            (out / f"table-{width}.txt").write_text(plain, encoding="utf-8")
            coloured = render(report, Format.TABLE, color=True, width=width)
            console = Console(
                record=True, width=width, force_terminal=True, color_system="truecolor", file=devnull
            )
            for line in coloured.splitlines()[:SCREEN_LINES]:
                console.print(Text.from_ansi(line), no_wrap=True, crop=True)
            shots[width] = console.export_svg(title=f"linkcheck summary  ({width} columns, 200 links)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(device_scale_factor=1)
        for width, svg in shots.items():
            page.set_content(f"<html><body style='margin:0;background:#fff'>{svg}</body></html>")
            page.locator("svg").first.screenshot(path=str(out / f"table-{width}.png"))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs")
