"""``sessconf list``: the sessions the store holds now, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.store import Store
from sessconf.store.url import resolve

Run = Callable[..., Result]
ARCHIVED = ["acupcupping"]


def names(run: Run, store_url: str, *flags: str) -> list[str]:
    result = run("list", "--store", store_url, "--format", "json", *flags)
    assert result.exit_code == 0, result.output
    return [s["name"] for s in json.loads(result.output)]


def test_list_shows_bookable_archived_or_all(run: Run, clinic_store: str) -> None:
    store_url = clinic_store
    bookable, archived, everything = (names(run, store_url, *f) for f in ((), ("--archived",), ("--all",)))
    assert archived == ARCHIVED
    assert everything == sorted(bookable + archived)
    assert len(everything) == 19
    assert "acupinitial" in bookable


def test_list_json_has_every_field_with_stable_keys(run: Run, clinic_store: str) -> None:
    store_url = clinic_store
    data = json.loads(run("list", "--store", store_url, "--format", "json").output)
    acup = next(s for s in data if s["name"] == "acupinitial")
    assert acup == {
        "name": "acupinitial",
        "description": "Acupuncture initial assessment",
        "discipline": "acupuncture",
        "locations": ["downtown", "westside"],
        "color": "#0f766e",
        "duration": 60,
        "billing_items": [{"item": "acup-initial", "quantity": 1}, {"item": "needles", "quantity": 2}],
        "archived": False,
        "previous_names": ["acupinit"],
        "max_attendees": 1,
        "online_booking": True,
        "buffer_before": 0,
        "buffer_after": 10,
        "telehealth": False,
    }


def test_list_text_is_a_table(run: Run, clinic_store: str) -> None:
    store_url = clinic_store
    lines = run("list", "--store", store_url, "--all").output.splitlines()
    assert lines[0].split() == ["NAME", "DURATION", "DISCIPLINE", "LOCATIONS", "DESCRIPTION"]
    assert lines[-1] == "19 sessions (1 archived)"
    cupping = next(line for line in lines if line.startswith("acupcupping "))
    assert cupping.endswith("Acupuncture with cupping (archived)")


@pytest.mark.parametrize(
    ("args", "output"),
    [
        pytest.param((), "No bookable sessions in the store.\n", id="text"),
        pytest.param(("--all",), "No sessions in the store.\n", id="all"),
        pytest.param(("--format", "json"), "[]\n", id="json"),
    ],
)
def test_a_store_that_does_not_exist_lists_nothing_and_is_not_created(
    run: Run, tmp_path: Path, store_url: str, args: tuple[str, ...], output: str
) -> None:
    result = run("list", "--store", store_url, *args)
    assert (result.exit_code, result.output) == (0, output)
    assert not Store(resolve(store_url, None, tmp_path)).status().exists


def test_archived_and_all_together_are_a_usage_error(run: Run, tmp_path: Path) -> None:
    result = run("list", "--dir", tmp_path, "--archived", "--all")
    assert result.exit_code == 2
    assert "cannot be used together" in result.output
