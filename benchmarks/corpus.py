"""Precision and recall of extraction on real reference lists, part by part.

Usage: python benchmarks/corpus.py [CORPUS_DIR] [--verbose]
       [--part shared|dev|dev2|dev3|dev4|dev5|dev6|dev7|dev8|dev9|all]

For each ``NAME`` with a ``NAME.expected.json`` beside it, extracts (url, accessed) pairs
and compares the distinct pairs with the ground truth. URLs are compared leniently, as the
corpus README says: the scheme (http/https) and a trailing slash do not matter.

The parts: ``shared`` is ``../shared/corpus`` (eight lists the extractors were built on);
``dev`` to ``dev9`` are parts of ``tests/corpus`` as ``tests/corpus/SPLIT.json`` divides it
(see tests/corpus/README.md): ``dev2`` to ``dev9`` were held-out parts,
each scored blind once and then opened. Every part SPLIT.json names can be scored. ``all``
leaves out the parts in ``BLIND`` (a held-out set, so that a run over everything does not show
it to whoever is fixing; none now): they are scored only when asked for by name.
The default, ``shared``, keeps the old behaviour; a CORPUS_DIR argument scores one folder.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import linkcheck.extract  # noqa: E402
from linkcheck.models import Extraction, ExtractOptions  # noqa: E402

# Until the generic entry point exists, each corpus file is read by its format's module.
_MODULE_BY_SUFFIX = {
    ".bib": "bibtex",
    ".ris": "ris",
    ".json": "csljson",
    ".wiki": "wikitext",
    ".html": "html",
    ".htm": "html",
    ".md": "plain",
    ".txt": "plain",
    ".pdf": "pdf",
    ".docx": "docx",
}

Pair = tuple[str, str | None]


def _extractor() -> Callable[[Path, ExtractOptions], Extraction | None]:
    """The extraction call: the generic ``extract_bytes`` when there is one, else per module."""
    generic = getattr(linkcheck.extract, "extract_bytes", None)
    if generic is not None:
        return lambda path, options: generic(path.read_bytes(), path.name, options)

    def per_module(path: Path, options: ExtractOptions) -> Extraction | None:
        name = _MODULE_BY_SUFFIX.get(path.suffix.lower())
        if name is None:
            return None
        try:
            module = importlib.import_module(f"linkcheck.extract.{name}")
        except ImportError:
            return None
        extract = getattr(module, "extract", None)
        if extract is None:
            return None
        result: Extraction = extract(path.read_text(encoding="utf-8"), options)
        return result

    return per_module


def _key(url: str) -> str:
    """The lenient form of a URL for comparison: no scheme, no trailing slash."""
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.IGNORECASE).rstrip("/")


def _pairs(items: list[Pair]) -> set[Pair]:
    return {(_key(u), a) for u, a in items}


# ../shared/corpus beside the project; from a worktree under wt/, one level further up.
SHARED = next(
    (p for p in (ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus") if p.is_dir()),
    ROOT.parent / "shared" / "corpus",
)
OWN = ROOT / "tests" / "corpus"
# Held out from whoever is fixing extraction: `--part all` does not print them. `heldout2` was
# scored blind and opened as `dev3` (tests/corpus/SPLIT.json, dev3_note), `heldout3` as `dev4`
# (dev4_note), `heldout4` as `dev5` (dev5_note), `heldout5` as `dev6` (dev6_note), `heldout6` as
# `dev7` (dev7_note), `heldout7` as `dev8` (dev8_note), `heldout8` as `dev9` (dev9_note). A
# next held-out set goes here until the lead has scored it once, blind: `heldout9`, the ninth
# (SPLIT.json, heldout9_method and heldout9b_method: two halves gathered apart).
BLIND: tuple[str, ...] = ("heldout9",)


def _parts() -> list[str]:
    """The parts of tests/corpus: the keys of SPLIT.json whose value is a list of file names."""
    split = json.loads((OWN / "SPLIT.json").read_text())
    return [name for name, files in split.items() if isinstance(files, list)]


def _documents(corpus: Path, part: str | None) -> list[Path]:
    """The ``*.expected.json`` files of one part (or of a whole folder when ``part`` is None)."""
    if part is None:
        return sorted(corpus.glob("*.expected.json"))
    names = set(json.loads((OWN / "SPLIT.json").read_text())[part])
    return sorted(
        p for p in (OWN / "docs").glob("*.expected.json") if p.name[: -len(".expected.json")] in names
    )


def main(argv: list[str] | None = None) -> int:
    """Print per-file and overall precision/recall; return 1 if any file could not be read."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", help="score every NAME.expected.json of this folder")
    parser.add_argument("--part", choices=["shared", *_parts(), "all"], default=None)
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and false positives")
    parser.add_argument("--only", help="only files whose name contains this text")
    args = parser.parse_args(argv)
    if args.corpus and args.part:
        parser.error("give a CORPUS_DIR or --part, not both")
    if args.part == "all":
        status = 0
        for part in ("shared", *(p for p in _parts() if p not in BLIND)):
            print(f"== {part}")
            status |= main([f"--part={part}", *(["--verbose"] if args.verbose else [])])
            print()
        return status
    if args.corpus:
        documents = _documents(Path(args.corpus), None)
    elif args.part in (None, "shared"):
        documents = _documents(SHARED, None)
    else:
        documents = _documents(OWN, args.part)

    extract = _extractor()
    options = ExtractOptions()
    rows: list[tuple[str, int, int, int, float, float]] = []
    total_tp = total_found = total_expected = 0
    status = 0
    details: list[str] = []
    for expected_path in documents:
        doc = expected_path.with_name(expected_path.name[: -len(".expected.json")])
        if args.only and args.only not in doc.name:
            continue
        expected = _pairs([(e["url"], e["accessed"]) for e in json.loads(expected_path.read_text())])
        notes: list[str] = []
        try:
            extraction = extract(doc, options)
        except Exception as e:  # one broken extractor must not hide the others
            # A document the extractor refuses found nothing: its pairs count as missed in the
            # totals (leaving it out would score the rest as if it had never been asked for).
            print(f"{doc.name}: error: {type(e).__name__}: {e}", file=sys.stderr)
            status = 1
            found: set[Pair] = set()
        else:
            if extraction is None:
                print(f"{doc.name}: no extractor yet", file=sys.stderr)
                continue
            found = _pairs(
                [(c.url, c.accessed.isoformat() if c.accessed else None) for c in extraction.citations]
            )
            notes = list(extraction.notes)
        tp = len(found & expected)
        precision = tp / len(found) if found else 1.0
        recall = tp / len(expected) if expected else 1.0
        rows.append((doc.name, len(expected), len(found), tp, precision, recall))
        total_tp += tp
        total_found += len(found)
        total_expected += len(expected)
        if args.verbose:
            for url, acc in sorted(expected - found, key=str):
                details.append(f"{doc.name}: MISS  {url}  {acc}")
            for url, acc in sorted(found - expected, key=str):
                details.append(f"{doc.name}: FALSE {url}  {acc}")
            details.extend(f"{doc.name}: note  {n}" for n in notes)

    width = max([len(r[0]) for r in rows] + [7])
    print(f"{'file':<{width}}  expected  found  correct  precision  recall")
    for name, n_exp, n_found, tp, p, r in rows:
        print(f"{name:<{width}}  {n_exp:8d}  {n_found:5d}  {tp:7d}  {p:9.3f}  {r:6.3f}")
    if rows:
        p = total_tp / total_found if total_found else 1.0
        r = total_tp / total_expected if total_expected else 1.0
        print(
            f"{'overall':<{width}}  {total_expected:8d}  {total_found:5d}  {total_tp:7d}  {p:9.3f}  {r:6.3f}"
        )
    for line in details:
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
