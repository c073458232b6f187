"""``apply``'s progress counts to the rows the plan writes (issue 9 item 10): for plans made of
creates, updates, renames, archives and deletes, :func:`rows_to_write` is the number of rows that
writing the plan then reports, and what the progress callback is told, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sessconf.operations.apply import apply_repository
from sessconf.plan.compute import compute_plan
from sessconf.plan.desired import from_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store
from sessconf.store.url import resolve
from sessconf.store.write import rows_to_write

WHO = HistoryEntry("tester", None, None)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def mixed(root: Path) -> None:
    """Every kind of change at once: creates, updates (fields and links), renames, archives, deletes."""
    sessions = root / "sessions"
    shutil.copy(sessions / "rmt60.yaml", sessions / "rmt45.yaml")  # create
    edit(sessions / "rmt45.yaml", "name: rmt60", "name: rmt45")
    edit(sessions / "rmt45.yaml", "duration: 60", "duration: 45")
    edit(sessions / "rmt60.yaml", "duration: 60", "duration: 75")  # update, one field
    edit(sessions / "acupinitial.yaml", "[downtown, westside]", "[westside]")  # update, links
    edit(sessions / "acupinitial.yaml", "quantity: 2", "quantity: 3")
    (sessions / "rmt30.yaml").rename(sessions / "rmt-short.yaml")  # rename
    edit(sessions / "rmt-short.yaml", "name: rmt30", "name: rmt-short\nprevious_names: [rmt30]")
    edit(sessions / "rmt90.yaml", "duration: 90", "duration: 90\narchived: true")  # archive
    (sessions / "orthotics.yaml").unlink()  # delete
    edit(
        root / "locations.yaml",
        "disciplines: [physiotherapy, massage, naturopathy, psychotherapy]",
        "disciplines: [physiotherapy, massage, naturopathy, psychotherapy, acupuncture]",
    )
    edit(root / "billing_items.yaml", 'price: "115.00"', 'price: "125.00"')


@pytest.mark.parametrize("change", [None, mixed], ids=["from-empty", "mixed"])
def test_the_rows_counted_are_the_rows_written(
    clinic: Path, store_url: str, change: Callable[[Path], None] | None
) -> None:
    with Store(resolve(store_url, None, clinic)) as store:
        if change is not None:
            apply_repository(store, load_repository(clinic), history=WHO)
            change(clinic)
        repo = load_repository(clinic)
        plan, conflicts = compute_plan(from_repository(repo), store.snapshot(), repo.settings, store.display)
        assert conflicts == []
        actions = {c.action for c in plan.changes}
        assert actions == (
            {"create"} if change is None else {"create", "update", "rename", "archive", "delete"}
        )
        counted = rows_to_write(from_repository(repo), plan)
        progress: list[int] = []
        done = apply_repository(store, repo, history=WHO, progress=progress.append)
    assert done.rows == counted
    assert sum(progress) == counted


def test_an_update_counts_its_one_row(clinic: Path, store_url: str) -> None:
    """Not 4 rows per change: one session row and the history row (a bar that ends at 100 %)."""
    with Store(resolve(store_url, None, clinic)) as store:
        apply_repository(store, load_repository(clinic), history=WHO)
        edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
        repo = load_repository(clinic)
        plan, _ = compute_plan(from_repository(repo), store.snapshot(), repo.settings, store.display)
        assert rows_to_write(from_repository(repo), plan) == 2
        assert apply_repository(store, repo, history=WHO).rows == 2
