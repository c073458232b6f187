"""Configuration state: what the repository asks for, or what a store holds, in one shape.

States are named tuples: cheap to build by the ten thousand, compared at C speed, and
rendered by ``json`` as arrays for digests.

Both sides are reduced to :class:`ConfigState` so that planning is a comparison of two values,
and the digests of saved plans (SPEC §4) are computed the same way on both sides.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple


class EntityKind(StrEnum):
    """What a change is about; in this order, since sessions refer to the others."""

    LOCATION = "location"
    BILLING_ITEM = "billing_item"
    SESSION = "session"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    def file(self, name: str) -> str:
        """The repository file that declares the entity ``name`` of this kind."""
        return f"sessions/{name}.yaml" if self is EntityKind.SESSION else f"{self.value}s.yaml"


KINDS: tuple[EntityKind, ...] = tuple(EntityKind)


class BillingLineState(NamedTuple):
    item: str
    quantity: int


class SessionState(NamedTuple):
    name: str
    description: str
    discipline: str
    locations: tuple[str, ...]
    color: str
    duration: int
    billing_items: tuple[BillingLineState, ...] = ()
    archived: bool = False
    previous_names: tuple[str, ...] = ()
    max_attendees: int = 1
    online_booking: bool = True
    buffer_before: int = 0
    buffer_after: int = 0
    telehealth: bool = False


class LocationState(NamedTuple):
    name: str
    display_name: str
    timezone: str
    disciplines: tuple[str, ...] = ()
    address: str | None = None
    archived: bool = False
    previous_names: tuple[str, ...] = ()


class BillingItemState(NamedTuple):
    name: str
    display_name: str
    kind: str
    price: Decimal
    currency: str
    archived: bool = False
    previous_names: tuple[str, ...] = ()


Entity = SessionState | LocationState | BillingItemState


@dataclass(slots=True)
class ConfigState:
    """Sessions, locations and billing items by name."""

    sessions: dict[str, SessionState] = field(default_factory=dict)
    locations: dict[str, LocationState] = field(default_factory=dict)
    billing_items: dict[str, BillingItemState] = field(default_factory=dict)

    def of(self, kind: EntityKind) -> dict[str, Any]:
        if kind == EntityKind.SESSION:
            return self.sessions
        if kind == EntityKind.LOCATION:
            return self.locations
        return self.billing_items

    # Computed once, when first asked for (possibly in the process that read the store).
    cached_digest: str | None = None

    def digest(self) -> str:
        """sha256 of the canonical form: the same configuration always gives the same digest."""
        if self.cached_digest is None:
            self.cached_digest = digest_of(canonical(self))
        return self.cached_digest

    def charge_total(self, session: SessionState) -> Decimal | None:
        """What one arrival of ``session`` charges now (None when a billing item is unknown)."""
        total = Decimal("0.00")
        for line in session.billing_items:
            item = self.billing_items.get(line.item)
            if item is None:
                return None
            if not item.archived:
                total += item.price * line.quantity
        return total


def to_plain(entity: Entity) -> dict[str, Any]:
    """JSON-ready fields of an entity (lists for tuples, strings for money)."""
    out: dict[str, Any] = {}
    value: Any
    for name, value in zip(entity._fields, entity, strict=True):
        if isinstance(value, tuple):
            value = [
                {"item": v.item, "quantity": v.quantity} if isinstance(v, BillingLineState) else v
                for v in value
            ]
        elif isinstance(value, Decimal):
            value = f"{value:.2f}"
        out[name] = value
    return out


def canonical(state: ConfigState) -> list[Any]:
    """A stable, JSON-ready form of the whole state (sorted by name), cheap at 10,000 sessions."""
    # States are named tuples: json renders them (billing lines included) as arrays.
    return [[kind, [e for _, e in sorted(state.of(kind).items())]] for kind in KINDS]


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"cannot digest {type(value).__name__}")


def digest_of(value: object) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
