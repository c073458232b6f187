"""Colour chips in the pull-request comment: backticked ``#rrggbb`` and the colour table."""

from __future__ import annotations

from sessconf.output import Context, markdown
from sessconf.plan.plan import Plan
from tests.output.test_markdown import check_golden
from tests.plan_tools import plan_of, session, state


def colour_plan() -> Plan:
    before = state([session("rmt30", color="#b45309"), session("rmt60"), session("rmt90", color="#92400e")])
    after = state(
        [
            session("rmt30", color="#c2410c"),
            session("rmt60", color="#b91c1c", duration=75),
            session("rmt90", color="#92400e"),
            session("rmt120", color="#7c2d12", duration=120),
        ]
    )
    return plan_of(before, after)


def test_colours_are_backticked_hex_and_changes_get_a_table() -> None:
    text = markdown.render_plan(colour_plan(), Context(), artifact="x")
    table = text.split("#### 🎨 Colours\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table == [
        "| session | old | new |",
        "| --- | --- | --- |",
        "| `rmt30` | `#b45309` | `#c2410c` |",
        "| `rmt60` | `#d97706` | `#b91c1c` |",
    ]
    assert "  - `color`: `#7c2d12`" in text  # a created session's colour: a chip too
    assert "  - `color`: `#d97706` → `#b91c1c`" in text
    assert '"#' not in text  # never a quoted colour


def test_the_colour_table_is_capped() -> None:
    count = markdown.MAX_COLOR_ROWS + 3
    before = state([session(f"s{i:03d}") for i in range(count)])
    after = state([session(f"s{i:03d}", color="#b91c1c") for i in range(count)])
    text = markdown.render_plan(plan_of(before, after), Context(), artifact="x")
    rows = [line for line in text.splitlines() if line.startswith("| `s") and "`#b91c1c` |" in line]
    assert len(rows) == markdown.MAX_COLOR_ROWS
    assert "| … 3 more (in the changes below) | | |" in text


def test_colour_chips_golden() -> None:
    check_golden("colors.md", markdown.render_plan(colour_plan(), Context(), artifact="x"))
