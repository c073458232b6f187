"""One bad item of a list is reported at its position, and the list's other items still take part
in every check (SPEC §3: one error never hides another).

``locations: [downtown, "Bad!"]`` used to leave the session's locations unknown, so a discipline
that ``downtown`` does not offer went unreported; a billing list with one bad line hid an unknown
code in another; a location with one bad discipline hid the others from the discipline checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

Run = Callable[..., Result]


def _found(run: Run, root: Path) -> list[tuple[str, int, int, str]]:
    result = run("lint", "--dir", root, "--format", "json")
    return sorted(
        (Path(str(d["path"])).name, int(d["line"]), int(d["column"]), str(d["code"]))
        for d in json.loads(result.output)["diagnostics"]
        if d["severity"] == "error"
    )


SESSION = """\
name: s
description: Test
discipline: {discipline}
locations: {locations}
color: "#0f766e"
duration: 60
billing_items: {billing}
"""


def _session(discipline: str = "acupuncture", locations: str = "[downtown]", billing: str = "[]") -> str:
    return SESSION.format(discipline=discipline, locations=locations, billing=billing)


def test_a_bad_location_entry_leaves_the_others_checked(run: Run, write_repo: Callable[..., Path]) -> None:
    # westside does not offer physiotherapy: reported although the list's second entry is bad
    root = write_repo(sessions={"s": _session("physiotherapy", '[westside, "Bad!", 5]')})
    assert _found(run, root) == [
        ("s.yaml", 4, 13, "SC204"),  # westside, at its own position
        ("s.yaml", 4, 23, "SC104"),  # 'Bad!'
        ("s.yaml", 4, 31, "SC103"),  # 5
    ]


def test_a_bad_billing_line_leaves_the_others_checked(run: Run, write_repo: Callable[..., Path]) -> None:
    billing = "[{item: needles, quantity: 0}, acup-initial, acup-initial, nope, {item: needless}]"
    root = write_repo(sessions={"s": _session(billing=billing)})
    assert _found(run, root) == [
        ("s.yaml", 7, 43, "SC108"),  # quantity 0
        ("s.yaml", 7, 61, "SC112"),  # the second acup-initial, hidden by the bad line before
        ("s.yaml", 7, 75, "SC202"),  # nope, at its position in the file (not in the kept list)
        ("s.yaml", 7, 81, "SC202"),  # needless
    ]


def test_a_bad_discipline_of_a_location_leaves_the_others_offered(
    run: Run, write_repo: Callable[..., Path]
) -> None:
    locations = """\
    downtown:
      name: Downtown
      timezone: America/Toronto
      disciplines: [acupuncture, Bad!]
    """
    root = write_repo(sessions={"s": _session("yoga")}, locations=locations)
    assert _found(run, root) == [
        ("locations.yaml", 4, 30, "SC104"),
        ("s.yaml", 3, 13, "SC203"),  # yoga: no location offers it (acupuncture is known)
    ]
