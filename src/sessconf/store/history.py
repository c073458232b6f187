"""One row of the apply history: who applied, from which workflow run and commit (SPEC §7)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """Who applied, from which workflow run and commit (one row of the apply history)."""

    actor: str
    run_url: str | None
    git_commit: str | None
