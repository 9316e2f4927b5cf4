"""A sample of the style sweep (benchmarks/style_sweep.py runs every style): CSL styles rendered
by citeproc-py in several locales, read back by linkcheck, ground truth by construction."""

from __future__ import annotations

import random

import pytest

from tests import style_bed

# Well-known styles that print a URL and a marked accessed-on date, and a seeded random
# sample of the rest of the repository (most of which print no URL or no date: they must
# not gain one).
KNOWN = [
    "ieee",
    "harvard-cite-them-right",
    "american-medical-association",
    "modern-language-association",
    "iso690-author-date-en",
    "din-1505-2",
    "elsevier-harvard",
    "apa-6th-edition",
    "nlm-citation-sequence-brackets",
    "mhra-notes",
]
LOCALES = ("en-US", "de-DE", "fr-FR", "es-ES", "pl-PL")


def _sample() -> list[str]:
    styles = style_bed.independent_styles()
    rest = [s for s in styles if s not in KNOWN]
    return [s for s in KNOWN if s in styles] + sorted(random.Random(20261203).sample(rest, 28))


@pytest.mark.slow
def test_sample_of_styles_and_locales() -> None:
    both = [0, 0, 0]
    url_only = [0, 0, 0]
    dated_pairs = 0
    for style in _sample():
        for locale in LOCALES:
            r = style_bed.render(style, locale)
            if r.error or not r.prints_url or r.unmarked:
                continue
            tally = both if any(r.dated) else url_only
            dated_pairs += any(r.dated)
            for correct, found, expected in style_bed.score(r).values():
                tally[0] += correct
                tally[1] += found
                tally[2] += expected
    assert dated_pairs >= 30, "the sample must hold styles that print an accessed date"
    assert both[0] / both[1] >= 0.98 and both[0] / both[2] >= 0.98, both
    # Styles that print no accessed date: every URL found, no date invented.
    assert url_only[0] / url_only[1] >= 0.98 and url_only[0] / url_only[2] >= 0.98, url_only
