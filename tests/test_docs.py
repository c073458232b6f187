"""Docs that must not drift from the code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_the_two_commands() -> None:
    main_job, tests = readme_commands()[:2]
    assert "sessconf lint" in main_job
    for tool in ("ruff check", "mypy --strict", "lint-imports", "pytest"):
        assert tool in tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci


def test_the_readme_rule_table_is_generated_from_the_rules() -> None:
    from sessconf.output.rules import render_rules

    text = (ROOT / "README.md").read_text()
    table = text.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert table == render_rules("markdown"), "regenerate with `sessconf rules --format markdown`"


def test_the_main_job_lints_applies_and_lists_the_example_clinic(
    run: Callable[..., Result], clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main_job = readme_commands()[0]
    steps = [part.strip().removeprefix(".venv/bin/sessconf ") for part in main_job.split("&&")]
    commands = [step.split() for step in steps if not step.startswith(("python3", ".venv/bin/pip"))]
    assert [c[0] for c in commands] == ["lint", "apply", "list"]
    monkeypatch.chdir(clinic)
    monkeypatch.delenv("SESSCONF_STORE", raising=False)
    outputs = []
    for command in commands:
        result = run(*command)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert (clinic / "sessconf.db").is_file()
    assert "acupinitial" in outputs[-1]
    assert "acupcupping" not in outputs[-1]  # archived: listed with --archived or --all


INSTALL_DOCS = [
    "README.md",
    "CHANGELOG.md",
    "action.yml",
    ".pre-commit-hooks.yaml",
    ".github/workflows/sessconf.yml",
    ".github/workflows/ci.yml",
]


@pytest.mark.parametrize("name", INSTALL_DOCS)
def test_no_package_index_install_and_no_placeholder(name: str) -> None:
    """sessconf is installed from its repository at a tag: no `sessconf==` from an index, no
    `OWNER/` left to fill in, and every link to the repository is the one of `[project.urls]`."""
    import re
    import tomllib

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    text = (ROOT / name).read_text(encoding="utf-8")
    assert "OWNER/" not in text
    assert not re.search(r"sessconf\s*==", text)
    for found in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", text):
        assert found == urls["Source"], found
    for found in re.findall(r"uses: ([\w.-]+/sessconf)@", text):
        assert f"https://github.com/{found}" == urls["Source"]


def test_the_changelog_has_the_release_of_the_version() -> None:
    from sessconf import __version__

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{__version__}]" in changelog
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_the_issue_url_comes_from_the_project_urls() -> None:
    import tomllib

    from sessconf import project_url

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert project_url("Issues") == urls["Issues"]
    assert project_url("Source") == urls["Source"]


def test_the_vscode_settings_example_maps_each_file_kind_to_its_schema() -> None:
    import fnmatch
    import json
    import re

    section = (ROOT / "README.md").read_text().split("\n## Editor support\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```json\n(.*?)```", section, flags=re.DOTALL)
    mapping = json.loads(block)["yaml.schemas"]
    examples = {
        "sessions/rmt60.yaml": "session",
        "locations.yaml": "locations",
        "billing_items.yaml": "billing_items",
    }
    for path, kind in examples.items():
        (schema,) = [s for s, pattern in mapping.items() if fnmatch.fnmatch(path, pattern)]
        assert schema == f"./schemas/{kind}.schema.json"
        assert (ROOT / schema).is_file()
