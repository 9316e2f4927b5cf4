"""Content work off the event loop, in a worker process with a time budget per page.

Parsing a page (:func:`linkcheck.check.classify.read_page`) and extracting its main text
(:func:`linkcheck.drift.fingerprint`) cost CPU in proportion to what a server sends, and a
hostile page can make that unbounded: 100,000 nested ``<div>`` elements (1.1 MB) cost the
parsers minutes. Run on the event loop, that starved every other request of the run into
false timeouts; run in a thread, it could not be stopped.

So the run's content work goes to one child process (``python -m linkcheck.check.worker``),
one page at a time, over its standard input and output. A page whose work takes longer than
the budget gets the child killed (and a new one started for the next page): the page is
recorded as ``content-too-complex``, its check kept. The child dies with its parent: on
Linux the kernel kills it when the parent dies (``PR_SET_PDEATHSIG``), and everywhere a
watchdog thread exits when the parent is gone, so a ``kill -9`` of linkcheck leaves no
process behind holding the caller's pipes. It inherits neither standard output nor error.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import importlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from linkcheck import components, defaults, tuning
from linkcheck.errors import ContentTooComplex, EnvironmentFailure

_HEADER = struct.Struct("!Q")
PRELOAD: dict[str, tuple[str, ...]] = {
    "read_page": ("selectolax.lexbor", "linkcheck.check.classify"),
    "fingerprint": (*components.FOR_CHECK, "linkcheck.drift"),
}
"""What a worker started for a task imports before its first call (the modules the task needs)."""
PAGE_SIGNALS: tuple[str, ...] = ("read_page",)
"""The preload of a run's page-signal worker."""
MAIN_TEXT: tuple[str, ...] = ("fingerprint",)
"""The preload of each of a run's main-text workers."""
WORKER_NICENESS = 10
"""Added to the worker's niceness: its CPU goes to the parent first."""
WATCH_INTERVAL = 0.5
"""Seconds between the child's looks at whether its parent is still alive."""
DEATHS_IN_A_ROW = 3
"""Workers found dead one after the other, with no reply between, before the run stops: one
death is a page's (the kernel's out-of-memory killer), a worker that never answers is the tool's."""
_FIX = "run the check again; if it stops again, see the system log (dmesg) and `linkcheck --version`"


class _Adopted:
    """A worker started before the run's event loop (:func:`prestart`), driven as asyncio's Process is."""

    def __init__(
        self, popen: subprocess.Popen[bytes], stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader
    ) -> None:
        self._popen = popen
        self.stdin = stdin
        self.stdout = stdout

    @classmethod
    async def adopt(cls, popen: subprocess.Popen[bytes]) -> _Adopted:
        """Its pipes on the running loop."""
        assert popen.stdin is not None and popen.stdout is not None
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), popen.stdout)
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, popen.stdin)
        return cls(popen, asyncio.StreamWriter(transport, protocol, None, loop), reader)

    @property
    def returncode(self) -> int | None:
        # As asyncio's Process: known once reaped (communicate), not asked of the system on every
        # call; a worker that died meanwhile is found by its reader (end of its output).
        return self._popen.returncode

    def kill(self) -> None:
        self._popen.kill()

    async def communicate(self) -> tuple[bytes, bytes]:
        """Close its input, read its output to the end and wait for it to exit."""
        self.stdin.close()
        out = await self.stdout.read()
        while self._popen.poll() is None:
            await asyncio.sleep(0.01)
        return out, b""


_Proc = asyncio.subprocess.Process | _Adopted
_spares: dict[tuple[str, ...], list[subprocess.Popen[bytes]]] = {}
"""Workers started by :func:`prestart`, by what they preload, not yet taken by a run."""


def _command(preload: tuple[str, ...]) -> list[str]:
    command = [sys.executable, "-m", "linkcheck.check.worker", str(os.getpid())]
    return [*command, ",".join(preload)] if preload else command


def prestart(preloads: list[tuple[str, ...]]) -> None:
    """Start workers now, before the command line is even imported, each importing its parsers.

    A check's first requests wait for its workers to have loaded their parsers (trafilatura's
    import is about 0.4 s): started here, that happens while the checking process imports and
    reads its settings. Each is taken by the first :class:`ContentWorker` with the same
    ``preload``; :func:`discard_spares` ends those no run took.
    """
    for preload in preloads:
        popen = subprocess.Popen(
            _command(preload), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        _spares.setdefault(preload, []).append(popen)


def discard_spares() -> None:
    """End the workers :func:`prestart` started that no run took (nothing was due, a usage error)."""
    for popens in _spares.values():
        for popen in popens:
            with contextlib.suppress(ProcessLookupError):
                popen.kill()
            for pipe in (popen.stdin, popen.stdout):
                if pipe is not None:
                    pipe.close()
            popen.wait()
    _spares.clear()


@dataclass(slots=True)
class _Job:
    """One call on its way through the worker."""

    data: bytes
    """The pickled (task, args)."""
    future: asyncio.Future[tuple[str, Any]]
    sent: float = 0.0
    """Loop time it was written to the worker."""


class ContentWorker:
    """One child process doing content work for a run, each page within ``budget`` seconds.

    Calls are pipelined: each is written to the worker at once and its reply awaited, so the
    worker never idles waiting for the event loop (a strict request-reply exchange made a
    2,000-page run three times slower). The worker answers in order; a call's budget runs
    from when the worker could start it (its sending, or the previous reply). Past it the
    worker is killed, that call fails with ContentTooComplex, and the calls queued behind it
    go to a new worker.
    """

    def __init__(self, budget: float = defaults.CONTENT_BUDGET, preload: tuple[str, ...] = ()) -> None:
        self.budget = budget
        self.preload = preload
        """Tasks (of :data:`TASKS`) whose modules the worker imports as it starts, before any call."""
        self._proc: _Proc | None = None
        self._pending: deque[_Job] = deque()
        self._reader: asyncio.Task[None] | None = None
        self._arrived: asyncio.Event | None = None
        self._starting: asyncio.Lock | None = None
        self._resend: asyncio.Task[None] | None = None
        self._dead: list[_Proc] = []  # killed, to be reaped by close()
        self.killed = 0
        """Workers killed for running past the budget (or found dead) in this run."""
        self._deaths = 0
        """Workers found dead since the last reply."""
        self._last_reply = 0.0
        """Loop time of the latest reply: when the call behind it could start."""

    @property
    def pending(self) -> int:
        """Calls sent to the worker and not yet answered."""
        return len(self._pending)

    def running_for(self) -> float:
        """Seconds the call the worker is on has been running (0 when it has none)."""
        if not self._pending:
            return 0.0
        now = asyncio.get_running_loop().time()
        return now - max(self._pending[0].sent, self._last_reply)

    async def _running(self) -> _Proc:
        """The worker, started if need be (once, however many calls ask at the same moment)."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            return proc  # the common case, every call: no lock to take
        if self._starting is None:
            self._starting = asyncio.Lock()
            self._arrived = asyncio.Event()
        async with self._starting:
            proc = self._proc
            if proc is None or proc.returncode is not None:
                spares = _spares.get(self.preload)
                if spares:
                    proc = await _Adopted.adopt(spares.pop())
                else:
                    proc = await asyncio.create_subprocess_exec(
                        *_command(self.preload), stdin=asyncio.subprocess.PIPE,
                        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                    )  # fmt: skip
                self._proc = proc
                self._reader = asyncio.ensure_future(self._read_replies(proc))
            return proc

    async def start(self) -> None:
        """Start the worker process now (forking stalls the event loop a moment: best before fetching)."""
        await self._running()

    async def warm_up(self, tasks: tuple[str, ...] = ("read_page", "fingerprint")) -> None:
        """Start the worker and have it import its parsers now, while the first pages download.

        Its start (a Python process importing selectolax, then trafilatura) takes about a
        second: paid up front, the first pages do not wait for it.
        """
        for task in tasks:
            with contextlib.suppress(ContentTooComplex):
                await self.call(task, b"<html><title>warm</title><body><p>up</p></body></html>", "text/html")

    async def call(self, task: str, *args: Any) -> Any:
        """``task`` (a name in :data:`TASKS`) applied to ``args`` in the worker, within the budget.

        Raises ContentTooComplex past the budget or when the page's bytes made the task raise;
        EnvironmentFailure when the worker lacks a component or cannot be kept alive.
        """
        data = pickle.dumps((task, args), protocol=pickle.HIGHEST_PROTOCOL)
        job = _Job(data, asyncio.get_running_loop().create_future())
        await self._send([job])
        status, value = await job.future
        if status == "environment":
            raise EnvironmentFailure("the content worker", value, "reinstall linkcheck with its lock")
        if status == "error":
            raise ContentTooComplex(f"a parser failed on it ({value})")
        return value

    async def _send(self, jobs: list[_Job]) -> None:
        proc = await self._running()
        assert proc.stdin is not None and self._arrived is not None
        loop = asyncio.get_running_loop()
        for job in jobs:
            job.sent = loop.time()
            self._pending.append(job)
            proc.stdin.write(_HEADER.pack(len(job.data)) + job.data)
        self._arrived.set()
        with contextlib.suppress(ConnectionError):  # the worker died: its reader moves the calls
            await proc.stdin.drain()

    async def _read_replies(self, proc: _Proc) -> None:
        """Hand each reply to its call, in order; kill the worker when the head call runs past budget."""
        assert proc.stdout is not None and self._arrived is not None
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            while not self._pending:
                self._arrived.clear()
                await self._arrived.wait()
            head = self._pending[0]
            try:
                async with asyncio.timeout_at(max(head.sent, last) + self.budget):
                    (size,) = _HEADER.unpack(await proc.stdout.readexactly(_HEADER.size))
                    reply = pickle.loads(await proc.stdout.readexactly(size))
            except TimeoutError:
                self._fail_head(proc, ContentTooComplex(f"not analysed within {self.budget:g} s"))
                return
            except (asyncio.IncompleteReadError, ConnectionError) as e:
                self._deaths += 1
                if self._deaths >= DEATHS_IN_A_ROW:
                    # Never answering: it cannot start, or dies on everything. Not a page's fault.
                    problem = f"died {self._deaths} times in a row ({type(e).__name__})"
                    self._fail_all(proc, EnvironmentFailure("the content worker process", problem, _FIX))
                    return
                # Killed from outside, or out of memory: this page is lost, the rest go on.
                self._fail_head(proc, ContentTooComplex(f"the content worker died ({type(e).__name__})"))
                return
            self._deaths = 0
            self._pending.popleft()
            last = self._last_reply = loop.time()
            if not head.future.done():  # its caller may have been cancelled meanwhile
                head.future.set_result(reply)

    def _fail_head(self, proc: _Proc, error: Exception) -> None:
        """Kill ``proc``; the call it was on fails, the calls queued behind it go to a new worker."""
        head = self._pending.popleft()
        if not head.future.done():
            head.future.set_exception(error)
        self._kill(proc)
        rest = list(self._pending)
        self._pending.clear()
        if rest:
            self._resend = asyncio.ensure_future(self._send(rest))

    def _fail_all(self, proc: _Proc, error: Exception) -> None:
        """Kill ``proc``; every call waiting on it fails with ``error`` (no new worker)."""
        while self._pending:
            job = self._pending.popleft()
            if not job.future.done():
                job.future.set_exception(error)
        self._kill(proc)

    def _kill(self, proc: _Proc) -> None:
        if self._proc is proc:
            self._proc = None
        self._dead.append(proc)
        if proc.returncode is None:
            self.killed += 1
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    async def close(self) -> None:
        """Stop the worker (its input closes; it exits) and reap it and every worker killed before.

        Reaped to the end of their pipes: a subprocess transport left to the garbage collector
        after its loop has closed prints "Event loop is closed" noise.
        """
        for job in self._pending:
            if not job.future.done():
                job.future.cancel()
        self._pending.clear()
        proc, self._proc = self._proc, None
        if proc is not None:
            self._dead.append(proc)
            if proc.stdin is not None:
                proc.stdin.close()
        for task in (self._reader, self._resend):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        while self._dead:
            proc = self._dead.pop()
            try:
                async with asyncio.timeout(2):
                    await proc.communicate()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.communicate()


# -- the child ----------------------------------------------------------------------------


def _read_page(body: bytes, content_type: str | None) -> Any:
    from linkcheck.check.classify import read_page

    return read_page(body, content_type)


def _fingerprint(body: bytes, content_type: str | None) -> Any:
    from linkcheck import drift

    return drift.fingerprint(body, content_type)


def _require(modules: tuple[str, ...]) -> tuple[str, str, str] | None:
    """None when every one of ``modules`` loads here; else the failure's (component, problem, fix)."""
    from linkcheck import components

    try:
        components.require(modules)
    except EnvironmentFailure as e:
        return e.component, e.problem, e.fix
    return None


def _sleep(seconds: float) -> None:
    # For tests: a page that takes this long, without needing a hostile parser input.
    time.sleep(seconds)


TASKS: dict[str, Callable[..., Any]] = {
    "read_page": _read_page, "fingerprint": _fingerprint, "require": _require, "sleep": _sleep,
}  # fmt: skip


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends (kill -9 included): kernel signal, then a watchdog.

    The kernel's signal comes when the *thread* that started the worker ends; that thread runs
    the check's event loop, which closes its workers before it ends anyway.
    """
    if sys.platform.startswith("linux"):
        libc_name = ctypes.util.find_library("c")
        if libc_name:
            pr_set_pdeathsig = 1
            ctypes.CDLL(libc_name, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)  # the parent died before the kernel was told

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_INTERVAL)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _preload(tasks: list[str]) -> None:
    """Import what ``tasks`` need now, before the first call (a worker started ahead of its run)."""
    for task in tasks:
        for module in PRELOAD.get(task, ()):
            try:
                importlib.import_module(module)
            except ImportError:
                # Not hidden: the task imports it again when called, and that ImportError
                # is the reply that stops the run (exit 4).
                break
    tuning.for_one_run()


def main(argv: list[str]) -> int:
    """Serve tasks from standard input until it closes."""
    die_with_parent(int(argv[1]))
    niced = False
    # Ctrl-C reaches the whole process group: the parent winds up and closes our input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The replies go to a copy of standard output; the real one points nowhere, so that a
    # library printing something cannot corrupt them.
    stdin, stdout = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    if len(argv) > 2:
        _preload(argv[2].split(","))
    while True:
        head = stdin.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return 0
        (size,) = _HEADER.unpack(head)
        task, args = pickle.loads(stdin.read(size))
        try:
            reply: tuple[str, Any] = ("ok", TASKS[task](*args))
        except (ImportError, OSError) as e:  # the install or the machine, not the page: loud
            reply = ("environment", f"{type(e).__name__}: {e}"[:500])
        except Exception as e:  # bytes from anyone on the web: a parser's failure is that page's
            reply = ("error", f"{type(e).__name__}: {e}"[:500])
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()
        if not niced:
            # Content work is batch work: on a busy machine the parent's event loop, whose
            # requests are timed, goes first (its requests left bunched together behind a
            # worker's parsing otherwise). Only after the first call: the start (importing the
            # parsers) is what the run's first pages, and the check that they load, wait for.
            niced = True
            with contextlib.suppress(OSError):
                os.nice(WORKER_NICENESS)
            # Its parsers are imported now: out of the collector's sight (linkcheck/tuning.py).
            tuning.for_one_run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
