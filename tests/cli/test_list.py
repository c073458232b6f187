"""``sessconf list`` and ``sessconf show``: what the store holds now, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store
from sessconf.store.url import resolve
from tests.conftest import PG_ENV, ROOT, _pg_schema, pg_admin_url

Run = Callable[..., Result]
ARCHIVED = ["acupcupping"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def clinic_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store holding the example clinic, applied once per database (list and show only read)."""
    folder = tmp_path_factory.mktemp("clinic-store")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'store.db'}"
        else:
            base = pg_admin_url()
            if base is None:
                pytest.skip(f"{PG_ENV} is not set: PostgreSQL store tests skipped")
            url = stack.enter_context(contextmanager(_pg_schema)(base))  # a schema, dropped after
        with Store(resolve(url, None, folder)) as store:
            apply_repository(store, load_repository(ROOT), history=HistoryEntry("tester", None, None))
        yield url


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


def test_show_prints_fields_locations_prices_and_charges(run: Run, clinic_store: str) -> None:
    store_url = clinic_store
    result = run("show", "acupinitial", "--store", store_url)
    assert result.exit_code == 0, result.output
    text = result.output
    for expected in (
        "session acupinitial\n",
        "  description:    Acupuncture initial assessment\n",
        "  previous_names: acupinit\n",
        "  buffer_after:   10 minutes\n",
        "  downtown  Downtown Clinic, America/Toronto\n",
        "  acup-initial  1 × 95.00 CAD  Acupuncture initial assessment\n",
        "  needles       2 × 4.50 CAD   Sterile needle pack\n",
    ):
        assert expected in text
    assert text.endswith("charges on arrival: 104.00 CAD\n")


def test_show_json(run: Run, clinic_store: str) -> None:
    store_url = clinic_store
    data = json.loads(run("show", "acupcupping", "--store", store_url, "--format", "json").output)
    assert list(data) == ["session", "locations", "billing_items", "charges_on_arrival", "usage"]
    assert data["session"]["archived"] is True
    assert data["locations"] == [
        {
            "name": "downtown",
            "display_name": "Downtown Clinic",
            "timezone": "America/Toronto",
            "address": "120 King St W, Suite 400, Toronto, ON M5H 1J9",
            "archived": False,
        }
    ]
    # the archived cupping add-on is not charged
    assert [(b["item"], b["unit_price"], b["amount"], b["archived"]) for b in data["billing_items"]] == [
        ("acup-followup", "80.00", "80.00", False),
        ("cupping", "25.00", None, True),
    ]
    assert data["charges_on_arrival"] == {"amount": "80.00", "currency": "CAD"}
    assert data["usage"] == {"appointments": 0, "future_appointments": 0, "in_use": False}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("acupinit", "'acupinit' was renamed to 'acupinitial'", id="renamed"),
        pytest.param("acupinitail", "did you mean 'acupinitial'?", id="typo"),
        pytest.param("zzz", "sessconf list --all", id="unknown"),
    ],
)
def test_show_of_an_unknown_session_is_a_clear_error(
    run: Run, clinic_store: str, name: str, message: str
) -> None:
    store_url = clinic_store
    result = run("show", name, "--store", store_url)
    assert result.exit_code == 1
    assert f"no session '{name}' in the store" in result.output
    assert message in result.output


def test_show_on_a_store_that_does_not_exist(run: Run, tmp_path: Path, store_url: str) -> None:
    result = run("show", "acupinitial", "--store", store_url)
    assert result.exit_code == 1
    assert "the store holds no session" in result.output
    assert not Store(resolve(store_url, None, tmp_path)).status().exists
