"""The configuration as plain values: sessions, locations and billing items as named tuples.

``sessconf.model`` validates (pydantic); what it accepts becomes these values, which are all the
rest of sessconf sees: they cost little to build, to send between processes and to keep, and a
cached lint builds them from plain data without importing pydantic at all. The fields and their
order are those of the models (``sessconf.model``), which test that they agree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class BillingLine(NamedTuple):
    """One billing item charged on arrival: a code from billing_items.yaml and a quantity."""

    item: str
    quantity: int = 1


class Session(NamedTuple):
    """A bookable appointment type (``sessions/NAME.yaml``), validated."""

    name: str
    description: str
    discipline: str
    locations: list[str]
    color: str  # lowercase #rrggbb
    duration: int
    billing_items: list[BillingLine]
    archived: bool
    previous_names: list[str]
    max_attendees: int
    online_booking: bool
    buffer_before: int
    buffer_after: int
    telehealth: bool


class Location(NamedTuple):
    """A place where sessions are booked (an entry of ``locations.yaml``), validated."""

    name: str
    timezone: str
    disciplines: list[str]
    address: str | None
    archived: bool
    previous_names: list[str]


class BillingItem(NamedTuple):
    """A service or product that sessions charge (an entry of ``billing_items.yaml``), validated."""

    name: str
    kind: str  # service | product
    price: Decimal
    archived: bool
    previous_names: list[str]


def session(
    name: str,
    description: str,
    discipline: str,
    locations: list[str],
    color: str,
    duration: int,
    *,
    billing_items: list[BillingLine] | None = None,
    archived: bool = False,
    previous_names: list[str] | None = None,
    max_attendees: int = 1,
    online_booking: bool = True,
    buffer_before: int = 0,
    buffer_after: int = 0,
    telehealth: bool = False,
) -> Session:
    """A session with the defaults of the optional fields (for code that builds one by hand)."""
    return Session(
        name,
        description,
        discipline,
        locations,
        color,
        duration,
        billing_items or [],
        archived,
        previous_names or [],
        max_attendees,
        online_booking,
        buffer_before,
        buffer_after,
        telehealth,
    )


def location(
    name: str,
    timezone: str,
    disciplines: list[str] | None = None,
    address: str | None = None,
    *,
    archived: bool = False,
    previous_names: list[str] | None = None,
) -> Location:
    """A location with the defaults of the optional fields."""
    return Location(name, timezone, disciplines or [], address, archived, previous_names or [])


Value = Session | Location | BillingItem
