"""The store, plan and apply (SPEC §4, §7) — every scenario on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from sessconf.errors import RefusedError
from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store
from sessconf.store.url import resolve

Run = Callable[..., Result]
TORONTO = ZoneInfo("America/Toronto")
LATER = datetime.now(UTC).astimezone(TORONTO).replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
WHO = HistoryEntry("tester", None, None)


def open_store(url: str, root: Path) -> Store:
    return Store(resolve(url, None, root))


def apply(run: Run, root: Path, url: str, *extra: str) -> Result:
    return run("apply", "--dir", root, "--store", url, "--yes", *extra)


def diff_json(run: Run, root: Path, url: str, *extra: str) -> tuple[int, dict[str, object]]:
    result = run("diff", "--dir", root, "--store", url, "--format", "json", *extra)
    return result.exit_code, json.loads(result.output)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def changes(data: dict[str, object]) -> list[tuple[str, str, str]]:
    return [(c["entity"], c["name"], c["action"]) for c in data["changes"]]  # type: ignore[attr-defined]


def test_diff_on_a_missing_store_creates_nothing(run: Run, clinic: Path, store_url: str) -> None:
    code, data = diff_json(run, clinic, store_url)
    assert code == 0
    assert data["summary"]["create"] == 43  # type: ignore[index]
    store = open_store(store_url, clinic)
    assert not store.status().exists
    if store_url.startswith("sqlite"):
        assert not Path(store_url.removeprefix("sqlite:///")).exists()


def test_apply_creates_everything_and_replanning_is_empty(run: Run, clinic: Path, store_url: str) -> None:
    result = apply(run, clinic, store_url)
    assert result.exit_code == 0, result.output
    assert "43 created" in result.output
    code, data = diff_json(run, clinic, store_url, "--detailed-exitcode")
    assert (code, data["changes"]) == (0, [])
    snapshot = open_store(store_url, clinic).snapshot()
    assert snapshot.config.sessions["acupinitial"].locations == ("downtown", "westside")
    assert [(b.item, b.quantity) for b in snapshot.config.sessions["acupinitial"].billing_items] == [
        ("acup-initial", 1),
        ("needles", 2),
    ]


def test_edit_is_an_update_field_by_field_with_charges(run: Run, clinic: Path, store_url: str) -> None:
    apply(run, clinic, store_url)
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    edit(clinic / "billing_items.yaml", 'price: "115.00"', 'price: "125.00"')
    code, data = diff_json(run, clinic, store_url, "--detailed-exitcode")
    assert code == 2
    by_name = {c["name"]: c for c in data["changes"]}  # type: ignore[attr-defined]
    assert by_name["rmt60"]["action"] == "update"
    assert by_name["rmt60"]["fields"] == {"duration": {"old": 60, "new": 75}}
    assert by_name["rmt60"]["charges"] == {"old": "115.00", "new": "125.00", "currency": "CAD"}
    assert by_name["rmt-60"]["fields"] == {"price": {"old": "115.00", "new": "125.00"}}
    text = run("diff", "--dir", clinic, "--store", store_url).output
    assert "charges on arrival: 115.00 → 125.00 CAD" in text
    assert (
        "Plan: 0 to create, 2 to update, 0 to rename, 0 to archive, 0 to unarchive, 0 to delete (0 blocked)."
        in text
    )
    assert apply(run, clinic, store_url).exit_code == 0
    assert diff_json(run, clinic, store_url)[1]["changes"] == []


def book(
    store: Store,
    session: str = "acupinitial",
    location: str = "downtown",
    start: datetime = LATER,
    client: str = "client-1",
) -> int:
    return store.booking().book(session, client, location, start).id


def test_renames_keep_their_appointments(run: Run, clinic: Path, store_url: str) -> None:
    apply(run, clinic, store_url)
    store = open_store(store_url, clinic)
    appointment = book(store)
    (clinic / "sessions/acupinitial.yaml").rename(clinic / "sessions/acupfirst.yaml")
    edit(clinic / "sessions/acupfirst.yaml", "name: acupinitial", "name: acupfirst")
    edit(
        clinic / "sessions/acupfirst.yaml",
        "previous_names: [acupinit]",
        "previous_names: [acupinit, acupinitial]",
    )
    edit(clinic / "locations.yaml", "downtown:\n", "central:\n")
    edit(
        clinic / "locations.yaml", "  address: 120 King", "  previous_names: [downtown]\n  address: 120 King"
    )
    sessions_and_presets = [*(clinic / "sessions").glob("*.yaml"), clinic / "presets.yaml"]
    for path in sessions_and_presets:
        path.write_text(
            path.read_text().replace("[downtown, ", "[central, ").replace("[downtown]", "[central]")
        )
    edit(clinic / "billing_items.yaml", "needles:\n", "needle-pack:\n  previous_names: [needles]\n")
    for path in sessions_and_presets:
        path.write_text(path.read_text().replace("needles", "needle-pack"))
    _, data = diff_json(run, clinic, store_url)
    assert sorted(changes(data)) == [
        ("billing_item", "needle-pack", "rename"),
        ("location", "central", "rename"),
        ("session", "acupfirst", "rename"),
    ]
    assert apply(run, clinic, store_url).exit_code == 0
    (moved,) = store.booking().appointments()
    assert (moved.id, moved.session, moved.location) == (appointment, "acupfirst", "central")
    assert diff_json(run, clinic, store_url)[1]["changes"] == []


def test_delete_unused_and_blocked_delete(run: Run, clinic: Path, store_url: str) -> None:
    apply(run, clinic, store_url)
    store = open_store(store_url, clinic)
    book(store, "rmt30", "westside")
    (clinic / "sessions/rmt30.yaml").unlink()
    (clinic / "sessions/rmt90.yaml").unlink()
    code, data = diff_json(run, clinic, store_url)
    assert code == 1
    by_name = {c["name"]: c for c in data["changes"]}  # type: ignore[attr-defined]
    assert by_name["rmt90"]["blocked"] is False
    assert by_name["rmt30"]["blocked"] is True
    assert "archived: true" in by_name["rmt30"]["reason"]
    assert re.search(r"used by 1 appointment \(on \d{4}-\d\d-\d\d\)", by_name["rmt30"]["reason"])
    result = apply(run, clinic, store_url)
    assert result.exit_code == 1
    assert "rmt30" in result.output
    assert "rmt90" in store.snapshot().config.sessions  # nothing was written


def test_a_booking_after_the_plan_blocks_the_delete_and_nothing_is_written(
    run: Run, clinic: Path, store_url: str, tmp_path: Path
) -> None:
    apply(run, clinic, store_url)
    store = open_store(store_url, clinic)
    (clinic / "sessions/rmt30.yaml").unlink()
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    plan = tmp_path / "plan.json"
    assert run("diff", "--dir", clinic, "--store", store_url, "--out", plan).exit_code == 0
    book(store, "rmt30", "westside")
    result = run("apply", plan, "--dir", clinic, "--store", store_url, "--yes")
    assert result.exit_code == 1
    assert "blocked" in result.output
    config = store.snapshot().config
    assert "rmt30" in config.sessions
    assert config.sessions["rmt60"].duration == 60


def test_archive_refuses_bookings_and_unarchive_restores_them(run: Run, clinic: Path, store_url: str) -> None:
    apply(run, clinic, store_url)
    store = open_store(store_url, clinic)
    existing = book(store, "rmt60", "downtown")
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 60\narchived: true")
    _, data = diff_json(run, clinic, store_url)
    assert changes(data) == [("session", "rmt60", "archive")]
    assert data["changes"][0]["warnings"] == ["1 future appointment stays booked; no new bookings"]  # type: ignore[index]
    apply(run, clinic, store_url)
    with pytest.raises(RefusedError, match="archived"):
        book(store, "rmt60", "downtown", LATER + timedelta(days=1))
    (still,) = store.booking().appointments(session="rmt60")
    assert (still.id, still.status) == (existing, "booked")
    edit(clinic / "sessions/rmt60.yaml", "archived: true", "archived: false")
    assert changes(diff_json(run, clinic, store_url)[1]) == [("session", "rmt60", "unarchive")]
    apply(run, clinic, store_url)
    assert book(store, "rmt60", "downtown", LATER + timedelta(days=1)) > existing


def test_arrive_charges_the_billing_items_and_later_prices_do_not_rewrite_them(
    run: Run, clinic: Path, store_url: str
) -> None:
    apply(run, clinic, store_url)
    store = open_store(store_url, clinic)
    booking = store.booking()
    first = book(store, "acupinitial", client="c-7")
    arrival = booking.arrive(first)
    assert [
        (c.billing_item, c.quantity, str(c.unit_price), str(c.amount), c.currency) for c in arrival.charges
    ] == [
        ("acup-initial", 1, "95.00", "95.00", "CAD"),
        ("needles", 2, "4.50", "9.00", "CAD"),
    ]
    again = booking.arrive(first)
    assert again.already
    assert len(booking.charges("c-7")) == 2
    edit(clinic / "billing_items.yaml", 'price: "95.00"', 'price: "105.00"')
    apply(run, clinic, store_url)
    second = book(store, "acupinitial", client="c-7", start=LATER + timedelta(days=7))
    booking.arrive(second)
    amounts = [(c.appointment, str(c.amount)) for c in booking.charges("c-7")]
    assert amounts == [(first, "95.00"), (first, "9.00"), (second, "105.00"), (second, "9.00")]


def test_cancelled_appointments_free_their_place_but_still_block_a_delete(
    run: Run, clinic: Path, store_url: str
) -> None:
    apply(run, clinic, store_url)
    store = open_store(store_url, clinic)
    booking = store.booking()
    first = book(store, "rmt90", "kitsilano")
    with pytest.raises(RefusedError, match="full"):
        book(store, "rmt90", "kitsilano", client="client-2")
    booking.cancel(first)
    with pytest.raises(RefusedError, match="cancelled"):
        booking.arrive(first)
    book(store, "rmt90", "kitsilano", client="client-2")
    (clinic / "sessions/rmt90.yaml").unlink()
    code, data = diff_json(run, clinic, store_url)
    assert code == 1
    assert "used by 2 appointments" in data["changes"][0]["reason"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("session", "location", "message"),
    [
        pytest.param("nosuch", "downtown", "unknown session", id="unknown-session"),
        pytest.param("rmt60", "nowhere", "unknown location", id="unknown-location"),
        pytest.param("orthotics", "downtown", "not offered", id="not-offered"),
        pytest.param("acupcupping", "downtown", "archived", id="archived-session"),
    ],
)
def test_bookings_that_are_refused(
    run: Run, clinic: Path, store_url: str, session: str, location: str, message: str
) -> None:
    apply(run, clinic, store_url)
    with pytest.raises(RefusedError, match=message):
        book(open_store(store_url, clinic), session, location)


def test_thresholds_refuse_large_plans_unless_forced(run: Run, clinic: Path, store_url: str) -> None:
    apply(run, clinic, store_url)
    for name in ("rmt30", "rmt60", "rmt90", "chiroadjust", "chiroinitial", "orthotics"):
        (clinic / "sessions" / f"{name}.yaml").unlink()
    code, data = diff_json(run, clinic, store_url)
    assert code == 0
    assert "max_delete_fraction" in data["thresholds"][0]  # type: ignore[index]
    refused = apply(run, clinic, store_url)
    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert len(open_store(store_url, clinic).snapshot().config.sessions) == 19
    assert apply(run, clinic, store_url, "--force").exit_code == 0
    assert len(open_store(store_url, clinic).snapshot().config.sessions) == 13


def test_saved_plans_refuse_stale_other_store_and_changed_repository(
    run: Run, clinic: Path, store_url: str, tmp_path: Path
) -> None:
    apply(run, clinic, store_url)
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    plan = tmp_path / "plan.json"
    run("diff", "--dir", clinic, "--store", store_url, "--out", plan)

    other = f"sqlite:///{tmp_path / 'other.db'}"
    apply(run, clinic, other)
    result = run("apply", plan, "--dir", clinic, "--store", other, "--yes")
    assert result.exit_code == 1
    assert "another store" in result.output

    edit(clinic / "sessions/rmt90.yaml", "duration: 90", "duration: 120")
    result = run("apply", plan, "--dir", clinic, "--store", store_url, "--yes")
    assert result.exit_code == 1
    assert "repository changed" in result.output
    edit(clinic / "sessions/rmt90.yaml", "duration: 120", "duration: 90")

    store = open_store(store_url, clinic)
    repo = load_repository(clinic)
    edit(clinic / "sessions/rmt30.yaml", "duration: 30", "duration: 45")
    apply_repository(store, load_repository(clinic), history=WHO)  # someone else applied meanwhile
    edit(clinic / "sessions/rmt30.yaml", "duration: 45", "duration: 30")
    result = run("apply", plan, "--dir", clinic, "--store", store_url, "--yes")
    assert result.exit_code == 1
    assert "stale" in result.output
    assert repo.sessions["rmt60"].model.duration == 75


def test_apply_without_a_terminal_or_yes_refuses(run: Run, clinic: Path, store_url: str) -> None:
    result = run("apply", "--dir", clinic, "--store", store_url)
    assert result.exit_code == 1
    assert "--yes" in result.output
    assert not open_store(store_url, clinic).status().exists


def test_password_never_appears(run: Run, clinic: Path, store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("passwords are a PostgreSQL matter")
    secret = "s3cr3t-Pa55"
    bad = re.sub(r"postgresql://([^@/]*)@", rf"postgresql://\1:{secret}@", store_url).replace(":5432", ":1")
    for args in (("diff",), ("apply", "--yes"), ("migrate",)):
        result = run(*args, "--dir", clinic, "--store", bad)
        assert result.exit_code == 1, result.output
        assert secret not in result.output
        assert "***" in result.output


def test_a_plan_for_another_store_leaves_no_file_behind(
    run: Run, clinic: Path, store_url: str, tmp_path: Path
) -> None:
    apply(run, clinic, store_url)
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    plan = tmp_path / "plan.json"
    assert run("diff", "--dir", clinic, "--store", store_url, "--out", plan).exit_code == 0
    missing = tmp_path / "not-yet.db"
    result = run("apply", plan, "--dir", clinic, "--store", f"sqlite:///{missing}", "--yes")
    assert result.exit_code == 1, result.output
    assert "another store" in result.output
    assert "does not exist yet" in result.output
    assert not missing.exists()


def test_a_plan_made_before_the_store_existed_refused_when_the_repository_changed_creates_nothing(
    run: Run, clinic: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "new.db"
    plan = tmp_path / "plan.json"
    assert run("diff", "--dir", clinic, "--store", f"sqlite:///{missing}", "--out", plan).exit_code == 0
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    result = run("apply", plan, "--dir", clinic, "--store", f"sqlite:///{missing}", "--yes")
    assert result.exit_code == 1, result.output
    assert "repository changed" in result.output
    assert not missing.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("plan_digest", "sha256:" + "0" * 64, id="plan-digest"),
        pytest.param(
            "summary",
            {"create": 0, "update": 0, "rename": 0, "archive": 0, "unarchive": 0, "delete": 0, "blocked": 0},
            id="summary",
        ),
    ],
)
def test_a_saved_plan_that_contradicts_itself_is_refused(
    run: Run, clinic: Path, store_url: str, tmp_path: Path, field: str, value: object
) -> None:
    apply(run, clinic, store_url)
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    plan = tmp_path / "plan.json"
    assert run("diff", "--dir", clinic, "--store", store_url, "--out", plan).exit_code == 0
    data = json.loads(plan.read_text())
    data[field] = value
    plan.write_text(json.dumps(data))
    before = open_store(store_url, clinic).snapshot().config.digest()
    result = run("apply", plan, "--dir", clinic, "--store", store_url, "--yes")
    assert result.exit_code == 1, result.output
    assert "the saved plan contradicts itself" in result.output
    assert open_store(store_url, clinic).snapshot().config.digest() == before
