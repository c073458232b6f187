"""Start times (SPEC §4) and time zones in reminders: local times, offsets, DST gaps and folds."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.errors import SessconfError
from sessconf.timeparse import parse_start

Run = Callable[..., Result]

# text, zone -> the start, in the zone, as ISO 8601
PARSED = [
    pytest.param("2026-09-30T12:00", "America/Toronto", "2026-09-30T12:00:00-04:00", id="local-toronto"),
    pytest.param("2026-09-30 12:00", "America/Vancouver", "2026-09-30T12:00:00-07:00", id="local-vancouver"),
    pytest.param("2026-09-30T16:00Z", "America/Toronto", "2026-09-30T12:00:00-04:00", id="utc-in-toronto"),
    pytest.param(
        "2026-09-30T16:00Z", "America/Vancouver", "2026-09-30T09:00:00-07:00", id="utc-in-vancouver"
    ),
    pytest.param(
        "2026-09-30T12:00-04:00", "America/Vancouver", "2026-09-30T09:00:00-07:00", id="offset-moved"
    ),
    pytest.param("2026-12-01T10:00", "America/Toronto", "2026-12-01T10:00:00-05:00", id="winter-offset"),
    pytest.param("2026-11-01T01:30-04:00", "America/Toronto", "2026-11-01T01:30:00-04:00", id="fold-first"),
    pytest.param("2026-11-01T01:30-05:00", "America/Toronto", "2026-11-01T01:30:00-05:00", id="fold-second"),
    pytest.param("2026-03-08T03:00", "America/Toronto", "2026-03-08T03:00:00-04:00", id="just-after-gap"),
    pytest.param("2026-03-08T01:59", "America/Toronto", "2026-03-08T01:59:00-05:00", id="just-before-gap"),
]


@pytest.mark.parametrize(("text", "zone", "expected"), PARSED)
def test_parse_start(text: str, zone: str, expected: str) -> None:
    assert parse_start(text, zone).isoformat() == expected


# text, zone -> words the error must contain
REFUSED = [
    pytest.param(
        "2026-03-08T02:30", "America/Toronto", ["does not exist", "02:00 to 03:00"], id="dst-gap-toronto"
    ),
    pytest.param(
        "2026-10-04T02:15", "Australia/Lord_Howe", ["does not exist", "02:00 to 02:30"], id="half-hour-gap"
    ),
    pytest.param(
        "2026-11-01T01:30",
        "America/Toronto",
        ["happens twice", "2026-11-01T01:30-04:00", "2026-11-01T01:30-05:00"],
        id="dst-fold-needs-offset",
    ),
    pytest.param("2026-09-30", "America/Toronto", ["no time of day"], id="date-only"),
    pytest.param("next tuesday", "America/Toronto", ["not a date and time", "2026-09-30T14:00"], id="words"),
    pytest.param("2026-13-01T10:00", "America/Toronto", ["not a date and time"], id="month-13"),
    pytest.param("2026-09-30T12:00", "Mars/Olympus", ["unknown time zone"], id="unknown-zone"),
    # the instant, or the end of an appointment, would fall outside the years datetime can hold
    pytest.param(
        "9999-12-31T23:30", "America/Toronto", ["out of range", "from 1900 to 9998"], id="year-9999"
    ),
    pytest.param("9999-01-01T00:00Z", "America/Toronto", ["out of range"], id="year-9999-utc"),
    pytest.param("0001-01-01T00:10+01:00", "America/Toronto", ["out of range"], id="year-1"),
    pytest.param("1899-12-31T23:59", "America/Toronto", ["out of range"], id="before-1900"),
]


@pytest.mark.parametrize(("text", "zone", "words"), REFUSED)
def test_parse_start_refuses(text: str, zone: str, words: list[str]) -> None:
    with pytest.raises(SessconfError) as caught:
        parse_start(text, zone)
    said = f"{caught.value.message} {caught.value.hint}"
    for word in words:
        assert word in said


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        pytest.param("9998-12-31T23:59+14:00", "Pacific/Kiritimati", id="last-year-far-east"),
        pytest.param("9998-12-31T23:59-12:00", "Etc/GMT+12", id="last-year-far-west"),
        pytest.param("1900-01-01T00:00", "Pacific/Kiritimati", id="first-year"),
    ],
)
def test_the_first_and_last_years_hold_in_any_zone(text: str, zone: str) -> None:
    start = parse_start(text, zone)
    assert start.tzinfo is not None
    assert (start + timedelta(minutes=600)).astimezone(UTC).year <= 9999


def test_the_two_readings_of_a_fold_are_an_hour_apart() -> None:
    first = parse_start("2026-11-01T01:30-04:00", "America/Toronto")
    second = parse_start("2026-11-01T01:30-05:00", "America/Toronto")
    # (datetimes of one zone subtract as wall times, so compare the instants)
    assert second.timestamp() - first.timestamp() == 3600
    assert (first.fold, second.fold) == (0, 1)


def render_json(run: Run, clinic: Path, *args: str) -> list[dict[str, object]]:
    result = run("render", "--dir", clinic, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.output)
    return found


def test_the_same_instant_reads_in_each_locations_zone(run: Run, clinic: Path) -> None:
    toronto, vancouver = (
        render_json(run, clinic, "ndvirtual", "--location", loc, "--start", "2026-09-30T16:00Z")[0]
        for loc in ("downtown", "kitsilano")
    )
    assert toronto["start"] == "2026-09-30T12:00:00-04:00"
    assert vancouver["start"] == "2026-09-30T09:00:00-07:00"
    assert "Wednesday, September 30 at 12:00 PM (Eastern Time)" in toronto["sms"]["text"]  # type: ignore[index]
    assert "Wednesday, September 30 at 9:00 AM (Pacific Time)" in vancouver["sms"]["text"]  # type: ignore[index]


def test_a_local_start_is_in_the_locations_zone(run: Run, clinic: Path) -> None:
    (found,) = render_json(run, clinic, "rmt60", "--location", "kitsilano", "--start", "2026-09-30T12:00")
    assert found["start"] == "2026-09-30T12:00:00-07:00"
    assert found["end"] == "2026-09-30T13:00:00-07:00"


def test_an_appointment_across_the_fold_ends_an_hour_later_in_real_time(run: Run, clinic: Path) -> None:
    (found,) = render_json(
        run, clinic, "rmt60", "--location", "downtown", "--start", "2026-11-01T01:30-04:00"
    )
    start = datetime.fromisoformat(str(found["start"]))
    end = datetime.fromisoformat(str(found["end"]))
    assert end.timestamp() - start.timestamp() == 3600
    assert found["end"] == "2026-11-01T01:30:00-05:00"  # the clocks went back: same wall time


@pytest.mark.parametrize(
    ("start", "words"),
    [
        pytest.param("2026-03-08T02:30", "does not exist in America/Toronto", id="gap"),
        pytest.param("2026-11-01T01:30", "happens twice in America/Toronto", id="fold"),
    ],
)
def test_render_refuses_a_missing_or_ambiguous_local_time(
    run: Run, clinic: Path, start: str, words: str
) -> None:
    result = run("render", "rmt60", "--dir", clinic, "--location", "downtown", "--start", start)
    assert result.exit_code == 1
    assert words in result.output
    assert "Traceback" not in result.output


def test_without_a_start_the_sample_is_tomorrow_at_ten(run: Run, clinic: Path) -> None:
    (found,) = render_json(run, clinic, "rmt60", "--location", "kitsilano")
    start = datetime.fromisoformat(str(found["start"]))
    assert (start.hour, start.minute) == (10, 0)
    assert start.utcoffset() is not None


def test_render_refuses_a_start_out_of_range(run: Run, clinic: Path) -> None:
    result = run("render", "rmt60", "--dir", clinic, "--start", "9999-12-31T23:30")
    assert result.exit_code == 1
    assert "'9999-12-31T23:30' is out of range" in result.output
    assert "Traceback" not in result.output


def test_booking_refuses_a_start_out_of_range(run: Run, clinic: Path, store_url: str) -> None:
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
    where = ["--dir", clinic, "--store", store_url]
    result = run(
        "appointments", "book", "rmt60", "--client", "c-1", "--location", "downtown",
        "--start", "9999-12-31T23:30", *where,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "'9999-12-31T23:30' is out of range" in result.output
    assert "Traceback" not in result.output
    listed = run("appointments", "list", "--format", "json", *where)
    assert json.loads(listed.output) == []
