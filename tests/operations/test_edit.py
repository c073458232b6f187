"""``sessconf archive`` / ``unarchive``: golden before → after files, byte for byte.

Each folder of ``tests/golden/edit/`` is one case (see its README): the command is the first word
of the folder's name; ``after.yaml`` is the exact expected file, ``refused`` the expected refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.operations.edit import set_archived
from sessconf.repository.load import load_repository
from tests.conftest import TESTS, WriteRepo

Run = Callable[..., Result]
EDITS = TESTS / "golden" / "edit"
CASES = sorted(p.name for p in EDITS.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_golden_edit(case: str, tmp_path: Path, run: Run) -> None:
    folder = EDITS / case
    before = (folder / "before.yaml").read_bytes()
    session = tmp_path / "sessions" / "massage.yaml"
    session.parent.mkdir()
    session.write_bytes(before)
    command = case.split("-", 1)[0]

    result = run(command, "massage", "--dir", tmp_path)

    if (folder / "refused").exists():
        assert result.exit_code == 1
        assert (folder / "refused").read_text().strip() in result.output
        assert session.read_bytes() == before
    else:
        assert result.exit_code == 0, result.output
        after = (folder / "after.yaml").read_bytes()
        assert session.read_bytes() == after
        assert ("nothing changed" in result.output) == (after == before)
    assert sorted(p.name for p in session.parent.iterdir()) == ["massage.yaml"]  # no temporary file left


def test_the_golden_cases_cover_both_commands_and_refusals() -> None:
    assert {c.split("-", 1)[0] for c in CASES} == {"archive", "unarchive"}
    assert sum((EDITS / c / "refused").exists() for c in CASES) >= 3


def test_archiving_round_trips_through_the_loader(write_repo: WriteRepo) -> None:
    root = write_repo()
    path = root / "sessions" / "acupinitial.yaml"
    original = path.read_bytes()
    assert set_archived(root, "acupinitial", True).changed
    assert load_repository(root).sessions["acupinitial"].model.archived is True
    assert set_archived(root, "acupinitial", False).changed
    assert load_repository(root).sessions["acupinitial"].model.archived is False
    assert path.read_bytes() == original + b"archived: false\n"


def test_the_file_keeps_its_permissions(write_repo: WriteRepo) -> None:
    root = write_repo()
    path = root / "sessions" / "acupinitial.yaml"
    path.chmod(0o640)
    set_archived(root, "acupinitial", True)
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("acupinitail", "did you mean 'acupinitial'?", id="typo"),
        pytest.param("nosuch", "no session 'nosuch'", id="unknown"),
        pytest.param("Bad/Name", "not a valid name", id="invalid-name"),
    ],
)
def test_unknown_sessions_are_a_clear_error(write_repo: WriteRepo, run: Run, name: str, message: str) -> None:
    root = write_repo()
    result = run("archive", name, "--dir", root)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
