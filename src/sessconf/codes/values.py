"""Codes of the shape and values of sessions, locations and billing items (validation).

They are reported while each entry is validated. None of them can be re-graded: an entry that
fails them leaves no valid model.
"""

from __future__ import annotations

from sessconf.codes import declare

UNKNOWN_KEY = declare(
    "SC101",
    "unknown-key",
    """A key that the entry does not have.

    Unknown keys are errors so that a typo (``colour:`` for ``color:``) never passes silently;
    the hint suggests the closest known key.
    """,
)

MISSING_KEY = declare(
    "SC102",
    "missing-key",
    """A required key is missing.

    Sessions need ``name``, ``description``, ``discipline``, ``locations``, ``color`` and
    ``duration``; locations need ``name`` and ``timezone``; billing items need ``name``, ``kind``
    and ``price``.
    """,
)

WRONG_TYPE = declare(
    "SC103",
    "wrong-type",
    """A value of the wrong type: text where a number is expected, a list where text is, ...

    Values are strict: ``duration: "60"`` is text, not a number. Where YAML 1.1 read a value as
    something else (``no`` as the boolean false), the message says so and how to quote it.
    """,
)

INVALID_NAME = declare(
    "SC104",
    "invalid-name",
    """A name or id that is not 1–32 characters of lowercase letters, digits, ``-`` and ``_``.

    Session names, location ids, billing item codes, previous names and disciplines start with a
    lowercase letter (``^[a-z][a-z0-9_-]*$``).
    """,
)

NAME_MISMATCH = declare(
    "SC105",
    "name-mismatch",
    """A session's ``name`` differs from its file name.

    The file ``sessions/acupinitial.yaml`` must say ``name: acupinitial``; to rename a session,
    rename the file, change ``name`` and add the old name to ``previous_names``.
    """,
)

INVALID_TEXT = declare(
    "SC106",
    "invalid-text",
    """Client-facing text that is empty or blank, too long, or holds control characters.

    Descriptions, names and addresses are 1–200 characters after trimming, on one line: no control
    character (tabs and line breaks included) and no U+2028/U+2029 separator, since they end up in
    SMS and email reminders. A text made only of invisible characters (zero-width spaces and
    joiners, other format characters) is blank; such characters are fine among visible ones (a
    zero-width joiner inside an emoji sequence).
    """,
)

INVALID_COLOR = declare(
    "SC107",
    "invalid-color",
    """A calendar colour that is not ``#rgb`` or ``#rrggbb``.

    Any case is accepted; the store keeps lowercase ``#rrggbb``. Quote the value: an unquoted ``#``
    starts a YAML comment.
    """,
)

OUT_OF_RANGE = declare(
    "SC108",
    "out-of-range",
    """A number outside its allowed range.

    ``duration`` 5–600 minutes, ``buffer_before``/``buffer_after`` 0–120, ``max_attendees``
    1–100, billing ``quantity`` 1 or more.
    """,
)

INVALID_PRICE = declare(
    "SC109",
    "invalid-price",
    """A price that is not an exact amount of at least 0 with at most 2 decimal places.

    Write prices as decimal strings (``price: "95.00"``) or numbers; they are kept as exact
    decimals, never binary floating point.
    """,
)

UNKNOWN_TIMEZONE = declare(
    "SC110",
    "unknown-timezone",
    """A location time zone that is not an IANA time zone name, such as ``America/Toronto``.""",
)

INVALID_VALUE = declare(
    "SC111",
    "invalid-value",
    """A value that is not one of the allowed ones, or a list that may not be empty.

    For example ``kind`` must be ``service`` or ``product``, and a session needs at least one
    location.
    """,
)

REPEATED_ENTRY = declare(
    "SC112",
    "repeated-entry",
    """The same entry twice in one list.

    A location listed twice in a session, a discipline twice at a location, a previous name twice,
    or a billing item twice in a session (use ``quantity`` to bill it more than once).
    """,
)
