"""``sessconf apply PLAN``: the saved plan is what is shown, and applied or refused (SPEC §4)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.store import Store
from sessconf.store.url import resolve

Run = Callable[..., Result]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture
def saved_plan(run: Run, clinic: Path, store_url: str, tmp_path: Path) -> Path:
    """The clinic applied, then rmt60 planned from 60 to 75 minutes and the plan saved."""
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    path = tmp_path / "plan.json"
    assert run("diff", "--dir", clinic, "--store", store_url, "--out", path).exit_code == 0
    return path


def apply_saved(run: Run, plan: Path, clinic: Path, store: str) -> Result:
    return run("apply", plan, "--dir", clinic, "--store", store, "--yes")


def test_a_refused_saved_plan_is_shown_not_a_fresh_one(
    run: Run, clinic: Path, store_url: str, saved_plan: Path
) -> None:
    """Issue 9 item 2."""
    edit(clinic / "sessions/rmt60.yaml", "duration: 75", "duration: 80")
    result = apply_saved(run, saved_plan, clinic, store_url)
    assert result.exit_code == 1
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert "→ 80" not in result.output
    assert "the repository changed since the plan was made; nothing was written" in result.output
    assert result.output.index("duration: 60 → 75") < result.output.index("repository changed")


def test_a_saved_plan_refused_as_stale_is_shown(
    run: Run, clinic: Path, store_url: str, saved_plan: Path
) -> None:
    with Store(resolve(store_url, None, clinic)) as store:
        edit(clinic / "sessions/rmt30.yaml", "duration: 30", "duration: 45")
        assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
        edit(clinic / "sessions/rmt30.yaml", "duration: 45", "duration: 30")
        result = apply_saved(run, saved_plan, clinic, store_url)
        assert result.exit_code == 1
        assert "      duration: 60 → 75" in result.output.splitlines()
        assert "rmt30" not in result.output
        assert "the plan is stale" in result.output
        assert store.snapshot().config.sessions["rmt60"].duration == 75


def test_a_saved_plan_for_another_store_is_shown_and_refused(
    run: Run, clinic: Path, store_url: str, saved_plan: Path, tmp_path: Path
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    edit(clinic / "sessions/rmt60.yaml", "duration: 75", "duration: 60")
    assert run("apply", "--dir", clinic, "--store", other, "--yes").exit_code == 0
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    result = apply_saved(run, saved_plan, clinic, other)
    assert result.exit_code == 1
    assert f"Store: {resolve(other, None, clinic).display}" in result.output
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert re.search(r"the plan was made for another store \(id [0-9a-f-]+\); .* has id", result.output)


def test_a_valid_saved_plan_is_shown_and_applied(
    run: Run, clinic: Path, store_url: str, saved_plan: Path
) -> None:
    result = apply_saved(run, saved_plan, clinic, store_url)
    assert result.exit_code == 0, result.output
    assert "~ update    session rmt60" in result.output
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert "1 updated" in result.output
    with Store(resolve(store_url, None, clinic)) as store:
        assert store.snapshot().config.sessions["rmt60"].duration == 75


def test_an_edited_saved_plan_is_refused(run: Run, clinic: Path, store_url: str, saved_plan: Path) -> None:
    """The changes shown must be the ones written: a plan.json edited by hand is not applied."""
    data = json.loads(saved_plan.read_text())
    data["changes"][0]["fields"]["duration"]["new"] = 70
    saved_plan.write_text(json.dumps(data))
    result = apply_saved(run, saved_plan, clinic, store_url)
    assert result.exit_code == 1
    assert "      duration: 60 → 70" in result.output.splitlines()
    assert "was it edited?" in result.output
    with Store(resolve(store_url, None, clinic)) as store:
        assert store.snapshot().config.sessions["rmt60"].duration == 60


def test_a_saved_plan_for_a_store_not_created_yet_is_refused_before_creating_it(
    run: Run, clinic: Path, store_url: str, saved_plan: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.db"
    result = apply_saved(run, saved_plan, clinic, f"sqlite:///{missing}")
    assert result.exit_code == 1
    assert "      duration: 60 → 75" in result.output.splitlines()
    assert "does not exist yet; nothing was written" in result.output
    assert not missing.exists()
