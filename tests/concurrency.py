"""The one way tests run things at the same time: ``run_together``.

Each callable runs in its own thread, and so on its own database connection (Django keeps one per
thread; it is closed when the thread ends). All threads are released by one barrier, and each records
when its call started and ended. A race test only means something if the calls really overlapped —
two calls that ran one after the other prove nothing about locking — so ``run_together`` asserts that
there was one moment at which every call was running, and fails the test otherwise.

Exceptions are results, not failures: the loser of a race is often refused on purpose. Use
``Outcome.value`` (re-raises what the call raised) or ``Outcome.error``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from django.db import connection

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one call returned or raised, and when it ran (``time.monotonic()`` seconds)."""

    result: T | None
    error: BaseException | None
    started: float
    ended: float
    thread: str

    @property
    def value(self) -> T:
        """The call's result; re-raises what the call raised."""
        if self.error is not None:
            raise self.error
        return cast(T, self.result)  # set whenever error is None


class NotConcurrent(AssertionError):
    """The calls did not all run at one moment, so the test did not test a race."""


def overlapped(outcomes: list[Outcome[T]]) -> bool:
    """Whether there was one instant at which every call had started and none had ended."""
    return max(o.started for o in outcomes) < min(o.ended for o in outcomes)


def run_together(
    *calls: Callable[[], T], timeout: float = 60.0, clock: Callable[[], float] = time.monotonic
) -> list[Outcome[T]]:
    """Run ``calls`` at the same moment, each in its own thread with its own database connection, and
    return their outcomes in the order given. Raises ``NotConcurrent`` unless all of them overlapped.

    Needs ``django_db(transaction=True)``: each thread sees only committed rows.
    """
    if len(calls) < 2:
        raise ValueError("run_together needs at least two calls")
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome[T] | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], T]) -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            barrier.wait(timeout)
            started = clock()
            try:
                result = call()
            except BaseException as exc:  # recorded: a refused loser is an expected result
                error = exc
            ended = clock()
            outcomes[i] = Outcome(result, error, started, ended, threading.current_thread().name)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call), name=f"together-{i}", daemon=True)
        for i, call in enumerate(calls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if any(t.is_alive() for t in threads):
        raise AssertionError(f"run_together: a call still runs after {timeout} s")
    done = [o for o in outcomes if o is not None]
    if len(done) != len(calls):
        raise AssertionError("run_together: a thread ended without recording its call (barrier broken?)")
    if not overlapped(done):
        spans = ", ".join(f"{o.thread} {o.started:.4f}–{o.ended:.4f}" for o in done)
        raise NotConcurrent(f"the calls did not run at the same time: {spans}")
    return done


def run_n_together(call: Callable[[], T], n: int = 2, *, timeout: float = 60.0) -> list[Outcome[T]]:
    """``call`` ``n`` times at the same moment (``run_together`` with ``n`` copies)."""
    return run_together(*([call] * n), timeout=timeout)
