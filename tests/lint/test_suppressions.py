"""``# sessconf: disable=CODE`` comments: read from YAML comment tokens only, never from values or keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessconf.lint.engine import lint
from tests.conftest import ACUPINITIAL, WriteRepo


def found(root: Path, *paths: Path) -> list[tuple[str, int, int, str]]:
    result = lint(root, paths, jobs=1)
    return [(d.path.relative_to(root).as_posix(), d.line, d.column, d.code) for d in result.diagnostics]


@pytest.mark.parametrize(
    ("body", "silenced"),
    [
        pytest.param("duration: 62  # sessconf: disable=SC302\n", True, id="after-the-value"),
        pytest.param("# sessconf: disable=SC302\nduration: 62\n", True, id="on-the-line-before"),
        pytest.param('"# sessconf: disable=SC302": 1\nduration: 62\n', False, id="a-key"),
        pytest.param("duration: 62 #sessconf: disable=SC302\n", True, id="no-space-after-the-hash"),
        pytest.param("description: '# sessconf: disable=SC302'\nduration: 62\n", False, id="quoted-text"),
        pytest.param(
            "description: >\n  x\n  # sessconf: disable=SC302\nduration: 62\n", False, id="folded-block"
        ),
        pytest.param(
            "description: >\n  x\n# sessconf: disable=SC302\nduration: 62\n", True, id="after-a-block"
        ),
        pytest.param("description: a#sessconf:disable=SC302\nduration: 62\n", False, id="hash-inside-a-word"),
    ],
)
def test_disable_comments_are_read_from_yaml_comments_only(
    write_repo: WriteRepo, body: str, silenced: bool
) -> None:
    head = ACUPINITIAL.replace("description: Acupuncture initial assessment\n", "").replace(
        "duration: 60\n", ""
    )
    root = write_repo(sessions={"acupinitial": head + body})
    codes = [code for *_, code in found(root) if code == "SC302"]
    assert codes == ([] if silenced else ["SC302"])
