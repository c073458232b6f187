"""Reminders (SPEC §5): template errors, SMS length, stray template files."""

from __future__ import annotations

from sessconf.codes import declare
from sessconf.diagnostics import Severity

REMINDER_ERROR = declare(
    "SC401",
    "reminder-error",
    """A reminder template that cannot be rendered.

    A syntax error, an undefined variable, something templates may not do (reach Python internals,
    include a file, ...) or a bound of the sandbox breached (operations, value size, output size,
    time, memory), reported at the template's line: the override in ``templates/``, or the
    built-in template. Lint renders both channels for every bookable session at each of its
    locations, so an error that only some data trigger (a missing address, a video session) is
    found too; the first breach of a bound stops that template (it is reported once), and all the
    renders of one template take a few seconds at most, however many sessions there are. (The
    built-in templates render for any valid data with the locales they are written for and a
    clinic name of up to 500 characters: lint then renders them only to count SMS segments.) A
    ``locale`` that Babel does not know, or with no built-in templates and no override, is
    reported here, and so is an entry of ``templates/`` that is not a regular file (a folder, FIFO,
    device, socket, broken link or link loop), or a ``templates`` that is not a readable folder: a
    template that cannot be read is never silently replaced by the built-in one.
    """,
)

SMS_TOO_LONG = declare(
    "SC402",
    "sms-too-long",
    """An SMS reminder longer than ``sms_max_segments`` segments (default 2).

    Lint renders the SMS of every bookable session at each of its locations with long samples (a
    12-letter first name; Wednesday, September 30 at noon) and counts it as carriers do: GSM-7,
    160 septets or 153 per segment (``^ { } \\ [ ~ ] | €`` take two); any other character (a curly
    quote, ``ç``, an emoji) makes the whole SMS UCS-2, 70 characters or 67 per segment, often
    doubling its cost. Reported at the session's description, with the character that forced UCS-2.
    """,
    severity=Severity.WARNING,
    changeable=True,
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
