"""Run sessconf commands on one repository and report each outcome as a line of JSON.

Started by ``tests/cli/test_main_fuzz.py`` in a process of its own, under memory and time limits set
by the test, so that a command that hangs or grows without bound fails the test instead of
taking the suite down. Usage: ``python fuzz_driver.py REPO STORE_URL``.
"""

from __future__ import annotations

import json
import os
import sys

from click.testing import CliRunner

from sessconf.cli.main import cli


def _a_session_file(repo: str) -> str:
    """The first entry of ``sessions/`` (whatever it is), to lint one path."""
    try:
        names = sorted(os.listdir(os.path.join(repo, "sessions")))
    except OSError:
        names = []
    return os.path.join(repo, "sessions", names[0] if names else "s0.yaml")


def main(repo: str, store: str) -> None:
    commands = [
        ["lint", "--dir", repo],
        ["lint", "--dir", repo, "--format", "json"],
        ["lint", "--dir", repo, _a_session_file(repo)],
        ["diff", "--dir", repo, "--store", store],
        ["render", "--all", "--dir", repo, "--start", "2026-09-30T12:00"],
        ["apply", "--yes", "--dir", repo, "--store", store],
        ["list", "--dir", repo, "--store", store],
    ]
    runner = CliRunner()
    for argv in commands:
        result = runner.invoke(cli, argv, catch_exceptions=True)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        line = {
            "argv": argv,
            "exit_code": result.exit_code,
            "stdout": result.stdout,
            "stderr": result.stderr,
            "escaped": repr(result.exception) if crashed else None,
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
