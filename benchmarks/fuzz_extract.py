"""Long mutation-fuzzing run over every extractor (the suite runs a few hundred of the same inputs).

Mutants of the test fixtures (tests/fuzz.py: bytes flipped, inserted, deleted, repeated,
spliced between formats, and hostile tokens such as lone surrogates, byte-order marks, deep
nesting and unbalanced brackets), each read by the extractor its name picks and by another.
An input crashes when an extractor raises anything but the documented bad-input errors; it
hangs when it takes longer than ``--budget`` seconds (an alarm interrupts it). Crashing and
hanging inputs are written to ``--out`` for replay. Exit 1 when any was found.

    python benchmarks/fuzz_extract.py [--inputs 10000] [--seed 15] [--budget 10] [--out DIR]

Result on record (docs/hostile.md): 10,000 inputs, 0 crashes, 0 hangs.
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import fuzz


class Hang(Exception):
    """The alarm went off: one input took longer than the budget."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds one input may take")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    found: list[tuple[str, bytes, str]] = []
    slowest = (0.0, "")
    by_extractor: collections.Counter[str] = collections.Counter()
    t0 = time.monotonic()
    for i, (name, data) in enumerate(fuzz.inputs(args.inputs, args.seed)):
        by_extractor[name.rpartition(".")[2] if "." in name else "(none)"] += 1
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, args.budget)
        try:
            error = fuzz.read(data, name)
        except Hang:
            error = f"hang: more than {args.budget:g} s"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.monotonic() - started
        slowest = max(slowest, (took, name))
        if error:
            found.append((name, data, error))
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{i:06d}-{name}").write_bytes(data)
            print(f"input {i} ({name}, {len(data):,} bytes): {error}", flush=True)
        if (i + 1) % 1000 == 0:
            print(f"{i + 1:,} inputs, {len(found)} found, {time.monotonic() - t0:.0f} s", flush=True)
    seconds = time.monotonic() - t0
    spread = ", ".join(f"{k} {v}" for k, v in sorted(by_extractor.items()))
    print(f"{args.inputs:,} inputs (seed {args.seed}) in {seconds:.0f} s: {len(found)} crashes or hangs; "
          f"slowest input {slowest[0]:.2f} s ({slowest[1]}); by name: {spread}")  # fmt: skip
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
