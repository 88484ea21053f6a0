"""The shared race helper must refuse calls that did not really run at the same time."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.concurrency import NotConcurrent, Outcome, overlapped, run_n_together, run_together


def test_it_runs_the_calls_at_once_and_returns_their_results_in_order() -> None:
    both_inside = threading.Barrier(2, timeout=5)

    def first() -> str:
        both_inside.wait()  # returns only once the other call is running as well
        return "first"

    def second() -> str:
        both_inside.wait()
        return "second"

    outcomes = run_together(first, second)
    assert [o.value for o in outcomes] == ["first", "second"]
    assert len({o.thread for o in outcomes}) == 2
    assert overlapped(outcomes)


def test_a_refused_call_is_a_result_not_a_crash() -> None:
    all_inside = threading.Barrier(3, timeout=5)

    def refuse() -> int:
        all_inside.wait()
        raise ValueError("库存不足")

    outcomes = run_n_together(refuse, 3)
    assert all(isinstance(o.error, ValueError) for o in outcomes)
    with pytest.raises(ValueError, match="库存不足"):
        outcomes[0].value  # noqa: B018 - the property re-raises


def test_it_fails_when_the_calls_ran_one_after_the_other() -> None:
    # A clock per thread: the second call starts (t=2) after the first has ended (t=1).
    ticks: dict[str, Iterator[float]] = {"together-0": iter([0.0, 1.0]), "together-1": iter([2.0, 3.0])}

    def clock() -> float:
        return next(ticks[threading.current_thread().name])

    with pytest.raises(NotConcurrent, match="did not run at the same time"):
        run_together(lambda: 1, lambda: 2, clock=clock)


def test_overlap_means_one_moment_when_every_call_was_running() -> None:
    def span(start: float, end: float) -> Outcome[None]:
        return Outcome(None, None, start, end, "t")

    assert overlapped([span(0, 2), span(1, 3), span(1.5, 4)])
    assert not overlapped([span(0, 2), span(1, 3), span(2.5, 4)])  # the first ended before the third began
    assert not overlapped([span(0, 1), span(1, 2)])  # touching is not overlapping
