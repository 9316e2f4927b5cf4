"""A sample of the hard-wrap bed (tests/wrap_bed.py; ``benchmarks/style_sweep.py --wrap`` runs it
over every style): reference lists wrapped at a line width the ways ``<pre>`` blocks, PDF pastes
and plain-text files wrap them, read back by linkcheck, ground truth by construction."""

from __future__ import annotations

import re

import pytest

from tests import style_bed, wrap_bed

ENTRY = (
    "Okafor A. Measuring link rot in scholarly references [Internet]. Example Research Blog. 2019 "
    "[cited 2021 Mar 17]. Available from: https://blog.example.org/2019/link-rot/measure?id=42"
)


@pytest.mark.parametrize("width", wrap_bed.WIDTHS)
@pytest.mark.parametrize("url_breaks", [False, True])
@pytest.mark.parametrize("indent", ["", "    "])
def test_wrapping_moves_only_white_space_and_keeps_the_width(
    width: int, url_breaks: bool, indent: str
) -> None:
    lines = wrap_bed.wrap_entry(ENTRY, width, url_breaks, indent)
    assert "".join(ENTRY.split()) == "".join("".join(lines).split())
    assert all(not line.startswith(" ") for line in lines[:1])
    assert all(line.startswith(indent) for line in lines[1:])
    for line in lines:
        # Only a URL kept whole may overflow the width, alone on its line.
        assert len(line) <= width or (not url_breaks and line.strip().startswith("https://"))
    url = "https://blog.example.org/2019/link-rot/measure?id=42"
    if not url_breaks:
        assert any(url in line for line in lines)
    else:
        # Broken, if at all, after a "/", ".", "-", "?", "=" or "&", never inside "https://".
        cut = [line.split()[-1] for line in lines[:-1] if "https://" in line or "example" in line]
        assert all(piece[-1] in "/.-?=&" or piece.endswith("from:") for piece in cut)
        assert not any(line.rstrip().endswith(("https:", "https:/")) for line in lines)


def test_every_container_holds_the_entries_text() -> None:
    entries = [ENTRY, "Brown T. Archiving the web. https://journals.example.net/jwp/article/view/8841"]
    for wrap in wrap_bed.all_wraps():
        data = wrap_bed.document(entries, wrap).decode()
        text = re.sub(r"<[^>]+>", "", data).replace("\\_", "_")
        for entry in entries:
            assert "".join(entry.split()) in "".join(text.split()), wrap.name


# Styles that print a URL and a marked accessed-on date, of the main families.
STYLES = [
    "ieee",
    "harvard-cite-them-right",
    "american-medical-association",
    "iso690-author-date-en",
    "chicago-author-date-access-dates",
    "nlm-citation-sequence-brackets",
    "din-1505-2",
    "mhra-notes",
]


@pytest.mark.slow
def test_sample_of_hard_wrapped_reference_lists() -> None:
    """Every way of wrapping, a few styles in two locales: 0.98 or better, no wrong date."""
    wraps = wrap_bed.all_wraps()
    total = [0, 0, 0]
    wrong_dates = 0
    worst: dict[str, list[int]] = {}
    jobs = [(style, locale) for style in STYLES for locale in ("en-US", "de-DE")]
    used = 0
    for k, (style, locale) in enumerate(jobs):
        r = style_bed.render(style, locale)
        if r.error or not r.prints_url or r.unmarked or not any(r.dated):
            continue  # (a style that prints no URL or no date in this locale: the sweep's business)
        used += 1
        want = dict(style_bed.expected(r))
        # A third of the ways, a different third for each rendering in turn.
        for wrap in wraps[k % 3 :: 3]:
            got = style_bed.found(wrap_bed.document(r.plain, wrap), wrap.fmt)
            correct = len(got & set(want.items()))
            for t in (total, worst.setdefault(wrap.container, [0, 0, 0])):
                t[0] += correct
                t[1] += len(got)
                t[2] += len(want)
            wrong_dates += sum(1 for u, a in got if a is not None and u in want and want[u] != a)
    assert used >= 10, "the sample must hold styles that print a URL and an accessed date"
    assert total[0] / total[1] >= 0.98 and total[0] / total[2] >= 0.98, (total, worst)
    for container, t in worst.items():
        assert t[0] / t[2] >= 0.95, (container, t)
    assert wrong_dates == 0
