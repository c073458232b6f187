"""``sessconf diff`` (and ``apply``) against a store: a rename the store cannot follow is SC501,
reported at its ``previous_names`` entry, and nothing is planned or written (SPEC §4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.store import Store
from sessconf.store.url import resolve

Run = Callable[..., Result]


def session_names(store_url: str, clinic: Path) -> set[str]:
    with Store(resolve(store_url, None, clinic)) as store:
        return set(store.snapshot().config.sessions)


def test_a_rename_onto_a_name_the_store_holds_is_sc501_at_its_previous_name(
    run: Run, clinic: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(clinic)  # paths print from where the user stands
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
    before = session_names(store_url, clinic)
    # rmt60 now says it was rmt30, while the store holds both rmt30 and rmt60
    (clinic / "sessions" / "rmt30.yaml").unlink()
    with (clinic / "sessions" / "rmt60.yaml").open("a") as out:
        out.write("previous_names: [rmt30]\n")
    line = len((clinic / "sessions" / "rmt60.yaml").read_text().splitlines())
    assert run("lint", "--dir", clinic).exit_code == 0  # only a plan against the store can tell

    diff = run("diff", "--dir", clinic, "--store", store_url)
    assert diff.exit_code == 1, diff.output
    assert diff.output.splitlines() == [
        f"sessions/rmt60.yaml:{line}:18: error SC501 cannot rename session 'rmt60': both 'rmt30' and"
        " 'rmt60' exist in the store (remove the previous name, or rename or delete the other entity first)",
        "Found 1 error and 0 warnings in 22 files.",  # 18 sessions, 3 catalogues, pyproject.toml
    ]

    data = json.loads(run("diff", "--dir", clinic, "--store", store_url, "--format", "json").output)
    found = [d for d in data["diagnostics"] if d["code"] == "SC501"]
    assert [(d["line"], d["column"], d["severity"]) for d in found] == [(line, 18, "error")]

    apply = run("apply", "--dir", clinic, "--store", store_url, "--yes")
    assert apply.exit_code == 1, apply.output
    assert "SC501" in apply.output
    assert session_names(store_url, clinic) == before  # nothing written: rmt30 is not deleted
