"""Rules about reminders (SPEC §5): template errors, SMS length, stray template files.

One check produces the three codes: rendering is done once for all of them. This module stays
light: Jinja2 and Babel are imported only when there is something to render.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sessconf.diagnostics import Diagnostic, Severity, did_you_mean
from sessconf.rules import check, declare

if TYPE_CHECKING:
    from sessconf.loader import Repository

TEMPLATES_DIR = "templates"
TEMPLATE_FILES = ("reminder.email.j2", "reminder.sms.j2")

REMINDER_ERROR = declare(
    "SC401",
    "reminder-error",
    """A reminder template that cannot be rendered.

    A syntax error, an undefined variable, something templates may not do (reach Python internals,
    include a file, ...) or a bound of the sandbox breached (operations, value size, output size),
    reported at the template's line: the override in ``templates/``, or the built-in template.
    Lint renders both channels for every bookable session at each of its locations, so an error
    that only some data trigger (a missing address, a video session) is found too. A ``locale``
    that Babel does not know, or with no built-in templates and no override, is reported here.
    """,
)

UNKNOWN_TEMPLATE = declare(
    "SC403",
    "unknown-template",
    """A file in ``templates/`` that is not a reminder template, so it is not used.

    The overrides are ``templates/reminder.sms.j2`` and ``templates/reminder.email.j2``; a
    misspelt name would silently leave the built-in template in use.
    """,
    severity=Severity.WARNING,
    changeable=True,
)


@check("SC402", "sms-too-long", severity=Severity.WARNING, changeable=True)
def sms_too_long(repo: Repository) -> Iterator[Diagnostic]:
    """An SMS reminder longer than ``sms_max_segments`` segments (default 2).

    Lint renders the SMS of every bookable session at each of its locations with long samples (a
    12-letter first name; Wednesday, September 30 at noon) and counts it as carriers do: GSM-7,
    160 septets or 153 per segment (``^ { } \\ [ ~ ] | €`` take two); any other character (a curly
    quote, ``ç``, an emoji) makes the whole SMS UCS-2, 70 characters or 67 per segment, often
    doubling its cost. Reported at the session's description, with the character that forced UCS-2.
    """
    yield from _unknown_templates(repo)
    locations = repo.locations
    if any(
        not entry.model.archived and any(loc in locations for loc in entry.model.locations)
        for entry in repo.sessions.values()
    ):
        from sessconf.reminders.check import check_reminders

        yield from check_reminders(repo)


def _unknown_templates(repo: Repository) -> Iterator[Diagnostic]:
    folder = repo.root / TEMPLATES_DIR
    listing = " and ".join(TEMPLATE_FILES)
    for path in repo.files:
        if path.parent == folder and path.name not in TEMPLATE_FILES and not path.name.startswith("."):
            yield UNKNOWN_TEMPLATE.at(
                path,
                (1, 1),
                f"'{TEMPLATES_DIR}/{path.name}' is not a reminder template and is not used",
                did_you_mean(path.name, TEMPLATE_FILES) or f"the templates are {listing}",
            )
