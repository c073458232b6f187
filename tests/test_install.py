"""Installing sessconf as a user does, with no package index release (issue 14).

The wheel is built from a copy of the source (never in the work tree), then the composite action,
copied into a fresh config repository, installs that wheel in its own virtualenv (not editable)
and lints the example clinic there. That install has no extras: it lints and uses SQLite, and a
PostgreSQL store is a clear error naming the ``sessconf[postgresql]`` extra.

Building and installing takes 15-25 s (pip's cache is reused): the tests are marked ``slow``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from sessconf import __version__, project_url
from tests.conftest import ROOT
from tests.test_workflows import ACTION, Runner

pytestmark = pytest.mark.slow
SOURCE = ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "src")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def pip(*args: str | Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the source tree as ``pip wheel`` builds it for a user."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in SOURCE:
        if (ROOT / name).is_dir():
            skip = shutil.ignore_patterns("*.egg-info", "__pycache__")
            shutil.copytree(ROOT / name, source / name, ignore=skip)
        else:
            shutil.copy(ROOT / name, source / name)
    done = pip("wheel", "--quiet", "--no-deps", "--wheel-dir", base / "dist", source)
    assert done.returncode == 0, done.stderr
    (built,) = (base / "dist").glob("sessconf-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Runner, Path]:
    """The action, copied into a fresh config repository, installing the wheel and linting there."""
    base = tmp_path_factory.mktemp("action")
    workspace = base / "config"
    workspace.mkdir()
    shutil.copytree(ROOT / "sessions", workspace / "sessions")
    for name in ("locations.yaml", "billing_items.yaml", "presets.yaml", "action.yml"):
        shutil.copy(ROOT / name, workspace / name)
    shutil.copytree(ROOT / ".github", workspace / ".github")
    temp = base / "runner-temp"
    temp.mkdir()
    runner = Runner(workspace, temp, {"GITHUB_EVENT_NAME": "push"})
    return runner, workspace


def test_the_wheel_ships_the_license_and_the_metadata(wheel: Path) -> None:
    assert wheel.name == f"sessconf-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = f"sessconf-{__version__}.dist-info"
        assert f"{info}/licenses/LICENSE" in names
        metadata = archive.read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert f"Project-URL: Issues, {PROJECT['urls']['Issues']}" in metadata
    assert "sessconf/schemas/session.schema.json" in names or "sessconf/py.typed" in names
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist: psycopg")]
    assert requires == ['Requires-Dist: psycopg[binary]<4,>=3.1.18; extra == "postgresql"']


def test_the_copied_action_installs_the_wheel_and_lints(installed: tuple[Runner, Path], wheel: Path) -> None:
    runner, workspace = installed
    result = runner(action_path=workspace, command="lint", package=str(wheel))
    assert result.status == 0, result.stdout + result.stderr
    assert f"sessconf, version {__version__}" in result.stdout
    assert "All checks passed (22 files)." in result.stdout  # the copy has no pyproject.toml
    python = runner.temp / "sessconf-venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import sessconf; print(sessconf.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(runner.temp / "sessconf-venv")), where  # the wheel, not this checkout
    assert "site-packages" in where


def test_the_light_install_has_no_driver_and_names_the_extra(
    installed: tuple[Runner, Path], wheel: Path
) -> None:
    runner, workspace = installed
    venv = runner.temp / "sessconf-venv"
    if not (venv / "bin" / "sessconf").exists():  # run alone: install first
        assert runner(action_path=workspace, command="lint", package=str(wheel)).status == 0
    listed = pip("list", "--format=freeze", python=str(venv / "bin" / "python")).stdout
    assert not re.search(r"(?im)^psycopg", listed), listed
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSCONF_")}
    done = subprocess.run(
        [
            str(venv / "bin" / "sessconf"),
            "diff",
            "--dir",
            str(workspace),
            "--store",
            "postgresql://u@127.0.0.1/db",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "PostgreSQL support is not installed" in done.stderr
    assert "sessconf[postgresql]" in done.stderr
    assert f"git+{project_url('Source')}@v{__version__}" in done.stderr


def test_the_action_defaults_to_its_own_checkout() -> None:
    package = ACTION["inputs"]["package"]
    assert package["default"] == ""
    install = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Install sessconf")
    assert 'spec="${GITHUB_ACTION_PATH}[postgresql]"' in install["run"]
