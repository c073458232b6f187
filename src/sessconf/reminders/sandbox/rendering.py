"""Rendering a compiled template within its bounds, and the template line of a failed render."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from jinja2.exceptions import SecurityError, TemplateSyntaxError

from sessconf.reminders.sandbox.budget import ACTIVE, BoundsError, Budget
from sessconf.reminders.sandbox.deadline import RENDER_SECONDS, Allowance

OUTPUT_CAP = 20_000


def render_part(
    template: Any,
    variables: Mapping[str, Any],
    locale: str,
    block: str | None = None,
    allowance: Allowance | None = None,
) -> str:
    """Render ``template`` (or one of its blocks) within the bounds, with its own budget, and
    within ``allowance`` (the time left for the renders of this template) when given."""
    if allowance is None:
        allowance = Allowance(RENDER_SECONDS)
    budget = Budget(locale)
    token = ACTIVE.set(budget)
    try:
        allowance.begin(budget)
        try:
            output = _render(template, variables, budget, block)
        except Exception as exc:
            if budget.expired:  # at the line where the timer stopped it
                raise BoundsError(budget.slow, _line_in_template(exc.__traceback__)) from None
            raise
        finally:
            allowance.end()
        if budget.expired:
            raise BoundsError(budget.slow)
        return output
    finally:
        ACTIVE.reset(token)


def _render(template: Any, variables: Mapping[str, Any], budget: Budget, block: str | None) -> str:
    function = template.root_render_func if block is None else template.blocks[block]
    # Everything output was charged for its size, so the whole output is bounded by the budget;
    # the cap is checked after, and a render that passes it is re-run to find where.
    output = "".join(function(template.new_context(variables)))
    if len(output) > OUTPUT_CAP:
        budget.restart()
        generator = function(template.new_context(variables))
        total = 0
        for piece in generator:
            total += len(piece)
            if total > OUTPUT_CAP:
                frame = generator.gi_frame
                line = template.get_corresponding_lineno(frame.f_lineno) if frame is not None else None
                raise BoundsError(f"the output is longer than {OUTPUT_CAP:,} characters", line)
    return output


def failure(exc: BaseException, template: Any = None) -> tuple[int, str]:
    """The template line (1 when unknown) and a message for an exception raised by a render."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno or 1, exc.message or str(exc)
    line = exc.line if isinstance(exc, BoundsError) else None  # may be known without a traceback
    if line is None:
        line = _line_in_template(exc.__traceback__)
    if isinstance(exc, RecursionError):
        message = "too deeply nested (a macro or block calling itself without end, or deep brackets)"
    elif isinstance(exc, MemoryError):
        message = "out of memory (the template makes values far too large for a reminder)"
    elif isinstance(exc, SecurityError) or type(exc).__module__.startswith("jinja2"):
        message = str(exc)
    else:
        message = f"{type(exc).__name__}: {exc}"
    return line or 1, message


def _line_in_template(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        found = tb.tb_frame.f_globals.get("__jinja_template__")
        if found is not None:
            line = found.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line
