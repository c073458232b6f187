"""Who applies, from where: the apply history's actor, run URL and git commit (SPEC §7)."""

from __future__ import annotations

import getpass
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """Who applied, from which workflow run and commit (one row of the apply history)."""

    actor: str
    run_url: str | None
    git_commit: str | None


def current(root: Path, actor: str | None = None) -> HistoryEntry:
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
