"""The plan as a value (SPEC §4): risk order, warnings, charge impact, saved plans read back."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessconf.errors import RefusedError, UsageError
from sessconf.output import Context, jsonfmt, markdown, text
from sessconf.plan.plan import Action, Change, Plan, Risk
from sessconf.plan.saved import read_saved_plan
from sessconf.plan.state import BillingLineState
from sessconf.settings import Settings
from sessconf.store import Store
from sessconf.store.url import resolve
from tests.plan_tools import STORE_ID, item, location, plan_of, session, state

Run = Callable[..., Result]
SLOT = datetime(2099, 3, 2, 10, 0, tzinfo=ZoneInfo("America/Toronto"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


# -- risk order ---------------------------------------------------------------------------------


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


# -- saved plans read back ------------------------------------------------------------------------


def saved(plan: Plan, tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(jsonfmt.render_plan(plan, Context()), encoding="utf-8")
    return path


def test_a_saved_plan_reads_back_as_it_was_written(tmp_path: Path) -> None:
    plan = every_kind_of_change()
    back = read_saved_plan(saved(plan, tmp_path))
    assert back.to_dict() == plan.to_dict()
    assert (back.store_id, back.config_digest, back.model_digest) == (
        STORE_ID,
        plan.config_digest,
        plan.model_digest,
    )
    # What `apply plan.json` shows is what `diff` showed.
    assert text.render_plan(back, Context()) == text.render_plan(plan, Context())
    assert markdown.render_plan(back, Context(), artifact="x") == markdown.render_plan(
        plan, Context(), artifact="x"
    )


def test_a_saved_plan_keeps_its_charge_impact(tmp_path: Path) -> None:
    plan = plan_of(state([session("rmt60")]), state([session("rmt60")], items=[item("rmt-60", "125.00")]))
    assert plan.charge_impacts
    assert read_saved_plan(saved(plan, tmp_path)).charge_impacts == plan.charge_impacts


GOOD_PLAN = every_kind_of_change().to_dict()


def _damaged(data: Any, draw: st.DrawFn) -> Any:
    """``data`` with one value somewhere replaced by another JSON value, or one key removed."""
    if isinstance(data, dict) and data and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data)))
        if draw(st.booleans()):
            return {k: v for k, v in data.items() if k != key}
        return {**data, key: _damaged(data[key], draw)}
    if isinstance(data, list) and data and draw(st.booleans()):
        i = draw(st.integers(0, len(data) - 1))
        return [*data[:i], _damaged(data[i], draw), *data[i + 1 :]]
    json_values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    return draw(
        json_values | st.lists(json_values, max_size=2) | st.dictionaries(st.text(max_size=3), json_values)
    )


@st.composite
def damaged_plans(draw: st.DrawFn) -> Any:
    return _damaged(GOOD_PLAN, draw)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(damaged=damaged_plans())
def test_a_damaged_plan_file_is_a_clear_error_never_a_crash(tmp_path: Path, damaged: Any) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(damaged))
    try:
        read_saved_plan(path)
    except (UsageError, RefusedError) as exc:  # not a plan, or one that contradicts itself
        message = exc.message
    else:
        return  # still a plan (a warning changed, say): rendering it is tested elsewhere
    assert message.startswith((f"{path} ", f"{path}: "))


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="deeply-nested"),
        pytest.param('{"format_version": 2, "sessions_in_store": Infinity}', id="infinity"),
        pytest.param(b"\xff\xfe", id="not-utf-8"),
    ],
)
def test_a_plan_file_that_is_not_a_plan_is_a_usage_error(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "plan.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(UsageError, match="is not a"):
        read_saved_plan(path)


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


# -- apply PLAN shows the saved plan ------------------------------------------------------------


@pytest.fixture
def saved_plan(run: Run, clinic: Path, store_url: str, tmp_path: Path) -> Path:
    """The clinic applied, then rmt60 planned from 60 to 75 minutes and the plan saved."""
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    path = tmp_path / "plan.json"
    assert run("diff", "--dir", clinic, "--store", store_url, "--out", path).exit_code == 0
    return path


def apply_saved(run: Run, plan: Path, clinic: Path, store: str) -> Result:
    return run("apply", plan, "--dir", clinic, "--store", store, "--yes")


def test_a_refused_saved_plan_is_shown_not_a_fresh_one(
    run: Run, clinic: Path, store_url: str, saved_plan: Path
) -> None:
    """Issue 9 item 2."""
    edit(clinic / "sessions/rmt60.yaml", "duration: 75", "duration: 80")
    result = apply_saved(run, saved_plan, clinic, store_url)
    assert result.exit_code == 1
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert "→ 80" not in result.output
    assert "the repository changed since the plan was made; nothing was written" in result.output
    assert result.output.index("duration: 60 → 75") < result.output.index("repository changed")


def test_a_saved_plan_refused_as_stale_is_shown(
    run: Run, clinic: Path, store_url: str, saved_plan: Path
) -> None:
    with Store(resolve(store_url, None, clinic)) as store:
        edit(clinic / "sessions/rmt30.yaml", "duration: 30", "duration: 45")
        assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
        edit(clinic / "sessions/rmt30.yaml", "duration: 45", "duration: 30")
        result = apply_saved(run, saved_plan, clinic, store_url)
        assert result.exit_code == 1
        assert "      duration: 60 → 75" in result.output.splitlines()
        assert "rmt30" not in result.output
        assert "the plan is stale" in result.output
        assert store.snapshot().config.sessions["rmt60"].duration == 75


def test_a_saved_plan_for_another_store_is_shown_and_refused(
    run: Run, clinic: Path, store_url: str, saved_plan: Path, tmp_path: Path
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    edit(clinic / "sessions/rmt60.yaml", "duration: 75", "duration: 60")
    assert run("apply", "--dir", clinic, "--store", other, "--yes").exit_code == 0
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    result = apply_saved(run, saved_plan, clinic, other)
    assert result.exit_code == 1
    assert f"Store: {resolve(other, None, clinic).display}" in result.output
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert re.search(r"the plan was made for another store \(id [0-9a-f-]+\); .* has id", result.output)


def test_a_valid_saved_plan_is_shown_and_applied(
    run: Run, clinic: Path, store_url: str, saved_plan: Path
) -> None:
    result = apply_saved(run, saved_plan, clinic, store_url)
    assert result.exit_code == 0, result.output
    assert "~ update    session rmt60" in result.output
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert "1 updated" in result.output
    with Store(resolve(store_url, None, clinic)) as store:
        assert store.snapshot().config.sessions["rmt60"].duration == 75


def test_an_edited_saved_plan_is_refused(run: Run, clinic: Path, store_url: str, saved_plan: Path) -> None:
    """The changes shown must be the ones written: a plan.json edited by hand is not applied."""
    data = json.loads(saved_plan.read_text())
    data["changes"][0]["fields"]["duration"]["new"] = 70
    saved_plan.write_text(json.dumps(data))
    result = apply_saved(run, saved_plan, clinic, store_url)
    assert result.exit_code == 1
    assert "      duration: 60 → 70" in result.output.splitlines()
    assert "was it edited?" in result.output
    with Store(resolve(store_url, None, clinic)) as store:
        assert store.snapshot().config.sessions["rmt60"].duration == 60


def test_a_change_is_read_back_by_its_action() -> None:
    data = every_kind_of_change().changes[5].to_dict("CAD")
    change = Change.from_dict(data)
    assert (change.action, change.old_name, change.name) == (Action.RENAME, "b-old", "a-moved")
    with pytest.raises(ValueError, match="explode"):
        Change.from_dict({**data, "action": "explode"})


def test_a_saved_plan_for_a_store_not_created_yet_is_refused_before_creating_it(
    run: Run, clinic: Path, store_url: str, saved_plan: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.db"
    result = apply_saved(run, saved_plan, clinic, f"sqlite:///{missing}")
    assert result.exit_code == 1
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert "does not exist yet; nothing was written" in result.output
    assert not missing.exists()
