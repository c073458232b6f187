"""The plan as text (``sessconf diff``, and the preview ``apply`` shows before it asks): risk first,
and a preview that cannot show everything still names every risky change (SPEC §4, "Order and
previews").

The goldens are in ``tests/golden/text/``; after a deliberate change of the rendering, rewrite them
with ``SESSCONF_UPDATE_GOLDEN=1 .venv/bin/pytest tests/output/test_text.py`` and read the diff.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.cli.apply import SHOWN_CHANGES
from sessconf.output import Context, markdown, text
from tests.conftest import TESTS
from tests.plan_tools import big_edit, review_plan

Run = Callable[..., Result]
GOLDEN = TESTS / "golden" / "text"
TITLE = re.compile(r"^[-+~>au] (\w+) +(session|location|billing item) (\S+)")


def check_golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SESSCONF_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), (
        f"differs from {path} (SESSCONF_UPDATE_GOLDEN=1 rewrites it)"
    )


def titles(rendered: str) -> list[tuple[str, str, str]]:
    """(action, entity, name) of every change the text names, in order."""
    return [m.groups() for line in rendered.splitlines() if (m := TITLE.match(line))]  # type: ignore[misc]


def test_the_whole_plan_golden() -> None:
    check_golden("plan.txt", text.render_plan(review_plan(), Context()))


def test_a_cut_preview_golden() -> None:
    check_golden("preview.txt", text.render_plan(review_plan(), Context(), limit=6))


def test_the_text_lists_changes_in_the_plans_risk_order() -> None:
    plan = review_plan()
    expected = [(c.action.value, c.entity.replace("_", " "), c.name) for c in plan.changes]
    assert titles(text.render_plan(plan, Context())) == expected


@pytest.mark.parametrize("limit", [SHOWN_CHANGES, 20])
def test_every_delete_of_a_4000_change_plan_is_named_in_the_preview(limit: int) -> None:
    """Issue 9 item 1: 50 deletes among 4,000 changes; sorted by name they came last."""
    plan = big_edit(sessions=10_000, updates=3_950, deletes=50, blocked=5)
    assert len(plan.changes) == 4_000
    preview = text.render_plan(plan, Context(), limit=limit)
    deletes = {c.name for c in plan.changes if c.action == "delete"}
    named = titles(preview)
    assert {name for action, _, name in named if action == "delete"} == deletes
    assert len(named) == max(limit, 50)
    assert preview.count("(BLOCKED)") == max(0, 5 - limit)
    left_out = 4_000 - len(named)
    assert f"and {left_out} more changes not shown (`sessconf diff` lists them all)" in preview or (
        f"... and {left_out} more changes (`sessconf diff` lists them all)" in preview.splitlines()
    )


def test_risky_changes_past_the_limit_are_named_on_one_line() -> None:
    plan = big_edit(sessions=100, updates=40, deletes=20, archives=5, renames=5)
    preview = text.render_plan(plan, Context(), limit=10)
    lines = preview.splitlines()
    assert [action for action, _, _ in titles(preview)] == ["delete"] * 20 + ["archive"] * 5 + ["rename"] * 5
    assert "... 20 changes above named without details, and 40 more changes not shown" in preview
    # the eleventh change on is a title alone
    eleventh = lines.index("- delete    session s00010")
    assert lines[eleventh + 1] == "- delete    session s00011"


def test_thousands_of_risky_changes_are_all_named() -> None:
    plan = big_edit(sessions=5_000, updates=500, deletes=3_000, archives=500)
    preview = text.render_plan(plan, Context(), limit=SHOWN_CHANGES)
    assert len(titles(preview)) == 3_500
    assert "and 500 more changes not shown" in preview


def test_charge_impact_is_shown_and_capped_in_the_preview() -> None:
    plan = review_plan()
    full = text.render_plan(plan, Context()).splitlines()
    assert full[
        full.index("Charges on arrival of sessions that do not change (billing items they list do):") :
    ][1:3] == [
        "$ session rmt30: 65.00 → 0.00 CAD (billing item rmt-30)",
        "$ session rmt60: 115.00 → 125.00 CAD (billing item rmt-60)",
    ]
    cut = text.render_plan(plan, Context(), limit=1)
    assert "$ session rmt30: 65.00 → 0.00 CAD (billing item rmt-30)" in cut
    assert "rmt60:" not in cut
    assert "  ... and 1 more (`sessconf diff` lists them all)" in cut


# -- end to end ---------------------------------------------------------------------------------


SESSION = """\
name: {name}
description: "{description}"
discipline: massage
locations: [downtown]
color: "#d97706"
duration: 60
billing_items: [needles]
"""


@pytest.fixture
def big_change(run: Run, write_repo: Callable[..., Path], tmp_path: Path) -> tuple[Path, set[str]]:
    """260 sessions applied, then 230 descriptions edited and 12 session files deleted."""
    names = [f"s{i:03d}" for i in range(260)]
    root = write_repo(
        sessions={n: SESSION.format(name=n, description=f"Massage {n} " + "x" * 150) for n in names}
    )
    store = f"sqlite:///{tmp_path / 'store.db'}"
    assert run("apply", "--dir", root, "--store", store, "--yes").exit_code == 0
    for n in names[:230]:
        path = root / "sessions" / f"{n}.yaml"
        path.write_text(path.read_text().replace("x" * 150, "y" * 150))
    deleted = set(names[-12:])
    for n in deleted:
        (root / "sessions" / f"{n}.yaml").unlink()
    return root, deleted


def test_both_previews_of_a_big_change_name_every_delete(
    run: Run, big_change: tuple[Path, set[str]], tmp_path: Path
) -> None:
    root, deleted = big_change
    store = f"sqlite:///{tmp_path / 'store.db'}"
    comment = run("diff", "--dir", root, "--store", store, "--format", "markdown").output
    assert len(comment.encode()) <= markdown.MAX_CHARS
    risky = comment.split("#### 💲")[0].split("<details>")[0]
    assert all(f"- 🗑️ **delete** session `{n}`" in risky.splitlines() for n in deleted)
    assert re.search(r"> \d+ other changes and \d+ lint warnings? not shown here", comment)

    result = run("apply", "--dir", root, "--store", store, "--force")  # no terminal, no --yes
    assert result.exit_code == 1
    assert "no terminal to confirm on" in result.output
    named = titles(result.output)
    assert {n for action, _, n in named if action == "delete"} == deleted
    assert named[:12] == [("delete", "session", n) for n in sorted(deleted)]
    assert f"... and {242 - SHOWN_CHANGES} more changes (`sessconf diff` lists them all)" in result.output


def test_a_plan_without_risky_changes_is_cut_as_before() -> None:
    plan = big_edit(sessions=300, updates=250, deletes=0)
    preview = text.render_plan(plan, Context(), limit=SHOWN_CHANGES)
    assert len(titles(preview)) == SHOWN_CHANGES
    assert "... and 50 more changes (`sessconf diff` lists them all)" in preview.splitlines()
