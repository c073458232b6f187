"""Edits made outside sessconf (SPEC §4): ``diff`` warns, naming when and by whom the last apply
ran, in text, markdown and JSON; ``sessconf history`` lists the applies (goldens in
``tests/golden/outside/``; ``SESSCONF_UPDATE_GOLDEN=1`` rewrites them)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import text

from sessconf.store import Store

Run = Callable[..., Result]
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "outside"
NO_GITHUB = {"GITHUB_ACTOR": "", "GITHUB_RUN_ID": "", "GITHUB_REPOSITORY": ""}


def check_golden(name: str, got: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SESSCONF_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), (
        f"differs from {path} (SESSCONF_UPDATE_GOLDEN=1 rewrites it)"
    )


def normalized(output: str, store_url: str) -> str:
    """Without what changes from run to run: the store's URL, instants, digests."""
    output = output.replace(store_url, "STORE")
    output = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?Z?", "WHEN", output)
    return re.sub(r"sha256:[0-9a-f]{64}", "sha256:DIGEST", output)


def edit_outside(store_url: str, statement: str) -> None:
    with Store(store_url) as store, store.db.write(exclusive=False) as conn:
        conn.execute(text(statement))


def applied(run: Run, clinic: Path, store_url: str, actor: str) -> None:
    result = run("apply", "--yes", "--actor", actor, "--dir", clinic, "--store", store_url, env=NO_GITHUB)
    assert result.exit_code == 0, result.output


def test_diff_warns_when_the_store_was_edited_outside_sessconf(
    run: Run, clinic: Path, store_url: str
) -> None:
    applied(run, clinic, store_url, "alice")
    diff = ("diff", "--dir", clinic, "--store", store_url)
    assert "outside sessconf" not in run(*diff).output
    edit_outside(store_url, "UPDATE sessions SET duration = 45 WHERE name = 'rmt30'")
    check_golden("diff.txt", normalized(run(*diff).output, store_url))
    check_golden("diff.md", normalized(run(*diff, "--format", "markdown").output, store_url))
    found = json.loads(run(*diff, "--format", "json").output)["changed_outside"]
    assert found["actor"] == "alice"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", found["applied_at"])
    assert "this plan reverts those edits" in found["message"]


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("UPDATE sessions SET duration = duration", id="a-write-that-changes-nothing"),
        pytest.param("UPDATE sessions SET duration = 45 WHERE name = 'nobody'", id="a-write-of-no-row"),
    ],
)
def test_writes_that_leave_the_configuration_as_it_was_are_not_edits(
    run: Run, clinic: Path, store_url: str, statement: str
) -> None:
    applied(run, clinic, store_url, "alice")
    edit_outside(store_url, statement)
    result = run("diff", "--format", "json", "--dir", clinic, "--store", store_url)
    assert json.loads(result.output)["changed_outside"] is None


def test_an_edit_reverted_by_hand_is_no_edit(run: Run, clinic: Path, store_url: str) -> None:
    applied(run, clinic, store_url, "alice")
    edit_outside(store_url, "UPDATE sessions SET duration = 45 WHERE name = 'rmt30'")
    edit_outside(store_url, "UPDATE sessions SET duration = 30 WHERE name = 'rmt30'")
    result = run("diff", "--dir", clinic, "--store", store_url)
    assert "No changes" in result.output
    assert "outside sessconf" not in result.output


def test_an_apply_takes_the_edits_over(run: Run, clinic: Path, store_url: str) -> None:
    applied(run, clinic, store_url, "alice")
    edit_outside(store_url, "UPDATE sessions SET color = '#123456' WHERE name = 'rmt30'")
    applied(run, clinic, store_url, "bob")
    result = run("diff", "--format", "json", "--dir", clinic, "--store", store_url)
    assert json.loads(result.output)["changed_outside"] is None
    edit_outside(store_url, "DELETE FROM session_previous_names")
    found = json.loads(run("diff", "--format", "json", "--dir", clinic, "--store", store_url).output)
    assert found["changed_outside"]["actor"] == "bob"


def test_history_lists_the_applies_newest_first(run: Run, clinic: Path, store_url: str) -> None:
    history = ("history", "--dir", clinic, "--store", store_url)
    check_golden("history-empty.txt", normalized(run(*history).output, store_url))
    assert json.loads(run(*history, "--format", "json").output) == []
    applied(run, clinic, store_url, "alice")
    path = clinic / "sessions" / "rmt30.yaml"
    path.write_text(path.read_text().replace("duration: 30", "duration: 35"))
    github = {
        "GITHUB_ACTOR": "octo-admin",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "clinic/config",
        "GITHUB_RUN_ID": "42",
    }
    result = run("apply", "--yes", "--dir", clinic, "--store", store_url, env=github)
    assert result.exit_code == 0, result.output
    check_golden("history.txt", normalized(run(*history).output, store_url))
    check_golden("history.json", normalized(run(*history, "--format", "json").output, store_url))
    check_golden("history-limit.txt", normalized(run(*history, "--limit", "1").output, store_url))
    assert run(*history, "--limit", "0").exit_code == 2
