"""A short mutation-fuzzing run over every extractor, with a fixed budget (tests/fuzz.py).

The long run (10,000 inputs) is benchmarks/fuzz_extract.py; its result is in docs/hostile.md.
Hypothesis draws the inputs here (reproducibly: derandomized), so a crash it finds is shrunk to
a small mutation of one fixture.
"""

from __future__ import annotations

import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import fuzz

POOL = fuzz.seeds()
BUDGET = 5.0
"""Seconds one input may take: every extractor is linear in its input, and inputs are small."""


def test_the_fixtures_cover_every_extractor() -> None:
    from linkcheck.extract import FORMATS, UnsupportedFormat, detect_format

    found = set()
    for name, data in POOL:
        try:
            found.add(detect_format(data, name))
        except UnsupportedFormat:
            continue
    assert set(FORMATS) - {"rst", "markdown"} <= found  # rst and markdown share the plain reader


@settings(
    max_examples=300, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
@given(
    source=st.sampled_from(POOL),
    seed=st.integers(min_value=0, max_value=2**32),
    as_name=st.sampled_from((None, *fuzz.NAMES)),
)
def test_every_extractor_survives_mutated_documents(
    source: tuple[str, bytes], seed: int, as_name: str | None
) -> None:
    name, data = source
    mutant = fuzz.mutate(data, random.Random(seed), POOL)
    started = time.monotonic()
    assert fuzz.read(mutant, as_name or name) is None
    assert time.monotonic() - started < BUDGET


def test_found_by_fuzzing_a_continuation_line_at_the_start_of_a_record() -> None:
    # rispy carried the previous record's last tag into the next one and raised KeyError.
    text = b"TY  - ELEC\nJO  - x\nER  - \nTY  - ELEC\ncontinued\nUR  - http://www.example.org/b\nER  - \n"
    assert fuzz.read(text, "refs.ris") is None
    from linkcheck.extract import extract_bytes

    assert [c.url for c in extract_bytes(text, "refs.ris").citations] == ["http://www.example.org/b"]
