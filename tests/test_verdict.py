"""A link's verdict from its check history: the contract's table, as a pure function."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkcheck.check.verdict import Policy, judge, judge_next
from linkcheck.models import REASON_VERDICT, Fact, Reason, Remedy, Streak, Verdict, streak_of
from linkcheck.report import Change, classify_change

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


def test_every_verdict_carries_consistent_traits() -> None:
    """The table on the enum is whole and agrees with itself."""
    assert sorted(v.severity for v in Verdict) == list(range(len(Verdict)))
    for v in Verdict:
        assert not (v.is_failure and v.is_neutral), v
        assert not (v.is_problem and v.is_neutral), v
        # Only a problem gets a fix, is news, or has its archived copy looked up.
        if v.traits.news or v.traits.remedy is not Remedy.NONE or v.traits.archived:
            assert v.is_problem, v
        if v.is_failure:
            assert v.is_problem and not v.traits.reached, v
    assert len({v.traits.colour for v in Verdict}) == len(Verdict)


def test_problem_verdicts_each_have_a_newly_change() -> None:
    """``summary --since`` names every problem verdict's arrival, and recovery."""
    for v in Verdict:
        change = classify_change(str(Verdict.ALIVE), str(v))
        assert (change == Change(f"newly-{v}")) if v.is_problem else change is None
    assert classify_change(str(Verdict.DEAD), str(Verdict.ALIVE)) is Change.RECOVERED


def test_no_module_keeps_its_own_set_of_verdicts() -> None:
    """Sets of verdicts come from the traits table: no tuple, set or dict of ``Verdict.X`` elsewhere."""
    root = Path(__file__).parent.parent / "linkcheck"
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "models.py" and path.parent == root:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items: list[ast.expr | None] = []
            if isinstance(node, (ast.Tuple, ast.Set, ast.List)):
                items = list(node.elts)
            elif isinstance(node, ast.Dict):
                items = list(node.keys)
            members = [
                i for i in items
                if isinstance(i, ast.Attribute) and isinstance(i.value, ast.Name) and i.value.id == "Verdict"
            ]  # fmt: skip
            if len(members) >= 2:
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []


# -- judged in O(1): the streak kept on the link gives the verdict judge() gives from the history --

REASONS = list(Reason)


@st.composite
def histories(draw: st.DrawFn) -> list[Fact]:
    """Histories of up to 25 checks, hours to days apart, with any reasons (biased to failures)."""
    failing = [r for r in Reason if REASON_VERDICT[r] in (Verdict.FAILING, Verdict.DEAD)]
    steps = draw(st.lists(st.tuples(st.floats(0, 3), st.sampled_from(REASONS + failing * 3)), max_size=25))
    at, found = T0, []
    for gap, reason in steps:
        at += dt.timedelta(days=gap)
        found.append(Fact(at, reason))
    return found


@given(histories(), st.integers(1, 5), st.floats(0, 5))
def test_judging_each_check_from_the_streak_equals_judging_the_whole_history(
    history: list[Fact], failures: int, days: float
) -> None:
    policy = Policy(failures=failures, days=days)
    streak = Streak()
    for i, fact in enumerate(history):
        assert judge_next(streak, fact, policy) == judge(history[: i + 1], policy)
        streak = streak.after(fact)
        assert streak == streak_of(history[: i + 1])


def test_a_check_skipped_by_policy_keeps_the_streak_but_shows_no_failures() -> None:
    history = h((0, "timeout"), (1, "timeout"), (2, "private-address"))
    streak = streak_of(history)
    assert streak == Streak(2, T0)
    assert judge_next(streak_of(history[:2]), history[2]) == judge(history)
    assert judge(history).failures == 0
    assert judge_next(streak, Fact(T0 + dt.timedelta(days=3), Reason.TIMEOUT)).verdict is Verdict.DEAD
