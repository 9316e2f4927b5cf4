"""Seeding: walk files and folders, extract each document's citations, store them.

A document whose bytes have not changed since it was last seeded is left alone; an
edited one has its citations replaced in one transaction; a bad one is reported and
the others are still seeded.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from linkcheck.errors import InputError, NotRegular, TooLarge
from linkcheck.extract import UnsupportedFormat, extract_bytes
from linkcheck.models import Citation, ExtractOptions
from linkcheck.store import Store

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
GROUP_CITATIONS = 20_000
"""Citations stored in one transaction at most while seeding (several documents, each whole)."""
GROUP_SECONDS = 2.0
"""Longest a stored document waits for its transaction to be committed (and to be reported)."""
#: The programming errors a document parser makes on input it did not expect: that document is
#: named as unreadable and the others are seeded. Anything else (ImportError for a missing
#: reader, OSError, MemoryError, a database error) is the machine's and stops the command.
PARSER_BUGS = (LookupError, TypeError, AttributeError, ArithmeticError, AssertionError)
"""Largest document read by default: a reference list is far smaller, and a bigger file
would cost memory in proportion."""


@dataclass(slots=True)
class DocumentResult:
    """What seeding one document did."""

    path: str
    status: str  # "seeded", "updated", "unchanged", "skipped", "error"
    format: str | None = None
    citations: int = 0
    new_links: int = 0
    message: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SeedReport:
    """What a whole seed run did."""

    documents: list[DocumentResult] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    """The folders named (as stored paths are shown), to tell one that held no document."""

    def problems(self) -> list[str]:
        """What makes the run fruitless although no document failed, one line each.

        A folder named that holds no supported document; or documents read that cite nothing
        at all (the wrong folder, or a format whose citations we cannot find): both are most
        likely a mistake the user wants to hear about, not a quiet success.
        """
        read = [d for d in self.documents if d.status in ("seeded", "updated", "unchanged")]
        lines = []
        for folder in self.folders:
            prefix = "" if folder == "." else folder.rstrip("/") + "/"
            if not any(d.path.startswith(prefix) for d in read):
                lines.append(f"{folder}: no supported document in this folder")
        if read and not lines and sum(d.citations for d in read) == 0:
            noun = "document" if len(read) == 1 else f"{len(read)} documents"
            lines.append(f"no citation found in the {noun} read (no URL in {read[0].path}"
                         f"{' or the others' if len(read) > 1 else ''})")  # fmt: skip
        return lines

    def count(self, *statuses: str) -> int:
        """How many documents ended with one of these statuses."""
        return sum(1 for d in self.documents if d.status in statuses)

    @property
    def citations(self) -> int:
        """Citations stored by this run (unchanged documents not counted)."""
        return sum(d.citations for d in self.documents if d.status in ("seeded", "updated"))

    @property
    def new_links(self) -> int:
        """Links this run added to the database."""
        return sum(d.new_links for d in self.documents)

    @property
    def errors(self) -> list[DocumentResult]:
        """The documents that could not be seeded."""
        return [d for d in self.documents if d.status == "error"]

    def summary_line(self) -> str:
        """One line for the end of a run."""
        read = self.count("seeded", "updated", "unchanged")
        parts = [f"{read} document{'s' if read != 1 else ''}"]
        extra = []
        if self.count("updated"):
            extra.append(f"{self.count('updated')} updated")
        if self.count("unchanged"):
            extra.append(f"{self.count('unchanged')} unchanged")
        if self.errors:
            extra.append(f"{len(self.errors)} failed")
        if extra:
            parts[0] += f" ({', '.join(extra)})"
        return (
            f"Seeded {parts[0]}: {self.citations} citation{'s' if self.citations != 1 else ''}, "
            f"{self.new_links} new link{'s' if self.new_links != 1 else ''}."
        )


def display_path(path: Path) -> str:
    """How a document's path is stored: relative to the working directory when inside it."""
    absolute = Path(os.path.normpath(path.absolute()))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def iter_inputs(paths: list[str]) -> Iterator[tuple[Path, bool] | InputError]:
    """Files to seed, each with whether it was named directly; a missing path as an error.

    Folders are walked recursively in sorted order; hidden files and folders (a name
    starting with a dot) inside them are skipped.
    """
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name, False
        elif p.exists():
            yield p, True
        else:
            yield InputError(raw, "no such file or folder")


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def _must_be_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        raise NotRegular(f"not a regular file ({kind}): not read")


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` of them read; raises NotRegular or TooLarge.

    The file is opened without blocking (opening a FIFO would wait for a writer) and checked
    on the open descriptor, so a path swapped after a look cannot slip a device in; the read
    stops one byte past the limit, so ``/dev/zero`` or a growing file cannot fill memory.
    """
    _must_be_regular(os.stat(path).st_mode)  # a socket cannot even be opened: say what it is
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        _must_be_regular(info.st_mode)
        if info.st_size > max_bytes:
            raise TooLarge(info.st_size)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise TooLarge(len(data))
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8, so SQLite, cannot hold) replaced by U+FFFD.

    They come from ``&#xD800;`` in HTML or wikitext, ``\\ud800`` in JSON, and undecodable
    bytes in file names: the citation is kept, with the replacement character in their place.
    """
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _storable_citation(c: Citation) -> Citation:
    fields = (c.cited, c.url, c.text, c.title or "")
    if not any(_SURROGATE.search(f) for f in fields):
        return c
    title = storable(c.title) if c.title is not None else None
    return replace(c, cited=storable(c.cited), url=storable(c.url), text=storable(c.text), title=title)


def seed_file(
    store: Store, path: Path, options: ExtractOptions, named: bool, max_bytes: int = DEFAULT_MAX_BYTES
) -> DocumentResult:
    """Seed one file. Never raises for a bad input: the result says what went wrong."""
    shown = storable(display_path(path))
    try:
        data = read_regular(path, max_bytes)
    except NotRegular as e:
        # In a folder, a FIFO or a link to a device is furniture: skipped (--verbose says so).
        return DocumentResult(shown, "error" if named else "skipped", message=str(e))
    except TooLarge as e:
        return DocumentResult(
            shown, "error", message=f"file is {e.size:,} bytes, larger than the limit of {max_bytes:,}"
        )
    except OSError as e:
        return DocumentResult(shown, "error", message=f"cannot read: {e.strerror or e}")
    digest = hashlib.sha256(data).hexdigest()
    stored = store.document(shown)
    if stored is not None and stored.sha256 == digest:
        return DocumentResult(shown, "unchanged", stored.format, stored.citations)
    try:
        result = extract_bytes(data, path.name, options)
    except UnsupportedFormat as e:
        return DocumentResult(shown, "error" if named else "skipped", message=str(e))
    except (ValueError, RecursionError) as e:
        return DocumentResult(shown, "error", message=str(e) or type(e).__name__)
    except PARSER_BUGS as e:  # a parser's own bug on odd bytes must not stop the other documents
        return DocumentResult(shown, "error", message=f"could not be read ({type(e).__name__}: {e})")
    cites = [_storable_citation(c) for c in result.citations]
    counts = store.save_document(shown, result.format, digest, len(data), cites)
    return DocumentResult(
        shown,
        "updated" if stored is not None else "seeded",
        result.format,
        counts.citations,
        counts.new_links,
        notes=result.notes,
    )


def seed(
    store: Store,
    paths: list[str],
    options: ExtractOptions | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_document: Callable[[DocumentResult], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> SeedReport:
    """Seed every document under ``paths`` into ``store``; report what each one did.

    ``on_total`` hears how many inputs there are before the first is read (for a
    progress bar); ``on_document`` hears each one's result as it is done.
    """
    options = options or ExtractOptions()
    report = SeedReport()
    db_path = Path(store.path).absolute() if store.path != ":memory:" else None
    inputs = list(iter_inputs(paths))
    report.folders = [display_path(Path(p)) for p in paths if Path(p).is_dir()]
    if on_total is not None:
        on_total(len(inputs))
    # Documents are stored in groups, one transaction each (Store.bulk), and reported once their
    # group is committed: a document said to be seeded is in the database, whatever happens next.
    pending: list[DocumentResult] = []
    with store.bulk() as commit:

        def flush() -> None:
            commit()
            report.documents.extend(pending)
            if on_document is not None:
                for done in pending:
                    on_document(done)
            pending.clear()

        stored, since = 0, time.monotonic()
        for item in inputs:
            if isinstance(item, InputError):
                result = DocumentResult(item.path, "error", message=item.reason)
            else:
                path, named = item
                if db_path is not None and path.absolute() in (
                    db_path,
                    Path(f"{db_path}-wal"),
                    Path(f"{db_path}-shm"),
                ):
                    continue
                result = seed_file(store, path, options, named, max_bytes)
            pending.append(result)
            if result.status in ("seeded", "updated"):
                stored += result.citations
            if stored >= GROUP_CITATIONS or time.monotonic() - since >= GROUP_SECONDS:
                flush()
                stored, since = 0, time.monotonic()
        flush()
    return report
