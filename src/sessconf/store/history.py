"""The apply history: who applies, from which workflow run and commit (SPEC §7), and each apply as kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """Who applied, from which workflow run and commit (one row of the apply history)."""

    actor: str
    run_url: str | None
    git_commit: str | None


@dataclass(frozen=True, slots=True)
class Applied:
    """One apply, as the history keeps it (SPEC §4 ``sessconf history``)."""

    applied_at: datetime  # UTC
    actor: str
    git_commit: str | None
    run_url: str | None
    summary: dict[str, int]  # create, update, rename, archive, unarchive, delete, blocked
    plan_digest: str
