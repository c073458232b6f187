"""The operation budget of one render: what it may still spend, charged as it runs.

What can run many times is charged each time it runs (see :mod:`.codegen` and :mod:`.filters`);
the clock is read at each charge, so a render past its deadline (set by :mod:`.deadline`) stops
there too. The budget of the render under way is a context variable: the hooks that generated
code calls, the filters and the value weights all find it there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from time import monotonic

from jinja2.exceptions import SecurityError

OPERATION_BUDGET = 50_000
COST_UNIT = 256  # characters, items or syntax-tree weight that cost one operation


class BoundsError(SecurityError):
    """A render went past one of its bounds (operations, value size, output size, time).

    A caller rendering many inputs with one template stops at the first: the next would most
    likely breach it again, and cost as much to find out.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class Budget:
    """What one render may still spend, its deadline (``time.monotonic()``), and the sizes of the
    lists and dicts it has made."""

    __slots__ = ("deadline", "expired", "left", "locale", "slow", "weights")

    def __init__(self, locale: str) -> None:
        self.left = OPERATION_BUDGET
        self.locale = locale
        self.deadline = math.inf
        self.expired = False  # the timer stopped the render (whatever it raised after)
        self.slow = ""  # what passing the deadline means (set with the deadline)
        # id -> (object, weight); the object is kept so that its id is not reused meanwhile
        self.weights: dict[int, tuple[object, int]] = {}

    def restart(self) -> None:
        """Spend nothing yet again (to re-run a render, and find where it failed)."""
        self.left, self.weights = OPERATION_BUDGET, {}


ACTIVE: ContextVar[Budget | None] = ContextVar("sessconf_reminder_render", default=None)


def current() -> Budget:
    """The budget of the render under way."""
    budget = ACTIVE.get()
    if budget is None:
        raise RuntimeError("reminder templates are rendered with sandbox.render_part()")
    return budget


def charge(units: int) -> None:
    """Spend ``units`` operations; raises :class:`BoundsError` when the budget or the time is out."""
    budget = ACTIVE.get() or current()
    budget.left -= units
    if budget.left < 0:
        budget.left = 0
        raise BoundsError(
            f"the template needs more than {OPERATION_BUDGET:,} operations "
            "(a loop, recursion or value far too large for a reminder)"
        )
    if monotonic() > budget.deadline:
        raise BoundsError(budget.slow)


def charge_loop(iterable: Iterable[object], cost: int) -> Iterator[object]:
    """``iterable``, charging ``cost`` for each item (a loop's body, run once per item)."""
    budget = current()
    for item in iterable:
        budget.left -= cost
        if budget.left < 0 or monotonic() > budget.deadline:
            charge(0)
        yield item
