"""`linkcheck fix` end to end: real documents, real checks on the loopback web, a fake Wayback Machine.

Each case takes a document (a fixture of tests/fixtures/ with its hosts moved onto the test web,
or a small document written here), seeds it, checks it twice (so that a page whose content
changes between checks is ``changed``), then asks ``fix`` for a diff and checks what the issue
asks: the diff applies with ``patch`` and ``git apply``; the patched file is read by the same
extractor that seeds it; seeding it again gives the same citations plus archived copies (and a
moved URL's new address); nothing but the fixed references changed, line by line and byte by
byte; and a second ``fix`` is empty.
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from linkcheck import defaults
from linkcheck.cli import app
from linkcheck.extract import extract_bytes
from linkcheck.extract.urls import is_archive_url
from tests.drift_pairs import GARDENING, ROT, page
from tests.web import HTML_UTF8, Answer, FakeArchive, Reply, Request, Web, redirect

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STAMP = "20170908093512"
ARCHIVE = "https://web.archive.org"


def cited_site(req: Request, web: Web) -> Answer:
    """Pages by kind: ``dead`` (404), ``moved`` (301 to /new/...), ``changed`` (another article
    after the first request), ``alive``; any other path is not found (so the soft-404 probe fails)."""
    path = req.path.split("?", 1)[0]
    kind = web.state["kinds"].get(path)
    if path.startswith("/new/") and web.state["kinds"].get(path[len("/new") :]) == "moved":
        return Reply(200, {"Content-Type": HTML_UTF8}, page("Reference rot", ROT, 1))
    if kind == "moved":
        return redirect(301, "/new" + path)
    if kind == "changed":
        with web.lock:
            web.state["served"][path] += 1
            first = web.state["served"][path] == 1
        if req.method == "HEAD":
            return Reply(200, {"Content-Type": HTML_UTF8})
        body = page("Reference rot", ROT, 1) if first else page("Allotments", GARDENING, 1)
        return Reply(200, {"Content-Type": HTML_UTF8}, body)
    if kind == "alive":
        return Reply(200, {"Content-Type": HTML_UTF8}, page("Reference rot", ROT, 1))
    return Reply(404, {"Content-Type": "text/html"}, b"<html><title>Not Found</title></html>")


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    from collections import Counter

    w = Web()
    w.state["kinds"] = {}
    w.state["served"] = Counter()
    w.add_site("cited.test", cited_site)
    archive = FakeArchive()
    archive.snapshot_base = ARCHIVE  # captures named as the real archive names them
    w.add_site("archive.test", archive.route)
    w.archive = archive  # type: ignore[attr-defined]
    yield w
    w.close()


def check_args(web: Web) -> list[str]:
    archive = web.sites["archive.test"]
    return [
        "--timeout", "2", "--retries", "0", "--host-interval", "0", "--allow-private",
        "--archive-url", archive.url("/").rstrip("/"), *web.resolve_args(),
    ]  # fmt: skip


_HOST = re.compile(r"(?<![\w/])(?:https?://)((?:[a-z0-9-]+\.)+[a-z]{2,})(?![\w.-])", re.IGNORECASE)


def localise(data: bytes, base: str) -> bytes:
    """A document whose http(s) hosts are moved onto the test web: ``https://www.who.int/data``
    becomes ``{base}/www.who.int/data``; every other byte is kept."""
    text = data.decode("latin-1")  # byte-preserving whatever the encoding: hosts are ASCII
    return _HOST.sub(lambda m: f"{base}/{m.group(1).lower()}", text).encode("latin-1")


@dataclass
class Case:
    """One document to fix: its name, its bytes, and the kind of each problem URL (by a part of it)."""

    name: str
    data: bytes
    kinds: dict[str, str]
    """Part of a URL (after localising) -> dead, moved or changed; other cited URLs stay alive."""
    fix_args: list[str] = field(default_factory=list)


def fixture(name: str, case: str, kinds: dict[str, str], *fix_args: str, base: str = "") -> Case:
    return Case(case, localise((FIXTURES / name).read_bytes(), base), kinds, list(fix_args))


def rows(db: Path, sql: str, *params: object) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


@dataclass
class Fixed:
    """What one case's run produced."""

    folder: Path
    doc: Path
    db: Path
    before: bytes
    diff: bytes
    after: bytes
    citations_before: list[dict[str, Any]]
    citations_after: list[dict[str, Any]]
    problems: dict[str, dict[str, Any]]
    """URL -> the link's row, for every dead, moved or changed link."""
    second: bytes
    fix_output: str


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=60, check=False)


def citation_rows(db: Path) -> list[dict[str, Any]]:
    return rows(db, "SELECT line, cited, url, accessed FROM citations ORDER BY position")


def fix_case(web: Web, case: Case, tmp: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> Fixed:
    """Seed, check twice, fix (as a diff), apply the diff, seed again, fix again."""
    site = web.sites["cited.test"]
    monkeypatch.chdir(tmp)
    monkeypatch.setattr(defaults, "ARCHIVE_INTERVAL", 0.0)
    # The captures are named https://web.archive.org/... which this machine cannot fetch: a
    # changed page's baseline falls back to its first check, and the breaker must not stop
    # the availability questions that give every dead link its archived copy.
    monkeypatch.setattr(defaults, "ARCHIVE_BREAKER", 1000)
    doc = tmp / f"refs{suffix}"
    doc.write_bytes(case.data)
    db = tmp / "lc.db"
    base = ["--db", str(db)]
    r = runner.invoke(app, [*base, "seed", doc.name])
    assert r.exit_code == 0, r.output
    cited = citation_rows(db)
    archive: FakeArchive = web.archive  # type: ignore[attr-defined]
    for c in cited:
        for part, kind in case.kinds.items():
            if part in c["url"] and c["url"].startswith(site.url("/")):
                path = "/" + c["url"].split("/", 3)[3].split("?", 1)[0]
                web.state["kinds"][path] = kind
                if kind in ("dead", "changed"):
                    archive.add(c["url"], STAMP, page("Reference rot", ROT, 1))
        if c["url"].startswith(site.url("/")):
            web.state["kinds"].setdefault("/" + c["url"].split("/", 3)[3].split("?", 1)[0], "alive")
    for extra in ([], ["--all"]):
        r = runner.invoke(app, [*base, "check", *extra, *check_args(web)])
        assert r.exit_code == 0, r.output
    # The problems this case made (a fixture's other URLs may fail on their own: no DNS here).
    problems = {
        row["url"]: row
        for row in rows(db, "SELECT * FROM links WHERE verdict IN ('dead', 'moved', 'changed')")
        if any(part in row["url"] for part in case.kinds) and row["url"].startswith(site.url("/"))
    }
    wanted = {p for p in case.kinds}
    assert {part for part in wanted if any(part in u for u in problems)} == wanted, problems
    r = runner.invoke(app, [*base, "fix", *case.fix_args])
    assert r.exit_code == 0, r.output
    diff = r.stdout_bytes
    before = doc.read_bytes()
    # The diff applies with git apply and with patch, to copies, giving the same bytes.
    applied = []
    for tool in (["git", "apply", "--whitespace=nowarn"], ["patch", "-p1", "--quiet"]):
        where = tmp / tool[0]
        where.mkdir()
        shutil.copy(doc, where / doc.name)
        (where / "fix.diff").write_bytes(diff)
        done = run([*tool, "fix.diff"] if tool[0] == "git" else [*tool, "-i", "fix.diff"], where)
        assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
        applied.append((where / doc.name).read_bytes())
    assert applied[0] == applied[1]
    after = applied[0]
    # --write gives the same bytes as the diff.
    r = runner.invoke(app, [*base, "fix", "--write", *case.fix_args])
    assert r.exit_code == 0, r.output
    assert doc.read_bytes() == after
    r = runner.invoke(app, [*base, "seed", doc.name])
    assert r.exit_code == 0, r.output
    second = runner.invoke(app, [*base, "fix", *case.fix_args])
    assert second.exit_code == 0, second.output
    return Fixed(
        tmp, doc, db, before, diff, after, cited, citation_rows(db), problems, second.stdout_bytes, r.output
    )


def check_fixed(case: Case, fixed: Fixed) -> None:
    """The issue's "done when", for one document."""
    assert fixed.diff, "nothing was fixed"
    assert fixed.second == b"", fixed.second.decode(errors="replace")
    # The patched file is read by the same extractor, with no more complaints than the original.
    before_ex = extract_bytes(fixed.before, fixed.doc.name)
    after_ex = extract_bytes(fixed.after, fixed.doc.name)
    assert after_ex.format == before_ex.format
    assert len(after_ex.notes) == len(before_ex.notes), after_ex.notes
    # Same citations, a moved URL replaced by its new address; anything more is an archived copy
    # (with no accessed-on date: it is never taken for a source) or a moved link's old address.
    moved = {u: row["final_url"] for u, row in fixed.problems.items() if row["verdict"] == "moved"}
    expected = [(moved.get(c["url"], c["url"]), c["accessed"]) for c in fixed.citations_before]
    got = [(c["url"], c["accessed"]) for c in fixed.citations_after]
    extra = list(got)
    for item in expected:
        assert item in extra, (item, got)
        extra.remove(item)
    for url, accessed in extra:
        assert (is_archive_url(url) and accessed is None) or url in moved, (url, accessed)
    archived = {row["archive_url"] for row in fixed.problems.values() if row["verdict"] != "moved"}
    assert archived and all(a in fixed.after.decode("latin-1") or _escaped(a, fixed.after) for a in archived)
    # Nothing outside the fixed references changed: every line the diff removes cites a problem
    # URL, every line it adds names an archived copy or a new address, and the rest is identical.
    old_lines = fixed.before.split(b"\n")
    new_lines = fixed.after.split(b"\n")
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    cited_problems = [c["cited"] for c in fixed.citations_before if c["url"] in fixed.problems]
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        added = new_lines[j1:j2]
        for line in old_lines[i1:i2]:
            text = line.decode("latin-1")
            # A line citing a problem URL, or a note that the archived copy was appended to.
            kept = line.rstrip(b"\r").rstrip(b'},"')
            assert any(_raw_in(c, text) for c in cited_problems) or any(a.startswith(kept) for a in added), (
                line
            )
        for line in new_lines[j1:j2]:
            text = line.decode("latin-1")
            named = archived | set(moved.values())
            # BibTeX keeps a moved link's old address in a comment field.
            named |= {f"Formerly \\url{{{u}}}" for u in moved}
            assert any(a in text or _escaped(a, line) for a in named), line
    # Encoding, byte-order mark and line endings are the document's own.
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        assert fixed.before.startswith(bom) == fixed.after.startswith(bom)
    assert fixed.before.count(b"\r\n") == fixed.before.count(b"\n") or b"\r\n" not in fixed.after


def _escaped(url: str, data: bytes) -> bool:
    """Whether ``url`` is in ``data`` as a format escapes it (BibTeX's \\%, JSON's \\/, HTML's &amp;)."""
    text = data.decode("latin-1")
    forms = {url.replace("%", "\\%").replace("#", "\\#"), json.dumps(url)[1:-1], url.replace("&", "&amp;")}
    return any(f in text for f in forms)


def _raw_in(cited: str, line: str) -> bool:
    plain = re.sub(r"\\(.)", r"\1", line).replace("&amp;", "&")
    return cited in line or cited in plain or cited[: max(12, len(cited) // 2)] in plain


# -- the cases -------------------------------------------------------------------------------


def markdown_case(base: str) -> Case:
    text = (
        "# Reading list\r\n\r\n"
        f'- Klein et al. [Scholarly context not found]({base}/dead-inline "PLOS ONE"). '
        "Accessed 8 September 2017.\r\n"
        f"- Jones et al. <{base}/changed-auto> (accessed on 3 March 2018)\r\n"
        f"- Zittrain, Albert, Lessig. [Perma: addressing reference rot]({base}/moved-self), "
        "retrieved 1 May 2019.\r\n"
        f"- Pew Research Center. When online content disappears. {base}/dead-bare "
        "(accessed 8 September 2017).\r\n"
        f"- Still here: [a live page]({base}/alive-one).\r\n"
    )
    return Case(
        "markdown",
        codecs.BOM_UTF8 + text.encode(),
        {"dead-": "dead", "changed-": "changed", "moved-": "moved"},
    )


def text_case(base: str) -> Case:
    text = (
        "References\n\n"
        f"Library Notes. Reference rot. Available at: {base}/dead-plain (accessed on 8 September 2017).\n\n"
        f"Retrieved March 3, 2018, from {base}/changed-plain\n\n"
        f"Moved page: {base}/moved-plain\n\n"
        f"Hälfte der Quellen: {base}/alive-plain (abgerufen am 8. September 2017)\n"
    )
    return Case("text", text.encode("latin-1"), {"dead-": "dead", "changed-": "changed", "moved-": "moved"})


def rst_case(base: str) -> Case:
    text = (
        "References\n==========\n\n"
        f"* `Reference rot <{base}/dead-rst>`_, accessed 8 September 2017.\n"
        f"* Changed page: {base}/changed-rst (accessed 3 March 2018).\n"
        f"* `Moved <{base}/moved-rst>`__\n"
    )
    return Case("rst", text.encode(), {"dead-": "dead", "changed-": "changed", "moved-": "moved"})


def latin1_html_case(base: str) -> Case:
    text = (
        '<!DOCTYPE html>\r\n<html><head><meta charset="iso-8859-1"><title>Références</title></head><body>\r\n'
        f'<p>Société générale, « Rapport », <a href="{base}/rapport-été.html" class=ref>'
        "rapport d'été</a>,\r\n"
        "consulté le 3 mai 2021.</p>\r\n"
        f"<p><a href='{base}/moved-latin1'>Déménagé</a>; <a\r\n"
        f'  href="{base}/changed-latin1">Modifié</a></p>\r\n'
        "</body></html>\r\n"
    )
    return Case(
        "html-latin1", text.encode("latin-1"), {"rapport": "dead", "moved-": "moved", "changed-": "changed"}
    )


CASES = {
    "markdown": (".md", markdown_case),
    "text": (".txt", text_case),
    "rst": (".rst", rst_case),
    "html": (
        ".html",
        lambda base: fixture(
            "html_entities_scripts_links.html",
            "html",
            {"tides.example.net/report": "dead", "guide.example.org/search": "moved"},
            base=base,
        ),
    ),
    "html-latin1": (".html", latin1_html_case),
    "bibtex": (
        ".bib",
        lambda base: fixture(
            "bibtex_field_variants.bib",
            "bibtex",
            {
                "www.who.int/data/gho": "dead",
                "health.org.uk": "dead",
                "example.org/caf_bars": "changed",
                "journal.example.org/article/7": "moved",
            },
            base=base,
        ),
    ),
    "ris": (
        ".ris",
        lambda base: fixture(
            "ris_zotero_endnote.ris",
            "ris",
            {
                "www.who.int/data/gho": "dead",
                "journal.example.org/article/7": "changed",
                # The second URL of a UR line (the record's L2 is not cited beside its UR).
                "b.example.org": "moved",
            },
            base=base,
        ),
    ),
    "csljson": (
        ".json",
        lambda base: fixture(
            "csljson_items.json",
            "csljson",
            {
                "www.who.int/data/gho": "dead",
                "example.org/literal": "changed",
                "journal.example.org": "moved",
            },
            base=base,
        ),
    ),
    "wikitext": (
        ".wiki",
        lambda base: fixture(
            "wikitext_references.wiki",
            "wikitext",
            {
                "example-daily.com/news/1": "dead",
                "tools.example.net/review": "changed",
                "audit.example.org/report": "dead",
                "owners.example.org/annual.pdf": "dead",
                "memoir.example.org": "moved",
            },
            base=base,
        ),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_fix_applies_parses_reseeds_and_is_idempotent(
    web: Web, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suffix, make = CASES[name]
    case = make(web.sites["cited.test"].url(f"/{name}").rstrip("/"))
    fixed = fix_case(web, case, tmp_path, monkeypatch, suffix)
    check_fixed(case, fixed)


# -- the command's behaviour around the fixes ---------------------------------------------------


def prepared(
    web: Web, tmp: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> tuple[list[str], dict[str, Path]]:
    """Two documents seeded and checked: a Markdown list citing a dead and a moved page, and a
    DOCX report citing the same dead page. Returns the ``--db`` arguments and the documents."""
    from docx import Document

    site = web.sites["cited.test"]
    base = site.url(f"/{name}").rstrip("/")
    web.state["kinds"].update({f"/{name}/gone": "dead", f"/{name}/moved": "moved"})
    archive: FakeArchive = web.archive  # type: ignore[attr-defined]
    archive.add(f"{base}/gone", STAMP, page("Reference rot", ROT, 1))
    monkeypatch.chdir(tmp)
    monkeypatch.setattr(defaults, "ARCHIVE_INTERVAL", 0.0)
    md = tmp / "list.md"
    md.write_text(f"- [Gone]({base}/gone), accessed 8 September 2017.\n- [Moved]({base}/moved)\n")
    report = Document()
    report.add_paragraph(
        f"Library Notes. Reference rot. Available at: {base}/gone (accessed on 8 September 2017)."
    )
    report.save(tmp / "report.docx")
    db = ["--db", str(tmp / "lc.db")]
    assert runner.invoke(app, [*db, "seed", "list.md", "report.docx"]).exit_code == 0
    r = runner.invoke(app, [*db, "check", *check_args(web)])
    assert r.exit_code == 0, r.output
    return db, {"md": md, "docx": tmp / "report.docx"}


@pytest.mark.slow
def test_a_document_edited_after_seeding_is_refused_in_one_line(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, docs = prepared(web, tmp_path, monkeypatch, "edited")
    edited = docs["md"].read_bytes() + b"- one more line\n"
    docs["md"].write_bytes(edited)
    for mode in ([], ["--write"]):
        r = runner.invoke(app, [*db, "fix", *mode, "list.md"])
        assert r.exit_code == 2
        assert (
            r.stderr.splitlines()[0] == "linkcheck: list.md: changed since it was seeded; seed it again first"
        )
        assert "Traceback" not in r.output
        assert r.stdout_bytes == b""
        assert docs["md"].read_bytes() == edited


@pytest.mark.slow
def test_write_on_a_read_only_file_is_one_error_and_changes_nothing(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, docs = prepared(web, tmp_path, monkeypatch, "readonly")
    before = docs["md"].read_bytes()
    docs["md"].chmod(0o444)
    r = runner.invoke(app, [*db, "fix", "--write"])
    assert r.exit_code == 2, r.output
    about = [line for line in r.stderr.splitlines() if "list.md" in line]
    assert about == ["linkcheck: list.md: is read-only: not written"]
    assert docs["md"].read_bytes() == before
    assert oct(docs["md"].stat().st_mode & 0o777) == "0o444"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow
def test_only_csv_and_bad_options(web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv
    import io

    db, docs = prepared(web, tmp_path, monkeypatch, "only")
    # A document with nothing to fix is not read: editing it since seeding is no error.
    (tmp_path / "notes.md").write_text("No links here.\n")
    # Seeded (a run that finds no citation says so, exit 2), so fix knows it and its hash.
    assert runner.invoke(app, [*db, "seed", "notes.md"]).exit_code == 2
    (tmp_path / "notes.md").write_text("Edited since.\n")
    base = web.sites["cited.test"].url("/only")
    # --only moved: the dead link is left as it is.
    r = runner.invoke(app, [*db, "fix", "--only", "moved", "list.md"])
    assert r.exit_code == 0, r.output
    diff = r.stdout_bytes.decode()
    new = web.sites["cited.test"].url("/new/only/moved")
    assert diff.splitlines()[-2:] == [f"-- [Moved]({base}/moved)", f"+- [Moved]({new})"]
    assert "archived" not in diff
    # PDF and DOCX are never edited: --format csv lists what to replace, with the fixed reference.
    r = runner.invoke(app, [*db, "fix", "--format", "csv", "--output", "fixes/replacements.csv"])
    assert r.exit_code == 0, r.output
    table = list(csv.DictReader(io.StringIO((tmp_path / "fixes" / "replacements.csv").read_text())))
    docx = [row for row in table if row["document"] == "report.docx"]
    assert len(docx) == 1
    row = docx[0]
    snapshot = f"{ARCHIVE}/web/{STAMP}/{base}/gone"
    assert (row["verdict"], row["action"], row["replacement"], row["archive_date"]) == (
        "dead",
        "add-archived-copy",
        snapshot,
        "2017-09-08",
    )
    assert row["fixed_reference"] == (
        f"Library Notes. Reference rot. Available at: {base}/gone [archived 2017-09-08: {snapshot}] "
        "(accessed on 8 September 2017)."
    )
    assert {r["document"] for r in table} == {"list.md", "report.docx"}
    # The diff never touches the DOCX, and says so.
    r = runner.invoke(app, [*db, "fix"])
    assert r.exit_code == 0
    assert b"report.docx" not in r.stdout_bytes
    assert "report.docx: DOCX files are not edited" in r.stderr
    for bad, message in (
        (["--only", "alive"], "--only: fix mends dead, moved and changed links only"),
        (["--only", "gone"], "--only: unknown verdict 'gone'"),
        (
            ["--write", "--output", "x.diff"],
            "--write edits the documents: it takes neither --output nor --format csv",
        ),
        (["--ris-tag", "UR"], "--ris-tag 'UR': expected N1 or LK"),
        (["--bibtex-field", "no te"], "--bibtex-field 'no te': not a field name"),
        (["missing.md"], "missing.md: not a seeded document (seed it first)"),
    ):
        r = runner.invoke(app, [*db, "fix", *bad])
        assert r.exit_code == 2, bad
        assert r.stderr.splitlines()[0].startswith(f"linkcheck: {message}"), r.stderr
        assert "Traceback" not in r.output
    assert docs["md"].read_bytes().count(b"archived") == 0


@pytest.mark.slow
def test_reports_show_the_fixed_reference_to_copy(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = prepared(web, tmp_path, monkeypatch, "copy")
    base = web.sites["cited.test"].url("/copy")
    snapshot = f"{ARCHIVE}/web/{STAMP}/{base}/gone"
    r = runner.invoke(app, [*db, "summary", "--format", "markdown", "--document", "list.md"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    at = lines.index("Copy fixed reference:")
    # A Markdown citation's text is the reference as rendered (link texts, no markup): the fix
    # follows it. Escaped as every report text is: brackets shown literally.
    assert lines[at + 2] == (
        f"- line 1: - Gone, accessed 8 September 2017. \\[archived 2017-09-08: {snapshot}\\]"
    )
    new = web.sites["cited.test"].url("/new/copy/moved")
    assert lines[at + 3] == f"- line 2: - Moved {new}"
    r = runner.invoke(app, [*db, "summary", "--format", "html", "--document", "report.docx"])
    assert r.exit_code == 0, r.output
    assert (
        '<p class="fixed"><span class="muted">Copy fixed reference:</span> <code class="copy">'
        f"Library Notes. Reference rot. Available at: {base}/gone [archived 2017-09-08: {snapshot}] "
        "(accessed on 8 September 2017).</code></p>"
    ) in r.stdout


@pytest.mark.slow
def test_utf16_documents_are_fixed_in_place_not_as_a_diff(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, docs = prepared(web, tmp_path, monkeypatch, "utf16")
    base = web.sites["cited.test"].url("/utf16")
    wide = tmp_path / "wide.md"  # Markdown: seed takes a UTF-16 file named .txt for binary
    text = f"Quelle : {base}/gone, consulté le 8 septembre 2017.\r\n"
    wide.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert runner.invoke(app, [*db, "seed", "wide.md"]).exit_code == 0
    r = runner.invoke(app, [*db, "fix"])
    assert r.exit_code == 2
    assert "linkcheck: wide.md: UTF-16 text has no usable diff; use --write" in r.stderr.splitlines()
    assert b"+++ b/list.md" in r.stdout_bytes and b"wide.md" not in r.stdout_bytes
    r = runner.invoke(app, [*db, "fix", "--write", "wide.md"])
    assert r.exit_code == 0, r.output
    after = wide.read_bytes()
    assert after.startswith(codecs.BOM_UTF16_LE)
    snapshot = f"{ARCHIVE}/web/{STAMP}/{base}/gone"
    assert after[2:].decode("utf-16-le") == text.replace(
        f"{base}/gone", f"{base}/gone [archived 2017-09-08]({snapshot})"
    )
    assert docs["md"].read_bytes().count(b"archived") == 0  # only the document named was written
