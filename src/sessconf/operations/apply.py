"""Applying: the plan a user approved (shown now, or saved), written into the store all at once.

What is applied is what was shown: a saved plan's changes must be what planning gives now, and
the store checks, in its own transaction, that nothing moved since (``Store.apply``).
"""

from __future__ import annotations

import getpass
import os
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sessconf.errors import RefusedError
from sessconf.operations.review import Review
from sessconf.plan.desired import from_repository
from sessconf.plan.plan import Plan
from sessconf.plan.saved import saved_plan_refusal
from sessconf.repository.model import Repository
from sessconf.store import ApplyResult, Planned, PlanStamp, Store, migrate
from sessconf.store.history import HistoryEntry
from sessconf.store.write import rows_to_write

NEW_PLAN = "make a new plan with `sessconf diff --out`"


def approved(reviewed: Review, saved: Plan | None) -> Plan:
    """The plan the user approves: the saved one (shown against this store), or the fresh one."""
    assert reviewed.plan is not None  # a review that passed lint
    return reviewed.plan if saved is None else replace(saved, store=reviewed.plan.store)


def check_saved(reviewed: Review, saved: Plan | None) -> None:
    """Refuse a saved plan that is not what applying would write now."""
    assert reviewed.plan is not None
    if saved is not None:
        stale = saved_plan_refusal(saved, reviewed.plan)
        if stale is not None:
            raise RefusedError(f"{stale}; nothing was written", NEW_PLAN)


def rows(reviewed: Review) -> int:
    """How many rows applying the review's plan writes (what a progress bar counts to)."""
    assert reviewed.plan is not None
    assert reviewed.desired is not None
    return rows_to_write(reviewed.desired, reviewed.plan)


def apply(
    store: Store,
    reviewed: Review,
    plan: Plan,
    *,
    force: bool = False,
    history: HistoryEntry,
    progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    """Write ``plan`` (approved from ``reviewed``): refused if the store or the repository moved."""
    assert reviewed.desired is not None
    settings = reviewed.repository.settings
    planned = None
    if reviewed.snapshot is not None and reviewed.plan is not None:
        planned = Planned(reviewed.snapshot, reviewed.plan)
    return store.apply(
        reviewed.desired,
        settings,
        PlanStamp.of(plan),
        force=force,
        history=history,
        progress=progress,
        planned=planned,
    )


def upgrade_if_older(store: Store) -> list[str]:
    """The migrations applied to bring an older store's schema up to date (none for a new one)."""
    status = store.status()
    if status.exists and status.version < migrate.SCHEMA_VERSION:
        return store.migrate()
    return []


def who_applies(root: Path, actor: str | None = None) -> HistoryEntry:
    """``--actor``, else ``$GITHUB_ACTOR`` with the workflow run's URL, else the user name."""
    run_url = None
    if not actor and os.environ.get("GITHUB_ACTOR"):
        actor = os.environ["GITHUB_ACTOR"]
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        repository, run_id = os.environ.get("GITHUB_REPOSITORY"), os.environ.get("GITHUB_RUN_ID")
        if repository and run_id:
            run_url = f"{server}/{repository}/actions/runs/{run_id}"
    if not actor:
        try:
            actor = getpass.getuser()
        except (KeyError, OSError):
            actor = "unknown"
    return HistoryEntry(actor, run_url, git_commit(root))


def git_commit(root: Path) -> str | None:
    """The checked-out commit when ``root`` is inside a git work tree."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) >= 40 else None


def apply_repository(
    store: Store,
    repo: Repository,
    *,
    force: bool = False,
    history: HistoryEntry,
    progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    """Make ``store`` hold what the loaded ``repo`` asks for (planned inside the transaction);
    the Python API's one-call apply, for a repository that linted clean."""
    desired = from_repository(repo)
    return store.apply(desired, repo.settings, force=force, history=history, progress=progress)
