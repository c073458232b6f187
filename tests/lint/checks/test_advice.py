"""Advice checks: what no session uses (SC304 locations, SC305 billing items), archived ones exempt."""

from __future__ import annotations

import pytest

from sessconf.lint.engine import lint
from tests.conftest import MINIMAL_BILLING, MINIMAL_LOCATIONS, WriteRepo

TOWELS = 'towels:\n  name: Towel service\n  kind: product\n  price: "1.00"\n'
ANNEX = "annex:\n  name: Annex\n  timezone: America/Toronto\n  disciplines: [acupuncture]\n"


def advice(write_repo: WriteRepo, **files: str) -> list[tuple[str, int, int, str, str, str | None]]:
    root = write_repo(**files)
    return [
        (d.path.relative_to(root).as_posix(), d.line, d.column, d.code, d.message, d.hint)
        for d in lint(root, jobs=1).diagnostics
        if d.code in ("SC304", "SC305")
    ]


def test_a_billing_item_no_session_bills_is_sc305_at_its_key(write_repo: WriteRepo) -> None:
    line = MINIMAL_BILLING.count("\n") + 1
    assert advice(write_repo, billing=MINIMAL_BILLING + TOWELS) == [
        (
            "billing_items.yaml",
            line,
            1,
            "SC305",
            "billing item 'towels' is not billed by any session",
            "archive it (archived: true) or add it to a session",
        )
    ]


def test_a_location_no_session_uses_is_sc304_at_its_key(write_repo: WriteRepo) -> None:
    line = MINIMAL_LOCATIONS.count("\n") + 1
    assert [d[:4] for d in advice(write_repo, locations=MINIMAL_LOCATIONS + ANNEX)] == [
        ("locations.yaml", line, 1, "SC304")
    ]


@pytest.mark.parametrize("archived", ["true", "yes"], ids=["archived", "yaml11-archived"])
def test_archived_entities_are_exempt(write_repo: WriteRepo, archived: str) -> None:
    """Kept for their history; ``archived: yes`` (SC306 elsewhere) still means archived here."""
    found = advice(
        write_repo,
        billing=MINIMAL_BILLING + TOWELS + f"  archived: {archived}\n",
        locations=MINIMAL_LOCATIONS + ANNEX + f"  archived: {archived}\n",
    )
    assert found == []
