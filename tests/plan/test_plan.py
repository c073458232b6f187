"""The plan as a value (SPEC §4): risk order, warnings, charge impact."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from sessconf.output import Context, jsonfmt
from sessconf.plan.plan import Action, Change, Plan, Risk
from sessconf.plan.state import BillingLineState
from sessconf.settings import Settings
from sessconf.store import Store
from sessconf.store.url import resolve
from tests.plan_tools import every_kind_of_change, item, location, plan_of, session, state

Run = Callable[..., Result]
SLOT = datetime(2099, 3, 2, 10, 0, tzinfo=ZoneInfo("America/Toronto"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


# -- risk order ---------------------------------------------------------------------------------


EXPECTED_ORDER = [
    (Risk.BLOCKED, "session", "c-blocked", "delete"),
    (Risk.DELETE, "location", "a-gone", "delete"),
    (Risk.DELETE, "session", "b-delete", "delete"),
    (Risk.ARCHIVE, "billing_item", "a-fee", "archive"),
    (Risk.ARCHIVE, "session", "d-archive", "archive"),
    (Risk.RENAME, "location", "a-moved", "rename"),
    (Risk.RENAME, "billing_item", "c-new", "rename"),
    (Risk.RENAME, "session", "a-renamed", "rename"),
    (Risk.OTHER, "location", "c-moved", "update"),
    (Risk.OTHER, "session", "a-update", "update"),
    (Risk.OTHER, "session", "f-unarchive", "unarchive"),
    (Risk.OTHER, "session", "z-create", "create"),
]


def test_changes_are_ordered_by_risk_then_entity_kind_then_name() -> None:
    plan = every_kind_of_change()
    assert [(c.risk, c.entity, c.name, c.action) for c in plan.changes] == EXPECTED_ORDER
    assert [c.name for c in plan.risky] == [name for risk, _, name, _ in EXPECTED_ORDER if risk < Risk.OTHER]


def test_a_plan_keeps_the_risk_order_whatever_order_its_changes_are_given_in() -> None:
    plan = every_kind_of_change()
    shuffled = list(plan.changes)
    random.Random(7).shuffle(shuffled)
    again = Plan(shuffled, plan.store, plan.store_id, plan.current, plan.desired, "CAD", 0)
    assert again.changes == plan.changes


def test_json_lists_the_changes_risk_first() -> None:
    data = json.loads(jsonfmt.render_plan(every_kind_of_change(), Context()))
    assert [(c["entity"], c["name"], c["action"]) for c in data["changes"]] == [
        (entity, name, action) for _, entity, name, action in EXPECTED_ORDER
    ]
    assert data["summary"] == {
        "create": 1,
        "update": 2,
        "rename": 3,
        "archive": 2,
        "unarchive": 1,
        "delete": 3,
        "blocked": 1,
    }


# -- warnings ---------------------------------------------------------------------------------------


def test_a_location_rename_warns_about_nothing() -> None:
    """Issue 9 item 3: the sessions follow the renamed location, one of them also changes."""
    sessions = [session("rmt60", locations=("downtown", "bloorwest")), session("rmt30", duration=30)]
    current = state(sessions, [location("downtown"), location("bloorwest")])
    desired = state(
        [
            session("rmt60", locations=("downtown", "bloor"), duration=75),
            session("rmt30", duration=30),
        ],
        [location("downtown"), location("bloor", previous_names=("bloorwest",))],
    )
    plan = plan_of(current, desired, future_at={("rmt60", "bloorwest"): 2})
    assert [(c.entity, c.name, c.action) for c in plan.changes] == [
        ("location", "bloor", "rename"),
        ("session", "rmt60", "update"),
    ]
    assert [c.warnings for c in plan.changes] == [(), ()]
    assert plan.changes[1].fields == {"duration": (60, 75)}


@pytest.mark.parametrize(
    ("n", "warning"),
    [
        (
            1,
            "1 future appointment at 'bloor' stays booked "
            "(the location is no longer offered for new bookings)",
        ),
        (
            2,
            "2 future appointments at 'bloor' stay booked "
            "(the location is no longer offered for new bookings)",
        ),
    ],
)
def test_a_location_dropped_from_a_session_warns_also_after_a_rename(n: int, warning: str) -> None:
    current = state(
        [session("rmt60", locations=("downtown", "bloorwest"))], [location("downtown"), location("bloorwest")]
    )
    desired = state(
        [session("rmt60", locations=("downtown",))],
        [location("downtown"), location("bloor", previous_names=("bloorwest",))],
    )
    plan = plan_of(current, desired, future_at={("rmt60", "bloorwest"): n})
    (change,) = [c for c in plan.changes if c.entity == "session"]
    assert change.warnings == (warning,)


@pytest.mark.parametrize(
    ("n", "warning"),
    [
        (1, "1 future appointment stays booked; no new bookings"),
        (3, "3 future appointments stay booked; no new bookings"),
    ],
)
def test_archiving_a_booked_session_warns_in_agreement(n: int, warning: str) -> None:
    plan = plan_of(state([session("rmt60")]), state([session("rmt60", archived=True)]), booked={"rmt60": n})
    assert plan.changes[0].warnings == (warning,)


@pytest.mark.parametrize(
    ("slots", "warning"),
    [
        ([3], "3 future appointments in 1 slot holding more than 2 stay booked"),
        ([3, 4, 1], "7 future appointments in 2 slots holding more than 2 stay booked"),
    ],
)
def test_lowering_max_attendees_warns_in_agreement(slots: list[int], warning: str) -> None:
    plan = plan_of(
        state([session("pilates", max_attendees=6)]),
        state([session("pilates", max_attendees=2)]),
        future_slots={"pilates": slots},
    )
    assert plan.changes[0].warnings == (warning,)


@pytest.mark.parametrize(
    ("n", "warning"),
    [
        (
            1,
            "1 future appointment at this location keeps its instant in time; "
            "its local time follows the new time zone",
        ),
        (
            2,
            "2 future appointments at this location keep their instant in time; "
            "their local time follows the new time zone",
        ),
    ],
)
def test_a_time_zone_change_warns_in_agreement(n: int, warning: str) -> None:
    plan = plan_of(
        state(locations=[location("downtown")]),
        state(locations=[location("downtown", timezone="America/Vancouver")]),
        booked_at={"downtown": n},
    )
    assert plan.changes[0].warnings == (warning,)


def test_a_location_rename_end_to_end(run: Run, clinic: Path, store_url: str) -> None:
    """The issue's steps: rename westside to bloor, the sessions follow, one duration changes."""
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
    with Store(resolve(store_url, None, clinic)) as store:
        booking = store.booking()
        booking.book("rmt60", "client-1", "westside", SLOT)
        booking.book("rmt60", "client-2", "westside", SLOT.replace(hour=12))
    edit(clinic / "locations.yaml", "westside:", "bloor:\n  previous_names: [westside]")
    for path in [*(clinic / "sessions").glob("*.yaml"), clinic / "presets.yaml"]:
        path.write_text(path.read_text().replace("westside", "bloor"))
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    result = run("diff", "--dir", clinic, "--store", store_url, "--format", "json")
    data = json.loads(result.output)
    assert [(c["entity"], c["name"], c["action"], c["warnings"]) for c in data["changes"]] == [
        ("location", "bloor", "rename", []),
        ("session", "rmt60", "update", []),
    ]
    assert "stay" not in run("diff", "--dir", clinic, "--store", store_url).output


# -- charge impact ----------------------------------------------------------------------------------


def priced(**prices: str) -> list[Any]:
    return [item(code, price) for code, price in prices.items()]


CURRENT = state(
    [
        session("rmt60"),
        session("rmt30", billing_items=(BillingLineState("rmt-30", 1),)),
        session("combo", billing_items=(BillingLineState("rmt-30", 2), BillingLineState("oil", 1))),
        session("free", billing_items=()),
    ],
    items=priced(**{"rmt-60": "115.00", "rmt-30": "65.00", "oil": "5.00"}),
)


def test_a_price_change_shows_what_unchanged_sessions_charge() -> None:
    desired = state(
        CURRENT.sessions.values(), items=priced(**{"rmt-60": "115.00", "rmt-30": "70.00", "oil": "5.00"})
    )
    plan = plan_of(CURRENT, desired)
    assert [(c.entity, c.name, c.action) for c in plan.changes] == [("billing_item", "rmt-30", "update")]
    assert [(i.session, i.charges, i.billing_items) for i in plan.charge_impacts] == [
        ("combo", ("135.00", "145.00"), ("rmt-30",)),
        ("rmt30", ("65.00", "70.00"), ("rmt-30",)),
    ]
    # Not an update of the session: not counted, not written.
    assert plan.summary["update"] == 1


def test_an_archived_or_unarchived_billing_item_shows_its_charge_impact() -> None:
    archived = [item("rmt-60"), item("rmt-30", "65.00", archived=True), item("oil", "5.00")]
    plan = plan_of(CURRENT, state(CURRENT.sessions.values(), items=archived))
    assert [(i.session, i.charges) for i in plan.charge_impacts] == [
        ("combo", ("135.00", "5.00")),
        ("rmt30", ("65.00", "0.00")),
    ]
    back = plan_of(plan.desired, CURRENT)
    assert [(i.session, i.charges) for i in back.charge_impacts] == [
        ("combo", ("5.00", "135.00")),
        ("rmt30", ("0.00", "65.00")),
    ]


def test_a_renamed_billing_item_whose_price_changes_shows_its_charge_impact() -> None:
    sessions = [session("rmt60", billing_items=(BillingLineState("massage-60", 1),))]
    desired = state(sessions, items=[item("massage-60", "120.00", previous_names=("rmt-60",))])
    plan = plan_of(state([session("rmt60")]), desired)
    assert [(c.name, c.action) for c in plan.changes] == [("massage-60", "rename")]
    assert [(i.session, i.charges, i.billing_items) for i in plan.charge_impacts] == [
        ("rmt60", ("115.00", "120.00"), ("massage-60",))
    ]


def test_a_session_that_changes_shows_its_charges_in_its_own_change() -> None:
    sessions = [s._replace(duration=90) if s.name == "rmt30" else s for s in CURRENT.sessions.values()]
    plan = plan_of(
        CURRENT, state(sessions, items=priced(**{"rmt-60": "115.00", "rmt-30": "70.00", "oil": "5.00"}))
    )
    rmt30 = next(c for c in plan.changes if c.name == "rmt30")
    assert rmt30.charges == ("65.00", "70.00")
    assert [i.session for i in plan.charge_impacts] == ["combo"]


def test_a_change_that_does_not_change_charges_has_no_charge_impact() -> None:
    renamed = [item("rmt-60", display_name="RMT 60"), item("rmt-30", "65.00"), item("oil", "5.00")]
    assert plan_of(CURRENT, state(CURRENT.sessions.values(), items=renamed)).charge_impacts == []


def test_charge_impact_does_not_count_towards_the_thresholds() -> None:
    sessions = [session(f"s{i:02d}") for i in range(12)]
    plan = plan_of(state(sessions), state(sessions, items=[item("rmt-60", "99.00")]), settings=Settings())
    assert len(plan.charge_impacts) == 12
    assert plan.threshold_violations == []
    assert plan.summary_line() == (
        "Plan: 0 to create, 1 to update, 0 to rename, 0 to archive, 0 to unarchive, 0 to delete (0 blocked)."
    )


def test_charge_impact_in_every_format(run: Run, clinic: Path, store_url: str) -> None:
    """Issue 9 item 4: rmt-30's price changes; rmt30, which lists it, does not change."""
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
    edit(clinic / "billing_items.yaml", 'price: "65.00"', 'price: "70.00"')
    args = ("diff", "--dir", clinic, "--store", store_url)
    plain = run(*args).output
    assert "$ session rmt30: 65.00 → 70.00 CAD (billing item rmt-30)" in plain.splitlines()
    assert "Plan: 0 to create, 1 to update, 0 to rename" in plain
    data = json.loads(run(*args, "--format", "json").output)
    assert data["charge_impact"] == [
        {
            "session": "rmt30",
            "charges": {"old": "65.00", "new": "70.00", "currency": "CAD"},
            "billing_items": ["rmt-30"],
        }
    ]
    assert [(c["entity"], c["name"]) for c in data["changes"]] == [("billing_item", "rmt-30")]
    comment = run(*args, "--format", "markdown").output
    assert "| `rmt30` (unchanged; billing item `rmt-30`) | 65.00 CAD | **70.00 CAD** |" in comment
    applied = run("apply", "--dir", clinic, "--store", store_url, "--yes")
    assert applied.exit_code == 0
    # The billing item row and the history row: the session's row is not written.
    assert "1 updated" in applied.output
    assert "(2 rows written)" in applied.output
    with Store(resolve(store_url, None, clinic)) as store:
        assert store.snapshot().config.billing_items["rmt-30"].price == 70


def test_a_change_is_read_back_by_its_action() -> None:
    data = every_kind_of_change().changes[5].to_dict("CAD")
    change = Change.from_dict(data)
    assert (change.action, change.old_name, change.name) == (Action.RENAME, "b-old", "a-moved")
    with pytest.raises(ValueError, match="explode"):
        Change.from_dict({**data, "action": "explode"})
