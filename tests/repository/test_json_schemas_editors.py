"""The JSON Schemas as editors use them: messages, the repository's names, valid snippets."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import Result

from sessconf.repository.json_schemas import BILLING_FILE, LOCATIONS_FILE, SESSION_FILE, file_schemas
from sessconf.repository.names import repository_names
from tests.conftest import ROOT

Run = Callable[..., Result]
STOP = re.compile(r"\$\{(\d+)(?::([^}]*)|\|([^|}]*)\|)\}")  # ${1:default} or ${2|a,b|}


def price(schemas: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = schemas[BILLING_FILE]["definitions"]["BillingItem"]["properties"]["price"]
    return found


def test_a_price_is_one_schema_for_both_types_with_a_message() -> None:
    schema = price(file_schemas())
    assert schema["type"] == ["string", "number"]
    assert "anyOf" not in schema  # an anyOf makes editors say "Expected number"
    assert schema["description"].startswith('a price such as "95.00"')
    assert schema["patternErrorMessage"].startswith('a price such as "95.00"')
    check = jsonschema.Draft7Validator(schema)
    for good in ("95.00", " 95 ", ".5", 95, 4.5, 0, "99999999.99"):
        assert check.is_valid(good), good
    for bad in ("95.001", "abc", -1, True, None, "100000000"):
        assert not check.is_valid(bad), bad


# -- the repository's names (`sessconf schema --names`) ---------------------------------------------


def test_names_of_the_example_clinic() -> None:
    names = repository_names(ROOT)
    assert names.locations == ("downtown", "kitsilano", "westside")
    assert "acupuncture" in names.disciplines
    assert "acup-initial" in names.billing_items
    assert "rmt60" in names.sessions


def session_problems(schema: dict[str, Any], document: object) -> list[str]:
    return sorted(
        "/".join(map(str, e.absolute_path)) for e in jsonschema.Draft7Validator(schema).iter_errors(document)
    )


def test_with_names_editors_complete_and_check_them(run: Run, clinic: Path, tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    result = run("schema", "--names", "--out", out, "--dir", clinic)
    assert result.exit_code == 0, result.output
    session = json.loads((out / SESSION_FILE).read_text())
    assert session["properties"]["locations"]["items"]["enum"] == ["downtown", "kitsilano", "westside"]
    assert "acupuncture" in session["properties"]["discipline"]["enum"]
    line = session["definitions"]["BillingLine"]["anyOf"]
    assert "acup-initial" in line[0]["enum"]
    assert line[1]["properties"]["item"]["enum"] == line[0]["enum"]
    jsonschema.Draft7Validator.check_schema(session)
    for path in sorted((clinic / "sessions").glob("*.yaml")):  # the repository's files still validate
        assert session_problems(session, yaml.safe_load(path.read_text())) == [], path
    document = yaml.safe_load((clinic / "sessions/rmt60.yaml").read_text())
    assert session_problems(session, {**document, "locations": ["downtwn"]}) == ["locations/0"]
    assert session_problems(session, {**document, "discipline": "yoga"}) == ["discipline"]
    assert session_problems(session, {**document, "billing_items": ["nope"]}) == ["billing_items/0"]
    # without --names, the schemas are the same for every repository (the committed ones)
    assert json.loads(run("schema", "--dir", clinic).stdout) == file_schemas()


# -- snippets ------------------------------------------------------------------------------------


def snippets(schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        SESSION_FILE: schemas[SESSION_FILE]["defaultSnippets"],
        LOCATIONS_FILE: schemas[LOCATIONS_FILE]["definitions"]["Location"]["defaultSnippets"],
        BILLING_FILE: schemas[BILLING_FILE]["definitions"]["BillingItem"]["defaultSnippets"],
    }


def stops(body: Any) -> list[int]:
    if isinstance(body, dict):
        return [n for value in body.values() for n in stops(value)]
    if isinstance(body, list):
        return [n for value in body for n in stops(value)]
    return [int(m[1]) for m in STOP.finditer(body)]


def accept_defaults(body: Any) -> Any:
    """What the editor inserts when every default is accepted (``^`` values inserted as YAML)."""
    if isinstance(body, dict):
        return {key: accept_defaults(value) for key, value in body.items()}
    if isinstance(body, list):
        return [accept_defaults(value) for value in body]
    text = STOP.sub(lambda m: m[2] if m[2] is not None else m[3].split(",")[0], body)
    return yaml.safe_load(text[1:]) if body.startswith("^") else text


@pytest.mark.parametrize("with_names", [False, True], ids=["generic", "with-names"])
def test_snippets_are_valid_with_distinct_tab_stops(with_names: bool) -> None:
    schemas = file_schemas(repository_names(ROOT) if with_names else None)
    for name, found in snippets(schemas).items():
        assert found, name
        for snippet in found:
            numbers = stops(snippet["body"])
            assert sorted(numbers) == list(range(1, len(numbers) + 1)), (name, numbers)  # each once
            value = accept_defaults(snippet["body"])
            document = value if name == SESSION_FILE else {"entry": value}
            validator = jsonschema.Draft7Validator(schemas[name])
            assert list(validator.iter_errors(document)) == [], (name, value)
            if name == SESSION_FILE:
                assert value["duration"] > 0
                assert value["color"].startswith("#")


def test_the_session_snippet_lints_in_the_example_clinic(
    run: Run, clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (snippet,) = snippets(file_schemas(repository_names(clinic)))[SESSION_FILE]
    value = accept_defaults(snippet["body"])
    monkeypatch.chdir(clinic)
    text = yaml.safe_dump(value, sort_keys=False)
    result = run("lint", "--stdin-filename", f"sessions/{value['name']}.yaml", "-", input=text)
    assert result.exit_code == 0, result.output
