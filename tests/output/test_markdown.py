"""``sessconf diff --format markdown``: the plan as a pull-request comment (golden files).

The goldens are in ``tests/golden/markdown/``; after a deliberate change of the rendering, rewrite
them with ``SESSCONF_UPDATE_GOLDEN=1 .venv/bin/pytest tests/output/test_markdown.py`` and read the
diff before committing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from sessconf.diagnostics import Diagnostic, Severity
from sessconf.output import Context, markdown
from sessconf.plan.plan import Action, Change, Plan
from sessconf.plan.state import BillingLineState, ConfigState, EntityKind, SessionState
from sessconf.store import Store
from sessconf.store.url import resolve
from tests.conftest import TESTS
from tests.plan_tools import big_edit, plan_of, review_plan, state
from tests.plan_tools import session as session_state

Run = Callable[..., Result]
GOLDEN = TESTS / "golden" / "markdown"
TORONTO = ZoneInfo("America/Toronto")
VANCOUVER = ZoneInfo("America/Vancouver")
SLOT = datetime(2099, 3, 2, 10, 0, tzinfo=TORONTO)  # fixed and far ahead: the golden names dates
CLIENTS = ("Zelda Secretname", "client-4711", "Bob Hidden", "Ann Private", "Cy Unseen")
GITHUB_ENV = ("GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_SERVER_URL")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SESSCONF_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"differs from {path} (SESSCONF_UPDATE_GOLDEN=1 rewrites it)"
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(autouse=True)
def outside_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """The goldens are rendered as outside a workflow run, also when CI runs on GitHub."""
    for name in GITHUB_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def eventful(run: Run, clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example clinic applied to a store, appointments booked, then a change of every kind."""
    monkeypatch.chdir(tmp_path)
    assert run("apply", "--dir", clinic, "--store", "sqlite:///store.db", "--yes").exit_code == 0
    with Store(resolve("sqlite:///store.db", None, clinic)) as store:
        booking = store.booking()
        booking.book("acupinitial", CLIENTS[0], "downtown", SLOT)
        booking.book("ndvirtual", CLIENTS[1], "kitsilano", SLOT.astimezone(VANCOUVER))
        for client in CLIENTS[2:]:
            booking.book("pilatesclass", client, "westside", SLOT)
    sessions = clinic / "sessions"
    (sessions / "acupinitial.yaml").unlink()  # booked: the delete is blocked
    (sessions / "orthotics.yaml").unlink()  # never booked: deleted
    (sessions / "chiroadjust.yaml").rename(sessions / "chiroadjustment.yaml")
    edit(sessions / "chiroadjustment.yaml", "name: chiroadjust", "name: chiroadjustment")
    edit(
        sessions / "chiroadjustment.yaml", "buffer_after: 5", "buffer_after: 5\nprevious_names: [chiroadjust]"
    )
    edit(sessions / "ndvirtual.yaml", "telehealth: true", "telehealth: true\narchived: true")
    edit(sessions / "ndvirtual.yaml", "locations: [downtown, kitsilano]", "locations: [downtown]")
    edit(sessions / "pilatesclass.yaml", "max_attendees: 6", "max_attendees: 2")
    edit(sessions / "rmt60.yaml", "duration: 60", "duration: 75")
    edit(sessions / "rmt30.yaml", 'color: "#b45309"', 'color: "#c2410c"')
    edit(clinic / "billing_items.yaml", 'price: "115.00"', 'price: "125.00"')
    (sessions / "introclass.yaml").write_text(
        "name: introclass\n"
        "description: 'Intro <b>class</b> | *free* for @everyone'\n"
        "discipline: physiotherapy\n"
        "locations: [westside]\n"
        'color: "#22C55E"\n'
        "duration: 45\n"
        "billing_items: [pilates-class]\n"
        "max_attendees: 8\n"
    )
    return clinic


def plan_markdown(run: Run, clinic: Path) -> Result:
    return run("diff", "--dir", clinic, "--store", "sqlite:///store.db", "--format", "markdown")


def normalized(text: str, tmp_path: Path) -> str:
    return text.replace(str(tmp_path.resolve()), "<tmp>").replace(str(tmp_path), "<tmp>")


def test_a_plan_with_every_kind_of_change(run: Run, eventful: Path, tmp_path: Path) -> None:
    result = plan_markdown(run, eventful)
    assert result.exit_code == 1  # a blocked change
    check_golden("eventful.md", normalized(result.stdout, tmp_path))


def test_risky_changes_come_first_blocked_ones_with_their_fix(
    run: Run, eventful: Path, tmp_path: Path
) -> None:
    text = plan_markdown(run, eventful).stdout
    lines = text.splitlines()
    assert lines[0] == markdown.MARKER
    sections = [
        lines.index("#### ⛔ Blocked: 1 change cannot be applied"),
        lines.index("#### 🗑️ To delete (1)"),
        lines.index("#### 🗄️ To archive (1)"),
        lines.index("#### 🔁 To rename (1)"),
        lines.index("#### 💲 Charges on arrival"),
        lines.index("<details><summary>Sessions: 1 to create, 3 to update</summary>"),
    ]
    assert sections == sorted(sections)  # risk first (SPEC §4), the rest folded per kind
    assert "keep it with `archived: true` in sessions/acupinitial.yaml instead of deleting it" in text


def test_the_comment_holds_no_client_data(run: Run, eventful: Path, tmp_path: Path) -> None:
    text = plan_markdown(run, eventful).stdout
    for client in CLIENTS:
        assert client not in text
    assert "2099-03-02" in text  # dates and counts are what a plan shows instead


def test_user_text_is_literal(run: Run, eventful: Path, tmp_path: Path) -> None:
    text = plan_markdown(run, eventful).stdout
    # Markdown, HTML and @mentions in a description stay inert inside a code span.
    assert '  - `description`: `"Intro <b>class</b> | *free* for @everyone"`' in text.splitlines()
    assert text.count("<b>") == 1


def test_no_changes(run: Run, clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run("apply", "--dir", clinic, "--store", "sqlite:///store.db", "--yes")
    result = plan_markdown(run, clinic)
    assert result.exit_code == 0
    check_golden("no-changes.md", normalized(result.stdout, tmp_path))


# -- the size cap ------------------------------------------------------------------------------


def session(name: str, description: str) -> SessionState:
    return SessionState(
        name, description, "massage", ("downtown",), "#d97706", 60, (BillingLineState("rmt-60", 1),)
    )


def big_plan(creates: int, *, blocked: int = 0, warnings: int = 0, description: str = "x" * 200) -> Plan:
    changes = [
        Change(
            EntityKind.SESSION,
            f"s{i:05d}",
            Action.CREATE,
            None,
            session(f"s{i:05d}", description),
            charges=(None, "115.00"),
        )
        for i in range(creates)
    ]
    changes += [
        Change(
            EntityKind.SESSION,
            f"b{i:05d}",
            Action.DELETE,
            session(f"b{i:05d}", "old"),
            None,
            True,
            f"used by 3 appointments (from 2099-01-01 to 2099-02-01); keep it with `archived: true` in "
            f"sessions/b{i:05d}.yaml instead of deleting it",
            charges=("115.00", None),
        )
        for i in range(blocked)
    ]
    diagnostics = [
        Diagnostic(Path.cwd() / f"sessions/s{i:05d}.yaml", 6, 11, Severity.WARNING, "SC302", "off step " * 20)
        for i in range(warnings)
    ]
    return Plan(
        changes, "sqlite:///store.db", None, ConfigState(), ConfigState(), "CAD", 0, diagnostics=diagnostics
    )


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def test_a_large_plan_is_cut_below_githubs_limit_with_a_pointer() -> None:
    text = markdown.render_plan(big_plan(3_000, warnings=500), Context(), artifact="the artifact")
    assert size(text) <= markdown.MAX_CHARS < markdown.GITHUB_LIMIT
    assert text.startswith(markdown.MARKER + "\n")
    assert "| 3000 | 0 | 0 | 0 | 0 | 0 | 0 |" in text
    shown = text.count("- ➕ **create** session")
    assert 0 < shown < 3_000
    warned = text.count(" warning SC302: ")
    assert f"> {3_000 - shown} changes and {500 - warned} lint warnings not shown here" in text
    assert "See the artifact." in text
    assert text.endswith("(0 blocked).</sub>\n")
    assert text.count("<details>") == text.count("</details>")


def test_blocked_changes_are_kept_before_the_others_when_cutting() -> None:
    text = markdown.render_plan(big_plan(2_000, blocked=30), Context(), artifact="x")
    assert text.count("⛔ **blocked**") == 30
    assert size(text) <= markdown.MAX_CHARS


def test_the_charges_table_is_capped() -> None:
    updates = [
        Change(
            EntityKind.SESSION,
            f"s{i:03d}",
            Action.UPDATE,
            session(f"s{i:03d}", "old"),
            session(f"s{i:03d}", "new"),
            charges=("115.00", "125.00"),
            old_name=f"s{i:03d}",
        )
        for i in range(markdown.MAX_CHARGE_ROWS + 7)
    ]
    plan = Plan(updates, "sqlite:///store.db", None, ConfigState(), ConfigState(), "CAD", 0)
    text = markdown.render_plan(plan, Context(), artifact="x")
    rows = [line for line in text.splitlines() if line.startswith("| `s")]
    assert len(rows) == markdown.MAX_CHARGE_ROWS
    assert rows[0] == "| `s000` | 115.00 CAD | **125.00 CAD** |"
    assert "| … 7 more (in the changes below) | | |" in text
    assert text.count("charges on arrival: **115.00 → 125.00 CAD**") == len(updates)


@pytest.mark.parametrize("budget", [1_500, 2_500, 5_000, 20_000, 65_536])
def test_every_budget_is_kept(budget: int) -> None:
    plan = big_plan(300, blocked=5, warnings=40, description="é" * 150)  # two bytes a character
    text = markdown.render_plan(plan, Context(), artifact="x", max_chars=budget)
    assert size(text) <= budget
    assert text.count("<details>") == text.count("</details>")


def test_a_cut_plan_golden() -> None:
    plan = big_plan(40, blocked=2, warnings=3, description="Registered massage therapy")
    text = markdown.render_plan(plan, Context(cwd=Path.cwd()), max_chars=3_000)
    check_golden("truncated.md", text)


def test_the_pointer_links_the_workflow_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "clinic/config")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    text = markdown.render_plan(big_plan(500), Context(), max_chars=4_000)
    assert (
        "See `plan.json` in the artifacts of "
        "[this workflow run](https://github.example/clinic/config/actions/runs/42)." in text
    )


@pytest.mark.parametrize(
    ("text", "span"),
    [
        pytest.param("plain", "`plain`", id="plain"),
        pytest.param("a `b` c", "`` a `b` c ``", id="backticks"),
        pytest.param("``x``", "``` ``x`` ```", id="double-backticks"),
        pytest.param("one\ntwo", "`one two`", id="newline"),
    ],
)
def test_code_spans(text: str, span: str) -> None:
    assert markdown._code(text) == span


# -- risk first: every blocked, delete, archive and rename change is named ------------------------


def risky_part(text: str) -> list[str]:
    """The lines before the charges table and the folded changes: where risky changes are named."""
    return text.split("#### 💲")[0].split("<details>")[0].splitlines()


def named_in(text: str, change: Change) -> bool:
    """``change`` is named among the risky changes: on its own line, or in a list of names."""
    span = markdown._code(change.name)
    return any(line.startswith("- ") and (f" {span}" in line) for line in risky_part(text))


def test_a_cut_risk_first_plan_golden() -> None:
    text = markdown.render_plan(review_plan(), Context(), max_chars=1_700)
    check_golden("risk-first.md", text)


def test_risky_names_only_golden() -> None:
    """A budget too small for one line per risky change: names per kind, none left out."""
    text = markdown.render_plan(review_plan(), Context(), max_chars=900)
    check_golden("risk-names.md", text)


def test_every_delete_of_a_4000_change_plan_is_named_in_the_comment() -> None:
    """Issue 9 item 1: the comment listed 664 updates and none of the 50 deletes."""
    plan = big_edit(sessions=10_000, updates=3_950, deletes=50, blocked=5)
    text = markdown.render_plan(plan, Context(), artifact="x")
    assert size(text) <= markdown.MAX_CHARS
    deletes = [c for c in plan.changes if c.action == "delete"]
    assert len(deletes) == 50
    assert all(named_in(text, c) for c in deletes)
    assert text.count("⛔ **blocked**") == 5
    shown = text.count("- ✏️ **update** session")
    assert f"> {3_950 - shown} other changes not shown here" in text


def test_risky_changes_are_named_whatever_the_budget() -> None:
    plan = big_edit(sessions=400, updates=200, deletes=60, blocked=3, archives=20, renames=20)
    for budget in (1_000, 2_000, 4_000, 8_000, 20_000):
        text = markdown.render_plan(plan, Context(), artifact="x", max_chars=budget)
        assert all(named_in(text, c) for c in plan.risky), budget
        # Over budget only when even the names per kind do not fit in it.
        assert size(text) <= budget or "- Sessions (" in text, budget
        assert text.count("<details>") == text.count("</details>")


def test_risky_changes_beyond_githubs_limit_are_still_all_named() -> None:
    """6,000 deletes of long names do not fit in a comment: naming them wins over the limit."""
    before = [session_state(f"a-session-with-a-long-name-{i:05d}") for i in range(6_000)]
    plan = plan_of(state(before), state([]))
    text = markdown.render_plan(plan, Context(), artifact="x")
    assert all(markdown._code(s.name) in text for s in before)
    assert text.endswith("(0 blocked).</sub>\n")
    assert "> [!NOTE]" in text


def test_charge_impact_rows_follow_the_changed_sessions() -> None:
    text = markdown.render_plan(review_plan(), Context(), artifact="x")
    lines = text.splitlines()
    table = lines[lines.index("| session | before | after |") :]
    assert table[2] == "| `ndvirtual` | 115.00 CAD | **125.00 CAD** |"
    assert table[12:14] == [
        "| `rmt30` (unchanged; billing item `rmt-30`) | 65.00 CAD | **0.00 CAD** |",
        "| `rmt60` (unchanged; billing item `rmt-60`) | 115.00 CAD | **125.00 CAD** |",
    ]
