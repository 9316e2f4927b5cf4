"""The main-text worker pool: sized to the cores, each call to the least busy worker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from linkcheck import defaults
from linkcheck.check.pool import ContentPool, text_workers
from linkcheck.check.worker import ContentTooComplex


@pytest.mark.parametrize(
    ("cores", "workers"), [(1, 1), (2, 1), (3, 2), (8, 7), (64, defaults.TEXT_WORKERS_MAX)]
)
def test_one_text_worker_per_core_but_the_event_loops(cores: int, workers: int) -> None:
    assert text_workers(cores) == workers


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this system")
def test_the_pool_is_sized_to_the_cores_this_process_may_use() -> None:
    # A process confined to one core (taskset, a container's cpuset) starts one text worker.
    code = "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
    code += (
        "from linkcheck.check.pool import text_workers, usable_cores; print(usable_cores(), text_workers())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "1"]


def test_calls_run_on_every_worker_at_once_and_a_stuck_page_holds_up_only_its_own() -> None:
    page = b"<html><head><title>A page</title></head><body><p>Some words of a page.</p></body></html>"

    async def scenario() -> tuple[float, float, list[object], int]:
        pool = ContentPool(2, budget=1.5)
        try:
            await pool.start()
            await pool.warm_up(("read_page",))  # both started, their parsers imported
            t0 = time.monotonic()
            await asyncio.gather(pool.call("sleep", 0.6), pool.call("sleep", 0.6))
            both = time.monotonic() - t0
            # One worker stuck past the budget: the pages sent meanwhile go to the other one.
            stuck = asyncio.ensure_future(pool.call("sleep", 30))
            await asyncio.sleep(0.4)  # past SLOW_CALL
            t1 = time.monotonic()
            pages = await asyncio.gather(*(pool.call("read_page", page, "text/html") for _ in range(3)))
            quick = time.monotonic() - t1
            got = await asyncio.gather(stuck, return_exceptions=True)
            return both, quick, [*pages, *got], pool.killed
        finally:
            await pool.close()

    both, quick, got, killed = asyncio.run(scenario())
    assert both < 1.1, f"two calls of 0.6 s took {both:.2f} s: not run side by side"
    assert quick < 1.0, f"pages waited {quick:.2f} s behind a stuck call on another worker"
    *pages, stuck = got
    assert all(getattr(p, "title", None) == "A page" for p in pages)
    assert isinstance(stuck, ContentTooComplex) and killed == 1


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        ContentPool(0)
