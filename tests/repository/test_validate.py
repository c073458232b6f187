"""One error never hides another (SPEC §3): a schema error in one field leaves the file's other
fields checked against the catalogues, and a broken catalogue entry takes part in every check its
valid fields allow. The plan and the store still only ever see valid models.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessconf.lint.engine import lint
from sessconf.repository.load import load_repository
from tests.conftest import ACUPINITIAL, MINIMAL_LOCATIONS, WriteRepo

Run = Callable[..., Result]


def found(root: Path) -> list[tuple[str, int, int, str]]:
    return [
        (d.path.relative_to(root).as_posix(), d.line, d.column, d.code)
        for d in lint(root, jobs=1).diagnostics
    ]


SESSION = "sessions/acupinitial.yaml"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            ACUPINITIAL.replace("[downtown, westside]", "[downtwn]").replace("quantity: 2", "quantity: 0"),
            [(SESSION, 4, 13, "SC201"), (SESSION, 10, 15, "SC108")],
            id="quantity-and-unknown-location",
        ),
        pytest.param(
            ACUPINITIAL.replace('"#0f766e"', '"teal"').replace("acup-initial", "acup-intial"),
            [(SESSION, 5, 8, "SC107"), (SESSION, 8, 5, "SC202")],
            id="colour-and-unknown-billing-item",
        ),
        pytest.param(
            ACUPINITIAL.replace("duration: 60", "duration: 1:30").replace("acupuncture", "acupunture"),
            [(SESSION, 3, 13, "SC203"), (SESSION, 6, 11, "SC008")],
            id="yaml-misread-and-unknown-discipline",
        ),
        pytest.param(
            ACUPINITIAL.replace("name: acupinitial", "name: acupfirst").replace("[downtown,", "[downtwn,"),
            [(SESSION, 1, 7, "SC105"), (SESSION, 4, 13, "SC201")],
            id="name-mismatch-and-unknown-location",
        ),
        pytest.param(
            ACUPINITIAL.replace("discipline: acupuncture", "discipline: physiotherapy") + "colour: red\n",
            [(SESSION, 4, 23, "SC204"), (SESSION, 11, 1, "SC101")],
            id="unknown-key-and-discipline-not-offered",
        ),
        pytest.param(
            ACUPINITIAL.replace("duration: 60", "duration: 62") + "max_attendees: 0\n",
            [(SESSION, 6, 11, "SC302"), (SESSION, 11, 16, "SC108")],
            id="out-of-range-and-off-step-advice",
        ),
        pytest.param(
            ACUPINITIAL.replace("description: Acupuncture initial assessment\n", ""),
            [(SESSION, 1, 1, "SC102")],
            id="a-missing-field-is-no-false-alarm",
        ),
    ],
)
def test_a_schema_error_does_not_hide_the_other_fields_checks(
    write_repo: WriteRepo, body: str, expected: list[tuple[str, int, int, str]]
) -> None:
    root = write_repo(sessions={"acupinitial": body})
    assert [
        d for d in found(root) if d[3] not in ("SC304", "SC305")
    ] == expected  # (unused: beside the point)


def test_a_location_with_a_bad_time_zone_still_takes_part(write_repo: WriteRepo) -> None:
    locations = MINIMAL_LOCATIONS.replace(
        "  timezone: America/Toronto\n  disciplines: [acupuncture, massage]",
        "  timezone: America/Nowhere\n  disciplines: [massage]",
    )
    body = ACUPINITIAL.replace("[downtown, westside]", "[westside]")
    root = write_repo(sessions={"acupinitial": body}, locations=locations)
    assert found(root) == [
        ("locations.yaml", 1, 1, "SC304"),  # downtown: no session lists it
        ("locations.yaml", 8, 13, "SC110"),
        (SESSION, 4, 13, "SC204"),  # westside does not offer acupuncture
    ]


def test_a_discipline_no_location_offers_is_found_beside_a_broken_location(write_repo: WriteRepo) -> None:
    locations = MINIMAL_LOCATIONS.replace("  name: Westside Clinic\n", "  name: 5\n")
    body = ACUPINITIAL.replace("discipline: acupuncture", "discipline: acupunture")
    root = write_repo(sessions={"acupinitial": body}, locations=locations)
    assert found(root) == [("locations.yaml", 7, 9, "SC103"), (SESSION, 3, 13, "SC203")]


def test_a_location_whose_disciplines_are_broken_hides_no_false_alarm(write_repo: WriteRepo) -> None:
    locations = MINIMAL_LOCATIONS.replace(
        "disciplines: [acupuncture, massage]", "disciplines: [acupuncture, Massage]"
    )
    root = write_repo(locations=locations)
    assert found(root) == [("locations.yaml", 9, 30, "SC104")]


def test_an_archived_billing_item_with_a_bad_price_is_still_archived(write_repo: WriteRepo) -> None:
    billing = 'acup-initial:\n  name: Initial\n  kind: service\n  price: "95.00"\n'
    billing += 'needles:\n  name: Needles\n  kind: product\n  price: "-1"\n  archived: true\n'
    root = write_repo(billing=billing)
    assert found(root) == [("billing_items.yaml", 8, 10, "SC109"), (SESSION, 9, 5, "SC303")]


def test_the_plan_never_sees_a_partial_model(write_repo: WriteRepo, run: Run) -> None:
    body = ACUPINITIAL.replace("duration: 60", "duration: 0")
    locations = MINIMAL_LOCATIONS.replace("America/Toronto", "Nowhere", 1)
    root = write_repo(sessions={"acupinitial": body}, locations=locations)
    repo = load_repository(root, jobs=1)
    assert repo.sessions == {}
    assert [e.name for e in repo.partial_sessions] == ["acupinitial"]
    assert repo.partial_sessions[0].unknown == {"duration"}
    assert "downtown" not in repo.locations
    assert repo.partial_locations["downtown"].unknown == {"timezone"}
    result = run("diff", "--dir", root, "--store", f"sqlite:///{root / 'store.db'}")
    assert result.exit_code == 1
    assert "Plan:" not in result.output


def test_new_reports_every_error_and_counts_the_files_they_are_in(
    run: Run, write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = ACUPINITIAL.replace("name: acupinitial", "name: other") + "previous_names: [yoga]\n"
    root = write_repo(sessions={"acupinitial": ACUPINITIAL, "other": other})
    monkeypatch.chdir(root)
    args = ("--discipline", "acupuncture", "--location", "downtwn", "--color", "#0f766e", "--duration", "60")
    result = run("new", "yoga", "--description", "Yoga", "--billing-item", "needles:0", *args)
    assert result.exit_code == 1
    codes = [re.split(r"[: ]+", line)[:5] for line in result.output.splitlines()[:-2]]
    assert codes == [
        ["sessions/other.yaml", "11", "18", "error", "SC205"],
        ["sessions/yoga.yaml", "5", "13", "error", "SC201"],  # line 1: the modeline
        ["sessions/yoga.yaml", "10", "15", "error", "SC108"],
    ]
    assert result.output.splitlines()[-2] == "Found 3 errors and 0 warnings in 2 files."


# Any other field broken, in any combination: the cross-references of the valid fields and the
# advice on them are all still reported, at the same places.
BROKEN = {
    "description": ("description: Acupuncture initial assessment", 'description: "\\t"'),
    "color": ('color: "#0f766e"', "color: teal"),
    "max_attendees": ("archived: false", "max_attendees: 0"),
    "online_booking": ("online_booking: true", "online_booking: maybe"),
    "buffer_before": ("buffer_before: 0", "buffer_before: -5"),
    "unknown-key": ("telehealth: false", "telehealth: false\ncolour: teal"),
}
CHECKED = (
    ACUPINITIAL.replace("[downtown, westside]", "[downtwn, westside]")
    .replace("acup-initial", "acup-intial")
    .replace("duration: 60", "duration: 62")
    + "archived: false\nonline_booking: true\nbuffer_before: 0\ntelehealth: false\n"
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.sampled_from(sorted(BROKEN)), min_size=1))
def test_no_combination_of_broken_fields_hides_the_others(write_repo: WriteRepo, broken: set[str]) -> None:
    body = CHECKED
    for name in sorted(broken):
        old, new = BROKEN[name]
        body = body.replace(old, new)
    root = write_repo(sessions={"acupinitial": body})
    codes = found(root)
    assert {(SESSION, 4, 13, "SC201"), (SESSION, 8, 5, "SC202"), (SESSION, 6, 11, "SC302")} <= set(codes)
    # (downtown and acup-initial are unused: the typos stand in for them)
    assert all(
        code in ("SC201", "SC202", "SC302", "SC304", "SC305") or code.startswith("SC1") for *_, code in codes
    )
