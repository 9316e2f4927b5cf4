"""A link's verdict from its check history: the contract's table, as a pure function."""

from __future__ import annotations

import datetime as dt

import pytest

from linkcheck.check.outcome import Reason
from linkcheck.check.verdict import Fact, Policy, judge
from linkcheck.models import Verdict

T0 = dt.datetime(2026, 1, 1, 2, 0, tzinfo=dt.UTC)


def h(*steps: tuple[float, str]) -> list[Fact]:
    """A history from (days after T0, reason) pairs."""
    return [Fact(T0 + dt.timedelta(days=d), Reason(r)) for d, r in steps]


@pytest.mark.parametrize(
    ("history", "verdict", "failures"),
    [
        (h(), Verdict.UNCHECKED, 0),
        (h((0, "ok")), Verdict.ALIVE, 0),
        (h((0, "redirect")), Verdict.ALIVE, 0),
        (h((0, "permanent-redirect")), Verdict.MOVED, 0),
        # Hard signals are dead at once.
        (h((0, "not-found")), Verdict.DEAD, 1),
        (h((0, "gone")), Verdict.DEAD, 1),
        (h((0, "soft-404")), Verdict.DEAD, 1),
        (h((0, "redirect-to-home")), Verdict.DEAD, 1),
        # A name that does not resolve may be a resolver's outage: confirmed like a timeout.
        (h((0, "domain-not-found")), Verdict.FAILING, 1),
        (h((0, "domain-not-found"), (1.5, "domain-not-found"), (3, "domain-not-found")), Verdict.DEAD, 3),
        (h((0, "domain-not-found"), (1, "dns-error"), (2, "domain-not-found")), Verdict.FAILING, 3),
        (h((0, "reserved-name")), Verdict.INVALID, 0),
        # Transient failures are failing until confirmed: 3 checks over at least 3 days.
        (h((0, "timeout")), Verdict.FAILING, 1),
        (h((0, "timeout"), (1, "server-error")), Verdict.FAILING, 2),
        (h((0, "timeout"), (1, "timeout"), (2, "timeout")), Verdict.FAILING, 3),
        (h((0, "timeout"), (0.1, "timeout"), (0.2, "timeout"), (0.3, "timeout")), Verdict.FAILING, 4),
        (h((0, "timeout"), (3, "timeout")), Verdict.FAILING, 2),
        (h((0, "timeout"), (1.5, "connection-refused"), (3, "server-error")), Verdict.DEAD, 3),
        (h((0, "dns-error"), (2, "protocol-error"), (3, "too-many-redirects")), Verdict.DEAD, 3),
        # Any success resets the count.
        (h((0, "timeout"), (1, "timeout"), (2, "ok"), (3, "timeout")), Verdict.FAILING, 1),
        (h((0, "timeout"), (2, "timeout"), (2.5, "ok"), (3, "timeout"), (4, "timeout")), Verdict.FAILING, 2),
        # Blocked never becomes dead, and ends a run of failures.
        (h((0, "forbidden"), (3, "forbidden"), (9, "forbidden"), (30, "forbidden")), Verdict.BLOCKED, 0),
        (h((0, "rate-limited"), (5, "login-required")), Verdict.BLOCKED, 0),
        (h((0, "timeout"), (2, "forbidden"), (3, "timeout"), (4, "timeout")), Verdict.FAILING, 2),
        # Checks skipped by policy neither extend nor end a run.
        (h((0, "timeout"), (1, "private-address"), (2, "timeout"), (3, "timeout")), Verdict.DEAD, 3),
        (h((0, "ok"), (1, "private-address")), Verdict.SKIPPED, 0),
        (h((0, "invalid-url")), Verdict.INVALID, 0),
        # A hard signal then transient failures: the failures are confirmed over the whole run.
        (h((0, "not-found"), (2, "timeout"), (3, "timeout")), Verdict.DEAD, 3),
        # The latest check decides: a dead page that is back is alive.
        (h((0, "not-found"), (1, "ok")), Verdict.ALIVE, 0),
        # A live page whose main text changed materially is changed; it is a success for failure runs.
        (h((0, "ok"), (7, "content-changed")), Verdict.CHANGED, 0),
        (h((0, "content-changed"), (7, "content-changed")), Verdict.CHANGED, 0),
        (h((0, "content-changed"), (7, "ok")), Verdict.ALIVE, 0),
        (h((0, "timeout"), (1, "content-changed"), (2, "timeout"), (3, "timeout")), Verdict.FAILING, 2),
        (h((0, "content-changed"), (1, "not-found")), Verdict.DEAD, 1),
    ],
)
def test_judge(history: list[Fact], verdict: Verdict, failures: int) -> None:
    j = judge(history)
    assert j.verdict is verdict
    assert j.failures == failures
    assert j.reason == (history[-1].reason if history else None)


def test_first_failed_is_the_start_of_the_current_run() -> None:
    j = judge(h((0, "ok"), (1, "timeout"), (2, "timeout")))
    assert j.first_failed == T0 + dt.timedelta(days=1)
    assert judge(h((0, "ok"))).first_failed is None


def test_policy_is_configurable() -> None:
    history = h((0, "timeout"), (0.5, "timeout"))
    assert judge(history).verdict is Verdict.FAILING
    assert judge(history, Policy(failures=2, days=0.5)).verdict is Verdict.DEAD
    assert judge(h((0, "timeout"), (10, "timeout"), (20, "timeout")), Policy(failures=4, days=1)).verdict is (
        Verdict.FAILING
    )
