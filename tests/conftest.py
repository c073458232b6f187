"""Shared fixtures: a copy of the example clinic, small repositories written from snippets."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sessconf.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"  # the helpers and goldens, whatever folder a test file is in

MINIMAL_LOCATIONS = """\
downtown:
  name: Downtown Clinic
  timezone: America/Toronto
  disciplines: [acupuncture, physiotherapy, massage]
  address: 120 King St W, Toronto
westside:
  name: Westside Clinic
  timezone: America/Toronto
  disciplines: [acupuncture, massage]
"""

MINIMAL_BILLING = """\
acup-initial:
  name: Acupuncture initial assessment
  kind: service
  price: "95.00"
needles:
  name: Sterile needle pack
  kind: product
  price: "4.50"
"""

ACUPINITIAL = """\
name: acupinitial
description: Acupuncture initial assessment
discipline: acupuncture
locations: [downtown, westside]
color: "#0f766e"
duration: 60
billing_items:
  - acup-initial
  - item: needles
    quantity: 2
"""

WriteRepo = Callable[..., Path]


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """A copy of the example clinic at the repository root."""
    dest = tmp_path / "clinic"
    dest.mkdir()
    shutil.copytree(ROOT / "sessions", dest / "sessions")
    for name in ("locations.yaml", "billing_items.yaml", "presets.yaml"):
        shutil.copy(ROOT / name, dest / name)
    settings = (ROOT / "pyproject.toml").read_text().split("[tool.sessconf]", 1)[1].split("\n[", 1)[0]
    (dest / "pyproject.toml").write_text("[tool.sessconf]" + settings)
    return dest


@pytest.fixture
def write_repo(tmp_path: Path) -> WriteRepo:
    """Write a small repository: ``write_repo(sessions={"name": yaml}, locations=..., billing=...)``."""

    def write(
        sessions: dict[str, str] | None = None,
        locations: str | None = MINIMAL_LOCATIONS,
        billing: str | None = MINIMAL_BILLING,
        pyproject: str | None = None,
        files: dict[str, str | bytes] | None = None,
    ) -> Path:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        (root / "sessions").mkdir(exist_ok=True)
        if locations is not None:
            (root / "locations.yaml").write_text(textwrap.dedent(locations))
        if billing is not None:
            (root / "billing_items.yaml").write_text(textwrap.dedent(billing))
        if pyproject is not None:
            (root / "pyproject.toml").write_text(textwrap.dedent(pyproject))
        for name, body in (sessions if sessions is not None else {"acupinitial": ACUPINITIAL}).items():
            (root / "sessions" / f"{name}.yaml").write_text(textwrap.dedent(body))
        for rel, content in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        return root

    return write


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process: ``run("lint", "--dir", path)``."""
    runner = CliRunner()

    def invoke(*args: str | Path, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, [str(a) for a in args], input=input, env=env, catch_exceptions=False)

    return invoke


# -- stores: every store test runs on SQLite and on PostgreSQL (SPEC §8) ----------------------

PG_ENV = "SESSCONF_TEST_PG_URL"


def pg_admin_url() -> str | None:
    import os

    return os.environ.get(PG_ENV) or None


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = pg_admin_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL store tests skipped")
    yield from _pg_schema(base)


def _pg_schema(base: str) -> Iterator[str]:
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:  # unreachable: the test fails, as it should
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")
