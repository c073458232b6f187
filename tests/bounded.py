"""Child processes held by the test harness: a timeout and an address-space limit.

A test of a bound runs what it tests here, so that a regression fails the test (out of time, out
of memory) instead of hanging the suite or exhausting the machine. The harness bounds are
generous: what is under test must stay well within them by its own bounds.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

HARNESS_SECONDS = 120
HARNESS_MEMORY = 2 * 1024**3  # bytes of address space for the child and what it forks


def run_bounded(
    args: Sequence[str | Path], *, stdin: str | None = None, cwd: Path | None = None, partial: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` within the harness bounds; fails the test when they are passed (with
    ``partial``, returns what it wrote until then, and the return code -9)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (HARNESS_MEMORY, HARNESS_MEMORY))

    try:
        return subprocess.run(
            [str(a) for a in args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=HARNESS_SECONDS,
            preexec_fn=limit,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired as exc:
        if partial:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            return subprocess.CompletedProcess([str(a) for a in args], -9, out, "")
        pytest.fail(f"{args} did not finish within the harness's {HARNESS_SECONDS} s; output: {exc.stdout!r}")


def sessconf(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The ``sessconf`` command in a bounded child process (run from ``cwd``)."""
    return run_bounded([sys.executable, "-m", "sessconf", *args], cwd=cwd)
