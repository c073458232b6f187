"""The largest values sessconf accepts, declared once (SPEC §2: whatever lint accepts, the store
can hold on both backends).

Lint (the model), the command line, the store's column types and constraints and the JSON schemas
all read these constants, so that SQLite (which stores any length) and PostgreSQL (which refuses
what does not fit) never disagree. Money is stored as integer cents in 64-bit columns: the bounds
below keep every charge, and the sum of everything one arrival charges, far inside that range.
"""

from __future__ import annotations

import re
from decimal import Decimal

MIB = 1024 * 1024

SESSION_FILE_MAX = 1 * MIB
"""A session file's size (bytes); catalogues may be larger (the ``max_file_size`` setting)."""

SETTINGS_FILE_MAX = 1 * MIB
"""``pyproject.toml``'s size (bytes)."""

NAME_MAX = 32
"""Session names, location ids, billing item codes, disciplines and previous names (characters)."""

NAME_COLUMN = 64
"""The column size of those names (room to grow the limit without a migration)."""

TEXT_MAX = 200
"""Descriptions, location names and addresses, billing item names (characters, once trimmed)."""

CLIENT_MAX = 200
"""A client id (``--client``): its column size in appointments and charges."""

ACTOR_MAX = 200
"""Who applied (``--actor``, ``$GITHUB_ACTOR``, the user name): its column size in the history."""

TIMEZONE_COLUMN = 64
"""The column size of a location's time zone (IANA names are at most 32 characters)."""

MAX_PRICE = Decimal("99999999.99")
"""The highest price of a billing item (8 digits before the decimal point)."""

MAX_PRICE_CENTS = int(MAX_PRICE * 100)

MAX_QUANTITY = 10_000
"""The highest quantity of one billing item in a session."""

MAX_BILLING_LINES = 100
"""The most billing items one session charges on arrival."""

MAX_CHARGE_CENTS = MAX_PRICE_CENTS * MAX_QUANTITY
"""The largest amount of one charge (price × quantity), in cents."""

MAX_ARRIVAL_CENTS = MAX_CHARGE_CENTS * MAX_BILLING_LINES
"""The largest sum one arrival charges, in cents: below 2**63 by a factor of 900 or so, so that
sums over many arrivals (a client's case file) fit a 64-bit integer too."""

APPOINTMENT_MINUTES = (1, 1440)
"""The shortest and longest appointment (``appointments book --duration``), in minutes."""

MAX_ID = 2**63 - 1
"""The largest row id the store can hold (a 64-bit column): any larger id names no row."""


FORBIDDEN_CHARACTERS = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""What no text holds, as the inside of a regular expression's ``[...]``: the control characters
(General_Category Cc, tabs and line breaks included), the line and paragraph separators, and the
bidirectional embeddings, overrides and isolates (they reorder what a reader sees: "Trojan
source"; the marks U+200E, U+200F and U+061C stay allowed for right-to-left text)."""

FORBIDDEN_RE = re.compile(f"[{FORBIDDEN_CHARACTERS}]")


def character_name(char: str) -> str:
    """A forbidden character as a message names it: ``a tab``, ``a bidirectional override``."""
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return "a bidirectional control character"
    return {
        "\t": "a tab",
        "\n": "a line break",
        "\r": "a carriage return",
        "\x85": "a line break",
        "\u2028": "a line separator",
        "\u2029": "a paragraph separator",
    }.get(char, "the control character")


def text_problem(value: str, limit: int, what: str) -> str | None:
    """Why ``value`` cannot be stored as free text of at most ``limit`` characters, or None.

    For values given on the command line or through the API (a client id, an actor): at most
    ``limit`` characters (PostgreSQL refuses longer ones, SQLite would keep them), and no control
    characters (PostgreSQL refuses NUL; none belongs in an id).
    """
    if len(value) > limit:
        return f"{what} is {len(value)} characters long; at most {limit}"
    if not value.strip():
        return f"{what} is empty"
    found = FORBIDDEN_RE.search(value)
    if found is not None:
        char = found.group()
        kind = "bidirectional control" if character_name(char).startswith("a bidi") else "control"
        return f"{what} holds the {kind} character U+{ord(char):04X} at position {found.start() + 1}"
    return None
