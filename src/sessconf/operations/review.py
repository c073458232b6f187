"""Review: lint the repository, then plan it against the store — what ``diff``, ``apply`` and a
preview show before anything is written.

The store is read in the background while the repository loads; a plan is computed only when
lint found no error, and a rename the store cannot follow (SC501) is reported at its
``previous_names`` entry, as lint reports its problems.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from sessconf.codes.planning import RENAME_CONFLICT
from sessconf.diagnostics import Diagnostic
from sessconf.lint.engine import LintResult, lint
from sessconf.plan.compute import RenameConflict, compute_plan
from sessconf.plan.desired import from_repository
from sessconf.plan.plan import Plan
from sessconf.plan.snapshot import Snapshot, as_applied
from sessconf.plan.state import ConfigState, EntityKind
from sessconf.repository.model import Entry, Repository
from sessconf.speed.background import Staged
from sessconf.store import Store


@dataclass(frozen=True, slots=True)
class Review:
    """Lint's result, and when it passed, the state the repository asks for and the plan to it.

    ``report`` is what to show when there is no plan: lint's errors, or the renames that cannot be
    planned.
    """

    report: LintResult
    desired: ConfigState | None = None
    plan: Plan | None = None
    snapshot: Snapshot | None = None  # what the plan was computed from

    @property
    def repository(self) -> Repository:
        return self.report.repository


def review(
    root: Path,
    store: Store,
    *,
    older: bool = False,
    while_waiting: Callable[[], object] | None = None,
    cache: bool = False,
) -> Review:
    """Lint ``root`` and plan it against ``store`` (``older``: an older store schema is read as
    ``apply`` will upgrade it, instead of being refused; ``cache``: lint with the repository's
    cache, as ``diff`` does: ``apply`` reads every file itself). ``while_waiting`` runs when the
    store's rows are still being read after lint (``apply`` gets ready to write meanwhile)."""
    # The store is read in the background while lint runs: first what it says of itself, then
    # its rows, which are not waited for when the store certainly holds what lint loaded.
    with Staged(partial(store.probe, older=older), partial(store.snapshot, older=older)) as reading:
        result = lint(root, cache=cache)
        if result.errors:
            return Review(result)
        desired = from_repository(result.repository)
        snap = as_applied(reading.first_result(), desired)
        if snap is None:
            if while_waiting is not None:
                while_waiting()
            snap = reading.result()
    settings = result.repository.settings
    plan, conflicts = compute_plan(desired, snap, settings, snap.store or store.display)
    if conflicts:
        located = [_located(result.repository, conflict) for conflict in conflicts]
        return Review(replace(result, diagnostics=located))
    plan.diagnostics = result.diagnostics
    return Review(result, desired, plan, snap)


def _located(repo: Repository, conflict: RenameConflict) -> Diagnostic:
    """The conflict at the ``previous_names`` entry that asks for the rename."""
    entries: dict[EntityKind, Mapping[str, Entry[Any]]] = {
        EntityKind.SESSION: repo.sessions,
        EntityKind.LOCATION: repo.locations,
        EntityKind.BILLING_ITEM: repo.billing_items,
    }
    entry = entries[conflict.kind][conflict.name]
    return RENAME_CONFLICT.at(
        entry.path, entry.pos("previous_names", conflict.index), conflict.message, conflict.hint
    )
