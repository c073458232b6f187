"""``sessconf schema``: draft-07 JSON Schemas of the repository's files, for editors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import Result
from pydantic import BaseModel

from sessconf.model import BillingItem, Location, Session
from sessconf.repository.json_schemas import (
    BILLING_FILE,
    LOCATIONS_FILE,
    PRESETS_FILE,
    SESSION_FILE,
    dumps,
    file_schemas,
    to_draft07,
)
from sessconf.yaml.read import parse_yaml
from tests.conftest import ACUPINITIAL, MINIMAL_BILLING, MINIMAL_LOCATIONS, ROOT

Run = Callable[..., Result]
SCHEMAS = ROOT / "schemas"
REGENERATE = "run `sessconf schema --out schemas` at the repository root and commit the result"

# Each example file of the repository, and the schema that its modeline names.
EXAMPLES = [
    (ROOT / "locations.yaml", LOCATIONS_FILE),
    (ROOT / "billing_items.yaml", BILLING_FILE),
    (ROOT / "presets.yaml", PRESETS_FILE),
    *((path, SESSION_FILE) for path in sorted((ROOT / "sessions").glob("*.yaml"))),
]


def committed(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return schema


def problems(schema_name: str, document: object) -> list[tuple[str, str]]:
    """(path in the document, failing keyword) of every schema error."""
    validator = jsonschema.Draft7Validator(committed(schema_name))
    return sorted(
        ("/".join(map(str, e.absolute_path)), str(e.validator)) for e in validator.iter_errors(document)
    )


@pytest.mark.parametrize("name", [SESSION_FILE, LOCATIONS_FILE, BILLING_FILE])
def test_committed_schema_is_draft07(name: str) -> None:
    schema = committed(name)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    assert "$defs" not in json.dumps(schema)


@pytest.mark.parametrize("name", [SESSION_FILE, LOCATIONS_FILE, BILLING_FILE])
def test_committed_schema_is_up_to_date(name: str) -> None:
    fresh = dumps(file_schemas()[name])
    on_disk = (SCHEMAS / name).read_text(encoding="utf-8") if (SCHEMAS / name).exists() else ""
    assert on_disk == fresh, f"schemas/{name} is stale: {REGENERATE}"


@pytest.mark.parametrize(
    ("path", "schema_name"), EXAMPLES, ids=[p.relative_to(ROOT).as_posix() for p, _ in EXAMPLES]
)
def test_example_file_validates_and_its_modeline_names_its_schema(path: Path, schema_name: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert problems(schema_name, yaml.safe_load(text)) == []
    modeline = text.splitlines()[0]
    assert modeline.startswith("# yaml-language-server: $schema=")
    target = (path.parent / modeline.split("$schema=", 1)[1]).resolve()
    assert target == SCHEMAS / schema_name


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


SESSION, LOCATIONS, BILLING = ACUPINITIAL, MINIMAL_LOCATIONS, MINIMAL_BILLING
DESCRIPTION = "Acupuncture initial assessment"

# id: (schema, snippet, [(path in the document, failing keyword)])
INVALID = {
    "unknown-key": (SESSION_FILE, SESSION + "colour: red\n", [("", "additionalProperties")]),
    "bad-colour": (SESSION_FILE, edit(SESSION, '"#0f766e"', '"#0f766"'), [("color", "pattern")]),
    "missing-name": (SESSION_FILE, edit(SESSION, "name: acupinitial\n", ""), [("", "required")]),
    "bad-name": (SESSION_FILE, edit(SESSION, ": acupinitial", ": AcupInitial"), [("name", "pattern")]),
    "blank-text": (SESSION_FILE, edit(SESSION, DESCRIPTION, "'  '"), [("description", "pattern")]),
    "too-short": (SESSION_FILE, edit(SESSION, "duration: 60", "duration: 3"), [("duration", "minimum")]),
    "quoted-number": (SESSION_FILE, edit(SESSION, "duration: 60", 'duration: "60"'), [("duration", "type")]),
    "no-location": (SESSION_FILE, edit(SESSION, "[downtown, westside]", "[]"), [("locations", "minItems")]),
    "repeated": (SESSION_FILE, edit(SESSION, "westside]", "downtown]"), [("locations", "uniqueItems")]),
    "bad-line": (SESSION_FILE, edit(SESSION, "quantity: 2", "qty: 2"), [("billing_items/1", "anyOf")]),
    "zero-quantity": (SESSION_FILE, edit(SESSION, "ty: 2", "ty: 0"), [("billing_items/1", "anyOf")]),
    "no-name": (LOCATIONS_FILE, edit(LOCATIONS, "  name: Westside Clinic\n", ""), [("westside", "required")]),
    "bad-id": (LOCATIONS_FILE, "Downtown:\n  name: D\n  timezone: UTC\n", [("", "pattern")]),
    "a-list": (LOCATIONS_FILE, "- downtown\n", [("", "type")]),
    "3-decimals": (BILLING_FILE, edit(BILLING, '"4.50"', '"4.505"'), [("needles/price", "pattern")]),
    "negative": (BILLING_FILE, edit(BILLING, '"4.50"', "-1"), [("needles/price", "minimum")]),
    "not-a-price": (BILLING_FILE, edit(BILLING, '"4.50"', "abc"), [("needles/price", "pattern")]),
    "a-boolean-price": (BILLING_FILE, edit(BILLING, '"4.50"', "true"), [("needles/price", "type")]),
    "bad-kind": (BILLING_FILE, edit(BILLING, "kind: product", "kind: gadget"), [("needles/kind", "enum")]),
    # What the store cannot hold (sessconf.limits), as lint says too.
    "huge-price": (
        BILLING_FILE,
        edit(BILLING, '"4.50"', '"99999999999999999999.00"'),
        [("needles/price", "pattern")],
    ),
    "price-over-max": (
        BILLING_FILE,
        edit(BILLING, '"4.50"', '"100000000.00"'),
        [("needles/price", "pattern")],
    ),
    "number-over-max": (BILLING_FILE, edit(BILLING, '"4.50"', "100000000"), [("needles/price", "maximum")]),
    "huge-quantity": (SESSION_FILE, edit(SESSION, "ty: 2", f"ty: {10**22}"), [("billing_items/1", "anyOf")]),
    "quantity-over-max": (SESSION_FILE, edit(SESSION, "ty: 2", "ty: 10001"), [("billing_items/1", "anyOf")]),
    # presets.yaml, and a session that extends one of its presets
    "preset-name": (PRESETS_FILE, "massage:\n  name: massage\n", [("massage", "additionalProperties")]),
    "preset-typo": (PRESETS_FILE, "massage:\n  colour: red\n", [("massage", "additionalProperties")]),
    "preset-bad-id": (PRESETS_FILE, "Massage:\n  duration: 60\n", [("", "pattern")]),
    "preset-value": (PRESETS_FILE, "massage:\n  duration: 3\n", [("massage/duration", "minimum")]),
    "extends-not-a-name": (SESSION_FILE, "name: rmt60\nextends: [massage]\n", [("extends", "type")]),
    "no-extends-needs-all": (SESSION_FILE, "name: rmt60\nduration: 60\n", [("", "required")] * 4),
    "too-many-lines": (
        SESSION_FILE,
        edit(SESSION, "  - acup-initial\n", "".join(f"  - item-{i}\n" for i in range(100))),
        [("billing_items", "maxItems")],
    ),
}


@pytest.mark.parametrize(("schema_name", "snippet", "expected"), INVALID.values(), ids=INVALID)
def test_invalid_snippet_is_rejected(schema_name: str, snippet: str, expected: list[tuple[str, str]]) -> None:
    assert problems(schema_name, yaml.safe_load(snippet)) == expected


ENTRY = "name: Pack\nkind: product\nprice: 4.50\n"

# What the loader accepts, the schemas accept: an editor must not flag a valid file.
# id: (model, schema, snippet)
VALID = {
    "session": (Session, SESSION_FILE, SESSION),
    "short-upper-colour": (Session, SESSION_FILE, edit(SESSION, '"#0f766e"', '"#ABC"')),
    "optionals": (Session, SESSION_FILE, SESSION + "archived: true\nmax_attendees: 100\nbuffer_after: 120\n"),
    "trimmed-200": (Session, SESSION_FILE, edit(SESSION, DESCRIPTION, f"'  {'x' * 200} '")),
    "null-address": (Location, LOCATIONS_FILE, "name: Downtown\ntimezone: UTC\naddress:\n"),
    "number-price": (BillingItem, BILLING_FILE, ENTRY),
    "zero-price": (BillingItem, BILLING_FILE, edit(ENTRY, "4.50", "0")),
    "padded-price": (BillingItem, BILLING_FILE, edit(ENTRY, "4.50", "' 95 '")),
    "dot-price": (BillingItem, BILLING_FILE, edit(ENTRY, "4.50", "'.5'")),
    "max-price": (BillingItem, BILLING_FILE, edit(ENTRY, "4.50", "'99999999.99'")),
    "max-price-number": (BillingItem, BILLING_FILE, edit(ENTRY, "4.50", "99999999.99")),
    "zero-padded-price": (BillingItem, BILLING_FILE, edit(ENTRY, "4.50", "'00099999999.99'")),
    "max-quantity": (Session, SESSION_FILE, edit(SESSION, "ty: 2", "ty: 10000")),
    "max-lines": (
        Session,
        SESSION_FILE,
        edit(SESSION, "  - acup-initial\n", "".join(f"  - item-{i}\n" for i in range(99))),
    ),
}


@pytest.mark.parametrize(("model", "schema_name", "snippet"), VALID.values(), ids=VALID)
def test_what_the_loader_accepts_the_schema_accepts(
    model: type[BaseModel], schema_name: str, snippet: str
) -> None:
    loaded = parse_yaml(Path("snippet.yaml"), snippet.encode())  # as lint reads it
    assert loaded.problems == []
    model.model_validate(loaded.data)
    document = yaml.safe_load(snippet)  # as an editor reads it
    if model is not Session:
        document = {"entry": document}  # one entry of a catalogue
    assert problems(schema_name, document) == []


def test_a_session_that_extends_a_preset_needs_only_its_name() -> None:
    assert problems(SESSION_FILE, {"name": "rmt60", "extends": "massage"}) == []
    assert problems(PRESETS_FILE, yaml.safe_load((ROOT / "presets.yaml").read_text())) == []


@pytest.mark.parametrize("name", [LOCATIONS_FILE, BILLING_FILE, PRESETS_FILE])
def test_empty_catalogue_is_valid(name: str) -> None:
    assert problems(name, {}) == []
    assert problems(name, None) == []  # an empty file


def test_schema_prints_every_schema_keyed_by_file_name(run: Run) -> None:
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == file_schemas()
    assert list(json.loads(result.stdout)) == [SESSION_FILE, LOCATIONS_FILE, BILLING_FILE, PRESETS_FILE]


def test_schema_out_writes_the_committed_files(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "new" / "schemas"
    result = run("schema", "--out", out)
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [SESSION_FILE, LOCATIONS_FILE, BILLING_FILE, PRESETS_FILE]
    )
    for path in out.iterdir():
        assert path.read_text(encoding="utf-8") == dumps(file_schemas()[path.name])
        assert str(path) in result.stdout


def test_schema_out_that_cannot_be_written_is_an_error(run: Run, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = run("schema", "--out", tmp_path / "file" / "schemas")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"sessconf: error: cannot write the schemas to {tmp_path / 'file' / 'schemas'}"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            {"$defs": {"A": {"type": "string"}}, "$ref": "#/$defs/A"},
            {"definitions": {"A": {"type": "string"}}, "$ref": "#/definitions/A"},
            id="defs",
        ),
        pytest.param(
            {"properties": {"a": {"$ref": "#/$defs/A", "description": "d"}}},
            {"properties": {"a": {"allOf": [{"$ref": "#/definitions/A"}], "description": "d"}}},
            id="ref-with-siblings",
        ),
        pytest.param(
            {"type": "array", "prefixItems": [{"type": "integer"}], "items": False},
            {"type": "array", "items": [{"type": "integer"}], "additionalItems": False},
            id="closed-tuple",
        ),
        pytest.param(
            {"prefixItems": [{"type": "integer"}], "items": {"type": "string"}},
            {"items": [{"type": "integer"}], "additionalItems": {"type": "string"}},
            id="open-tuple",
        ),
        pytest.param({"dependentRequired": {"a": ["b"]}}, {"dependencies": {"a": ["b"]}}, id="dependent"),
        pytest.param({"const": {"$ref": "#/$defs/A"}}, {"const": {"$ref": "#/$defs/A"}}, id="data-untouched"),
    ],
)
def test_to_draft07(given: dict[str, Any], expected: dict[str, Any]) -> None:
    assert to_draft07(given) == expected


def test_to_draft07_refuses_what_it_cannot_express() -> None:
    with pytest.raises(ValueError, match="unevaluatedProperties"):
        to_draft07({"properties": {"a": {"unevaluatedProperties": False}}})
