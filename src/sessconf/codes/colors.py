"""Colour advice: calendar colours that are hard to tell apart or hard to see (SPEC §3).

Warnings by default; settings re-grade them or turn them off, and the thresholds are settings too.
"""

from __future__ import annotations

from sessconf.codes import declare
from sessconf.diagnostics import Severity

SIMILAR_COLORS = declare(
    "SC310",
    "similar-colors",
    """Bookable sessions of different disciplines at a shared location whose colours look alike.

    Staff read the calendar by colour: an acupuncture block that looks like a naturopathy block
    gets booked in the wrong room. Colours differ when their CIEDE2000 difference (ΔE₀₀) is at
    least ``min_color_difference`` (default 10; about 2 is the smallest difference people notice
    side by side, and a calendar is read at a glance). Sessions of the same discipline may share
    a colour. The warning names the closest other session and where its colour is written.
    """,
    severity=Severity.WARNING,
    changeable=True,
)

FAINT_COLOR = declare(
    "SC311",
    "faint-color",
    """A bookable session's colour is too faint to see on the calendar's background.

    The WCAG 2.x contrast ratio of the colour against ``calendar_background`` (default
    ``#ffffff``) must be at least ``min_color_contrast`` (default 3.0, the ratio WCAG 2.1 asks of
    the graphical objects of an interface, success criterion 1.4.11). Pale tints vanish on a
    white calendar: pick a deeper shade of the same hue.
    """,
    severity=Severity.WARNING,
    changeable=True,
)
