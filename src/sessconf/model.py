"""The configuration model: sessions, locations and billing items (SPEC §2).

Models are strict (``"60"`` is not a number) and forbid unknown keys. Constraint failures raise
``PydanticCustomError`` whose type is the name of the lint rule they break, so the loader can turn
each one into a diagnostic with a stable code at the exact YAML node (``ctx["index"]`` points into
a list when one item is at fault).
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from decimal import Decimal
from sys import intern
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sessconf import limits, values

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
NAME_MAX = limits.NAME_MAX  # the bounds are declared in sessconf.limits
TEXT_MAX = limits.TEXT_MAX
# Refused anywhere in a text: control characters, line and paragraph separators, bidirectional
# controls (declared in sessconf.limits, shared with the command line and the JSON schemas).
CONTROL_RE = limits.FORBIDDEN_RE
# Shown as nothing, besides white space and the format characters (Cf: zero-width spaces and
# joiners, directional marks, the soft hyphen, ...): the other default-ignorable code points of
# Unicode (which ``unicodedata`` does not tell), and the blank fillers that are letters.
INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_CENT = Decimal("0.01")


def name_problem(value: str) -> str | None:
    """Why ``value`` is not a valid name or id, or None when it is."""
    if len(value) > NAME_MAX:
        return f"'{value}' is too long ({len(value)} characters; at most {NAME_MAX})"
    if not NAME_RE.match(value):
        return (
            f"'{value}' is not a valid name: use lowercase letters, digits, '-' or '_', "
            "starting with a letter"
        )
    return None


def check_text(value: str) -> str:
    """A client-facing text, trimmed: 1-200 characters, no control character, not blank."""
    text = value.strip()
    if not text:
        raise PydanticCustomError("invalid-text", "the text is empty")
    if len(text) > TEXT_MAX:
        raise PydanticCustomError(
            "invalid-text",
            "the text is {length} characters long; the limit is {limit}",
            {"length": len(text), "limit": TEXT_MAX},
        )
    control = CONTROL_RE.search(text)
    if control is not None:
        char = control.group()
        what = limits.character_name(char)
        raise PydanticCustomError(
            "invalid-text",
            "the text holds {what} (U+{code}) at position {position}",
            {"what": what, "code": f"{ord(char):04X}", "position": control.start() + 1},
        )
    # Trimmed and free of controls, a text that starts with an ASCII character is visible.
    if text[0] >= "\x80" and all(map(_shows_nothing, text)):
        raise PydanticCustomError(
            "invalid-text",
            "the text is blank: it holds only invisible characters, such as U+{code}",
            {"code": f"{ord(next(c for c in text if not c.isspace())):04X}"},
        )
    return text


def _shows_nothing(char: str) -> bool:
    return char.isspace() or char in INVISIBLE or unicodedata.category(char) == "Cf"


def normalize_color(value: str) -> str:
    if not _COLOR.match(value):
        raise PydanticCustomError(
            "invalid-color", "'{value}' is not a colour: use #rgb or #rrggbb", {"value": value}
        )
    value = value.lower()
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value


# A price written as text: ASCII digits, a point and more digits (never an exponent, "1_000",
# "+95" or digits of other scripts, which Decimal() would read).
_PRICE_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")
_SHOWN_PRICE = 40  # characters of a bad price quoted in a message


def to_price(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise PydanticCustomError("wrong-type", 'expected a price such as "95.00"')
    shown = {"value": shown_value(str(value), _SHOWN_PRICE), "limit": str(limits.MAX_PRICE)}
    if isinstance(value, str):
        text = value.strip()
        if not _PRICE_TEXT.fullmatch(text):
            raise PydanticCustomError(
                "invalid-price", "'{value}' is not a price such as \"95.00\" (digits and a point)", shown
            )
        price = Decimal(text)
    else:
        price = Decimal(value)
    if not price.is_finite():
        raise PydanticCustomError("invalid-price", "'{value}' is not a price", shown)
    if price > limits.MAX_PRICE:  # what the store holds (sessconf.limits)
        raise PydanticCustomError(
            "invalid-price", "the price {value} is too high; the highest price is {limit}", shown
        )
    if price < 0 or (isinstance(value, str) and value.strip().startswith("-")):  # "-0" too
        raise PydanticCustomError("invalid-price", "the price {value} is negative", shown)
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:  # as written: 95.000 has 3 decimal places
        raise PydanticCustomError("invalid-price", "the price {value} has more than 2 decimal places", shown)
    return abs(price.quantize(_CENT))  # abs: -0.00 is 0.00


# An IANA zone name as the tz database spells it: Area/Location (America/Argentina/Buenos_Aires,
# Etc/GMT+5), at most 64 characters (the longest is 32). No dots, so never '..' or a file path.
TIMEZONE_MAX = 64
_TIMEZONE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9][A-Za-z0-9_+-]*)*")
# Names without an area are the tz database's legacy ones (EST5EDT, EST, GMT0, Japan) and the
# host's own files (localtime, Factory): only UTC is kept. posix/ and right/ are copies of the
# database that some systems ship, not names.
_SINGLE_NAMES = frozenset({"UTC"})
_NOT_AREAS = frozenset({"posix", "right", "SystemV"})


def shown_value(value: str, limit: int = TIMEZONE_MAX) -> str:
    """``value`` as a message may quote it: at most ``limit`` characters, what does not print escaped."""
    short = value if len(value) <= limit else value[: limit - 1] + "…"
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in short)


def check_timezone(value: str) -> str:
    """An IANA time zone name that this machine's tz database knows, checked before any file is
    opened (a name is a path into the database: ``../../etc/passwd``, 10,000 characters)."""
    shown = {"value": shown_value(value)}
    if len(value) > TIMEZONE_MAX or not _TIMEZONE_RE.fullmatch(value):
        raise PydanticCustomError("unknown-timezone", "unknown time zone '{value}'", shown)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, RecursionError):
        raise PydanticCustomError("unknown-timezone", "unknown time zone '{value}'", shown) from None
    if ("/" not in value and value not in _SINGLE_NAMES) or value.partition("/")[0] in _NOT_AREAS:
        raise PydanticCustomError(
            "unknown-timezone",
            "'{value}' is not a location-based IANA time zone name (legacy and POSIX-style names "
            "such as EST5EDT are not accepted)",
            shown,
        )
    return value


def unique(items: list[Any]) -> list[Any]:
    """Raise ``repeated-entry`` at the first item listed twice."""
    if len(items) > 1:
        seen: set[str] = set()
        for index, item in enumerate(items):
            key = item.item if isinstance(item, BillingLine) else item
            if key in seen:
                raise PydanticCustomError(
                    "repeated-entry", "'{value}' is listed twice", {"value": key, "index": index}
                )
            seen.add(key)
    return items


def billing_lines(lines: list[Any]) -> list[Any]:
    """At most ``MAX_BILLING_LINES`` billing items (what one arrival may charge), none twice."""
    if len(lines) > limits.MAX_BILLING_LINES:
        raise PydanticCustomError(
            "out-of-range",
            "{count} billing items; a session charges at most {limit}",
            {"count": len(lines), "limit": limits.MAX_BILLING_LINES},
        )
    return unique(lines)


# Numeric bounds, checked by pydantic-core and quoted in messages: field -> (low, high, unit).
RANGES: dict[str, tuple[int, int | None, str]] = {
    "duration": (5, 600, " minutes"),
    "buffer_before": (0, 120, " minutes"),
    "buffer_after": (0, 120, " minutes"),
    "max_attendees": (1, 100, ""),
    "quantity": (1, limits.MAX_QUANTITY, ""),
}


def _bounded(field: str) -> Any:
    low, high, _ = RANGES[field]
    return Field(ge=low, le=high)


# Names are checked by pydantic-core (fast); the loader words its errors as invalid-name.
Name = Annotated[str, StringConstraints(pattern=NAME_RE.pattern, max_length=NAME_MAX)]
Text = Annotated[str, AfterValidator(check_text)]
Color = Annotated[str, AfterValidator(normalize_color)]
Price = Annotated[Decimal, BeforeValidator(to_price)]
Names = Annotated[list[Name], AfterValidator(unique)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BillingLine(_Model):
    """One billing item charged on arrival: a code from billing_items.yaml and a quantity."""

    item: Name = Field(description="A code from billing_items.yaml.")
    quantity: Annotated[int, _bounded("quantity")] = Field(
        1, description=f"How many are charged (1-{limits.MAX_QUANTITY})."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_code(cls, data: object) -> object:
        return {"item": data} if isinstance(data, str) else data


class Session(_Model):
    """A bookable appointment type (``sessions/NAME.yaml``)."""

    name: Name = Field(
        description="The session's identity: lowercase letters, digits, - or _; equals the file stem."
    )
    description: Text = Field(description="What clients see, also in reminders (1-200 characters).")
    discipline: Name = Field(description="The discipline, such as acupuncture; every location must offer it.")
    locations: Annotated[list[Name], Field(min_length=1), AfterValidator(unique)] = Field(
        description="Ids from locations.yaml where the session can be booked: one or more, no repeats."
    )
    color: Color = Field(description='Calendar colour, #rgb or #rrggbb, such as "#0f766e" (quote it).')
    duration: Annotated[int, _bounded("duration")] = Field(
        description="Default duration in whole minutes (5-600)."
    )
    billing_items: Annotated[list[BillingLine], AfterValidator(billing_lines)] = Field(
        default_factory=list,
        description="Charged in this order when the appointment arrives: codes from billing_items.yaml "
        f"(at most {limits.MAX_BILLING_LINES}).",
    )
    archived: bool = Field(False, description="true: not bookable; existing appointments are unchanged.")
    previous_names: Names = Field(
        default_factory=list, description="Former names: a rename keeps the session's identity and history."
    )
    max_attendees: Annotated[int, _bounded("max_attendees")] = Field(
        1, description="Clients per appointment (1-100); more than 1 makes a group session (a class)."
    )
    online_booking: bool = Field(True, description="false: staff can book it, clients cannot.")
    buffer_before: Annotated[int, _bounded("buffer_before")] = Field(
        0, description="Minutes kept free before the appointment (0-120)."
    )
    buffer_after: Annotated[int, _bounded("buffer_after")] = Field(
        0, description="Minutes kept free after the appointment, for cleaning or notes (0-120)."
    )
    telehealth: bool = Field(False, description="A video appointment: reminders say so and give no address.")


class Location(_Model):
    """A place where sessions are booked (an entry of ``locations.yaml``)."""

    name: Text = Field(description="The location's name, as clients see it (1-200 characters).")
    timezone: Annotated[str, AfterValidator(check_timezone)] = Field(
        description="IANA time zone name, such as America/Toronto."
    )
    disciplines: Names = Field(default_factory=list, description="The disciplines offered here.")
    address: Text | None = Field(None, description="Street address, used in reminders.")
    archived: bool = Field(False, description="true: takes no new bookings; existing ones are unchanged.")
    previous_names: Names = Field(
        default_factory=list, description="Former ids: a rename keeps the location's identity and history."
    )


class BillingItem(_Model):
    """A service or product that sessions charge (an entry of ``billing_items.yaml``)."""

    name: Text = Field(description="The name on the client's case file (1-200 characters).")
    kind: Literal["service", "product"] = Field(description="service or product.")
    price: Price = Field(
        description=f'a price such as "95.00" (quoted, or a number): 0 to {limits.MAX_PRICE}, '
        "at most 2 decimals."
    )
    archived: bool = Field(
        False, description="true: no longer charged (lint warns where a session lists it)."
    )
    previous_names: Names = Field(
        default_factory=list, description="Former codes: a rename keeps the item's identity and history."
    )


KINDS: dict[str, type[_Model]] = {"session": Session, "location": Location, "billing_item": BillingItem}


def session_values(model: Session) -> values.Session:
    """A validated (or partial) session as the plain value the rest of sessconf sees. The ids it
    names (discipline, colour, locations, billing items) are interned: thousands of sessions
    repeat a few of them, which then cost one string each (and one in each batch a worker sends)."""
    d = model.__dict__
    return values.Session(
        d["name"],
        d["description"],
        intern(d["discipline"]),
        [intern(location) for location in d["locations"]],
        intern(d["color"]),
        d["duration"],
        [values.BillingLine(intern(line.item), line.quantity) for line in d["billing_items"]],
        d["archived"],
        d["previous_names"],
        d["max_attendees"],
        d["online_booking"],
        d["buffer_before"],
        d["buffer_after"],
        d["telehealth"],
    )


def location_values(model: Location) -> values.Location:
    d = model.__dict__
    return values.Location(
        d["name"], d["timezone"], d["disciplines"], d["address"], d["archived"], d["previous_names"]
    )


def billing_item_values(model: BillingItem) -> values.BillingItem:
    d = model.__dict__
    return values.BillingItem(d["name"], d["kind"], d["price"], d["archived"], d["previous_names"])


def as_values(model: BaseModel) -> values.Value:
    """A validated (or partial) entity as its plain value (``sessconf.values``)."""
    if isinstance(model, Session):
        return session_values(model)
    if isinstance(model, Location):
        return location_values(model)
    if isinstance(model, BillingItem):
        return billing_item_values(model)
    raise TypeError(f"not an entity: {type(model).__name__}")
