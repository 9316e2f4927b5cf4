"""Mutation fuzzing of every extractor: shared by the suite's short run and benchmarks/fuzz_extract.py.

Inputs are the test fixtures (every format linkcheck reads), mutated as fuzzers do: bytes
flipped, inserted, deleted, repeated and spliced between files, plus tokens known to hurt
parsers (lone surrogates as entities and JSON escapes, byte-order marks, NUL, deep nesting,
unbalanced brackets, long lines). Each mutant is read by the extractor its name picks and by
another one, as a folder of mixed files would be.

A crash is any exception other than the documented bad-input errors (UnsupportedFormat, and
ValueError or RecursionError with a reason for the user, which seed reports as one line per
file), or a citation that could not be stored.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from linkcheck.extract import UnsupportedFormat, extract_bytes
from linkcheck.models import ExtractOptions
from linkcheck.seed import storable

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: A name per extractor: the suffix picks it.
NAMES = ("refs.txt", "refs.md", "refs.rst", "refs.html", "refs.bib", "refs.ris", "refs.json", "refs.wiki",
         "refs.pdf", "refs.docx", "refs")  # fmt: skip
TOKENS = [
    b"&#xD800;", b"&#55296;", b'\\ud800', b"\\udfff\\ud800", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
    b"\xff\xfe\x00\x00", b"\x00", b"\r", b"\n\n", b"http://", b"https://www.", b"doi:10.1000/",
    b"www.", b"(((((((((", b")))))))))", b"[[[[", b"]]]]", b"{{{{", b"}}}}", b"<div>" * 50,
    b"</div>" * 50, b"<ref>", b"{{cite web |url=", b"@misc{x,", b"url = {", b"TY  - ELEC\r\nUR  - ",
    b'{"URL": "', b"accessed 31 February 2019", b"(accessed on 8 September 2017)",
    b"\xe2\x80\x8b", b"\xc3", b"\xed\xa0\x80", b"%PDF-1.7", b"PK\x03\x04", b"a" * 5000,
    b"http://x.org/" + b")" * 300, b"\\", b"%", b"\t", b"&amp;" * 20, b"<![CDATA[", b"<!--",
]  # fmt: skip


def seeds() -> list[tuple[str, bytes]]:
    """Every fixture document, as (file name, bytes)."""
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and not path.name.endswith((".expected.json", ".py")):
            out.append((path.name, path.read_bytes()))
    return out


def mutate(data: bytes, rng: random.Random, pool: list[tuple[str, bytes]]) -> bytes:
    """``data`` with one to eight random mutations."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(7)
        at = rng.randint(0, len(buf))
        if op == 0 and buf:  # flip bits of some bytes
            for _ in range(rng.randint(1, 16)):
                i = rng.randrange(len(buf))
                buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # random bytes
            buf[at:at] = rng.randbytes(rng.randint(1, 64))
        elif op == 2 and buf:  # delete a range
            buf[at : at + rng.randint(1, max(1, len(buf) // 8))] = b""
        elif op == 3 and buf:  # repeat a range
            start = rng.randrange(len(buf))
            chunk = buf[start : start + rng.randint(1, 256)]
            buf[at:at] = chunk * rng.randint(2, 50)
        elif op == 4:  # splice another document in
            _, other = rng.choice(pool)
            start = rng.randrange(max(1, len(other)))
            buf[at:at] = other[start : start + rng.randint(1, 2048)]
        elif op == 5:  # a hostile token
            buf[at:at] = rng.choice(TOKENS) * rng.choice((1, 1, 1, 3, 100))
        elif buf:  # truncate
            del buf[at:]
    return bytes(buf)


@dataclass
class Crash:
    """One input an extractor did not survive."""

    name: str
    data: bytes
    error: str


def read(data: bytes, name: str) -> str | None:
    """Extract ``data`` as file ``name``; the crash (as text), or None when it held."""
    try:
        result = extract_bytes(data, name, ExtractOptions())
    except (UnsupportedFormat, ValueError, RecursionError):
        return None  # a bad input, reported by seed as one line naming the file
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    for c in result.citations:
        for text in (c.cited, c.url, c.text, c.title or ""):
            if not isinstance(text, str):
                return f"a citation field is {type(text).__name__}"
            storable(text).encode("utf-8")  # what the store will hold
        if not c.url:
            return "a citation without a URL"
    return None


def inputs(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``count`` mutants of the fixtures, each under its own name and under another extractor's."""
    rng = random.Random(seed)
    pool = seeds()
    n = 0
    while True:
        name, data = rng.choice(pool)
        mutant = mutate(data, rng, pool)
        for as_name in (name, rng.choice(NAMES)):
            if n >= count:
                return
            n += 1
            yield as_name, mutant


def run(count: int, seed: int) -> list[Crash]:
    """Fuzz ``count`` inputs from ``seed``; the crashes found."""
    return [Crash(name, data, err) for name, data in inputs(count, seed) if (err := read(data, name))]
