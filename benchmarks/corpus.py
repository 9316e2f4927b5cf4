"""Precision and recall of extraction on the real reference lists of the shared corpus.

Usage: python benchmarks/corpus.py [CORPUS_DIR] [--verbose]

For each ``NAME`` with a ``NAME.expected.json`` beside it, extracts (url, accessed) pairs
and compares the distinct pairs with the ground truth. URLs are compared leniently, as the
corpus README says: the scheme (http/https) and a trailing slash do not matter. CORPUS_DIR
defaults to ``../shared/corpus`` relative to the project root.
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


def main(argv: list[str] | None = None) -> int:
    """Print per-file and overall precision/recall; return 1 if any file could not be read."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and false positives")
    parser.add_argument("--only", help="only files whose name contains this text")
    args = parser.parse_args(argv)

    corpus = Path(args.corpus)
    extract = _extractor()
    options = ExtractOptions()
    rows: list[tuple[str, int, int, int, float, float]] = []
    total_tp = total_found = total_expected = 0
    status = 0
    details: list[str] = []
    for expected_path in sorted(corpus.glob("*.expected.json")):
        doc = expected_path.with_name(expected_path.name[: -len(".expected.json")])
        if args.only and args.only not in doc.name:
            continue
        expected = _pairs([(e["url"], e["accessed"]) for e in json.loads(expected_path.read_text())])
        try:
            extraction = extract(doc, options)
        except Exception as e:  # one broken extractor must not hide the others
            print(f"{doc.name}: error: {type(e).__name__}: {e}", file=sys.stderr)
            status = 1
            continue
        if extraction is None:
            print(f"{doc.name}: no extractor yet", file=sys.stderr)
            continue
        found = _pairs(
            [(c.url, c.accessed.isoformat() if c.accessed else None) for c in extraction.citations]
        )
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
            details.extend(f"{doc.name}: note  {n}" for n in extraction.notes)

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
