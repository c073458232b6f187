"""Lint (the engine): one snippet, the diagnostics it must produce (line, column, code); which files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.lint.engine import lint
from tests.conftest import ACUPINITIAL, WriteRepo

Run = Callable[..., Result]


def found(root: Path, *paths: Path) -> list[tuple[str, int, int, str]]:
    result = lint(root, paths, jobs=1)
    return [(d.path.relative_to(root).as_posix(), d.line, d.column, d.code) for d in result.diagnostics]


def test_the_example_clinic_lints_clean(clinic: Path) -> None:
    result = lint(clinic, jobs=1)
    assert result.diagnostics == []
    assert len(result.repository.sessions) >= 15


SESSION_CASES = [
    pytest.param(
        ACUPINITIAL.replace("locations: [downtown, westside]", "locations: [downtwn, westside]"),
        [(4, 13, "SC201")],
        id="unknown-location",
    ),
    pytest.param(
        ACUPINITIAL.replace("  - acup-initial", "  - acup-intial"),
        [(8, 5, "SC202")],
        id="unknown-billing-item",
    ),
    pytest.param(
        ACUPINITIAL.replace("discipline: acupuncture", "discipline: acupunture"),
        [(3, 13, "SC203")],
        id="unknown-discipline",
    ),
    pytest.param(
        ACUPINITIAL.replace("discipline: acupuncture", "discipline: physiotherapy"),
        [(4, 23, "SC204")],
        id="discipline-not-offered",
    ),
    pytest.param(
        ACUPINITIAL.replace('color: "#0f766e"', "color: #0f766e"), [(5, 8, "SC009")], id="unquoted-hash"
    ),
    pytest.param(ACUPINITIAL.replace("duration: 60", "duration: 1:30"), [(6, 11, "SC008")], id="sexagesimal"),
    pytest.param(ACUPINITIAL.replace("duration: 60", "duration: 060"), [(6, 11, "SC008")], id="octal"),
    pytest.param(ACUPINITIAL.replace("duration: 60", "duration: 0x3C"), [], id="hex-is-fine"),
    pytest.param(
        ACUPINITIAL.replace("duration: 60", 'duration: "60"'), [(6, 11, "SC103")], id="quoted-number"
    ),
    pytest.param(ACUPINITIAL.replace("duration: 60", "duration: 60.5"), [(6, 11, "SC103")], id="fraction"),
    pytest.param(ACUPINITIAL.replace("duration: 60", "duration: 3"), [(6, 11, "SC108")], id="too-short"),
    pytest.param(ACUPINITIAL.replace("duration: 60", "duration: 62"), [(6, 11, "SC302")], id="off-step"),
    pytest.param(ACUPINITIAL + "colour: red\n", [(11, 1, "SC101")], id="unknown-key"),
    pytest.param(ACUPINITIAL + "name: other\n", [(11, 1, "SC004")], id="duplicate-key"),
    pytest.param(ACUPINITIAL.replace('color: "#0f766e"\n', ""), [(1, 1, "SC102")], id="missing-key"),
    pytest.param(
        ACUPINITIAL.replace("name: acupinitial", "name: acupfirst"), [(1, 7, "SC105")], id="name-mismatch"
    ),
    pytest.param(
        ACUPINITIAL.replace("  - acup-initial\n", "  - needles\n"),
        [(9, 5, "SC112")],
        id="repeated-billing-item",
    ),
    pytest.param(ACUPINITIAL.replace('"#0f766e"', '"#0f766"'), [(5, 8, "SC107")], id="bad-colour"),
    pytest.param(ACUPINITIAL + "archived: yes\n", [(11, 11, "SC306")], id="yaml11-boolean"),
    pytest.param(
        ACUPINITIAL + "telehealth: no\nonline_booking: 'no'\n",
        [(11, 13, "SC306"), (12, 17, "SC103")],
        id="yaml11-boolean-and-quoted",
    ),
    pytest.param(
        ACUPINITIAL.replace("description: Acupuncture initial assessment", "description: no"),
        [(2, 14, "SC103")],
        id="boolean-where-text",
    ),
    pytest.param("- a\n- b\n", [(1, 1, "SC005")], id="not-a-mapping"),
    pytest.param("", [(1, 1, "SC005")], id="empty"),
    pytest.param(ACUPINITIAL + "---\nname: x\n", [(11, 1, "SC006")], id="two-documents"),
    pytest.param("name: acupinitial\n\tdescription: x\n", [(2, 1, "SC003")], id="tab"),
]


@pytest.mark.parametrize(("body", "expected"), SESSION_CASES)
def test_session_snippet(write_repo: WriteRepo, body: str, expected: list[tuple[int, int, str]]) -> None:
    root = write_repo(sessions={"acupinitial": body})
    got = [(line, col, code) for path, line, col, code in found(root) if path == "sessions/acupinitial.yaml"]
    assert got == expected


def test_hint_names_the_closest_location(write_repo: WriteRepo) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("[downtown,", "[downtwn,")})
    (diagnostic,) = [d for d in lint(root, jobs=1).diagnostics if d.code == "SC201"]
    assert diagnostic.message == "unknown location 'downtwn'"
    assert diagnostic.hint == "did you mean 'downtown'?"


def test_one_broken_file_does_not_hide_the_others(write_repo: WriteRepo) -> None:
    other = ACUPINITIAL.replace("name: acupinitial", "name: other").replace("[downtown,", "[nowhere,")
    root = write_repo(sessions={"acupinitial": "a: [\n", "other": other})
    codes = {(path, code) for path, _, _, code in found(root) if code != "SC304"}
    assert codes == {("sessions/acupinitial.yaml", "SC003"), ("sessions/other.yaml", "SC201")}


def test_repository_is_authoritative(write_repo: WriteRepo) -> None:
    root = write_repo(
        billing=None, files={"sessions/extra.yml": "name: extra\n", "sessions/sub/x.yaml": "x: 1\n"}
    )
    codes = sorted((path, code) for path, _, _, code in found(root))
    assert codes == [
        ("billing_items.yaml", "SC010"),
        ("sessions/extra.yml", "SC011"),
        ("sessions/sub", "SC011"),
    ]


def test_paths_select_the_reported_files(write_repo: WriteRepo) -> None:
    other = ACUPINITIAL.replace("name: acupinitial", "name: other").replace("[downtown,", "[nowhere,")
    root = write_repo(
        sessions={"acupinitial": ACUPINITIAL.replace("duration: 60", "duration: 62"), "other": other}
    )
    assert [c for *_, c in found(root, root / "sessions/acupinitial.yaml")] == ["SC302"]
    # a catalogue among the paths reports every file
    assert sorted(c for *_, c in found(root, root / "locations.yaml")) == ["SC201", "SC302"]


def test_disable_comment_on_a_line_and_for_a_file(write_repo: WriteRepo) -> None:
    line = ACUPINITIAL.replace("duration: 60", "duration: 62  # sessconf: disable=SC302")
    whole = "# sessconf: disable=off-step\n" + ACUPINITIAL.replace("duration: 60", "duration: 62")
    wrong = ACUPINITIAL.replace("duration: 60", "duration: 62  # sessconf: disable=SC201,SC999")
    root = write_repo(
        sessions={
            "acupinitial": line,
            "b": whole.replace("name: acupinitial", "name: b"),
            "c": wrong.replace("name: acupinitial", "name: c"),
        }
    )
    assert sorted((p, c) for p, _, _, c in found(root)) == [
        ("sessions/c.yaml", "SC302"),
        ("sessions/c.yaml", "SC307"),
        ("sessions/c.yaml", "SC307"),
    ]


def test_settings_regrade_and_turn_off_rules(write_repo: WriteRepo) -> None:
    body = ACUPINITIAL.replace("duration: 60", "duration: 62").replace(
        "acupinitial", "acupuncture-initial-visit"
    )
    root = write_repo(
        sessions={"acupuncture-initial-visit": body},
        pyproject='[tool.sessconf.rules]\nSC302 = "error"\nlong-name = "off"\n',
    )
    (diagnostic,) = lint(root, jobs=1).diagnostics
    assert (diagnostic.code, diagnostic.severity.value) == ("SC302", "error")


def test_settings_refuse_to_regrade_an_error(write_repo: WriteRepo) -> None:
    root = write_repo(
        pyproject='[tool.sessconf]\ncurrency = "CAD"\n\n[tool.sessconf.rules]\nSC201 = "warning"\n'
    )
    assert found(root) == [("pyproject.toml", 5, 1, "SC012")]


# -- which files (SPEC §3) ------------------------------------------------------------------------


def test_a_path_outside_the_repository_is_a_usage_error(run: Run, write_repo: WriteRepo) -> None:
    root = write_repo()
    result = run("lint", "/etc/passwd", "--dir", root)
    assert result.exit_code == 2
    assert "All checks passed" not in result.output
    assert f"/etc/passwd is not in the repository {root}" in result.output


@pytest.mark.parametrize("rel", ["README.md", ".git", "sessions/.hidden.yaml", "nope.yaml"])
def test_a_path_that_is_not_a_file_of_the_repository_is_a_usage_error(
    run: Run, write_repo: WriteRepo, rel: str
) -> None:
    root = write_repo(
        files={"README.md": "# clinic\n", ".git/HEAD": "ref\n", "sessions/.hidden.yaml": "x: 1\n"}
    )
    result = run("lint", "--dir", root, root / rel)
    assert result.exit_code == 2
    assert "All checks passed" not in result.output


def test_a_folder_of_the_repository_selects_its_files(write_repo: WriteRepo) -> None:
    other = ACUPINITIAL.replace("name: acupinitial", "name: other").replace("[downtown,", "[nowhere,")
    root = write_repo(
        sessions={"acupinitial": ACUPINITIAL, "other": other}, files={"sessions/x.yml": "a: 1\n"}
    )
    assert sorted((p, c) for p, *_, c in found(root, root / "sessions")) == [
        ("sessions/other.yaml", "SC201"),
        ("sessions/x.yml", "SC011"),
    ]
