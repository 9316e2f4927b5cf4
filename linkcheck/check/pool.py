"""A pool of content workers sized to the machine's cores: main-text extraction on every core but one.

Extracting a page's main text (trafilatura) is the largest CPU cost of checking a live page:
0.8 ms for a small page, 16 ms for a real 37 KB one (docs/benchmarks.md). One worker process
caps a run at what one core extracts (about 60 real pages a second); the pool spreads the pages
over the cores the process may run on, leaving one to the event loop. Each worker keeps
:class:`~linkcheck.check.worker.ContentWorker`'s guarantees (a time budget per page, a new
worker after a kill, death with the parent); a call goes to the worker with the fewest calls
waiting on a worker that is not stuck, so a page that runs until its budget holds up as few
other pages as it can.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from linkcheck import defaults
from linkcheck.check.worker import ContentWorker

SLOW_CALL = 0.25
"""Seconds after which a call looks stuck (a real 37 KB page takes under 20 ms): new calls go to
a worker without one while there is such a worker, rather than queue behind a page that may run
until its budget kills the worker."""


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def text_workers(cores: int | None = None) -> int:
    """How many main-text workers a run starts: one per core but the event loop's, at least one."""
    cores = usable_cores() if cores is None else cores
    return max(1, min(defaults.TEXT_WORKERS_MAX, cores - 1))


class ContentPool:
    """``size`` content workers behind one ``call``, each call to the least busy worker."""

    def __init__(
        self, size: int, budget: float = defaults.CONTENT_BUDGET, preload: tuple[str, ...] = ()
    ) -> None:
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, not {size}")
        self.workers = [ContentWorker(budget, preload) for _ in range(size)]

    @property
    def killed(self) -> int:
        """Workers killed for running past the budget (or found dead) in this run."""
        return sum(w.killed for w in self.workers)

    async def start(self) -> None:
        """Start every worker now (forking stalls the event loop a moment: best before fetching)."""
        for worker in self.workers:
            await worker.start()

    async def warm_up(self, tasks: tuple[str, ...] = ("read_page", "fingerprint")) -> None:
        """Have every worker import its parsers now, while the first pages download."""
        await asyncio.gather(*(worker.warm_up(tasks) for worker in self.workers))

    async def call(self, task: str, *args: Any) -> Any:
        """``task`` applied to ``args`` by the least busy worker (see ContentWorker.call).

        Least busy: not stuck on a slow call, then the fewest calls waiting.
        """
        worker = min(self.workers, key=lambda w: (w.running_for() > SLOW_CALL, w.pending))
        return await worker.call(task, *args)

    async def close(self) -> None:
        """Stop and reap every worker."""
        await asyncio.gather(*(worker.close() for worker in self.workers))
