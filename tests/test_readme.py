"""Every shell and Python example of the README runs, as written, on a copy of the example clinic.

The blocks run in the README's order in one copy of the clinic, so each finds the store as the
blocks before it left it (lint, then plan and apply, then appointments, ...). A shell line must
exit 0 unless its comment says otherwise (``# exits 2 ...``). A block that cannot run here (the
set-up commands, which ``test_docs.py`` runs; an editor's installer; another shell's start-up
files) is preceded by ``<!-- not run: why -->``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

FENCE = re.compile(r"^(?P<fence>```+)(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=fence)$", re.M | re.S)
NOT_RUN = re.compile(r"<!-- not run: (?P<why>[^>]+) -->\s*\Z")
EXITS = re.compile(r"#.*\bexits (?P<status>\d)\b")
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int  # where it starts in the README
    not_run: str | None


def blocks() -> list[Block]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        why = NOT_RUN.search(before)
        found.append(Block(match["lang"], match["body"], before.count("\n") + 1, why["why"] if why else None))
    return found


def commands(body: str) -> list[tuple[str, int]]:
    """The block's commands (continuation lines joined), each with the exit status it documents."""
    out: list[tuple[str, int]] = []
    pending = ""
    for line in body.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        documented = EXITS.search(line)
        out.append((line, int(documented["status"]) if documented else 0))
    return out


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example clinic, as a user who cloned this repository has it (no store yet)."""
    dest = tmp_path_factory.mktemp("readme") / "clinic"
    shutil.copytree(
        ROOT, dest, ignore=shutil.ignore_patterns(".*", "src", "tests", "bench", "*.db", "*.egg-info")
    )
    return dest


def run_shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSCONF_", "GITHUB_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(cwd.parent)
    script = cwd.parent / "vars.sh"  # shell variables carry from one line to the next
    prelude = f". {script} 2>/dev/null; " if script.exists() else ""
    keep = f'; status=$?; declare -p $(compgen -v | grep -E "^[a-z]+$") > {script} 2>/dev/null; exit $status'
    return subprocess.run(
        ["bash", "-c", prelude + command + keep],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_the_readme_has_examples_of_both_kinds() -> None:
    langs = {b.lang for b in blocks() if b.not_run is None}
    assert {"sh", "python"} <= langs


def test_every_example_runs_as_written(clinic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = 0
    for block in blocks():
        if block.not_run is not None or block.lang not in ("sh", "python"):
            continue
        if block.lang == "python":
            monkeypatch.chdir(clinic)
            namespace: dict[str, object] = {"__name__": "readme"}
            exec(compile(block.body, f"README.md:{block.line}", "exec"), namespace)
            ran += 1
            continue
        for command, expected in commands(block.body):
            done = run_shell(command, clinic)
            assert done.returncode == expected, (
                f"README.md:{block.line}: `{command}` exited {done.returncode}, "
                f"expected {expected}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
            assert "Traceback" not in done.stderr, done.stderr
            ran += 1
    assert ran > 20


def test_blocks_left_out_say_why() -> None:
    reasons = [b.not_run for b in blocks() if b.not_run is not None]
    assert all(len(r.split()) >= 3 for r in reasons if r), reasons
