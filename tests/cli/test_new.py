"""``sessconf new``: writes a session file only when lint accepts it, linting it before writing."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.lint.engine import lint
from sessconf.repository.load import load_repository
from tests.conftest import WriteRepo

Run = Callable[..., Result]

VALID = (
    "--description", "Yoga: beginners, 1:30 #1",
    "--discipline", "acupuncture",
    "--location", "downtown",
    "--location", "westside",
    "--color", "#0F766E",
    "--duration", "60",
)  # fmt: skip


def new(run: Run, root: Path, name: str, *args: str) -> Result:
    return run("new", name, "--dir", root, *args)


@pytest.fixture
def repo(write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The minimal repository, as the working directory (paths print as sessions/NAME.yaml)."""
    root = write_repo()
    monkeypatch.chdir(root)
    return root


def session_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "sessions").iterdir())


def test_a_valid_session_is_written_as_hand_written_yaml(run: Run, repo: Path) -> None:
    root = repo
    result = new(
        run, root, "yoga", *VALID,
        "--billing-item", "acup-initial", "--billing-item", "needles:3",
        "--max-attendees", "8", "--buffer-after", "10", "--telehealth", "--no-online-booking",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == "Wrote sessions/yoga.yaml.\n"
    assert (root / "sessions" / "yoga.yaml").read_text() == textwrap.dedent("""\
        # yaml-language-server: $schema=../schemas/session.schema.json
        name: yoga
        description: "Yoga: beginners, 1:30 #1"
        discipline: acupuncture
        locations: [downtown, westside]
        color: "#0F766E"
        duration: 60
        billing_items:
          - acup-initial
          - item: needles
            quantity: 3
        max_attendees: 8
        online_booking: false
        buffer_after: 10
        telehealth: true
        """)
    assert lint(root).diagnostics == []
    yoga = load_repository(root).sessions["yoga"].model
    assert (yoga.description, yoga.color, yoga.telehealth) == ("Yoga: beginners, 1:30 #1", "#0f766e", True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ("--location", "downtwn"), "5:33: error SC201 unknown location 'downtwn'", id="unknown-location"
        ),
        pytest.param(("--color", "teal"), "6:8: error SC107", id="bad-colour"),
        pytest.param(("--duration", "700"), "7:11: error SC108 duration 700 is out of range", id="duration"),
        pytest.param(
            ("--discipline", "physiotherapy"), "5:23: error SC204 location 'westside'", id="not-offered"
        ),
        pytest.param(
            ("--billing-item", "nope"), "9:5: error SC202 unknown billing item 'nope'", id="unknown-item"
        ),
        pytest.param(
            ("--billing-item", "needles", "--billing-item", "needles"), "10:5: error SC", id="repeated"
        ),
        pytest.param(("--billing-item", "needles:0"), "10:15: error SC108", id="quantity-zero"),
        pytest.param(("--max-attendees", "0"), "8:16: error SC108 max_attendees 0", id="max-attendees"),
        pytest.param(("--description", "   "), "3:14: error SC", id="blank-description"),
    ],
)
def test_what_lint_rejects_is_not_written(run: Run, repo: Path, args: tuple[str, ...], expected: str) -> None:
    root = repo
    before = session_files(root)
    # later options win over VALID's
    result = new(run, root, "yoga", *VALID, *args)
    assert result.exit_code == 1
    assert result.output.startswith(f"sessions/yoga.yaml:{expected}")
    assert "Nothing was written" in result.output
    assert session_files(root) == before  # no file, no temporary file


def test_a_name_kept_as_a_previous_name_is_refused_where_it_clashes(
    run: Run, write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(sessions={"acupfirst": "name: acupfirst\n" + _rest("previous_names: [acupinitial]\n")})
    monkeypatch.chdir(root)
    result = new(run, root, "acupinitial", *VALID)
    assert result.exit_code == 1
    assert result.output.startswith("sessions/acupfirst.yaml:8:18: error SC205 previous name 'acupinitial'")
    assert session_files(root) == ["acupfirst.yaml"]


def test_errors_the_repository_had_before_do_not_block(run: Run, write_repo: WriteRepo) -> None:
    root = write_repo(sessions={"broken": "name: broken\ncolour: red\n"})
    result = new(run, root, "yoga", *VALID)
    assert result.exit_code == 0, result.output
    assert session_files(root) == ["broken.yaml", "yoga.yaml"]


def test_warnings_are_shown_and_the_file_is_written(run: Run, write_repo: WriteRepo) -> None:
    root = write_repo()
    result = new(run, root, "acupuncture-for-beginners", *VALID, "--duration", "62")
    assert result.exit_code == 0, result.output
    assert "warning SC301" in result.output  # a long name
    assert "warning SC302" in result.output  # not a multiple of 5 minutes
    assert "acupuncture-for-beginners.yaml" in session_files(root)


@pytest.mark.parametrize(
    ("name", "args", "status", "message"),
    [
        pytest.param("acupinitial", VALID, 1, "exists already", id="existing-file"),
        pytest.param("Yoga", VALID, 1, "not a valid name", id="invalid-name"),
        pytest.param("../yoga", VALID, 1, "not a valid name", id="path"),
        pytest.param("yoga", VALID[:-2], 2, "Missing option '--duration'", id="missing-option"),
        pytest.param(
            "yoga", (*VALID, "--billing-item", "needles:two"), 2, "CODE:QUANTITY", id="bad-quantity"
        ),
        pytest.param("yoga", (*VALID[:-1], "sixty"), 2, "'sixty' is not a valid integer", id="bad-duration"),
    ],
)
def test_refusals_and_usage_errors(
    run: Run, write_repo: WriteRepo, name: str, args: tuple[str, ...], status: int, message: str
) -> None:
    root = write_repo()
    original = (root / "sessions" / "acupinitial.yaml").read_bytes()
    result = new(run, root, name, *args)
    assert result.exit_code == status
    assert message in result.output
    assert session_files(root) == ["acupinitial.yaml"]
    assert (root / "sessions" / "acupinitial.yaml").read_bytes() == original


def test_lint_reads_an_overlay_instead_of_the_disk(write_repo: WriteRepo) -> None:
    root = write_repo()
    path = root / "sessions" / "yoga.yaml"
    result = lint(root, overlay={path: b"name: yoga\n" + _rest("").encode()})
    assert result.diagnostics == []
    assert "yoga" in result.repository.sessions
    assert not path.exists()
    # positions come from the overlay's text (cross-reference rules included)
    bad = lint(root, overlay={path: b"name: yoga\n" + _rest("").replace("[downtown]", "[nowhere]").encode()})
    assert [(d.path, d.line, d.column, d.code) for d in bad.diagnostics] == [(path, 4, 13, "SC201")]


def _rest(extra: str) -> str:
    return (
        "description: Acupuncture\n"
        "discipline: acupuncture\n"
        "locations: [downtown]\n"
        'color: "#0f766e"\n'
        "duration: 30\n"
        "billing_items: [needles]\n"
        f"{extra}"
    )
