"""Plans built from configuration states, without a repository on disk or a store.

``plan_of(current, desired)`` plans ``desired`` against a store that holds ``current``: the same
:func:`sessconf.plan.compute_plan` that ``diff`` and ``apply`` run, so the renderers can be tested
at any size in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sessconf.plan.compute import compute_plan
from sessconf.plan.plan import Plan
from sessconf.plan.snapshot import SchemaStatus, Snapshot, Usage
from sessconf.plan.state import BillingItemState, BillingLineState, ConfigState, LocationState, SessionState
from sessconf.settings import Settings

STORE = "sqlite:///store.db"
STORE_ID = "5f0c1ad2-8e7b-4d3e-9c55-0b4e8a1f2c3d"
SLOT = datetime(2099, 3, 2, 15, 0)


def session(name: str, **fields: Any) -> SessionState:
    base: dict[str, Any] = {
        "description": "Registered massage therapy",
        "discipline": "massage",
        "locations": ("downtown",),
        "color": "#d97706",
        "duration": 60,
        "billing_items": (BillingLineState("rmt-60", 1),),
    }
    return SessionState(name, **{**base, **fields})


def location(name: str, **fields: Any) -> LocationState:
    base: dict[str, Any] = {
        "display_name": f"{name.title()} Clinic",
        "timezone": "America/Toronto",
        "disciplines": ("massage",),
    }
    return LocationState(name, **{**base, **fields})


def item(name: str, price: str = "115.00", **fields: Any) -> BillingItemState:
    base: dict[str, Any] = {"display_name": name.title(), "kind": "service", "currency": "CAD"}
    return BillingItemState(name, price=Decimal(price), **{**base, **fields})


def state(
    sessions: Iterable[SessionState] = (),
    locations: Iterable[LocationState] = (location("downtown"),),
    items: Iterable[BillingItemState] = (item("rmt-60"),),
) -> ConfigState:
    return ConfigState(
        {s.name: s for s in sessions}, {loc.name: loc for loc in locations}, {i.name: i for i in items}
    )


def plan_of(
    current: ConfigState,
    desired: ConfigState,
    *,
    booked: Mapping[str, int] | None = None,
    booked_at: Mapping[str, int] | None = None,
    future_at: Mapping[tuple[str, str], int] | None = None,
    future_slots: Mapping[str, list[int]] | None = None,
    settings: Settings | None = None,
) -> Plan:
    """Plan ``desired`` against a store holding ``current``, whose appointments are given as counts
    of future ones: ``booked`` per session and ``booked_at`` per location (deleting them is then
    blocked), ``future_at`` per (session, location), ``future_slots`` per session and slot."""
    snap = Snapshot(SchemaStatus(True, 1, STORE_ID), current)
    for name, n in (booked or {}).items():
        snap.session_usage[name] = Usage(n, SLOT, SLOT, n)
    for name, n in (booked_at or {}).items():
        snap.location_usage[name] = Usage(n, SLOT, SLOT, n)
    snap.future_at.update(future_at or {})
    snap.future_slots.update(future_slots or {})
    plan, problems = compute_plan(desired, snap, settings or Settings(), STORE)
    assert not problems
    return plan


def big_edit(
    *, sessions: int, updates: int, deletes: int, blocked: int = 0, archives: int = 0, renames: int = 0
) -> Plan:
    """A store of ``sessions`` sessions, of which the repository updates, deletes (``blocked`` of
    them booked), archives and renames the given numbers; names are ``s00000`` and up, and the
    changes are spread over the names so that sorting by name would interleave them."""
    before = [session(f"s{i:05d}") for i in range(sessions)]
    kept = {s.name: s for s in before}
    booked = {}
    kinds = ["delete"] * deletes + ["archive"] * archives + ["rename"] * renames + ["update"] * updates
    step = sessions // len(kinds)
    for n, kind in enumerate(kinds):
        name = f"s{n * step:05d}"
        if kind == "delete":
            del kept[name]
            if n < blocked:
                booked[name] = 2
        elif kind == "archive":
            kept[name] = kept[name]._replace(archived=True)
        elif kind == "rename":
            del kept[name]
            kept[f"r{name}"] = session(f"r{name}", previous_names=(name,))
        else:
            kept[name] = kept[name]._replace(duration=75)
    return plan_of(state(before), state(kept.values()), booked=booked)


def review_plan() -> Plan:
    """A plan with a change of every risk and what unchanged sessions charge: the goldens' plan.

    A booked session deleted (blocked); a location, a billing item and a session deleted; a
    billing item and a booked session archived; a location and a session renamed (sessions follow
    the location); prices changed under unchanged sessions; eight updates and a create.
    """
    physio = [session(f"physio{i}", locations=("downtown", "bloorwest"), duration=45) for i in range(1, 9)]
    current = state(
        [
            session("acupinitial", discipline="acupuncture"),
            session("orthotics", billing_items=(BillingLineState("oil", 2),)),
            session("ndvirtual", telehealth=True),
            session("chiroadjust", duration=30),
            session("rmt60"),
            session("rmt30", billing_items=(BillingLineState("rmt-30", 1),)),
            *physio,
        ],
        [location("downtown"), location("westside"), location("bloorwest")],
        [item("rmt-60"), item("rmt-30", "65.00"), item("oil", "4.50")],
    )
    desired = state(
        [
            session("ndvirtual", telehealth=True, archived=True),
            session("chiroadjustment", duration=30, previous_names=("chiroadjust",)),
            session("rmt60"),
            session("rmt30", billing_items=(BillingLineState("rmt-30", 1),)),
            *(s._replace(locations=("downtown", "bloor"), duration=60) for s in physio),
            session("pilates", description="Pilates class", max_attendees=6),
        ],
        [
            location("downtown"),
            location("bloor", display_name="Bloorwest Clinic", previous_names=("bloorwest",)),
        ],
        [item("rmt-60", "125.00"), item("rmt-30", "65.00", archived=True)],
    )
    return plan_of(current, desired, booked={"acupinitial": 1, "ndvirtual": 2})


def every_kind_of_change() -> Plan:
    """Each action on each entity kind, with names that sort against the risk order."""
    current = state(
        [
            session("a-update"),
            session("b-delete"),
            session("c-blocked"),
            session("d-archive"),
            session("e-old"),
            session("f-unarchive", archived=True),
        ],
        [location("downtown"), location("a-gone"), location("b-old"), location("c-moved")],
        [item("rmt-60"), item("a-fee"), item("b-old")],
    )
    desired = state(
        [
            session("a-update", duration=75),
            session("d-archive", archived=True),
            session("a-renamed", previous_names=("e-old",)),
            session("f-unarchive"),
            session("z-create"),
        ],
        [
            location("downtown"),
            location("a-moved", previous_names=("b-old",)),
            location("c-moved", timezone="America/Vancouver"),
        ],
        [item("rmt-60"), item("a-fee", archived=True), item("c-new", previous_names=("b-old",))],
    )
    return plan_of(current, desired, booked={"c-blocked": 1})
