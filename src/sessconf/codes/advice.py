"""Style and advice: warnings by default; settings re-grade them or turn them off."""

from __future__ import annotations

from sessconf.codes import declare
from sessconf.diagnostics import Severity

LONG_NAME = declare(
    "SC301",
    "long-name",
    """A session name longer than 16 characters.

    Names appear in calendars, reports and URLs; keep them short (up to 32 characters are allowed).
    """,
    severity=Severity.WARNING,
    changeable=True,
)

OFF_STEP = declare(
    "SC302",
    "off-step",
    """A duration or buffer that is not a multiple of ``duration_step`` (default 5 minutes).

    Calendars are laid out in steps; a 62-minute session leaves awkward gaps.
    """,
    severity=Severity.WARNING,
    changeable=True,
)

ARCHIVED_REFERENCE = declare(
    "SC303",
    "archived-reference",
    """A bookable session lists an archived location or billing item.

    An archived billing item is no longer charged, and an archived location takes no new bookings:
    remove it from the session, or archive the session too.
    """,
    severity=Severity.WARNING,
    changeable=True,
)

UNUSED_LOCATION = declare(
    "SC304",
    "unused-location",
    """A location that no session lists.

    Archived locations are exempt: they are kept for their history.
    """,
    severity=Severity.WARNING,
    changeable=True,
)

UNUSED_BILLING_ITEM = declare(
    "SC305",
    "unused-billing-item",
    """A billing item that no session bills.

    Archived billing items are exempt: they are kept for their history.
    """,
    severity=Severity.WARNING,
    changeable=True,
)

YAML11_BOOLEAN = declare(
    "SC306",
    "yaml11-boolean",
    """A boolean written ``yes``, ``no``, ``on`` or ``off``.

    PyYAML follows YAML 1.1 and reads them as true or false, but YAML 1.2 tools (editors, other
    parsers) read them as text. Write ``true`` or ``false``.
    """,
    severity=Severity.WARNING,
    changeable=True,
)

USELESS_SUPPRESSION = declare(
    "SC307",
    "useless-suppression",
    """A ``# sessconf: disable=`` comment names an unknown code or one that cannot be disabled.

    Only the rules that ``sessconf rules`` marks as changeable can be disabled; errors that leave
    no valid model cannot.
    """,
    severity=Severity.WARNING,
    changeable=True,
)
