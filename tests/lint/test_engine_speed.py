"""What makes lint fast must not change what it finds: the forked loader, the session index,
rules turned off by settings, lazy paths (the pool itself: ``speed/test_pool.py``; the
collector: ``speed/test_gc.py``)."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.codes import Code, turned_off
from sessconf.diagnostics import Diagnostic
from sessconf.lint import checks
from sessconf.lint.context import LintContext
from sessconf.lint.engine import lint
from sessconf.repository.load import load_repository
from sessconf.repository.model import Entry, Repository
from tests.conftest import ACUPINITIAL, WriteRepo

Run = Callable[..., Result]

LOCATIONS = "".join(
    f"loc{i}:\n  name: Location {i}\n  timezone: America/Toronto\n"
    f"  disciplines: [acupuncture{', massage' if i % 2 else ''}]\n" + ("  archived: true\n" if i == 5 else "")
    for i in range(8)
)
BILLING = "".join(f"item{i}:\n  name: Item {i}\n  kind: service\n  price: '{i}.00'\n" for i in range(6))


def session_text(index: int) -> str:
    """A session file; one in 37 has a problem of some kind, found by the worker or the rules."""
    name = f"s{index:05d}"
    lines = [
        f"name: {name}",
        f'description: "Session number {index}"',
        f"discipline: {'massage' if index % 3 == 0 else 'acupuncture'}",
        f"locations: [loc{index % 8}, loc{(index + 3) % 8}]" if index % 5 else f"locations: [loc{index % 8}]",
        'color: "#0f766e"',
        f"duration: {15 * (1 + index % 4)}",
    ]
    if index % 4 == 0:
        lines.append("billing_items:\n  - item1\n  - item: item2\n    quantity: 2")
    elif index % 4 == 1:
        lines.append("billing_items: [item3]")
    if index % 11 == 0:
        lines.append("archived: true")
    if index % 13 == 0:
        lines.append(f"previous_names: [old-{index % 3}]")
    problem = index % 37
    if problem == 1:
        lines.append("online_booking: no")  # a YAML 1.1 boolean: a warning, the session stays valid
    elif problem == 2:
        lines[5] = "duration: 1:30"
    elif problem == 3:
        lines.append("colour: red")
    elif problem == 4:
        lines[3] = "locations: [nowhere, loc1]"
    elif problem == 5:
        lines.insert(0, "# sessconf: disable=SC302")
        lines[6] = "duration: 62"
    elif problem == 6:
        lines[0] = "name: other-name"
    elif problem == 7:
        lines.append("  broken: [")
    elif problem == 8:
        lines.append("billing_items: [missing-item]")
    elif problem == 9:
        lines[5] = "duration: 17  # sessconf: disable=SC999"
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,300 session files: enough for the loader to fork (2,000 or more)."""
    root = tmp_path_factory.mktemp("big")
    (root / "locations.yaml").write_text(LOCATIONS)
    (root / "billing_items.yaml").write_text(BILLING)
    sessions = root / "sessions"
    sessions.mkdir()
    for index in range(2300):
        (sessions / f"s{index:05d}.yaml").write_text(session_text(index))
    (sessions / "notes.txt").write_text("not a session\n")
    (root / "templates").mkdir()
    (root / "templates" / "reminder.sms.j").write_text("Hi\n")
    return root


def summary(repo: Repository) -> tuple[object, ...]:
    sessions = [
        (
            name,
            entry.path,
            entry.model,
        )
        for name, entry in repo.sessions.items()
    ]
    return (
        sessions,
        repo.diagnostics,
        repo.comments,
        repo.referenced_by_invalid,
        repo.files,
        repo.file_count,
    )


@pytest.mark.parametrize("jobs", [2, 3])
def test_forked_workers_load_exactly_what_one_process_loads(big_repo: Path, jobs: int) -> None:
    alone = load_repository(big_repo, jobs=1)
    forked = load_repository(big_repo, jobs=jobs)
    assert summary(forked) == summary(alone)
    assert len(alone.sessions) > 2000
    assert any(d.code == "SC008" for d in alone.diagnostics)  # found while loading (a base-60 value)
    assert lint(big_repo, jobs=jobs).diagnostics == lint(big_repo, jobs=1).diagnostics


@pytest.mark.parametrize(
    ("pyproject", "template"),
    [
        pytest.param("[tool.sessconf]\nsms_max_segments = 1\n", None, id="built-in"),
        pytest.param(
            "[tool.sessconf]\nsms_max_segments = 1\n",
            "{{ session.description }}{% if session.max_attendees > 1 %}{{ location.address.upper() }}"
            "{% endif %} at {{ location.name }}\n",
            id="override-with-an-error",
        ),
        pytest.param(
            '[tool.sessconf.rules]\nSC402 = "off"\n',
            "{{ session.description }}\n{{ location.address.upper() }}\n",
            id="override-sms-off",
        ),
    ],
)
def test_forked_workers_change_no_reminder_finding(
    big_repo: Path, tmp_path: Path, pyproject: str, template: str | None
) -> None:
    """With workers, lint prepares the reminder checks while they load the sessions."""
    root = tmp_path / "repo"
    shutil.copytree(big_repo, root)
    (root / "pyproject.toml").write_text(pyproject)
    if template is not None:
        (root / "templates" / "reminder.sms.j2").write_text(template)
    (root / "sessions" / "s00010.yaml").write_text(session_text(10) + "max_attendees: 4\n")
    for index in range(20, 2300, 97):  # too long for one SMS segment
        text = session_text(index).replace('description: "', 'description: "' + "A long description " * 5, 1)
        (root / "sessions" / f"s{index:05d}.yaml").write_text(text)
    alone, forked = lint(root, jobs=1).diagnostics, lint(root, jobs=2).diagnostics
    assert forked == alone
    assert any(d.code.startswith("SC40") and d.code != "SC403" for d in alone)


def test_the_lint_of_the_big_repository_finds_every_kind_of_problem(big_repo: Path) -> None:
    codes = {d.code for d in lint(big_repo, jobs=2).diagnostics}
    assert {"SC003", "SC008", "SC011", "SC101", "SC105", "SC201", "SC202", "SC205"} <= codes
    assert {"SC204", "SC302", "SC303", "SC305", "SC306", "SC307", "SC403"} <= codes


def test_session_paths_are_paths_when_asked_for(write_repo: WriteRepo) -> None:
    root = write_repo()
    repo = load_repository(root, jobs=1)
    entry = repo.sessions["acupinitial"]
    assert entry.path == root.resolve() / "sessions" / "acupinitial.yaml"
    assert isinstance(entry.path, Path)
    assert entry.pos("duration") == (6, 11)
    assert all(isinstance(p, Path) for p in repo.files)
    assert repo.file_count == len(repo.files) == 3
    assert "acupinitial.yaml" in repr(entry)
    assert Entry("x", entry.model, "/somewhere/x.yaml").path == Path("/somewhere/x.yaml")


def test_an_overlay_session_is_linted_from_memory(write_repo: WriteRepo) -> None:
    root = write_repo()
    path = root / "sessions" / "newone.yaml"
    text = ACUPINITIAL.replace("name: acupinitial", "name: newone").replace("duration: 60", "duration: 62")
    result = lint(root, overlay={path: text.encode()}, jobs=1)
    assert [(d.path, d.line, d.code) for d in result.diagnostics] == [(path.resolve(), 6, "SC302")]
    assert not path.exists()


# -- rules turned off cost nothing --------------------------------------------------------------------


def spy_on(monkeypatch: pytest.MonkeyPatch, code: str) -> list[str]:
    """Record the runs of the check of ``code``."""
    calls: list[str] = []
    found = checks._CHECKS[code]
    run = found.run

    def spy(ctx: LintContext) -> Iterable[Diagnostic]:
        calls.append(code)
        return run(ctx)

    monkeypatch.setitem(checks._CHECKS, code, dataclasses.replace(found, run=spy))
    return calls


@pytest.mark.parametrize(
    ("rules", "skipped"),
    [
        pytest.param('SC304 = "off"\n', {"SC304"}, id="by-code"),
        pytest.param('unused-location = "off"\nSC402 = "off"\n', {"SC304", "SC402"}, id="by-name"),
        pytest.param('SC304 = "off"\nunused-location = "warning"\n', set(), id="the-last-word-wins"),
        pytest.param('SC304 = "error"\n', set(), id="regraded"),
    ],
)
def test_a_rule_turned_off_is_not_run(
    write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch, rules: str, skipped: set[str]
) -> None:
    root = write_repo(pyproject="[tool.sessconf.rules]\n" + rules)
    checks.all_checks()
    unused, sms = spy_on(monkeypatch, "SC304"), spy_on(monkeypatch, "SC402")
    lint(root, jobs=1)
    assert turned_off(load_repository(root, jobs=1).settings.rules) == skipped
    assert [*unused, *sms] == sorted({"SC304", "SC402"} - skipped)


def test_every_code_of_the_checks_modules_has_its_check() -> None:
    """The codes of cross-references, advice, colours and reminders are found by checks over the loaded
    repository: each has one (but those that reading or suppressions report)."""
    from sessconf.codes import advice, colors, presets, references, reminders

    declared = {
        value.code
        for module in (references, advice, colors, reminders, presets)
        for value in vars(module).values()
        if isinstance(value, Code)
    }
    reported_elsewhere = {advice.YAML11_BOOLEAN.code, advice.USELESS_SUPPRESSION.code}
    reported_elsewhere |= {presets.UNKNOWN_PRESET.code, presets.PRESET_CYCLE.code, presets.PRESET_KEY.code}
    assert {c.code.code for c in checks.all_checks()} == declared - reported_elsewhere
