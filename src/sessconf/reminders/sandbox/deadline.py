"""How long renders may take: each one, and all the renders of one template together.

A render may take :data:`RENDER_SECONDS`, and the renders of one template by one command (see
:class:`Allowance`) :data:`TEMPLATE_SECONDS` together. The clock is read at each operation
charged (see :mod:`.budget`); in a bounded worker (:mod:`sessconf.reminders.worker`, where
templates from the repository are rendered) a CPU-time timer also interrupts a single slow filter
call (:func:`use_timers`).
"""

from __future__ import annotations

import math
import signal
from time import monotonic
from typing import Any

from sessconf.reminders.sandbox.budget import ACTIVE, BoundsError, Budget

RENDER_SECONDS = 1.0
TEMPLATE_SECONDS = 5.0
CHECK_SECONDS = 10.0
"""Wall-clock seconds that lint's reminder check takes at most, all templates and sessions
together (on a loaded machine CPU time, which the other bounds count, runs slower than the clock)."""

OUT_OF_TIME = (
    f"lint checks the reminders of all sessions within {CHECK_SECONDS:g} s (wall-clock), and the time "
    "ran out: this template is too slow for so many reminders"
)

_SLOW = (
    f"the template takes more than {RENDER_SECONDS:g} s to render "
    "(a loop or filter far too slow for a reminder)"
)


class Allowance:
    """The time that the renders of one template may still take together (at most ``seconds``):
    lint's reminder check, or ``sessconf render --all``, however many sessions they render.

    In a bounded worker (after :func:`use_timers`), render times are CPU time, and a timer stops a
    render at its deadline even inside a single slow call; elsewhere they are wall-clock time,
    checked at each operation charged.
    """

    __slots__ = ("_span", "_started", "left", "seconds", "wall")

    def __init__(self, seconds: float = TEMPLATE_SECONDS, *, wall: float = math.inf) -> None:
        self.seconds = seconds
        self.left = seconds
        self.wall = wall  # a wall-clock deadline (``time.monotonic()``) for every render, or inf
        self._started = 0.0
        self._span = 0.0

    def begin(self, budget: Budget) -> None:
        """Start a render: set its deadline (``time.monotonic()``); raises :class:`BoundsError`
        when the allowance is spent, or the wall-clock deadline passed."""
        spent = (
            f"rendering this template for every session takes more than {self.seconds:g} s in all "
            "(too slow for so many reminders)"
        )
        now = monotonic()
        if now >= self.wall:
            raise BoundsError(OUT_OF_TIME)
        if self.left <= 0:
            raise BoundsError(spent)
        span = min(RENDER_SECONDS, self.left)
        budget.slow = spent if span < RENDER_SECONDS else _SLOW
        if _TIMERS:
            self._span = span
            signal.setitimer(signal.ITIMER_PROF, span)
            return
        self._started = now
        budget.deadline = min(now + span, self.wall)
        if budget.deadline < now + span:
            budget.slow = OUT_OF_TIME

    def end(self) -> None:
        if _TIMERS:
            remaining, _ = signal.setitimer(signal.ITIMER_PROF, 0)
            self.left -= self._span - remaining
        else:
            self.left -= monotonic() - self._started


_TIMERS = False  # in a bounded worker: render times are CPU time, enforced by SIGPROF


def use_timers() -> None:
    """Enforce render deadlines with a CPU-time timer (``SIGPROF``), which also interrupts a slow
    filter call: for a process of its own, such as a bounded worker, whose signals it owns."""
    global _TIMERS

    def expired(signum: int, frame: Any) -> None:
        budget = ACTIVE.get()
        if budget is not None:
            # Raised wherever the render is: code there may swallow it (``except Exception``), so
            # the next charge raises again, and the render fails with this error whatever happens.
            budget.deadline = -math.inf
            budget.expired = True
            raise BoundsError(budget.slow)

    signal.signal(signal.SIGPROF, expired)
    _TIMERS = True
