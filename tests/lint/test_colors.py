"""Colour advice (SC310 similar-colors, SC311 faint-color) and the colour math behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessconf import colors
from sessconf.lint.engine import lint
from tests.conftest import ACUPINITIAL, WriteRepo

# CIEDE2000 reference pairs (CIELab D65) from Sharma, Wu and Dalal's CIEDE2000 test data, the
# table coloraide's documentation and tests verify its ΔE 2000 against, and known WCAG ratios.
DELTA_E_2000 = [
    pytest.param(
        "color(--lab-d65 50 2.6772 -79.7751)", "color(--lab-d65 50 0 -82.7485)", 2.0425, id="pair-1"
    ),
    pytest.param(
        "color(--lab-d65 50 -1.3802 -84.2814)", "color(--lab-d65 50 0 -82.7485)", 1.0000, id="pair-3"
    ),
    pytest.param("color(--lab-d65 50 2.5 0)", "color(--lab-d65 73 25 -18)", 27.1492, id="pair-17"),
    pytest.param("#0f766e", "#0f766e", 0.0, id="same"),
]
CONTRAST = [
    pytest.param("#000000", "#ffffff", 21.0, id="black-on-white"),
    pytest.param("#777777", "#ffffff", 4.48, id="grey-4.48"),
    pytest.param("#ff0000", "#ffffff", 4.00, id="red-4.00"),
    pytest.param("#ffffff", "#ffffff", 1.0, id="white-on-white"),
]


@pytest.mark.parametrize(("one", "other", "expected"), DELTA_E_2000)
def test_delta_e_2000(one: str, other: str, expected: float) -> None:
    assert colors.difference(one, other) == pytest.approx(expected, abs=1e-4)
    assert colors.difference(other, one) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("foreground", "background", "expected"), CONTRAST)
def test_wcag_contrast(foreground: str, background: str, expected: float) -> None:
    assert colors.contrast(foreground, background) == pytest.approx(expected, abs=5e-3)


@pytest.mark.parametrize(
    ("background", "text"), [("#0f766e", "#ffffff"), ("#fde68a", "#000000"), ("#ffffff", "#000000")]
)
def test_text_colour_is_the_one_with_more_contrast(background: str, text: str) -> None:
    assert colors.text_on(background) == text


def test_the_lightness_bound_never_spares_a_close_pair() -> None:
    """``may_be_closer`` is a necessary condition: a pair it rules out is never closer."""
    greys = [f"#{v:02x}{v:02x}{v:02x}" for v in range(0, 256, 5)]
    tints = [f"#{r:02x}{g:02x}{b:02x}" for r in (0, 120, 255) for g in (0, 120, 255) for b in (0, 120, 255)]
    palette = greys + tints
    for one in palette:
        for other in palette:
            if not colors.may_be_closer(one, other, 10):
                assert colors.difference(one, other) >= 10, (one, other)


def session(name: str, discipline: str, color: str, locations: str = "[downtown]", **extra: str) -> str:
    lines = [
        f"name: {name}",
        f"description: Session {name}",
        f"discipline: {discipline}",
        f"locations: {locations}",
        f'color: "{color}"',
        "duration: 30",
        "billing_items: [acup-initial, needles]",
        *(f"{key}: {value}" for key, value in extra.items()),
    ]
    return "\n".join(lines) + "\n"


def findings(root: Path) -> list[tuple[str, int, int, str]]:
    return [
        (d.path.name, d.line, d.column, d.code)
        for d in lint(root).diagnostics
        if d.code in ("SC310", "SC311")
    ]


SIMILAR = [
    pytest.param(
        {"acup": session("acup", "acupuncture", "#0f766e"), "rmt": session("rmt", "massage", "#0f766f")},
        [("acup.yaml", 5, 8, "SC310"), ("rmt.yaml", 5, 8, "SC310")],
        id="different-disciplines-same-place",
    ),
    pytest.param(
        {
            "acup": session("acup", "acupuncture", "#0f766e"),
            "acup2": session("acup2", "acupuncture", "#0f766e"),
        },
        [],
        id="same-discipline-may-share",
    ),
    pytest.param(
        {
            "acup": session("acup", "acupuncture", "#0f766e", "[downtown]"),
            "rmt": session("rmt", "massage", "#0f766e", "[westside]"),
        },
        [],
        id="no-shared-location",
    ),
    pytest.param(
        {
            "acup": session("acup", "acupuncture", "#0f766e"),
            "rmt": session("rmt", "massage", "#0f766e", archived="true"),
        },
        [],
        id="archived-is-not-on-the-calendar",
    ),
    pytest.param(
        {"acup": session("acup", "acupuncture", "#0f766e"), "rmt": session("rmt", "massage", "#b45309")},
        [],
        id="far-apart",
    ),
]


@pytest.mark.parametrize(("sessions", "expected"), SIMILAR)
def test_similar_colors(
    write_repo: WriteRepo, sessions: dict[str, str], expected: list[tuple[str, int, int, str]]
) -> None:
    assert findings(write_repo(sessions=sessions)) == expected


def test_the_warning_names_the_other_session_and_where_its_colour_is(write_repo: WriteRepo) -> None:
    root = write_repo(
        sessions={
            "acup": session("acup", "acupuncture", "#0f766e"),
            "rmt": session("rmt", "massage", "#107a70"),
            "physio": session("physio", "physiotherapy", "#0f766f"),
        }
    )
    (acup,) = [d for d in lint(root).diagnostics if d.code == "SC310" and d.path.name == "acup.yaml"]
    assert "session 'physio' (physiotherapy, sessions/physio.yaml:5)" in acup.message  # the closest
    assert "ΔE₀₀ 0.4, below 10" in acup.message
    assert acup.message.startswith("color #0f766e is hard to tell from #0f766f")


FAINT = [
    pytest.param("#86efac", "", [("acupinitial.yaml", 5, 8, "SC311")], id="pale-green-on-white"),
    pytest.param("#0f766e", "", [], id="teal-700-stands-out"),
    pytest.param(
        "#0f766e",
        'calendar_background = "#0F766E"',
        [("acupinitial.yaml", 5, 8, "SC311")],
        id="same-as-background",
    ),
    pytest.param("#86efac", "min_color_contrast = 1.2", [], id="threshold-is-a-setting"),
    pytest.param("#86efac", "[tool.sessconf.rules]\nfaint-color = 'off'", [], id="rule-off"),
]


@pytest.mark.parametrize(("color", "settings", "expected"), FAINT)
def test_faint_color(
    write_repo: WriteRepo, color: str, settings: str, expected: list[tuple[str, int, int, str]]
) -> None:
    pyproject = "[tool.sessconf]\n" + settings + "\n"
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("#0f766e", color)}, pyproject=pyproject)
    assert findings(root) == expected


def test_difference_threshold_is_a_setting(write_repo: WriteRepo) -> None:
    sessions = {
        "acup": session("acup", "acupuncture", "#0f766e"),
        "rmt": session("rmt", "massage", "#b45309"),
    }
    root = write_repo(sessions=sessions, pyproject="[tool.sessconf]\nmin_color_difference = 60\n")
    assert [code for *_, code in findings(root)] == ["SC310", "SC310"]


def test_a_bad_background_is_a_settings_error(write_repo: WriteRepo) -> None:
    root = write_repo(pyproject='[tool.sessconf]\ncalendar_background = "white"\n')
    (problem,) = [d for d in lint(root).diagnostics if d.code == "SC012"]
    assert "calendar_background" in problem.message
    assert (problem.line, problem.column) == (2, 1)


def test_the_example_clinic_lints_clean_with_colour_advice_on(clinic: Path) -> None:
    assert findings(clinic) == []
