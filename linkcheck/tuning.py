"""How a process that checks links is set up for throughput: the garbage collector.

A check run allocates a few hundred objects a link (a request, a response, an outcome, the
tasks that carry them) and some of them form cycles, while the modules it imported (tens of
thousands of functions, classes and dicts) stay for the process's life. CPython's cyclic
collector looks at every tracked object of the generations it collects: on the check benchmark
(docs/benchmarks.md, "Throughput against lychee and linkinator") about 450 collections, three
of them of the whole heap, took 0.34 s of the checking process's CPU. So, once the imports are
done, what exists is moved out of the collector's sight (:func:`gc.freeze`, made for this:
https://docs.python.org/3/library/gc.html#gc.freeze) and the youngest generation is collected
less often: 0.13-0.18 s, most of it during the imports. Cycles are still collected; only how
often the collector looks changes.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 20_000
"""Allocations (less frees) of tracked objects between two collections of the youngest generation
(CPython's default: 700). Bounds the young garbage held to a few megabytes."""

_frozen = False


def for_one_run() -> None:
    """Freeze what is allocated so far (imports, settings) and space out young collections.

    Only for a process that does one job and exits (``check``, ``run``, a content worker):
    frozen objects are never collected, so a long-lived process calling the library again and
    again (the scheduler, the tests) must not freeze what each run leaves behind. A second call
    does nothing.
    """
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
