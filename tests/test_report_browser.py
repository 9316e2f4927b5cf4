"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright.

Playwright rather than Selenium: its Python wheel carries its own driver (no chromedriver to
match to the browser's version), it reports console messages, page errors and every request
as events, and it waits for the page by itself. It drives the system's ``/usr/bin/chromium``
(``.ci/run`` installs it); ``playwright install``, which downloads a browser, is never needed.

The page must render with no console error, load nothing but itself, filter and sort its
table, and show a page title holding a ``<script>`` tag as text without running it.
Set ``LINKCHECK_REPORT_SCREENSHOT=docs/report.png`` to refresh the screenshot in the docs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linkcheck.report import Format, build_report
from linkcheck.report.output import render
from linkcheck.store import Store
from tests.test_report import DEAD, MOVED, SCRIPT_TITLE, sample_store

#: Debian's Chromium (another build with LINKCHECK_CHROMIUM).
CHROMIUM = os.environ.get("LINKCHECK_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.slow


#: Set by .ci/run: there a missing browser fails the test, so that CI always runs it.
REQUIRE_BROWSER_ENV = "LINKCHECK_REQUIRE_BROWSER"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        why = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            # CI: a skipped check proves nothing.
            pytest.fail(f"{why}; {REQUIRE_BROWSER_ENV}=1 requires it, as .ci/run does")
        pytest.skip(why)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    """The sample report opened in a fresh page, with the console's errors and every request URL."""
    with sample_store(tmp_path / "sample.db") as store:
        text = render(build_report(store, now="2026-03-01T09:00:00Z"), Format.HTML)
    report = tmp_path / "report.html"
    report.write_text(text, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 1100}, device_scale_factor=1)
    tab = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    tab.on(
        "console",
        lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    tab.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(report.as_uri())
    tab.wait_for_load_state("load")
    yield tab, problems, requests
    context.close()


def visible_rows(tab: Any) -> int:
    return int(tab.locator("#links tbody tr:not([hidden])").count())


def test_renders_offline_with_no_console_errors(
    page: tuple[Any, list[str], list[str]], tmp_path: Path
) -> None:
    tab, problems, requests = page
    assert problems == []
    # One request: the file itself. No script, style, font or image from anywhere else.
    assert [u for u in requests if not u.startswith("data:")] == [(tmp_path / "report.html").as_uri()]
    assert tab.locator("h1").inner_text() == "Link check report"
    assert tab.locator("#totals li").first.inner_text().split() == ["3", "dead"]
    assert tab.locator("svg.chart rect").count() == 7
    assert visible_rows(tab) == 10
    # The chart and the cards are laid out: the stylesheet ran under the page's policy.
    box = tab.locator("svg.chart").bounding_box()
    assert box is not None and box["width"] > 300
    badge = tab.locator("#links tbody tr .badge").first
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(198, 40, 40)"
    shot = tmp_path / "report.png"
    tab.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("LINKCHECK_REPORT_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)


def test_a_script_in_a_page_title_shows_as_text(page: tuple[Any, list[str], list[str]]) -> None:
    tab, problems, _ = page
    titles = tab.locator(".pagetitle").all_inner_texts()
    assert any(SCRIPT_TITLE in t for t in titles), titles
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    # The report's own script, and its table's data (JSON, never run).
    assert tab.evaluate("document.querySelectorAll('script:not([type])').length") == 1
    assert tab.evaluate("document.querySelectorAll('script').length") == 2
    assert tab.locator("img").count() == 0  # an <img onerror> in citation text stayed text
    assert problems == []


def test_filtering_hides_rows_and_cards(page: tuple[Any, list[str], list[str]]) -> None:
    tab, problems, _ = page
    tab.locator("#filter").fill("clear-road")
    assert visible_rows(tab) == 1
    assert tab.locator("#shown").inner_text() == "1"
    assert DEAD in tab.locator("#links tbody tr:not([hidden])").inner_text()
    # The per-document cards follow: only the two citations of that link stay, in two documents.
    assert tab.locator("li.problem:not([hidden])").count() == 2
    assert tab.locator("section.document:not([hidden])").count() == 2
    tab.locator("#filter").fill("no such thing anywhere")
    assert visible_rows(tab) == 0
    tab.locator("#filter").fill("")
    assert visible_rows(tab) == 10
    tab.locator("#verdict").select_option("moved")
    assert visible_rows(tab) == 1
    assert MOVED in tab.locator("#links tbody tr:not([hidden])").inner_text()
    assert problems == []


def test_sorting_by_a_column(page: tuple[Any, list[str], list[str]]) -> None:
    tab, problems, _ = page
    links = tab.locator("#links tbody tr td.url a")

    def urls() -> list[str]:
        return [u.lower() for u in links.all_inner_texts()]

    tab.locator("#links thead th", has_text="link").locator("button").click()
    assert urls() == sorted(urls())
    assert tab.locator("#links thead th", has_text="link").get_attribute("aria-sort") == "ascending"
    tab.locator("#links thead th", has_text="link").locator("button").click()
    assert urls() == sorted(urls(), reverse=True)
    # The verdict column sorts by severity, not by name: dead first.
    tab.locator("#links thead th", has_text="verdict").locator("button").click()
    verdicts = tab.locator("#links tbody tr").evaluate_all("rows => rows.map(r => r.dataset.verdict)")
    assert verdicts[:3] == ["dead", "dead", "dead"] and verdicts[-1] == "alive"
    assert problems == []


def test_a_large_table_is_shown_a_page_at_a_time_problems_first(browser: Any, tmp_path: Path) -> None:
    """450 links: 200 rows in the page at once, most severe first; the pager, the filter and the
    sort work on every row, not only those shown."""
    from tests.test_report_stream import generated

    generated(tmp_path / "big.db", 450)
    with Store.open(tmp_path / "big.db") as store:
        report = build_report(store, now="2026-03-01T09:00:00Z")
        text = render(report, Format.HTML)
    dead = sum(1 for k in report.links if k.verdict == "dead")
    target = tmp_path / "big.html"
    target.write_text(text, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(target.as_uri())
    rows = tab.locator("#links tbody tr")
    assert rows.count() == 200
    verdicts = rows.evaluate_all("rows => rows.map(r => r.dataset.verdict)")
    assert verdicts[:dead] == ["dead"] * dead  # problems first
    assert tab.locator("#rows").inner_text() == "rows 1–200 of 450"
    tab.locator("#next").click()
    tab.locator("#next").click()
    assert rows.count() == 50 and tab.locator("#rows").inner_text() == "rows 401–450 of 450"
    assert tab.locator("#next").is_disabled()
    # The filter searches every row: one link among 450, wherever it was.
    last = report.links[-1].url
    tab.locator("#filter").fill(last.split("/")[3] + "/")
    assert tab.locator("#shown").inner_text() == "1" and rows.count() == 1
    assert last in rows.first.inner_text()
    tab.locator("#filter").fill("")
    # Sorting orders every row: the first page holds the smallest URLs of all 450.
    tab.locator("#links thead th", has_text="link").locator("button").click()
    urls = [u.lower() for u in tab.locator("#links tbody tr td.url a").all_inner_texts()]
    assert urls == sorted(k.url.lower() for k in report.links)[:200]
    tab.locator("#per-page").select_option("1000")
    assert rows.count() == 450
    assert errors == []
    context.close()
