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
