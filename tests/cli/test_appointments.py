"""``sessconf appointments …`` and ``sessconf charges`` end to end (SPEC §4), on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]


@pytest.fixture
def applied(run: Run, clinic: Path, store_url: str) -> tuple[Path, str]:
    result = run("apply", "--dir", clinic, "--store", store_url, "--yes")
    assert result.exit_code == 0, result.output
    return clinic, store_url


def book(run: Run, applied: tuple[Path, str], *args: str) -> Result:
    clinic, url = applied
    return run("appointments", "book", *args, "--dir", clinic, "--store", url)


def test_book_arrive_charges_and_list(run: Run, applied: tuple[Path, str]) -> None:
    clinic, url = applied
    booked = book(
        run,
        applied,
        "acupinitial",
        "--client",
        "c-1",
        "--location",
        "westside",
        "--start",
        "2031-03-04T09:30",
    )
    assert booked.exit_code == 0, booked.output
    appointment = booked.stdout.strip()
    assert appointment.isdigit()

    listed = json.loads(
        run("appointments", "list", "--format", "json", "--dir", clinic, "--store", url).output
    )
    assert listed == [
        {
            "id": int(appointment),
            "session": "acupinitial",
            "client": "c-1",
            "location": "westside",
            "start": "2031-03-04T09:30:00-05:00",
            "end": "2031-03-04T10:30:00-05:00",
            "status": "booked",
        }
    ]

    arrived = run("appointments", "arrive", appointment, "--dir", clinic, "--store", url)
    assert arrived.exit_code == 0
    assert "Sterile needle pack (needles) 2 × 4.50 = 9.00 CAD" in arrived.output
    again = run("appointments", "arrive", appointment, "--dir", clinic, "--store", url)
    assert (again.exit_code, "already arrived" in again.output) == (0, True)

    charges = json.loads(
        run("charges", "--client", "c-1", "--format", "json", "--dir", clinic, "--store", url).output
    )
    assert charges == [
        {
            "id": charges[0]["id"],
            "appointment": int(appointment),
            "client": "c-1",
            "billing_item": "acup-initial",
            "name": "Acupuncture initial assessment",
            "quantity": 1,
            "unit_price": "95.00",
            "amount": "95.00",
            "currency": "CAD",
            "reverses": None,
        },
        {
            "id": charges[0]["id"] + 1,
            "appointment": int(appointment),
            "client": "c-1",
            "billing_item": "needles",
            "name": "Sterile needle pack",
            "quantity": 2,
            "unit_price": "4.50",
            "amount": "9.00",
            "currency": "CAD",
            "reverses": None,
        },
    ]
    cancelled = run("appointments", "cancel", appointment, "--dir", clinic, "--store", url)
    assert cancelled.exit_code == 1
    assert "arrived" in cancelled.output


def test_start_in_the_location_time_zone(run: Run, applied: tuple[Path, str]) -> None:
    clinic, url = applied
    book(run, applied, "rmt60", "--client", "c-2", "--location", "kitsilano", "--start", "2031-07-01T10:00")
    book(
        run,
        applied,
        "rmt60",
        "--client",
        "c-3",
        "--location",
        "downtown",
        "--start",
        "2031-07-01T13:00-04:00",
    )
    listed = json.loads(
        run("appointments", "list", "--format", "json", "--dir", clinic, "--store", url).output
    )
    assert [(a["location"], a["start"]) for a in listed] == [  # the same instant, 17:00 UTC
        ("kitsilano", "2031-07-01T10:00:00-07:00"),
        ("downtown", "2031-07-01T13:00:00-04:00"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--start", "2031-03-09T02:30"], "does not exist", id="dst-gap"),
        pytest.param(["--start", "2031-11-02T01:30"], "happens twice", id="dst-fold"),
        pytest.param(["--start", "tomorrow"], "not a date", id="not-a-date"),
        pytest.param(
            ["--start", "2031-03-04T09:30", "--location", "nowhere"], "unknown location", id="location"
        ),
    ],
)
def test_booking_input_errors(run: Run, applied: tuple[Path, str], args: list[str], message: str) -> None:
    if "--location" not in args:
        args = [*args, "--location", "downtown"]
    result = book(run, applied, "rmt60", "--client", "c-9", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_cancel_frees_the_place(run: Run, applied: tuple[Path, str]) -> None:
    clinic, url = applied
    first = book(
        run, applied, "rmt90", "--client", "a", "--location", "downtown", "--start", "2031-05-05T15:00"
    )
    full = book(
        run, applied, "rmt90", "--client", "b", "--location", "downtown", "--start", "2031-05-05T15:00"
    )
    assert (full.exit_code, "full" in full.output) == (1, True)
    assert run("appointments", "cancel", first.stdout.strip(), "--dir", clinic, "--store", url).exit_code == 0
    again = book(
        run, applied, "rmt90", "--client", "b", "--location", "downtown", "--start", "2031-05-05T15:00"
    )
    assert again.exit_code == 0


def test_appointments_on_a_store_that_does_not_exist(run: Run, clinic: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert (
        json.loads(run("appointments", "list", "--format", "json", "--dir", clinic, "--store", url).output)
        == []
    )
    result = run(
        "appointments",
        "book",
        "rmt60",
        "--client",
        "x",
        "--location",
        "downtown",
        "--start",
        "2031-05-05T15:00",
        "--dir",
        clinic,
        "--store",
        url,
    )
    assert result.exit_code == 1
    assert "sessconf apply" in result.output
    assert not (tmp_path / "none.db").exists()


def ids_of(result: Result) -> int:
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip())


def test_unarrive_adds_reversing_charges_and_it_may_arrive_again(run: Run, applied: tuple[Path, str]) -> None:
    clinic, url = applied
    where = ("--dir", clinic, "--store", url)
    appointment = ids_of(
        book(
            run,
            applied,
            "acupinitial",
            "--client",
            "c-5",
            "--location",
            "westside",
            "--start",
            "2031-03-04T09:30",
        )
    )
    assert run("appointments", "arrive", str(appointment), *where).exit_code == 0
    undone = run("appointments", "unarrive", str(appointment), *where)
    assert undone.exit_code == 0, undone.output
    assert f"Appointment {appointment} is booked again." in undone.output
    assert "Sterile needle pack (needles) 2 × 4.50 = -9.00 CAD  (reverses charge" in undone.output
    again = run("appointments", "unarrive", str(appointment), *where)
    assert (again.exit_code, "has not arrived; nothing was reversed" in again.output) == (0, True)
    arrived = run("appointments", "arrive", str(appointment), "--format", "json", *where)
    assert [c["amount"] for c in json.loads(arrived.output)["charges"]] == ["95.00", "9.00"]

    charges = json.loads(run("charges", "--client", "c-5", "--format", "json", *where).output)
    assert [(c["billing_item"], c["amount"]) for c in charges] == [
        ("acup-initial", "95.00"),
        ("needles", "9.00"),
        ("acup-initial", "-95.00"),
        ("needles", "-9.00"),
        ("acup-initial", "95.00"),
        ("needles", "9.00"),
    ]
    assert [c["reverses"] for c in charges] == [None, None, charges[0]["id"], charges[1]["id"], None, None]
    assert all(c["unit_price"] in ("95.00", "4.50") and c["quantity"] in (1, 2) for c in charges)
    text = run("charges", "--client", "c-5", *where).output.splitlines()
    assert len(text) == 6
    assert text[2].endswith(f"1 × 95.00 = -95.00 CAD  (reverses charge {charges[0]['id']})")
    listed = json.loads(run("appointments", "list", "--format", "json", *where).output)
    assert [a["status"] for a in listed] == ["arrived"]


def test_no_show_keeps_its_place_blocks_a_delete_and_cannot_arrive(
    run: Run, applied: tuple[Path, str]
) -> None:
    clinic, url = applied
    where = ("--dir", clinic, "--store", url)
    slot = ("--location", "kitsilano", "--start", "2031-05-05T15:00")
    appointment = ids_of(book(run, applied, "rmt90", "--client", "a", *slot))
    marked = run("appointments", "no-show", str(appointment), *where)
    assert (marked.exit_code, marked.output) == (0, f"Appointment {appointment} marked no-show.\n")
    again = run("appointments", "no-show", str(appointment), *where)
    assert (again.exit_code, "already marked" in again.output) == (0, True)
    full = book(run, applied, "rmt90", "--client", "b", *slot)
    assert (full.exit_code, "the slot is full" in full.output) == (1, True)
    arrive = run("appointments", "arrive", str(appointment), *where)
    assert (arrive.exit_code, "was marked no-show; it cannot arrive" in arrive.output) == (1, True)
    cancel = run("appointments", "cancel", str(appointment), *where)
    assert (cancel.exit_code, "it cannot be cancelled" in cancel.output) == (1, True)
    listed = run("appointments", "list", "--status", "no_show", "--format", "json", *where)
    assert [a["id"] for a in json.loads(listed.output)] == [appointment]
    (clinic / "sessions/rmt90.yaml").unlink()
    plan = json.loads(run("diff", "--format", "json", *where).output)
    assert [(c["name"], c["blocked"]) for c in plan["changes"] if c["action"] == "delete"] == [
        ("rmt90", True)
    ]


def test_an_arrived_appointment_cannot_be_marked_no_show(run: Run, applied: tuple[Path, str]) -> None:
    clinic, url = applied
    where = ("--dir", clinic, "--store", url)
    appointment = ids_of(
        book(run, applied, "rmt60", "--client", "c", "--location", "downtown", "--start", "2031-05-05T15:00")
    )
    run("appointments", "arrive", str(appointment), *where)
    result = run("appointments", "no-show", str(appointment), *where)
    assert result.exit_code == 1
    assert "has arrived; it cannot be marked no-show" in result.output
    assert f"sessconf appointments unarrive {appointment}" in result.output


def test_online_booking_is_refused_for_a_staff_only_session(run: Run, applied: tuple[Path, str]) -> None:
    slot = ("--location", "westside", "--start", "2031-05-05T15:00")
    online = book(run, applied, "orthotics", "--client", "c", *slot, "--online")
    assert online.exit_code == 1
    assert "cannot be booked online (online_booking: false)" in online.output
    assert ids_of(book(run, applied, "orthotics", "--client", "c", *slot)) > 0  # staff can
    assert (
        ids_of(
            book(
                run,
                applied,
                "rmt60",
                "--client",
                "c",
                "--location",
                "downtown",
                "--start",
                "2031-05-05T15:00",
                "--online",
            )
        )
        > 0
    )
    archived = book(
        run,
        applied,
        "acupcupping",
        "--client",
        "c",
        "--location",
        "downtown",
        "--start",
        "2031-05-05T15:00",
        "--online",
    )
    assert (archived.exit_code, "archived" in archived.output) == (1, True)


def test_show_says_whether_the_session_is_in_use(run: Run, applied: tuple[Path, str]) -> None:
    clinic, url = applied
    where = ("--dir", clinic, "--store", url)
    unused = run("show", "rmt30", *where)
    assert "usage: no appointment uses it; it can be deleted\n" in unused.output
    book(
        run,
        applied,
        "rmt30",
        "--client",
        "secret-client",
        "--location",
        "westside",
        "--start",
        "2031-05-05T15:00",
    )
    past = book(
        run, applied, "rmt30", "--client", "c", "--location", "westside", "--start", "2021-05-05T15:00"
    )
    run("appointments", "cancel", past.stdout.strip(), *where)
    used = run("show", "rmt30", *where)
    assert (
        "usage: 2 appointments (1 booked in the future) use it; it cannot be deleted (archive it instead)\n"
        in (used.output)
    )
    data = json.loads(run("show", "rmt30", "--format", "json", *where).output)
    assert data["usage"] == {"appointments": 2, "future_appointments": 1, "in_use": True}
    assert "secret-client" not in used.output + json.dumps(data)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--client", "c" * 201], "the client id is 201 characters long; at most 200", id="long"),
        pytest.param(["--client", "a\tb"], "control character U+0009", id="control"),
    ],
)
def test_a_client_id_the_store_cannot_hold_is_a_usage_error(
    run: Run, applied: tuple[Path, str], args: list[str], message: str
) -> None:
    clinic, url = applied
    result = book(run, applied, "rmt60", *args, "--location", "downtown", "--start", "2031-05-05T15:00")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert (
        json.loads(run("appointments", "list", "--format", "json", "--dir", clinic, "--store", url).output)
        == []
    )
    longest = book(
        run, applied, "rmt60", "--client", "c" * 200, "--location", "downtown", "--start", "2031-05-05T15:00"
    )
    assert longest.exit_code == 0, longest.output  # the limit itself fits, on both databases


def test_an_actor_the_store_cannot_hold_is_a_usage_error(run: Run, clinic: Path, store_url: str) -> None:
    result = run("apply", "--dir", clinic, "--store", store_url, "--yes", "--actor", "x" * 201)
    assert result.exit_code == 2
    assert "the actor is 201 characters long; at most 200" in result.output
    result = run("apply", "--dir", clinic, "--store", store_url, "--yes", "--actor", "x" * 200)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", ["arrive", "unarrive", "no-show", "cancel"])
@pytest.mark.parametrize("appointment", ["99999999999999999999", "9223372036854775808", "0", "424242"])
def test_an_appointment_id_that_names_no_appointment(
    run: Run, applied: tuple[Path, str], command: str, appointment: str
) -> None:
    clinic, url = applied
    result = run("appointments", command, appointment, "--dir", clinic, "--store", url)
    assert (result.exit_code, result.output) == (1, f"sessconf: error: no appointment {appointment}\n")
