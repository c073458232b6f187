"""Checks of style and advice (SC301–SC305): warnings by default, each can be re-graded or turned off.

Settings re-grade them (``[tool.sessconf.rules]``, e.g. ``SC301 = "off"``), and a
``# sessconf: disable=CODE`` comment silences one on a line or, at the top of a file, in the whole
file. Like the cross-reference rules, they look at the valid fields of entities that failed
validation too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sessconf.codes.advice import (
    ARCHIVED_REFERENCE,
    LONG_NAME,
    OFF_STEP,
    UNUSED_BILLING_ITEM,
    UNUSED_LOCATION,
)
from sessconf.diagnostics import Diagnostic, Severity
from sessconf.lint.checks import check
from sessconf.lint.index import session_index

if TYPE_CHECKING:
    from sessconf.lint.context import LintContext

LONG_NAME_LIMIT = 16
_WARN = Severity.WARNING


@check(LONG_NAME)
def long_name(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    for session in repo.checked_sessions():
        if len(session.name) > LONG_NAME_LIMIT:
            yield LONG_NAME.at(
                session.path,
                session.pos("name"),
                f"the name '{session.name}' is {len(session.name)} characters long",
                f"keep it short: {LONG_NAME_LIMIT} characters or fewer",
            )


@check(OFF_STEP)
def off_step(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    step = repo.settings.duration_step
    if not any(minutes % step for minutes in ctx.once(session_index).minutes):
        return
    for session in repo.checked_sessions():
        model = session.model
        if not (model.duration % step or model.buffer_before % step or model.buffer_after % step):
            continue
        for field in ("duration", "buffer_before", "buffer_after"):
            minutes = getattr(model, field)
            if minutes % step:
                yield session.at(
                    OFF_STEP,
                    (field,),
                    f"{field} {minutes} is not a multiple of {step} minutes",
                    f"use {max(step, round(minutes / step) * step)}, or change duration_step",
                )


@check(ARCHIVED_REFERENCE)
def archived_reference(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    archived_locations = {name for name, loc in repo.checked_locations().items() if loc.model.archived}
    archived_items = {name for name, item in repo.checked_billing_items().items() if item.model.archived}
    listed = ctx.once(session_index)
    archived_locations &= listed.bookable_locations  # those that some bookable session lists
    archived_items &= listed.bookable_items
    if not archived_locations and not archived_items:
        return
    for session in repo.checked_sessions():
        model = session.model
        if (
            model.archived
            or "archived" in session.unknown
            or (
                archived_locations.isdisjoint(model.locations)
                and not any(line.item in archived_items for line in model.billing_items)
            )
        ):
            continue
        for index, loc in enumerate(model.locations):
            if loc in archived_locations:
                yield session.at(
                    ARCHIVED_REFERENCE,
                    ("locations", index),
                    f"location '{loc}' is archived and takes no bookings",
                    "remove it from the session",
                )
        for index, line in enumerate(model.billing_items):
            if line.item in archived_items:
                yield session.at(
                    ARCHIVED_REFERENCE,
                    ("billing_items", index),
                    f"billing item '{line.item}' is archived and will not be charged",
                    "remove it from the session",
                )


@check(UNUSED_LOCATION)
def unused_location(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    used = ctx.once(session_index).locations | repo.referenced_by_invalid
    for location in repo.checked_locations().values():
        if location.name not in used and not location.model.archived and "archived" not in location.unknown:
            yield UNUSED_LOCATION.at(
                location.path,
                location.key_pos(),
                f"location '{location.name}' is not used by any session",
                "archive it (archived: true) or add it to a session",
            )


@check(UNUSED_BILLING_ITEM)
def unused_billing_item(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    used = ctx.once(session_index).items | repo.referenced_by_invalid
    for item in repo.checked_billing_items().values():
        if item.name not in used and not item.model.archived and "archived" not in item.unknown:
            yield UNUSED_BILLING_ITEM.at(
                item.path,
                item.key_pos(),
                f"billing item '{item.name}' is not billed by any session",
                "archive it (archived: true) or add it to a session",
            )
