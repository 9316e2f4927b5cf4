"""A link's verdict from its whole check history: one pure function, the contract's table.

- the latest check decides, through the verdict its reason points to;
- hard signals (404, 410, soft 404, redirect to home, no such domain) are ``dead`` at once;
- transient failures are ``failing`` until confirmed: at least ``failures`` failed checks in a
  row spanning at least ``days`` days make them ``dead``;
- ``blocked`` never becomes ``dead``, and any success ends a run of failures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from linkcheck.check.config import CONFIRM_DAYS, CONFIRM_FAILURES
from linkcheck.check.outcome import REASON_VERDICT, Reason
from linkcheck.models import Verdict


@dataclass(frozen=True, slots=True)
class Fact:
    """One past check as the verdict needs it: when it started and its reason."""

    at: dt.datetime
    reason: Reason


@dataclass(frozen=True, slots=True)
class Policy:
    """When transient failures are confirmed dead."""

    failures: int = CONFIRM_FAILURES
    days: float = CONFIRM_DAYS


@dataclass(frozen=True, slots=True)
class Judgement:
    """A link's verdict with the counters stored beside it."""

    verdict: Verdict
    reason: Reason | None
    first_failed: dt.datetime | None
    """Start of the current run of failed checks; None when the latest check did not fail."""
    failures: int
    """Failed checks in the current run (the latest included)."""


_FAILED = (Verdict.DEAD, Verdict.FAILING)
# Not fetched by policy: says nothing about the page, so it neither extends nor ends a run.
_NEUTRAL = (Verdict.SKIPPED, Verdict.INVALID)


def judge(history: Sequence[Fact], policy: Policy = Policy()) -> Judgement:
    """The verdict of a link whose checks, oldest first, are ``history``."""
    if not history:
        return Judgement(Verdict.UNCHECKED, None, None, 0)
    latest = history[-1]
    hint = REASON_VERDICT[latest.reason]
    run: list[Fact] = []
    if hint in _FAILED:
        for fact in reversed(history):
            kind = REASON_VERDICT[fact.reason]
            if kind in _NEUTRAL:
                continue
            if kind not in _FAILED:
                break
            run.append(fact)
    first_failed = run[-1].at if run else None
    verdict = hint
    if hint is Verdict.FAILING and first_failed is not None:
        span_days = (latest.at - first_failed).total_seconds() / 86400
        if len(run) >= policy.failures and span_days >= policy.days:
            verdict = Verdict.DEAD
    return Judgement(verdict, latest.reason, first_failed, len(run))


@dataclass(frozen=True, slots=True)
class Streak:
    """All a verdict needs of a link's past: its current run of failed checks.

    Checks not fetched by policy (skipped, invalid) neither extend nor end the run, so the
    streak outlives them, while the :class:`Judgement` of such a check shows no failures. Kept
    on the link's row, it lets a check be judged in O(1) instead of re-reading the history.
    """

    failures: int = 0
    """Failed checks in the run."""
    first_failed: dt.datetime | None = None
    """When the run's first failed check started."""

    def after(self, fact: Fact) -> Streak:
        """The streak once ``fact`` is the latest check."""
        kind = REASON_VERDICT[fact.reason]
        if kind in _NEUTRAL:
            return self
        if kind in _FAILED:
            return Streak(self.failures + 1, self.first_failed or fact.at)
        return Streak()


def streak_of(history: Sequence[Fact]) -> Streak:
    """The streak after ``history`` (oldest first): what :func:`judge_next` needs of it."""
    found = Streak()
    for fact in history:
        found = found.after(fact)
    return found


def judge_next(before: Streak, latest: Fact, policy: Policy = Policy()) -> Judgement:
    """The verdict of a link whose streak was ``before`` and whose new latest check is ``latest``.

    The same verdict as :func:`judge` of the whole history ending with ``latest``
    (``tests/test_verdict.py`` checks it on random histories), in O(1).
    """
    hint = REASON_VERDICT[latest.reason]
    if hint not in _FAILED:
        return Judgement(hint, latest.reason, None, 0)
    run = before.after(latest)
    verdict = hint
    if hint is Verdict.FAILING and run.first_failed is not None:
        span_days = (latest.at - run.first_failed).total_seconds() / 86400
        if run.failures >= policy.failures and span_days >= policy.days:
            verdict = Verdict.DEAD
    return Judgement(verdict, latest.reason, run.first_failed, run.failures)
