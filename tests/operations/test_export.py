"""``sessconf export``: store → repository files → the same store, with an empty plan.

The YAML emitter is checked by properties (any text reads back exactly), the file layout by
exact text, and the command end to end on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError
from sqlalchemy import update

from sessconf.model import check_text
from sessconf.operations.documents import billing_items_document, locations_document, session_document
from sessconf.operations.export import export
from sessconf.plan.desired import from_repository
from sessconf.plan.state import BillingItemState, BillingLineState, ConfigState, LocationState, SessionState
from sessconf.repository.load import load_repository
from sessconf.store import Store, tables
from sessconf.store.url import resolve
from sessconf.yaml.emit import emit_flow_list, emit_scalar
from sessconf.yaml.read import parse_yaml
from tests.conftest import WriteRepo

Run = Callable[..., Result]

# -- the emitter ------------------------------------------------------------------------------


def read_back(document: str) -> object:
    """``document`` as PyYAML reads it, after checking that sessconf's loader reads it the same."""
    ours = parse_yaml(Path("/tables.yaml"), document.encode("utf-8"))
    theirs = yaml.safe_load(document)
    assert ours.problems == []
    assert ours.data == theirs
    return theirs


@settings(max_examples=250)
@given(st.text())
def test_any_text_reads_back_exactly(text: str) -> None:
    assert read_back(f"k: {emit_scalar(text)}\n") == {"k": text}
    assert read_back(f"k: {emit_flow_list([text, 'x'])}\n") == {"k": [text, "x"]}
    assert read_back(f"k:\n  - {emit_scalar(text)}\n") == {"k": [text]}
    if len(text) < 256:  # longer keys are not simple keys in YAML
        assert read_back(f"{emit_scalar(text)}: v\n") == {text: "v"}


@given(st.one_of(st.integers(), st.booleans(), st.none()))
def test_numbers_booleans_and_null_read_back(value: int | bool | None) -> None:
    assert read_back(f"k: {emit_scalar(value)}\n") == {"k": value}


@pytest.mark.parametrize(
    ("text", "block", "flow"),
    [
        pytest.param("Downtown Clinic", "Downtown Clinic", "Downtown Clinic", id="plain"),
        pytest.param(
            "120 King St W, Toronto", "120 King St W, Toronto", '"120 King St W, Toronto"', id="comma"
        ),
        pytest.param("café à Montréal", "café à Montréal", "café à Montréal", id="accents"),
        pytest.param("no", '"no"', '"no"', id="yaml11-boolean"),
        pytest.param("null", '"null"', '"null"', id="null"),
        pytest.param("1:30", '"1:30"', '"1:30"', id="base-60"),
        pytest.param("0755", '"0755"', '"0755"', id="octal"),
        pytest.param("2024-01-01", '"2024-01-01"', '"2024-01-01"', id="date"),
        pytest.param("#fff", '"#fff"', '"#fff"', id="hash"),
        pytest.param("a #b", '"a #b"', '"a #b"', id="comment"),
        pytest.param("a: b", '"a: b"', '"a: b"', id="colon-space"),
        pytest.param(" leading", '" leading"', '" leading"', id="leading-space"),
        pytest.param("- item", '"- item"', '"- item"', id="dash"),
        pytest.param('say "hi"\n', '"say \\"hi\\"\\n"', '"say \\"hi\\"\\n"', id="quote-and-newline"),
        pytest.param("tab\there", '"tab\\there"', '"tab\\there"', id="tab"),
        pytest.param("", '""', '""', id="empty"),
    ],
)
def test_values_that_need_quotes_get_them(text: str, block: str, flow: str) -> None:
    assert emit_scalar(text) == block
    assert emit_scalar(text, flow=True) == flow


# -- the files --------------------------------------------------------------------------------

FULL = SessionState(
    name="yogaclass",
    description="Yoga: a class for beginners",
    discipline="physiotherapy",
    locations=("downtown", "westside"),
    color="#0f766e",
    duration=75,
    billing_items=(BillingLineState("physio-treatment", 1), BillingLineState("mat", 2)),
    archived=True,
    previous_names=("yoga", "yoga-class"),
    max_attendees=12,
    online_booking=False,
    buffer_before=5,
    buffer_after=10,
    telehealth=True,
)


def test_a_session_file_looks_hand_written() -> None:
    assert session_document(FULL) == textwrap.dedent("""\
        name: yogaclass
        description: "Yoga: a class for beginners"
        discipline: physiotherapy
        locations: [downtown, westside]
        color: "#0f766e"
        duration: 75
        billing_items:
          - physio-treatment
          - item: mat
            quantity: 2
        archived: true
        previous_names: [yoga, yoga-class]
        max_attendees: 12
        online_booking: false
        buffer_before: 5
        buffer_after: 10
        telehealth: true
        """)


def test_defaults_are_left_out() -> None:
    plain = SessionState("rmt30", "Massage, 30 minutes", "massage", ("downtown",), "#abcdef", 30)
    assert session_document(plain) == textwrap.dedent("""\
        name: rmt30
        description: Massage, 30 minutes
        discipline: massage
        locations: [downtown]
        color: "#abcdef"
        duration: 30
        """)


def test_catalogues_look_hand_written() -> None:
    locations = [
        LocationState(
            "downtown", "Downtown Clinic", "America/Toronto", ("massage", "acupuncture"), "1 King St"
        ),
        LocationState("annex", "Annex", "America/Toronto", archived=True, previous_names=("old-annex",)),
    ]
    items = [BillingItemState("mat", "Yoga mat", "product", Decimal("4.50"), "CAD", True, ("mats",))]
    assert locations_document(locations) == textwrap.dedent("""\
        downtown:
          name: Downtown Clinic
          timezone: America/Toronto
          disciplines: [massage, acupuncture]
          address: 1 King St
        annex:
          name: Annex
          timezone: America/Toronto
          archived: true
          previous_names: [old-annex]
        """)
    assert billing_items_document(items) == textwrap.dedent("""\
        mat:
          name: Yoga mat
          kind: product
          price: "4.50"
          archived: true
          previous_names: [mats]
        """)
    assert locations_document([]) == billing_items_document([]) == "{}\n"


# Any valid configuration, with any text where text is allowed, exports to files that lint
# without errors and load back as the same configuration.
NAMES = st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True)


def _valid_text(text: str) -> bool:
    try:
        return check_text(text) == text
    except PydanticCustomError:
        return False


TEXT = st.text(min_size=1, max_size=40).map(str.strip).filter(_valid_text)


@st.composite
def configs(draw: st.DrawFn) -> ConfigState:
    numbers = itertools.count()
    disciplines = tuple(draw(st.lists(NAMES, min_size=1, max_size=3, unique=True)))

    def fresh() -> str:  # unique: the part after the last '-' is a serial number
        return f"{draw(NAMES)}-{next(numbers)}"

    def previous() -> tuple[str, ...]:
        return tuple(fresh() for _ in range(draw(st.integers(0, 2))))

    config = ConfigState()
    for _ in range(draw(st.integers(1, 3))):
        name = fresh()
        config.locations[name] = LocationState(
            name,
            draw(TEXT),
            draw(st.sampled_from(["America/Toronto", "America/Vancouver", "Europe/Paris"])),
            disciplines,
            draw(st.none() | TEXT),
            draw(st.booleans()),
            previous(),
        )
    for _ in range(draw(st.integers(0, 3))):
        name = fresh()
        cents = draw(st.integers(0, 10**9))
        config.billing_items[name] = BillingItemState(
            name,
            draw(TEXT),
            draw(st.sampled_from(["service", "product"])),
            Decimal(cents).scaleb(-2),
            "CAD",
            draw(st.booleans()),
            previous(),
        )
    for _ in range(draw(st.integers(0, 3))):
        name = fresh()
        items = draw(st.lists(st.sampled_from(sorted(config.billing_items) or ["-"]), unique=True))
        config.sessions[name] = SessionState(
            name,
            draw(TEXT),
            draw(st.sampled_from(disciplines)),
            tuple(draw(st.lists(st.sampled_from(sorted(config.locations)), min_size=1, unique=True))),
            draw(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)),
            draw(st.integers(5, 600)),
            tuple(BillingLineState(i, draw(st.integers(1, 9))) for i in items if i != "-"),
            draw(st.booleans()),
            previous(),
            draw(st.integers(1, 100)),
            draw(st.booleans()),
            draw(st.integers(0, 120)),
            draw(st.integers(0, 120)),
            draw(st.booleans()),
        )
    return config


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_any_configuration_exports_to_files_that_load_back_the_same(config: ConfigState) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "repo"
        result = export(config, out)
        assert result.lint is not None
        assert [d for d in result.lint.diagnostics if d.severity == "error"] == []
        assert result.problems == []
        assert from_repository(load_repository(out)) == config


def test_an_existing_pyproject_gets_the_currency_table(tmp_path: Path) -> None:
    out = tmp_path / "repo"
    out.mkdir()
    (out / "pyproject.toml").write_text('[project]\nname = "clinic"')
    config = ConfigState(
        billing_items={"mat": BillingItemState("mat", "Mat", "product", Decimal("1.00"), "EUR")}
    )
    result = export(config, out, force=True)
    assert not result.failed, result.problems
    assert (
        out / "pyproject.toml"
    ).read_text() == '[project]\nname = "clinic"\n\n[tool.sessconf]\ncurrency = "EUR"\n'


def test_an_existing_pyproject_with_another_currency_is_reported(tmp_path: Path) -> None:
    out = tmp_path / "repo"
    out.mkdir()
    (out / "pyproject.toml").write_text('[tool.sessconf]\nclinic_name = "Harbourview"\n')
    config = ConfigState(
        billing_items={"mat": BillingItemState("mat", "Mat", "product", Decimal("1.00"), "EUR")}
    )
    result = export(config, out, force=True)
    assert (
        'sets currency CAD, the store\'s billing items are in EUR: set currency = "EUR"' in result.problems[0]
    )
    assert (out / "pyproject.toml").read_text() == '[tool.sessconf]\nclinic_name = "Harbourview"\n'


def test_several_currencies_are_reported(tmp_path: Path) -> None:
    items = {
        code: BillingItemState(code, code, "service", Decimal("1.00"), currency)
        for code, currency in [("a", "CAD"), ("b", "CAD"), ("c", "USD")]
    }
    result = export(ConfigState(billing_items=items), tmp_path / "repo")
    assert result.failed
    assert "several currencies (CAD (2), USD (1))" in result.problems[0]
    assert 'billing item "c" does not read back as stored: currency "USD" in the store' in result.problems[1]


# -- the command, on both databases ------------------------------------------------------------


def open_store(url: str, root: Path) -> Store:
    return Store(resolve(url, None, root))


def apply(run: Run, root: Path, url: str) -> None:
    result = run("apply", "--dir", root, "--store", url, "--yes")
    assert result.exit_code == 0, result.output


def assert_no_changes(run: Run, root: Path, url: str) -> None:
    result = run("diff", "--dir", root, "--store", url, "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["changes"] == []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_export_then_diff_plans_nothing(run: Run, clinic: Path, store_url: str, tmp_path: Path) -> None:
    apply(run, clinic, store_url)
    # renames on top of the example's previous names, archived entities, a group session, ...
    sessions = clinic / "sessions"
    (sessions / "acupinitial.yaml").rename(sessions / "acupfirst.yaml")
    edit(sessions / "acupfirst.yaml", "name: acupinitial", "name: acupfirst")
    edit(sessions / "acupfirst.yaml", "previous_names: [acupinit]", "previous_names: [acupinit, acupinitial]")
    edit(sessions / "rmt60.yaml", "duration: 60", "duration: 60\nbuffer_before: 5\ntelehealth: false")
    edit(clinic / "billing_items.yaml", "needles:\n", "needle-pack:\n  previous_names: [needles]\n")
    for path in sessions.glob("*.yaml"):
        path.write_text(path.read_text().replace("needles", "needle-pack"))
    apply(run, clinic, store_url)

    out = tmp_path / "exported"
    result = run("export", "--out", out, "--store", store_url)
    assert result.exit_code == 0, result.output
    assert "Exported 19 sessions, 3 locations and 21 billing items" in result.output
    assert "All checks passed" in result.output
    assert_no_changes(run, out, store_url)

    exported = load_repository(out)
    first = exported.sessions["acupfirst"].model
    assert (first.previous_names, [(b.item, b.quantity) for b in first.billing_items]) == (
        ["acupinit", "acupinitial"],
        [("acup-initial", 1), ("needle-pack", 2)],
    )
    assert exported.sessions["acupcupping"].model.archived
    assert exported.billing_items["cupping"].model.archived
    assert exported.billing_items["needle-pack"].model.previous_names == ["needles"]
    assert exported.locations["kitsilano"].model.previous_names == ["vancouver"]
    assert exported.sessions["pilatesclass"].model.max_attendees == 6
    assert exported.sessions["therapyvideo"].model.telehealth
    assert exported.sessions["rmt60"].model.buffer_before == 5
    assert (out / "pyproject.toml").read_text() == '[tool.sessconf]\ncurrency = "CAD"\n'


def test_a_store_in_another_currency(run: Run, write_repo: WriteRepo, store_url: str, tmp_path: Path) -> None:
    root = write_repo(pyproject='[tool.sessconf]\ncurrency = "USD"\n')
    apply(run, root, store_url)
    out = tmp_path / "exported"
    assert run("export", "--out", out, "--store", store_url).exit_code == 0
    assert 'currency = "USD"' in (out / "pyproject.toml").read_text()
    assert_no_changes(run, out, store_url)


def test_a_folder_that_is_not_empty_needs_force(
    run: Run, write_repo: WriteRepo, store_url: str, tmp_path: Path
) -> None:
    root = write_repo()
    apply(run, root, store_url)
    out = tmp_path / "exported"
    (out / "sessions").mkdir(parents=True)
    (out / "sessions" / "stale.yaml").write_text("name: stale\n")
    (out / "README.md").write_text("notes\n")

    refused = run("export", "--out", out, "--store", store_url)
    assert refused.exit_code == 1
    assert "is not empty" in refused.output
    assert "--force" in refused.output
    assert sorted(p.name for p in out.rglob("*")) == ["README.md", "sessions", "stale.yaml"]

    forced = run("export", "--out", out, "--store", store_url, "--force")
    assert forced.exit_code == 0, forced.output
    assert "Removed" in forced.output
    assert sorted(p.name for p in (out / "sessions").iterdir()) == ["acupinitial.yaml"]
    assert (out / "README.md").read_text() == "notes\n"
    assert_no_changes(run, out, store_url)


def test_a_missing_store_exports_an_empty_repository(run: Run, tmp_path: Path, store_url: str) -> None:
    out = tmp_path / "exported"
    result = run("export", "--out", out, "--store", store_url)
    assert result.exit_code == 0, result.output
    assert "does not exist" in result.output
    for name in ("locations", "billing_items"):  # each with the modeline of its schema, written too
        modeline = f"# yaml-language-server: $schema=schemas/{name}.schema.json\n"
        assert (out / f"{name}.yaml").read_text() == modeline + "{}\n"
        assert (out / "schemas" / f"{name}.schema.json").is_file()
    assert list((out / "sessions").iterdir()) == []
    assert not open_store(store_url, tmp_path).status().exists


def test_rows_that_would_not_lint_are_reported(
    run: Run, write_repo: WriteRepo, store_url: str, tmp_path: Path
) -> None:
    root = write_repo()
    apply(run, root, store_url)
    store = open_store(store_url, root)
    with store.db.write() as conn:  # written by some other tool
        # (within the bounds that the store holds for every writer: lint knows more)
        conn.execute(update(tables.sessions).values(color="#zzzzzz", description="  Needs: quotes  "))
        conn.execute(
            update(tables.locations).where(tables.locations.c.name == "westside").values(name="west/side")
        )
    out = tmp_path / "exported"
    result = run("export", "--out", out, "--store", store_url)
    assert result.exit_code == 1
    assert re.search(
        r"sessions/acupinitial\.yaml:6:8: error SC\d+ color: '#zzzzzz' is not a colour", result.output
    )
    assert "locations.yaml:7:1: error SC104 'west/side' is not a valid name" in result.output
    assert (out / "sessions" / "acupinitial.yaml").read_text().splitlines()[
        2
    ] == 'description: "  Needs: quotes  "'
    first = (out / "sessions" / "acupinitial.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/session.schema.json"
    assert (out / "sessions" / "../schemas/session.schema.json").resolve().is_file()


def test_a_session_name_that_is_no_file_name_is_reported(
    run: Run, write_repo: WriteRepo, store_url: str, tmp_path: Path
) -> None:
    root = write_repo()
    apply(run, root, store_url)
    with open_store(store_url, root).db.write() as conn:
        conn.execute(update(tables.sessions).values(name="../escape"))
    out = tmp_path / "exported"
    result = run("export", "--out", out, "--store", store_url)
    assert result.exit_code == 1
    assert 'session "../escape" cannot be written: the name holds a path separator' in result.output
    assert not (tmp_path / "escape.yaml").exists()
    assert list((out / "sessions").iterdir()) == []
