"""The content side of a check: fingerprint the live page, find what the author saw, compare.

For each checked link, around its fetch:

1. :meth:`ContentStep.prepare` (before the fetch) reads the link's citations, its fingerprinted
   checks and the archive's cached answers, makes the recheck conditional with the latest
   fingerprinted check's ETag and Last-Modified, and starts asking the archive for the
   capture nearest the earliest accessed-on date, so that the archive works while the page is
   fetched.
2. :meth:`ContentStep.finish` (after the fetch) fingerprints the live main text (a 304 keeps
   the previous fingerprint without reading a body), takes the baseline (that capture,
   fetched in the ``id_`` form, or else the link's first fingerprinted check), turns the
   similarity into the ``content-changed`` reason when the change is material, records the
   supporting evidence, and picks archive suggestions for links that need them (dead,
   failing, changed, moved): each citation the capture nearest its own accessed-on date, the
   link the one nearest the earliest date (the latest capture when no date is known).

The archive never holds a check back for long: every wait on it is bounded by
``wait`` seconds from the end of the link's fetch, and a link whose archive answers are late
is recorded without them (the answers are still cached when they come during the run).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from linkcheck import drift
from linkcheck.drift.archive import ArchiveClient, distance_days
from linkcheck.errors import ArchiveUnavailable, ContentTooComplex
from linkcheck.http.client import Validators
from linkcheck.models import (
    REASON_VERDICT,
    ArchiveAnswer,
    ArchivePick,
    Drift,
    Outcome,
    Reason,
    SnapshotFetch,
)
from linkcheck.store import LinkToCheck, Store
from linkcheck.store import drift as sql
from linkcheck.store.drift import LinkState, Lookup

#: Reasons of a check that reached a live page: its main text is fingerprinted.
LIVE = frozenset({Reason.OK, Reason.REDIRECT, Reason.PERMANENT_REDIRECT})
#: Reasons a material change turns into ``content-changed`` (a moved link stays moved: its new
#: address is the more useful news, and the similarity is still recorded).
COMPARED = frozenset({Reason.OK, Reason.REDIRECT})

T = TypeVar("T")


class ContentWorkers(Protocol):
    """The run's content worker or pool (:mod:`linkcheck.check.worker`, :mod:`linkcheck.check.pool`).

    Those sit above drift, in the check package: their worker processes run the page parsing of
    the check (:func:`linkcheck.check.classify.read_page`) as well as :func:`drift.fingerprint`.
    """

    async def call(self, task: str, *args: Any) -> Any:
        """``task`` applied to ``args`` in a worker process, within the page budget."""
        ...


@dataclass(slots=True)
class Prepared:
    """One link between :meth:`ContentStep.prepare` and :meth:`ContentStep.finish`."""

    link: LinkToCheck
    state: LinkState
    validators: Validators | None
    earliest: dt.date | None
    """The earliest accessed-on date of the link's citations: the baseline capture's date."""


STATE_CHUNK = 200
"""Links whose stored state is read in one go, ahead of their checks."""


class ContentStep:
    """Fingerprints, baselines, similarity and archive suggestions for the checks of one run."""

    def __init__(
        self,
        store: Store,
        archive: ArchiveClient | None,
        archive_base: str | None,
        *,
        refresh: bool = False,
        wait: float = 30.0,
        today: dt.date | None = None,
        links: Sequence[LinkToCheck] = (),
        worker: ContentWorkers | None = None,
    ) -> None:
        self.store = store
        self.archive = archive
        self.base = archive_base
        self.refresh = refresh
        self.wait = wait
        self.today = today or dt.datetime.now(dt.UTC).date()
        # Archive questions under way or answered in this run, by link id and then by date.
        self._asked: dict[int, dict[dt.date | None, asyncio.Task[Lookup | None]]] = {}
        self._fetches: dict[str, asyncio.Task[drift.Fingerprint | None]] = {}
        # What the archive told, not yet handed to a check to be written with it (one write path).
        self._answers: dict[int, list[ArchiveAnswer]] = {}
        self._fetched: list[SnapshotFetch] = []
        self._fingerprint = Fingerprinter(worker)
        # What is known of each link is read ahead in chunks, in the order the run takes them.
        self._order = [link.id for link in links]
        self._position = {link_id: i for i, link_id in enumerate(self._order)}
        self._states: dict[int, LinkState] = {}

    def read_ahead(self, links: Sequence[LinkToCheck]) -> None:
        """The next links the run takes, in order: what is known of them is read in chunks.

        A run streams its links (linkcheck.check.runner.CHUNK at a time) and names each chunk
        here when it starts on it; the previous chunk's links are all prepared by then.
        """
        self._order = [link.id for link in links]
        self._position = {link_id: i for i, link_id in enumerate(self._order)}

    # -- before the fetch ------------------------------------------------------------

    def _state(self, link_id: int) -> LinkState:
        if link_id not in self._states:
            start = self._position.get(link_id)
            ids = [link_id] if start is None else self._order[start : start + STATE_CHUNK]
            missing = [i for i in ids if i not in self._states]
            self._states.update(sql.link_states(self.store, missing, self.base))
        return self._states.pop(link_id)

    def prepare(self, link: LinkToCheck) -> Prepared:
        """Read what is known of ``link``; start asking the archive for its baseline capture."""
        state = self._state(link.id)
        if self.refresh:
            state.lookups.clear()
        dates = [c.accessed for c in state.citations if c.accessed is not None]
        earliest = min(dates) if dates else None
        validators = None
        latest = state.latest
        if latest is not None and (latest.etag or latest.last_modified):
            validators = Validators(latest.final_url or link.url, latest.etag, latest.last_modified)
        prepared = Prepared(link, state, validators, earliest)
        if earliest is not None:
            self._lookup(prepared, earliest)
        return prepared

    # -- the archive -------------------------------------------------------------------

    def _lookup(self, prepared: Prepared, date: dt.date | None) -> asyncio.Future[Lookup | None]:
        """The archive's answer for the capture nearest ``date`` (None: the latest), cached or asked.

        Resolves to None when the answer is unknown (no archive, or it did not answer).
        """
        cached = prepared.state.lookups.get(date)
        if cached is not None:
            done: asyncio.Future[Lookup | None] = asyncio.get_running_loop().create_future()
            done.set_result(cached)
            return done
        asked = self._asked.setdefault(prepared.link.id, {})
        if date not in asked:
            asked[date] = asyncio.ensure_future(self._ask(prepared.link, date))
        return asyncio.shield(asked[date])

    async def _ask(self, link: LinkToCheck, date: dt.date | None) -> Lookup | None:
        if self.archive is None or self.base is None or self.archive.down:
            return None
        try:
            snapshot = await self.archive.available(link.url, date or self.today)
        except ArchiveUnavailable:
            return None
        distance = distance_days(snapshot, date) if snapshot is not None else None
        self._answers.setdefault(link.id, []).append(
            ArchiveAnswer(link.id, self.base, date, snapshot, distance)
        )
        return sql.lookup_of(self.store, snapshot, distance)

    async def _snapshot_text(self, lookup: Lookup) -> drift.Fingerprint | None:
        """The fingerprint of a capture: kept, or fetched now in the ``id_`` form (once per run)."""
        snap = lookup.snapshot
        if snap is None:
            return None
        if lookup.text_sha256 is not None:
            fp = sql.load_text(self.store, lookup.text_sha256)
            return None if fp is None else _titled(fp, lookup.title)
        if (lookup.fetched and not self.refresh) or self.archive is None:
            return None  # fetched before and not an HTML or text page: no baseline from it
        if snap.url not in self._fetches:
            self._fetches[snap.url] = asyncio.ensure_future(self._fetch_snapshot(snap.url))
        return await asyncio.shield(self._fetches[snap.url])

    async def _fetch_snapshot(self, url: str) -> drift.Fingerprint | None:
        assert self.archive is not None
        try:
            got = await self.archive.fetch(url)
        except ArchiveUnavailable:
            return None  # not recorded: tried again in a later run
        fp = None
        error = None
        if got.body is not None and 200 <= got.status < 300:
            try:
                fp = await self._fingerprint(got.body, got.content_type)
            except ContentTooComplex as e:
                error = f"main text not extracted: {e}"
            else:
                if fp is None:
                    error = f"not an HTML or text page ({got.content_type or 'no content type'})"
        else:
            error = f"the archive answered {got.status}"
        self._fetched.append(SnapshotFetch(url, got.status, error, fp))
        return fp

    async def _bounded(self, what: Awaitable[T], deadline: float) -> T | None:
        """``what``'s result, or None when the archive takes past ``deadline``."""
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(what, max(remaining, 0.001))
        except TimeoutError:
            return None

    # -- after the fetch ---------------------------------------------------------------

    async def finish(self, prepared: Prepared, outcome: Outcome) -> Outcome:
        """Add the content side to ``outcome`` (its reason may become ``content-changed``)."""
        deadline = asyncio.get_running_loop().time() + self.wait
        state = prepared.state
        body, outcome.body = outcome.body, None
        d = Drift()
        live = await self._live(outcome, state, body)
        if live is not None:
            d.text_sha256, d.simhash, d.word_count = live.sha256, live.simhash, live.words
            d.new_text = live  # stored with the check (once per distinct text)
            baseline, d.baseline_kind, d.baseline_ref = await self._baseline(prepared, deadline)
            if baseline is not None:
                d.similarity, change = drift.compare(baseline, live)
                d.change = str(change)
                d.evidence["baseline_words"] = baseline.words
                d.evidence["simhash_bits"] = drift.hamming(baseline.simhash, live.simhash)
                if change is drift.Change.MATERIAL and outcome.reason in COMPARED:
                    outcome.reason = Reason.CONTENT_CHANGED
            d.evidence.update(self._evidence(prepared, outcome, live))
        await self._suggest(prepared, outcome, d, deadline)
        # The link's archive answers are used: only those still coming are kept (cancelled at
        # close), so a run of a million links does not hold a million finished tasks.
        asked = self._asked.get(prepared.link.id)
        if asked is not None:
            for date in [date for date, task in asked.items() if task.done()]:
                del asked[date]
            if not asked:
                del self._asked[prepared.link.id]
        # Written with this check: its link's answers so far, and any capture fetched meanwhile.
        d.archive_answers = self._answers.pop(prepared.link.id, [])
        d.snapshot_fetches, self._fetched = self._fetched, []
        if d.has_content or d.archive_answers or d.snapshot_fetches:
            outcome.drift = d
        return outcome

    def leftovers(self) -> tuple[list[ArchiveAnswer], list[SnapshotFetch]]:
        """Answers and fetches that came after their link's check was handed over: the run's
        last transaction keeps them (a later run need not ask again)."""
        answers = [a for found in self._answers.values() for a in found]
        fetched, self._fetched = self._fetched, []
        self._answers.clear()
        return answers, fetched

    async def _live(self, outcome: Outcome, state: LinkState, body: bytes | None) -> drift.Fingerprint | None:
        """The live page's fingerprint: from its body, or the previous one for a 304."""
        if outcome.reason not in LIVE:
            return None
        if outcome.not_modified and state.latest is not None:
            # Unchanged since that check: its fingerprint and validators still hold.
            outcome.etag = outcome.etag or state.latest.etag
            outcome.last_modified = outcome.last_modified or state.latest.last_modified
            outcome.title = outcome.title or state.latest.title
            fp = sql.load_text(self.store, state.latest.text_sha256)
            return None if fp is None else _titled(fp, state.latest.title)
        if body is None or outcome.http_status is None or not 200 <= outcome.http_status < 300:
            return None
        latest = state.latest
        if latest is not None and latest.body_sha256 and latest.body_sha256 == outcome.body_sha256:
            # The same bytes as last time: the same main text, without extracting it again.
            fp = sql.load_text(self.store, latest.text_sha256)
            if fp is not None:
                return _titled(fp, outcome.title)
        try:
            return await self._fingerprint(body, outcome.content_type)
        except ContentTooComplex as e:
            if outcome.reason in COMPARED:
                outcome.reason = Reason.CONTENT_TOO_COMPLEX
            outcome.error = f"main text not extracted: {e}"
            return None

    async def _baseline(
        self, prepared: Prepared, deadline: float
    ) -> tuple[drift.Fingerprint | None, str, str | None]:
        """What the author saw, as (fingerprint, kind, reference).

        The capture nearest the earliest accessed-on date when there is one with a main text;
        otherwise the link's first fingerprinted check; otherwise this check itself (reference
        None, fingerprint None: nothing to compare yet).
        """
        if prepared.earliest is not None:
            lookup = await self._bounded(self._lookup(prepared, prepared.earliest), deadline)
            if lookup is not None and lookup.snapshot is not None:
                fp = await self._bounded(self._snapshot_text(lookup), deadline)
                if fp is not None:
                    return fp, "snapshot", lookup.snapshot.url
        first = prepared.state.first
        if first is not None:
            fp = sql.load_text(self.store, first.text_sha256)
            if fp is not None:
                return fp, "check", str(first.id)
        return None, "check", None

    def _evidence(self, prepared: Prepared, outcome: Outcome, live: drift.Fingerprint) -> dict[str, object]:
        """Supporting evidence, recorded beside the similarity and never a verdict on its own."""
        out: dict[str, object] = {"live_words": live.words}
        after = drift.modified_after(outcome.last_modified, prepared.earliest)
        if after is not None:
            out["last_modified_after_accessed"] = after
        cited = next((c.title for c in prepared.state.citations if c.title), None)
        matches = drift.title_matches(cited, live.title, outcome.title)
        if matches is not None:
            out["cited_title"] = cited
            out["title_matches"] = matches
        return out

    async def _suggest(self, prepared: Prepared, outcome: Outcome, d: Drift, deadline: float) -> None:
        """Archive picks for the link and its citations, from what the archive answered.

        Links whose verdict calls for a suggestion have every citation's date asked (and the
        latest capture, for citations without a date); others use what is already known.
        """
        citations = prepared.state.citations
        wanted: set[dt.date | None] = {c.accessed for c in citations} or {None}
        known: dict[dt.date | None, Lookup] = dict(prepared.state.lookups)
        for date, task in self._asked.get(prepared.link.id, {}).items():
            if task.done() and not task.cancelled():
                result = task.result()
                if result is not None:
                    known[date] = result
        if REASON_VERDICT[outcome.reason].traits.archived:
            missing = [date for date in wanted if date not in known]
            answers = await self._bounded(
                asyncio.gather(*(self._lookup(prepared, date) for date in missing)), deadline
            )
            for date, answer in zip(missing, answers or [], strict=False):
                if answer is not None:
                    known[date] = answer

        def pick(date: dt.date | None) -> ArchivePick | None:
            lookup = known.get(date)
            if lookup is None:
                return None
            snap = lookup.snapshot
            if snap is None:
                return ArchivePick(None, None, None)
            return ArchivePick(snap.url, snap.timestamp, distance_days(snap, date))

        d.link_archive = pick(prepared.earliest)
        for c in citations:
            got = pick(c.accessed)
            if got is not None:
                d.citation_archive[c.id] = got

    async def close(self) -> None:
        """Cancel archive work still running at the end of the run."""
        asked = [t for by_date in self._asked.values() for t in by_date.values()]
        tasks = [t for t in (*asked, *self._fetches.values()) if not t.done()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._fingerprint.close()


class Fingerprinter:
    """Runs :func:`drift.fingerprint` off the event loop: in the run's content worker when given.

    Main-text extraction is CPU work that holds the GIL, in proportion to what a server sends
    (minutes for a page of 100,000 nested elements). In the worker process it neither slows
    the event loop (on 2,000 loopback pages, 9.3 s in a thread against 5.6 s in a process: the
    loop's sqlite and socket calls each wait for the GIL) nor runs past the page budget. Without
    one (unit tests) it runs in a thread.
    """

    def __init__(self, worker: ContentWorkers | None = None) -> None:
        self._worker = worker

    async def __call__(self, body: bytes, content_type: str | None) -> drift.Fingerprint | None:
        """The fingerprint of a body, or None when it is not an HTML or text page.

        Bytes that defeat the parser are the page's problem and are handled where they are
        parsed (:func:`drift.main_text`). In the run's content worker, a page past the budget (or
        whose bytes made a parser raise) raises ContentTooComplex, recorded on its check. Anything
        else is the tool's: a component that cannot be imported, or a worker process that cannot
        be kept alive, raises EnvironmentFailure and ends the run (the checks so far are kept),
        since going on would record live pages unfingerprinted.
        """
        if self._worker is not None:
            fp = await self._worker.call("fingerprint", body, content_type)
            assert fp is None or isinstance(fp, drift.Fingerprint)
            return fp
        return await asyncio.to_thread(drift.fingerprint, body, content_type)

    def close(self) -> None:
        """Nothing to stop: the worker belongs to the run."""


def _titled(fp: drift.Fingerprint, title: str | None) -> drift.Fingerprint:
    return drift.Fingerprint(fp.sha256, fp.simhash, fp.words, title, fp.text)
