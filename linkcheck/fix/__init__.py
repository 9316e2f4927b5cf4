"""Fixing: write what the store knows back into the documents, as a patch a person reviews.

For every citation whose link is a confirmed problem, a :class:`Repair` says what to do: a
``dead`` or ``changed`` link keeps its URL and gains the archived copy nearest the citation's
accessed-on date; a ``moved`` link's URL is replaced by its new address. Each editable format
has a module here (``plain``, ``html``, ``bibtex``, ``ris``, ``csljson``, ``wikitext``) that
turns repairs into :class:`Edit` spans of the document's text, following that format's own
conventions (docs/fixing.md), finding each citation with :mod:`.locate` (near the line it was
seeded on, outside comments). This module reads the documents, refuses any whose bytes differ
from what was seeded, applies the edits without touching any other byte (line endings,
encoding and byte-order mark kept), and gives the result as a unified diff, as files written
in place, or (for PDF and DOCX, which are not edited) as a CSV list of replacements.

Every format's fix is idempotent: a reference that already carries its archived copy, or
already names the new address, is left alone, so a second ``fix`` is empty.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import importlib
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from linkcheck.errors import FixError
from linkcheck.extract import FORMATS
from linkcheck.fix.locate import choose, find_spans, link_end
from linkcheck.models import Remedy, Suggestion, Verdict
from linkcheck.store import Store
from linkcheck.store import fix as sql
from linkcheck.store import report as report_sql

#: The verdicts `fix` mends by default: the confirmed problems (``failing`` is not yet confirmed).
FIXABLE: frozenset[Verdict] = Verdict.having(lambda v: v.traits.remedy is not Remedy.NONE)

#: Formats that are never edited: their fix is a list of replacements (``--format csv``).
NOT_EDITED = ("pdf", "docx")
#: Format name -> module of linkcheck.fix that edits it: named as linkcheck.extract's reader of it.
EDITORS: dict[str, str] = {fmt: module for fmt, module in FORMATS.items() if fmt not in NOT_EDITED}


@dataclass(frozen=True, slots=True)
class FixOptions:
    """What to fix and how to write it in each format."""

    verdicts: frozenset[Verdict] = FIXABLE
    """Fix only citations of links with one of these verdicts (``--only``)."""
    bibtex_field: str = "note"
    """BibTeX: ``note`` (``Archived at \\url{...} on DATE``, appended to a note) or a field name
    that receives the archived copy's URL alone (``archiveurl``, say)."""
    ris_tag: str = "N1"
    """RIS: ``N1`` (a note naming the archived copy and its date) or ``LK`` (the link alone)."""
    csl_field: str = "note"
    """CSL-JSON: ``note`` (appended to an existing note) or a field that receives the URL alone."""


@dataclass(frozen=True, slots=True)
class Repair:
    """The fix of one citation: add its archived copy, or replace a moved URL."""

    kind: str
    """``archive`` (keep the URL, add the archived copy) or ``moved`` (replace the URL)."""
    verdict: str
    cited: str
    """The URL exactly as the document gives it."""
    url: str
    """The cited URL, clean and absolute."""
    line: int | None
    text: str
    """The reference entry as seeded (for the CSV list and the reports' fixed reference)."""
    archive_url: str | None = None
    archive_date: str | None = None
    """``YYYY-MM-DD`` of the archived copy."""
    new_url: str | None = None

    @property
    def replacement(self) -> str:
        """The URL that the fix adds or puts in place."""
        return (self.new_url if self.kind == "moved" else self.archive_url) or ""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` of a document by ``new`` (an insertion when start == end)."""

    start: int
    end: int
    new: str


@dataclass(slots=True)
class DocumentFix:
    """What fixing one document gives."""

    path: str
    format: str
    before: bytes = b""
    after: bytes = b""
    applied: list[Repair] = field(default_factory=list)
    """Repairs written into the document (or listed, for PDF and DOCX)."""
    already: int = 0
    """Repairs already present in the document (a fix applied before)."""
    notes: list[str] = field(default_factory=list)
    """Repairs that could not be placed, and why."""
    utf16: bool = False

    @property
    def changed(self) -> bool:
        """Does the fix change the document's bytes?"""
        return self.after != self.before


@dataclass(slots=True)
class FixRun:
    """Every document a `fix` looked at, and the inputs it could not fix."""

    documents: list[DocumentFix] = field(default_factory=list)
    errors: list[FixError] = field(default_factory=list)
    unfixable: int = 0
    """Problems with nothing to fix them with (a dead link with no archived copy known)."""


def _date(stamp: str | None) -> str | None:
    return stamp[:10] if stamp else None


def plan(rows: Sequence[dict[str, object]]) -> tuple[list[Repair], int]:
    """Repairs for a document's problem citations (rows of :func:`linkcheck.store.fix.citations`),
    and how many problems have no fix (no archived copy known, no new address)."""
    repairs: list[Repair] = []
    missing = 0
    for r in rows:
        verdict = str(r["verdict"])
        base = {
            "verdict": verdict,
            "cited": str(r["cited"]),
            "url": str(r["url"]),
            "line": r["line"] if isinstance(r["line"], int) else None,
            "text": str(r["text"]),
        }
        final = r["final_url"]
        remedy = Verdict(verdict).traits.remedy
        if remedy is Remedy.REDIRECT and isinstance(final, str) and final and final != r["link_url"]:
            repairs.append(Repair("moved", new_url=final, **base))  # type: ignore[arg-type]
        elif remedy in (Remedy.ARCHIVE, Remedy.ARCHIVE_OR_REVIEW) and isinstance(r["archive_url"], str):
            stamp = r["archive_timestamp"]
            repairs.append(
                Repair(
                    "archive",
                    archive_url=r["archive_url"],
                    archive_date=_date(stamp if isinstance(stamp, str) else None),
                    **base,  # type: ignore[arg-type]
                )
            )
        else:
            missing += 1
    return repairs, missing


# -- bytes and text ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decoded:
    """A text document's bytes as text, with what it takes to write them back identically."""

    text: str
    encoding: str
    bom: bytes

    def encode(self, text: str) -> bytes:
        """``text`` in the document's own encoding, after its byte-order mark."""
        return self.bom + text.encode(self.encoding)


def decode_exact(data: bytes, path: str) -> Decoded:
    """The document as text such that encoding it again gives back exactly ``data``.

    Raises FixError for bytes that no encoding reads losslessly (an edit could not then keep
    the other bytes as they are).
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            body = data[len(bom) :]
            return _checked(body, enc, bom, path)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", b"")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    if best is None:
        raise FixError(path, "not text in any known character encoding")
    return _checked(data, best.encoding, b"", path)


def _checked(body: bytes, encoding: str, bom: bytes, path: str) -> Decoded:
    try:
        text = body.decode(encoding)
        if text.encode(encoding) == body:
            return Decoded(text, encoding, bom)
    except (UnicodeError, LookupError):
        pass
    raise FixError(path, f"its bytes do not read back identically as {encoding}: not edited")


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with ``edits`` made; overlapping edits are a bug in a format's editor."""
    out: list[str] = []
    at = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < at:
            raise ValueError(f"overlapping edits at offset {e.start}")
        out.append(text[at : e.start])
        out.append(e.new)
        at = e.end
    out.append(text[at:])
    return "".join(out)


# -- documents --------------------------------------------------------------------------------


def _editor(fmt: str) -> object:
    return importlib.import_module(f"linkcheck.fix.{EDITORS[fmt]}")


def fix_bytes(
    data: bytes, fmt: str, repairs: Sequence[Repair], options: FixOptions, path: str
) -> DocumentFix:
    """Fix one document given as bytes: its repairs made in its own syntax, every other byte kept."""
    result = DocumentFix(path, fmt, before=data, after=data)
    if fmt in NOT_EDITED:
        result.applied = list(repairs)
        return result
    if not repairs:
        return result
    decoded = decode_exact(data, path)
    result.utf16 = decoded.encoding.startswith("utf-16")
    editor = _editor(fmt)
    outcome = editor.edits(decoded.text, list(repairs), options, fmt)  # type: ignore[attr-defined]
    edits: list[Edit] = outcome.edits
    result.applied = outcome.applied
    result.already = outcome.already
    result.notes = outcome.notes
    if edits:
        try:
            result.after = decoded.encode(apply_edits(decoded.text, edits))
        except UnicodeEncodeError as e:
            raise FixError(
                path, f"the fix holds characters {decoded.encoding} cannot write ({e.reason})"
            ) from None
    return result


@dataclass(slots=True)
class Outcome:
    """What a format's editor made of a document's repairs."""

    edits: list[Edit] = field(default_factory=list)
    applied: list[Repair] = field(default_factory=list)
    already: int = 0
    notes: list[str] = field(default_factory=list)

    def place(self, repair: Repair, *edits: Edit) -> None:
        """Record ``repair`` as made by ``edits``."""
        self.edits.extend(edits)
        self.applied.append(repair)

    def unplaced(self, repair: Repair, why: str) -> None:
        """Record that ``repair`` could not be made, and why."""
        where = f"line {repair.line}: " if repair.line else ""
        self.notes.append(f"{where}{repair.cited}: {why}")

    def find(
        self, repair: Repair, text: str, starts: Sequence[int], used: set[int], *, escapes: bool = False
    ) -> tuple[int, int] | None:
        """Where ``repair``'s URL is written in ``text`` (nearest its seeded line, not ``used``);
        None, recorded as unplaced, when it is nowhere."""
        spans = find_spans(text, starts, repair.cited, repair.line, used, escapes=escapes)
        span = choose(spans, starts, repair.line, used)
        if span is None:
            self.unplaced(repair, "not found where it was seeded")
        return span

    def moved(self, repair: Repair, span: tuple[int, int]) -> bool:
        """Whether ``repair`` is a move, then made: the new address written over the old at ``span``."""
        if repair.kind != "moved":
            return False
        assert repair.new_url is not None
        self.place(repair, Edit(span[0], span[1], repair.new_url))
        return True


def fix_documents(store: Store, paths: Sequence[str] | None, options: FixOptions = FixOptions()) -> FixRun:
    """Fix the seeded documents named by ``paths`` (stored paths or folders; None: every one).

    A document with something to fix whose file is missing, unreadable or no longer
    byte-identical to what was seeded is an error of the run (the others are still fixed);
    documents with nothing to fix are not read. Nothing is written here.
    """
    run = FixRun()
    ids: list[int] | None = None
    if paths is not None:
        ids, unmatched = report_sql.document_ids(store, paths)
        for p in unmatched:
            run.errors.append(FixError(p, "not a seeded document (seed it first)"))
    for doc in sql.documents(store, ids):
        path = str(doc["path"])
        rows = sql.citations(store, int(doc["id"]), {str(v) for v in options.verdicts})
        repairs, missing = plan(rows)
        run.unfixable += missing
        if not repairs:
            continue  # nothing to write: a document edited (or gone) since seeding is no error here
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            run.errors.append(FixError(path, f"cannot read: {e.strerror or e}"))
            continue
        if hashlib.sha256(data).hexdigest() != doc["sha256"]:
            run.errors.append(FixError(path, "changed since it was seeded; seed it again first"))
            continue
        try:
            run.documents.append(fix_bytes(data, str(doc["format"]), repairs, options, path))
        except FixError as e:
            run.errors.append(e)
    return run


# -- output ------------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    # Split at \n only, as patch and git apply do: a \r stays at the end of its line.
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(doc: DocumentFix) -> bytes:
    """The document's fix as a unified diff that ``patch -p1`` and ``git apply`` apply.

    Bytes, not text: the diff carries the document's own encoding and line endings.
    """
    if not doc.changed:
        return b""
    name = doc.path.encode("utf-8", errors="surrogateescape").lstrip(b"/")
    out = []
    for line in difflib.diff_bytes(
        difflib.unified_diff, _lines(doc.before), _lines(doc.after), b"a/" + name, b"b/" + name
    ):
        if not line.endswith(b"\n"):
            line += b"\n\\ No newline at end of file\n"
        out.append(line)
    return b"".join(out)


CSV_COLUMNS = (
    "document",
    "line",
    "verdict",
    "action",
    "cited",
    "replacement",
    "archive_date",
    "fixed_reference",
)


def replacements_csv(docs: Sequence[DocumentFix]) -> str:
    """Every repair as a CSV row: the fix of PDF and DOCX documents, which are never edited."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for doc in docs:
        for r in doc.applied:
            action = "replace-url" if r.kind == "moved" else "add-archived-copy"
            w.writerow(
                [doc.path, r.line or "", r.verdict, action, r.cited, r.replacement, r.archive_date or "",
                 fixed_reference(r.text, r.cited, r.kind, r.replacement, r.archive_date)]
            )  # fmt: skip
    return buf.getvalue()


def fixed_reference(text: str, cited: str, kind: str, replacement: str | None, date: str | None) -> str:
    """A reference's text with its fix applied, for people to copy: the moved URL replaced, or the
    archived copy named right after the URL."""
    if not replacement:
        return text
    if not cited:
        return f"{text} [archived {date}: {replacement}]" if kind == "archive" else text
    if kind == "moved":
        return text.replace(cited, replacement) if cited in text else f"{text} {replacement}"
    note = f"[archived {date}: {replacement}]" if date else f"[archived: {replacement}]"
    if cited in text:
        # After the whole link ([title](url), <url>), not inside it.
        start = text.index(cited)
        at = link_end("markdown", text, start, start + len(cited)) or start + len(cited)
        return f"{text[:at]} {note}{text[at:]}"
    return f"{text} {note}"


def suggested_reference(text: str, cited: str | None, suggestion: Suggestion | None) -> str:
    """The reference with a report's suggested replacement applied ("copy fixed reference"), or ""
    when the suggestion replaces nothing."""
    if suggestion is None or suggestion.action != "replace" or not suggestion.url:
        return ""
    kind = "moved" if suggestion.source == "redirect" else "archive"
    date = suggestion.archive_timestamp[:10] if suggestion.archive_timestamp else None
    return fixed_reference(text, cited or "", kind, suggestion.url, date)


def write_in_place(doc: DocumentFix) -> None:
    """Write a fixed document over its file, atomically, keeping its permissions.

    Raises FixError, writing nothing, when the file (or the file a link points at) is not
    writable, or when it changed while being fixed.
    """
    target = Path(os.path.realpath(doc.path))
    try:
        # Writing goes through a rename, which a folder allows whatever the file's mode: a file
        # made read-only (for us, or for everyone: root may write anything) is refused here.
        if not os.access(target, os.W_OK) or not target.stat().st_mode & 0o222:
            raise FixError(doc.path, "is read-only: not written")
        if target.read_bytes() != doc.before:
            raise FixError(doc.path, "changed while it was being fixed; seed it again first")
        mode = target.stat().st_mode & 0o7777
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".fix", dir=target.parent)
    except OSError as e:
        raise FixError(doc.path, f"cannot write: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(doc.after)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise FixError(doc.path, f"cannot write: {e.strerror or e}") from None


def write_output(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`write_output_with`)."""
    write_output_with(path, lambda f: f.write(data))


def write_output_with(path: str, write: Callable[[BinaryIO], object]) -> None:
    """Write what ``write`` writes to the file it is given to ``path``, through a temporary file
    and a rename (folders created); a large output can so be written in chunks.

    A reader sees the old file or the new one, never half of one. No fsync: the rename alone
    keeps readers from a half-written file, which is the point; surviving a power cut is not
    worth a second per 100 MB for output written again at will. mkstemp makes the file private
    (0600); the umask's mode is restored, as for any file the user writes.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(slots=True)
class Delivery:
    """What a fix run gives the user: the output's bytes, lines for stderr, a closing line."""

    data: bytes = b""
    """The diff (or the CSV); empty with ``write``."""
    messages: list[str] = field(default_factory=list)
    """One line per input that failed or reference left to do by hand: ``path: reason``."""
    failed: bool = False
    """Did an input fail (exit 2)?"""
    summary: str = ""


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def deliver(run: FixRun, *, write: bool, as_csv: bool = False) -> Delivery:
    """Turn a run into its output: the CSV of replacements, the unified diff, or (``write``) the
    documents written in place; every failure and every reference left to do by hand named."""
    done = Delivery(failed=bool(run.errors))
    done.messages += [str(e) for e in run.errors]
    for doc in run.documents:
        done.messages += [f"{doc.path}: {note}; not fixed" for note in doc.notes]
    docs = run.documents
    if as_csv:
        done.data = replacements_csv(docs).encode("utf-8")
    else:
        for doc in docs:
            if doc.format in NOT_EDITED and doc.applied:
                done.messages.append(
                    f"{doc.path}: {doc.format.upper()} files are not edited; "
                    "'linkcheck fix --format csv' lists the replacements to make"
                )
        docs = [d for d in docs if d.changed]
        if not write:
            for doc in [d for d in docs if d.utf16]:
                done.failed = True
                done.messages.append(f"{doc.path}: UTF-16 text has no usable diff; use --write")
            docs = [d for d in docs if not d.utf16]
            done.data = b"".join(unified_diff(d) for d in docs)
    fixed = sum(len(d.applied) for d in docs)
    if write:
        written = 0
        for doc in docs:
            try:
                write_in_place(doc)
                written += 1
            except FixError as e:
                done.failed = True
                fixed -= len(doc.applied)
                done.messages.append(str(e))
        what = f"Fixed {_count(fixed, 'reference')} in {_count(written, 'document')}"
        if written:
            what += "; seed them again to record the fixes"
    else:
        what = f"{_count(fixed, 'fix', 'fixes')} in {_count(len(docs), 'document')}"
    already = sum(d.already for d in run.documents)
    extra = [f"{already} already fixed"] if already else []
    if run.unfixable:
        extra.append(f"{run.unfixable} with no archived copy known (see summary)")
    done.summary = f"{what}{' (' + ', '.join(extra) + ')' if extra else ''}."
    return done
