"""``sessconf show``: a session as the store holds it now, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.store import Store
from sessconf.store.url import resolve

Run = Callable[..., Result]


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
