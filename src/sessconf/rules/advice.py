"""Style and advice: warnings by default, and each can be re-graded or turned off.

Settings re-grade them (``[tool.sessconf.rules]``, e.g. ``SC301 = "off"``), and a
``# sessconf: disable=CODE`` comment silences one on a line or, at the top of a file, in the whole
file. Like the cross-reference rules, they look at the valid fields of entities that failed
validation too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sessconf.diagnostics import Diagnostic, Severity
from sessconf.rules import check, declare
from sessconf.rules.index import session_index

if TYPE_CHECKING:
    from sessconf.loader import Repository

LONG_NAME_LIMIT = 16
_WARN = Severity.WARNING


@check("SC301", "long-name", severity=_WARN, changeable=True)
def long_name(repo: Repository) -> Iterator[Diagnostic]:
    """A session name longer than 16 characters.

    Names appear in calendars, reports and URLs; keep them short (up to 32 characters are allowed).
    """
    for session in repo.checked_sessions():
        if len(session.name) > LONG_NAME_LIMIT:
            yield long_name.at(
                session.path,
                session.pos("name"),
                f"the name '{session.name}' is {len(session.name)} characters long",
                f"keep it short: {LONG_NAME_LIMIT} characters or fewer",
            )


@check("SC302", "off-step", severity=_WARN, changeable=True)
def off_step(repo: Repository) -> Iterator[Diagnostic]:
    """A duration or buffer that is not a multiple of ``duration_step`` (default 5 minutes).

    Calendars are laid out in steps; a 62-minute session leaves awkward gaps.
    """
    step = repo.settings.duration_step
    if not any(minutes % step for minutes in session_index(repo).minutes):
        return
    for session in repo.checked_sessions():
        model = session.model
        if not (model.duration % step or model.buffer_before % step or model.buffer_after % step):
            continue
        for field in ("duration", "buffer_before", "buffer_after"):
            minutes = getattr(model, field)
            if minutes % step:
                yield off_step.at(
                    session.path,
                    session.pos(field),
                    f"{field} {minutes} is not a multiple of {step} minutes",
                    f"use {max(step, round(minutes / step) * step)}, or change duration_step",
                )


@check("SC303", "archived-reference", severity=_WARN, changeable=True)
def archived_reference(repo: Repository) -> Iterator[Diagnostic]:
    """A bookable session lists an archived location or billing item.

    An archived billing item is no longer charged, and an archived location takes no new bookings:
    remove it from the session, or archive the session too.
    """
    archived_locations = {name for name, loc in repo.checked_locations().items() if loc.model.archived}
    archived_items = {name for name, item in repo.checked_billing_items().items() if item.model.archived}
    listed = session_index(repo)
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
                yield archived_reference.at(
                    session.path,
                    session.pos("locations", index),
                    f"location '{loc}' is archived and takes no bookings",
                    "remove it from the session",
                )
        for index, line in enumerate(model.billing_items):
            if line.item in archived_items:
                yield archived_reference.at(
                    session.path,
                    session.pos("billing_items", index),
                    f"billing item '{line.item}' is archived and will not be charged",
                    "remove it from the session",
                )


@check("SC304", "unused-location", severity=_WARN, changeable=True)
def unused_location(repo: Repository) -> Iterator[Diagnostic]:
    """A location that no session lists.

    Archived locations are exempt: they are kept for their history.
    """
    used = session_index(repo).locations | repo.referenced_by_invalid
    for location in repo.checked_locations().values():
        if location.name not in used and not location.model.archived and "archived" not in location.unknown:
            yield unused_location.at(
                location.path,
                location.key_pos(),
                f"location '{location.name}' is not used by any session",
                "archive it (archived: true) or add it to a session",
            )


@check("SC305", "unused-billing-item", severity=_WARN, changeable=True)
def unused_billing_item(repo: Repository) -> Iterator[Diagnostic]:
    """A billing item that no session bills.

    Archived billing items are exempt: they are kept for their history.
    """
    used = session_index(repo).items | repo.referenced_by_invalid
    for item in repo.checked_billing_items().values():
        if item.name not in used and not item.model.archived and "archived" not in item.unknown:
            yield unused_billing_item.at(
                item.path,
                item.key_pos(),
                f"billing item '{item.name}' is not billed by any session",
                "archive it (archived: true) or add it to a session",
            )


YAML11_BOOLEAN = declare(
    "SC306",
    "yaml11-boolean",
    """A boolean written ``yes``, ``no``, ``on`` or ``off``.

    PyYAML follows YAML 1.1 and reads them as true or false, but YAML 1.2 tools (editors, other
    parsers) read them as text. Write ``true`` or ``false``.
    """,
    severity=_WARN,
    changeable=True,
)

USELESS_SUPPRESSION = declare(
    "SC307",
    "useless-suppression",
    """A ``# sessconf: disable=`` comment names an unknown code or one that cannot be disabled.

    Only the rules that ``sessconf rules`` marks as changeable can be disabled; errors that leave
    no valid model cannot.
    """,
    severity=_WARN,
    changeable=True,
)
