"""The lint cache (SPEC §6): it never changes a result, and it survives what a cache meets.

The property test edits random files, settings and templates of a repository between runs and
holds the cached lint to ``--no-cache`` lint (exit code and JSON diagnostics) after each edit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessconf.cli.main import cli
from sessconf.repository import cache as repository_cache
from tests.conftest import ACUPINITIAL, MINIMAL_BILLING, MINIMAL_LOCATIONS, ROOT

SESSION = """\
name: {name}
description: {description}
discipline: {discipline}
locations: [{locations}]
color: "{color}"
duration: {duration}
billing_items: [{items}]
"""

# -- what an edit writes --------------------------------------------------------------------------

names = st.sampled_from(["acupinitial", "massage", "physio", "followup"])
session_texts = st.builds(
    SESSION.format,
    name=names,
    description=st.sampled_from(["Initial", "Follow-up visit", "'unclosed", "x" * 230, "A: b"]),
    discipline=st.sampled_from(["acupuncture", "massage", "physiotherapy", "chiro"]),
    locations=st.sampled_from(["downtown", "westside", "downtown, westside", "downtwn", ""]),
    color=st.sampled_from(["#0f766e", "#0F766F", "#fff", "#ffffff", "red"]),
    duration=st.sampled_from(["60", "61", "3", "'60'", "45"]),
    items=st.sampled_from(["", "acup-initial", "needles, needles", "{item: needles, quantity: 2}", "gone"]),
) | st.sampled_from(
    [
        ACUPINITIAL,
        ACUPINITIAL + "colour: teal\n",
        ACUPINITIAL + "archived: yes\n",
        ACUPINITIAL.replace("duration: 60", "duration: 60  # sessconf: disable=SC999"),
        "# sessconf: disable=SC201\n" + ACUPINITIAL,
        "name: [unclosed\n",
        "- a list\n",
        "",
        "name: acupinitial\nname: twice\n",
    ]
)
# Sessions that extend presets: what they write themselves, on top of what the preset gives.
EXTENDING = """\
name: {name}
description: Extending
extends: {preset}
color: "#0f766e"
duration: 60
{own}"""
extending_texts = st.builds(
    EXTENDING.format,
    name=names,
    preset=st.sampled_from(["massage", "needling", "chain", "loop", "nope", "[massage]"]),
    own=st.sampled_from(["", "locations: [westside]\n", "discipline: massage\n", "billing_items: [gone]\n"]),
)
preset_texts = st.sampled_from(
    [
        None,
        "massage:\n  discipline: massage\n",
        "massage:\n  discipline: massage\n  locations: [downtown]\n"
        "needling:\n  discipline: acupuncture\n  locations: [downtown, westside]\n"
        "  billing_items: [acup-initial]\n",
        "massage:\n  discipline: massage\n  locations: [westside]\n  buffer_after: 5\n"
        "chain:\n  extends: massage\n  telehealth: true\n",
        "massage:\n  discipline: massage\n  locations: [downtown]\n  duration: '60'\n",  # a bad value
        "massage:\n  discipline: massage\n  locations: [gone]\n  name: nope\n  colour: red\n",
        "loop:\n  extends: other\nother:\n  extends: loop\n  discipline: massage\n",
        "massage: [\n",
        "- a list\n",
        "",
    ]
)
location_texts = st.sampled_from(
    [
        MINIMAL_LOCATIONS,
        MINIMAL_LOCATIONS.replace("[acupuncture, massage]", "[massage]"),
        MINIMAL_LOCATIONS.replace("America/Toronto", "America/Torono", 1),
        MINIMAL_LOCATIONS + "eastend:\n  name: East\n  timezone: America/Toronto\n  disciplines: [chiro]\n",
        "{}\n",
        "downtown: [\n",
    ]
)
billing_texts = st.sampled_from(
    [
        MINIMAL_BILLING,
        MINIMAL_BILLING.replace('"95.00"', '"105.00"'),
        MINIMAL_BILLING.replace("kind: product", "kind: gadget"),
        MINIMAL_BILLING + "archived-item:\n  name: Old\n  kind: service\n  price: 1\n  archived: true\n",
    ]
)
pyproject_texts = st.sampled_from(
    [
        "",
        "[tool.sessconf]\nsms_max_segments = 1\n",
        '[tool.sessconf]\nclinic_name = "A very long clinic name that makes reminders long"\n',
        "[tool.sessconf]\nduration_step = 15\n",
        '[tool.sessconf.rules]\nSC402 = "off"\n',
        '[tool.sessconf]\nlocale = "fr-CA"\n',
        "[tool.sessconf]\nunknown = 1\n",
        "[tool.sessconf\n",
    ]
)
template_texts = st.sampled_from(
    [
        None,
        "Hi {{ client.first_name }}, {{ session.description }} at {{ location.name }}.\n",
        "Hi {{ client.first_name }}! " + "Long text. " * 40 + "\n",
        "{{ nope.missing }}\n",
        "{% if %}\n",
    ]
)

edits = st.one_of(
    st.tuples(st.just("session"), names, session_texts),
    st.tuples(st.just("session"), names, extending_texts),
    st.tuples(st.just("remove"), names, st.none()),
    st.tuples(st.just("locations"), st.none(), location_texts),
    st.tuples(st.just("billing"), st.none(), billing_texts),
    st.tuples(st.just("pyproject"), st.none(), pyproject_texts),
    st.tuples(st.just("template"), st.none(), template_texts),
    st.tuples(st.just("presets"), st.none(), preset_texts),
    st.tuples(st.just("corrupt"), st.none(), st.sampled_from([b"", b"garbage", b"sessconf-cache 00\n{}"])),
    st.tuples(st.just("touch"), names, st.none()),
)


def apply_edit(root: Path, cache_dir: Path, edit: tuple[str, str | None, str | bytes | None]) -> None:
    kind, name, text = edit
    target = {
        "locations": root / "locations.yaml",
        "billing": root / "billing_items.yaml",
        "pyproject": root / "pyproject.toml",
        "template": root / "templates" / "reminder.sms.j2",
        "presets": root / "presets.yaml",
    }.get(kind, root / "sessions" / f"{name}.yaml")
    if kind == "corrupt":
        for path in cache_dir.glob("*.json"):
            path.write_bytes(text if isinstance(text, bytes) else b"")
    elif kind == "touch":  # same bytes, new times: the cache finds it by its content
        if target.exists():
            os.utime(target, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    elif kind == "remove" or text is None:
        target.unlink(missing_ok=True)
    else:
        target.parent.mkdir(exist_ok=True)
        target.write_text(str(text))


def lint_json(root: Path, *flags: str, env: dict[str, str]) -> tuple[int, object]:
    result = CliRunner().invoke(cli, ["lint", "--dir", str(root), "--format", "json", *flags], env=env)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


@contextmanager
def scratch_repository() -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        (root / "sessions").mkdir(parents=True)
        (root / "locations.yaml").write_text(MINIMAL_LOCATIONS)
        (root / "billing_items.yaml").write_text(MINIMAL_BILLING)
        (root / "sessions" / "acupinitial.yaml").write_text(ACUPINITIAL)
        yield root, Path(folder) / "cache"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=1, max_size=6))
def test_the_cache_never_changes_a_result(steps: list[tuple[str, str | None, str | bytes | None]]) -> None:
    with scratch_repository() as (root, cache_dir):
        env = {repository_cache.ENVIRONMENT: str(cache_dir)}
        assert lint_json(root, env=env) == lint_json(root, "--no-cache", env=env)
        for step in steps:
            apply_edit(root, cache_dir, step)
            cached = lint_json(root, env=env)
            assert cached == lint_json(root, "--no-cache", env=env), step
            assert lint_json(root, env=env) == cached  # and again, from what it just stored


# -- the cache folder ---------------------------------------------------------------------------


def test_the_cache_folder_is_in_the_repository_with_its_own_gitignore(clinic: Path) -> None:
    assert lint_json(clinic, env={}) == lint_json(clinic, env={})
    folder = clinic / ".sessconf_cache"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert sorted(p.name.split("-")[0] for p in folder.glob("*.json")) == ["lint", "settings"]


def test_sessconf_cache_dir_moves_it_and_no_cache_leaves_none(clinic: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    lint_json(clinic, "--no-cache", env={repository_cache.ENVIRONMENT: str(moved)})
    assert not moved.exists()
    assert not (clinic / ".sessconf_cache").exists()
    lint_json(clinic, env={repository_cache.ENVIRONMENT: str(moved)})
    assert list(moved.glob("lint-*.json"))
    assert not (clinic / ".sessconf_cache").exists()


def test_an_unwritable_cache_is_ignored(clinic: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {repository_cache.ENVIRONMENT: str(blocker / "cache")}
    assert lint_json(clinic, env=env) == lint_json(clinic, "--no-cache", env={})


def test_a_file_changed_with_its_stat_kept_is_read_again(
    clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded stat keys are trusted only for files changed well before (as git's index): here
    the clock is set an hour ahead so that every file is; a changed size or time is then seen."""
    later = time.time_ns() + 3600 * 10**9
    monkeypatch.setattr(repository_cache, "clock", lambda: later)
    env = {repository_cache.ENVIRONMENT: str(tmp_path / "cache")}
    session = clinic / "sessions" / "acupinitial.yaml"
    clean = lint_json(clinic, env=env)
    assert clean == lint_json(clinic, env=env)
    text = session.read_text()
    session.write_text(text.replace("duration: 60", "duration: 61"))  # same size, new times
    assert lint_json(clinic, env=env) == lint_json(clinic, "--no-cache", env=env) != clean
    session.write_text(text.replace("duration: 60", "duration: 602"))  # another size
    assert lint_json(clinic, env=env) == lint_json(clinic, "--no-cache", env=env) != clean


def test_two_processes_sharing_one_cache_never_corrupt_it(clinic: Path, tmp_path: Path) -> None:
    env = {**os.environ, repository_cache.ENVIRONMENT: str(tmp_path / "cache")}
    command = [sys.executable, "-m", "sessconf", "lint", "--dir", str(clinic), "--format", "json"]
    expected = subprocess.run([*command, "--no-cache"], capture_output=True, env=env, check=False)
    for round_ in range(3):
        (clinic / "pyproject.toml").write_text(f"[tool.sessconf]\nduration_step = {5 * (round_ + 1)}\n")
        expected = subprocess.run([*command, "--no-cache"], capture_output=True, env=env, check=False)
        running = [subprocess.Popen(command, stdout=subprocess.PIPE, env=env) for _ in range(4)]
        for process in running:
            out, _ = process.communicate(timeout=120)
            assert (process.returncode, out) == (expected.returncode, expected.stdout)
    leftovers = [p.name for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_warm_lint_imports_neither_pydantic_nor_jinja2(clinic: Path, tmp_path: Path) -> None:
    env = {**os.environ, repository_cache.ENVIRONMENT: str(tmp_path / "cache")}
    probe = (
        "import sys, runpy; sys.argv = ['sessconf', 'lint', '--dir', sys.argv[1]]\n"
        "from sessconf.cli.main import cli\n"
        "try:\n    cli.main(standalone_mode=False)\nfinally:\n"
        "    print(sorted(m for m in ('pydantic', 'jinja2', 'babel', 'sqlalchemy') if m in sys.modules))\n"
    )
    cold = subprocess.run([sys.executable, "-c", probe, str(clinic)], capture_output=True, text=True, env=env)
    assert "pydantic" in cold.stdout.splitlines()[-1], cold.stderr
    warm = subprocess.run([sys.executable, "-c", probe, str(clinic)], capture_output=True, text=True, env=env)
    assert warm.stdout.splitlines()[-1] == "[]", warm.stderr


def test_the_example_clinic_is_cached_whole(tmp_path: Path) -> None:
    """The example clinic itself (with its templates and settings) lints the same from the cache."""
    copy = tmp_path / "clinic"
    shutil.copytree(ROOT / "sessions", copy / "sessions")
    for name in ("locations.yaml", "billing_items.yaml", "pyproject.toml"):
        shutil.copy(ROOT / name, copy / name)
    env = {repository_cache.ENVIRONMENT: str(tmp_path / "cache")}
    first = lint_json(copy, env=env)
    assert lint_json(copy, env=env) == first == lint_json(copy, "--no-cache", env=env)


def test_diff_plans_the_same_from_the_cache(clinic: Path, tmp_path: Path) -> None:
    env = {repository_cache.ENVIRONMENT: str(tmp_path / "cache")}
    store = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()

    def diff(*flags: str) -> tuple[int, str]:
        args = ["diff", "--dir", str(clinic), "--store", store, "--format", "json", *flags]
        result = runner.invoke(cli, args, env=env)
        return result.exit_code, result.output

    cold = diff()
    assert (tmp_path / "cache").is_dir()
    assert diff() == cold == diff("--no-cache")
    (clinic / "sessions" / "acupinitial.yaml").write_text(ACUPINITIAL.replace("duration: 60", "duration: 45"))
    assert diff() == diff("--no-cache") != cold


def test_a_linked_session_file_is_read_again_when_its_target_changes(
    clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = time.time_ns() + 3600 * 10**9  # every file old enough for its stat to be trusted
    monkeypatch.setattr(repository_cache, "clock", lambda: later)
    env = {repository_cache.ENVIRONMENT: str(tmp_path / "cache")}
    target = tmp_path / "elsewhere.yaml"
    session = clinic / "sessions" / "acupinitial.yaml"
    target.write_bytes(session.read_bytes())
    session.unlink()
    session.symlink_to(target)
    clean = lint_json(clinic, env=env)
    assert lint_json(clinic, env=env) == clean
    target.write_text(target.read_text().replace("duration: 60", "duration: 602"))
    assert lint_json(clinic, env=env) == lint_json(clinic, "--no-cache", env=env) != clean
