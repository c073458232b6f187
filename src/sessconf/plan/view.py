"""What a store holds, for ``sessconf list`` and ``sessconf show``: sessions and what they charge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sessconf.diagnostics import did_you_mean
from sessconf.errors import SessconfError
from sessconf.plan.state import ConfigState, LocationState, SessionState, to_plain

Which = Literal["bookable", "archived", "all"]


def select_sessions(config: ConfigState, which: Which = "bookable") -> list[SessionState]:
    """The sessions to list, by name: bookable ones (not archived), archived ones, or all."""
    wanted = {"bookable": (False,), "archived": (True,), "all": (False, True)}[which]
    return [s for _, s in sorted(config.sessions.items()) if s.archived in wanted]


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One billing item of a session: what an arrival charges for it (nothing when archived)."""

    item: str
    quantity: int
    name: str | None = None  # None: the store does not hold the item
    kind: str | None = None
    unit_price: Decimal | None = None
    currency: str | None = None
    archived: bool = False

    @property
    def amount(self) -> Decimal | None:
        if self.unit_price is None or self.archived:
            return None
        return self.unit_price * self.quantity

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "name": self.name,
            "kind": self.kind,
            "quantity": self.quantity,
            "unit_price": _money(self.unit_price),
            "amount": _money(self.amount),
            "currency": self.currency,
            "archived": self.archived,
        }


@dataclass(frozen=True, slots=True)
class UsageView:
    """How appointments use a session: counts only (never clients or ids)."""

    appointments: int = 0  # any status, any date: each one keeps the session from being deleted
    future_appointments: int = 0  # booked, not started yet

    @property
    def in_use(self) -> bool:
        return self.appointments > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "appointments": self.appointments,
            "future_appointments": self.future_appointments,
            "in_use": self.in_use,
        }


@dataclass(frozen=True, slots=True)
class SessionView:
    """A session with its locations, its billing items, what one arrival charges and whether
    appointments use it (so whether it can be deleted)."""

    session: SessionState
    locations: Sequence[tuple[str, LocationState | None]]
    lines: Sequence[ChargeLine]
    currency: str | None  # None: the items charged are in several currencies
    usage: UsageView = UsageView()

    @property
    def total(self) -> Decimal | None:
        """What one arrival charges (None when the currencies differ)."""
        if self.currency is None:
            return None
        return sum((line.amount or Decimal("0.00") for line in self.lines), Decimal("0.00"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": to_plain(self.session),
            "locations": [_location_dict(name, loc) for name, loc in self.locations],
            "billing_items": [line.to_dict() for line in self.lines],
            "charges_on_arrival": {"amount": _money(self.total), "currency": self.currency},
            "usage": self.usage.to_dict(),
        }


def view_session(
    config: ConfigState, name: str, default_currency: str = "CAD", usage: UsageView | None = None
) -> SessionView:
    """The session ``name`` as the store holds it; an unknown name is a clear error."""
    session = config.sessions.get(name)
    if session is None:
        raise SessconfError(f"no session '{name}' in the store", _unknown_hint(config, name))
    lines = []
    for line in session.billing_items:
        item = config.billing_items.get(line.item)
        if item is None:
            lines.append(ChargeLine(line.item, line.quantity))
        else:
            lines.append(
                ChargeLine(
                    line.item,
                    line.quantity,
                    item.display_name,
                    item.kind,
                    item.price,
                    item.currency,
                    item.archived,
                )
            )
    currencies = {line.currency for line in lines if line.amount is not None}
    currency = currencies.pop() if len(currencies) == 1 else None if currencies else default_currency
    locations = [(loc, config.locations.get(loc)) for loc in session.locations]
    return SessionView(session, locations, lines, currency, usage or UsageView())


def _unknown_hint(config: ConfigState, name: str) -> str:
    for session in config.sessions.values():
        if name in session.previous_names:
            return f"'{name}' was renamed to '{session.name}'"
    if not config.sessions:
        return "the store holds no session"
    return did_you_mean(name, config.sessions) or "`sessconf list --all` lists the sessions in the store"


def _location_dict(name: str, loc: LocationState | None) -> dict[str, Any]:
    return {
        "name": name,
        "display_name": loc.display_name if loc else None,
        "timezone": loc.timezone if loc else None,
        "address": loc.address if loc else None,
        "archived": loc.archived if loc else None,
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"
