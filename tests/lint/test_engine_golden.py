"""The golden bad-input corpus: one broken repository per case, every diagnostic it must produce.

Each folder of ``tests/golden/bad/`` is one mistake. Its files are laid over the valid repository
in ``tests/golden/bad/_base/`` (see ``tests/golden/bad/README.md``), and its ``expected`` file lists every
diagnostic that ``lint`` must report, in order, as the text output prints them:
``path:line:col: severity CODE``, optionally followed by the message and ``(hint)``, which are
then compared too. Adding a case is adding a folder.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from sessconf.diagnostics import Diagnostic
from sessconf.lint.engine import lint
from sessconf.yaml.read import parse_yaml
from tests.conftest import TESTS

BAD = TESTS / "golden" / "bad"
BASE = BAD / "_base"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir() and p != BASE)


def materialize(case: str, dest: Path) -> Path:
    """The base repository with the case's files laid over it, written to ``dest``."""
    shutil.copytree(BASE, dest)
    folder = BAD / case
    for source in sorted(folder.rglob("*")):
        rel = source.relative_to(folder)
        if source.is_dir() or rel.as_posix() == "expected":
            continue
        target = dest / rel
        if source.name.endswith(".absent"):  # the case removes this file or folder of the base
            gone = target.with_name(source.name.removesuffix(".absent"))
            if gone.is_dir():
                shutil.rmtree(gone)
            else:
                gone.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.name.endswith(".gz"):  # large inputs are stored compressed
            target.with_name(source.name.removesuffix(".gz")).write_bytes(
                gzip.decompress(source.read_bytes())
            )
        else:
            shutil.copyfile(source, target)
    return dest


def expected_lines(case: str) -> list[str]:
    text = (BAD / case / "expected").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def render(root: Path, diagnostic: Diagnostic, *, with_message: bool) -> str:
    where = f"{diagnostic.path.relative_to(root).as_posix()}:{diagnostic.line}:{diagnostic.column}:"
    line = f"{where} {diagnostic.severity.value} {diagnostic.code}"
    if with_message:
        line += f" {diagnostic.message}" + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    return line


def test_the_base_repository_is_clean() -> None:
    assert lint(BASE, jobs=1).diagnostics == []


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str, tmp_path: Path) -> None:
    root = materialize(case, tmp_path / "repo")
    expected = expected_lines(case)
    diagnostics = lint(root, jobs=1).diagnostics
    # A line that carries a message checks the message and hint too; a bare one only the position.
    pairs = zip(diagnostics, expected, strict=False)
    got = [render(root, d, with_message=len(e.split(" ", 3)) > 3) for d, e in pairs]
    got += [render(root, d, with_message=False) for d in diagnostics[len(expected) :]]
    assert got == expected


def test_an_alias_bomb_is_refused_before_it_is_expanded() -> None:
    raw = (BAD / "alias-bomb" / "sessions" / "massage.yaml").read_bytes()
    doc = parse_yaml(Path("/bomb.yaml"), raw)
    assert doc.data is None
    assert [p.code for p in doc.problems] == ["SC007"]
