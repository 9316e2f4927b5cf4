"""A link's verdict from its whole check history: one pure function, the contract's table.

- the latest check decides, through the verdict its reason points to;
- hard signals (404, 410, soft 404, redirect to home, no such domain) are ``dead`` at once;
- transient failures are ``failing`` until confirmed: at least ``failures`` failed checks in a
  row spanning at least ``days`` days make them ``dead``;
- ``blocked`` never becomes ``dead``, and any success ends a run of failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from linkcheck.check.config import CONFIRM_DAYS, CONFIRM_FAILURES
from linkcheck.models import REASON_VERDICT, Fact, Judgement, Streak, Verdict


@dataclass(frozen=True, slots=True)
class Policy:
    """When transient failures are confirmed dead."""

    failures: int = CONFIRM_FAILURES
    days: float = CONFIRM_DAYS


def judge(history: Sequence[Fact], policy: Policy = Policy()) -> Judgement:
    """The verdict of a link whose checks, oldest first, are ``history``."""
    if not history:
        return Judgement(Verdict.UNCHECKED, None, None, 0)
    latest = history[-1]
    hint = REASON_VERDICT[latest.reason]
    run: list[Fact] = []
    if hint.is_failure:
        for fact in reversed(history):
            kind = REASON_VERDICT[fact.reason]
            if kind.is_neutral:
                continue
            if not kind.is_failure:
                break
            run.append(fact)
    first_failed = run[-1].at if run else None
    verdict = hint
    if hint is Verdict.FAILING and first_failed is not None:
        span_days = (latest.at - first_failed).total_seconds() / 86400
        if len(run) >= policy.failures and span_days >= policy.days:
            verdict = Verdict.DEAD
    return Judgement(verdict, latest.reason, first_failed, len(run))


def judge_next(before: Streak, latest: Fact, policy: Policy = Policy()) -> Judgement:
    """The verdict of a link whose streak was ``before`` and whose new latest check is ``latest``.

    The same verdict as :func:`judge` of the whole history ending with ``latest``
    (``tests/test_verdict.py`` checks it on random histories), in O(1).
    """
    hint = REASON_VERDICT[latest.reason]
    if not hint.is_failure:
        return Judgement(hint, latest.reason, None, 0)
    run = before.after(latest)
    verdict = hint
    if hint is Verdict.FAILING and run.first_failed is not None:
        span_days = (latest.at - run.first_failed).total_seconds() / 86400
        if run.failures >= policy.failures and span_days >= policy.days:
            verdict = Verdict.DEAD
    return Judgement(verdict, latest.reason, run.first_failed, run.failures)
