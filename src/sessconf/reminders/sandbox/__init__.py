"""The bounded sandbox that renders reminder templates (SPEC §5): compile, render, and report.

Templates come from the people who maintain a repository, and run in CI and on admins' machines,
so rendering is bounded, not merely sandboxed. Each bound has its module:

- :mod:`.environment`: Jinja2's immutable sandbox, hardened (no Python internals, no loader, only
  the plain fields of dates and of the reminder's variables); compiling templates;
- :mod:`.codegen`: what a template runs again and again (loop iterations, macro and block bodies)
  is charged for its size each time it runs; no include, import, extends or recursive loop;
- :mod:`.budget`: an operation budget per render (:data:`OPERATION_BUDGET`); a call, filter or
  test costs one operation, and whatever reads, makes or outputs a large value one per
  :data:`COST_UNIT` characters or items;
- :mod:`.sizes`: a value cap (:data:`VALUE_CAP`): an operation that would make a larger string,
  list or number is refused before it runs, or right after for those whose result is at most a
  few times their input;
- :mod:`.filters`: the filters, tests and globals, each within the budget and the cap;
- :mod:`.deadline`: a render may take :data:`RENDER_SECONDS`, the renders of one template
  :data:`TEMPLATE_SECONDS` together (:class:`Allowance`), and in a bounded worker a CPU-time
  timer interrupts even a single slow filter call (:func:`use_timers`);
- :mod:`.rendering`: an output cap (:data:`OUTPUT_CAP`) on what one render produces, and
  :func:`failure`, which turns any exception of a render into the template line and a message.

The budget and the cap are estimates; the deadline, and the memory limit of the bounded worker
(:mod:`sessconf.reminders.worker`), are what holds when an estimate is wrong. A breach raises
:class:`BoundsError`.
"""

from sessconf.reminders.sandbox.budget import COST_UNIT, OPERATION_BUDGET, BoundsError
from sessconf.reminders.sandbox.deadline import (
    CHECK_SECONDS,
    OUT_OF_TIME,
    RENDER_SECONDS,
    TEMPLATE_SECONDS,
    Allowance,
    use_timers,
)
from sessconf.reminders.sandbox.environment import (
    MAX_SOURCE,
    ReminderEnvironment,
    compile_template,
    environment,
    parse_template,
)
from sessconf.reminders.sandbox.rendering import OUTPUT_CAP, failure, render_part
from sessconf.reminders.sandbox.sizes import VALUE_CAP, weigh

__all__ = [
    "CHECK_SECONDS",
    "COST_UNIT",
    "MAX_SOURCE",
    "OPERATION_BUDGET",
    "OUTPUT_CAP",
    "OUT_OF_TIME",
    "RENDER_SECONDS",
    "TEMPLATE_SECONDS",
    "VALUE_CAP",
    "Allowance",
    "BoundsError",
    "ReminderEnvironment",
    "compile_template",
    "environment",
    "failure",
    "parse_template",
    "render_part",
    "use_timers",
    "weigh",
]
