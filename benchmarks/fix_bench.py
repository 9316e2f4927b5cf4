"""Fix benchmark: one large document per editable format, a fifth of its references to fix.

Generates a reference list of N citations in each format (Markdown, plain text, HTML, BibTeX,
RIS, CSL-JSON, wikitext), makes a repair for every fifth one (the archived copy of a dead link,
or a moved link's new address), and times :func:`linkcheck.fix.fix_bytes` against the baseline
of the same run: extracting the document's citations, which `seed` does anyway. The figure that
matters is the ratio: fixing must cost no more than reading (it was 100 times more before the
search near each citation's line).

    python benchmarks/fix_bench.py [--citations 5000]

Target: fix time at most the extraction time for every format.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkcheck.extract import extract_bytes
from linkcheck.fix import FixOptions, Repair, fix_bytes


def url(i: int) -> str:
    return f"http://site{i % 50}.example.org/reports/{i}/page.html"


def markdown(n: int) -> str:
    return "".join(f"- Author {i}. [Report {i}]({url(i)}), accessed 8 September 2017.\n" for i in range(n))


def text(n: int) -> str:
    return "".join(
        f"Author {i}. Report. Available at: {url(i)} (accessed on 8 September 2017).\n\n" for i in range(n)
    )


def html(n: int) -> str:
    items = "".join(
        f'<li>Author {i}. <a href="{url(i)}">Report {i}</a>. Accessed 8 September 2017.</li>\n'
        for i in range(n)
    )
    return f"<!doctype html><html><body><ul>\n{items}</ul></body></html>\n"


def bibtex(n: int) -> str:
    return "".join(
        f"@online{{k{i},\n  title   = {{Report {i}}},\n  url     = {{{url(i)}}},\n"
        "  urldate = {2017-09-08},\n}\n\n"
        for i in range(n)
    )


def ris(n: int) -> str:
    return "".join(
        f"TY  - ELEC\nTI  - Report {i}\nUR  - {url(i)}\nY2  - 2017/09/08/\nER  - \n\n" for i in range(n)
    )


def csljson(n: int) -> str:
    items = [
        {"id": f"k{i}", "type": "webpage", "title": f"Report {i}", "URL": url(i),
         "author": [{"family": f"Author{i}", "given": "A."}], "accessed": {"date-parts": [[2017, 9, 8]]}}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps(items, indent=2) + "\n"


def wikitext(n: int) -> str:
    return "".join(
        f"Claim {i}.<ref>{{{{cite web |url={url(i)} |title=Report {i} "
        "|access-date=8 September 2017}}</ref>\n"
        for i in range(n)
    )


FORMATS: dict[str, tuple[str, Callable[[int], str]]] = {
    "markdown": ("refs.md", markdown),
    "text": ("refs.txt", text),
    "html": ("refs.html", html),
    "bibtex": ("refs.bib", bibtex),
    "ris": ("refs.ris", ris),
    "csljson": ("refs.json", csljson),
    "wikitext": ("refs.wiki", wikitext),
}


def repairs(data: bytes, name: str) -> list[Repair]:
    """A repair for every fifth citation: four archived copies for each moved address."""
    found = []
    for k, c in enumerate(extract_bytes(data, name).citations):
        if k % 5:
            continue
        if k % 25 == 0:
            found.append(Repair("moved", "moved", c.cited, c.url, c.line, c.text, new_url=c.url + "?moved=1"))
        else:
            snapshot = f"https://web.archive.org/web/20170908093512/{c.url}"
            found.append(Repair("archive", "dead", c.cited, c.url, c.line, c.text, snapshot, "2017-09-08"))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citations", type=int, default=5000)
    args = parser.parse_args()
    worst = 0.0
    print(f"{'format':<10} {'bytes':>10} {'repairs':>8} {'extract s':>10} {'fix s':>8} {'ratio':>6}")
    for fmt, (name, make) in FORMATS.items():
        data = make(args.citations).encode()
        todo = repairs(data, name)
        t0 = time.perf_counter()
        extract_bytes(data, name)
        baseline = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = fix_bytes(data, fmt, todo, FixOptions(), name)
        took = time.perf_counter() - t0
        assert len(result.applied) == len(todo), (fmt, result.notes[:3])
        ratio = took / baseline
        worst = max(worst, ratio)
        print(f"{fmt:<10} {len(data):>10,} {len(todo):>8} {baseline:>10.3f} {took:>8.3f} {ratio:>6.2f}")
    print(f"worst ratio {worst:.2f} (target: at most 1)")
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
