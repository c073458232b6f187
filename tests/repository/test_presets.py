"""Presets (``presets.yaml`` and ``extends:``, SPEC §2): resolution, positions through
inheritance, and what every command downstream sees (resolved sessions).

The errors' golden cases (path, line, column, message) are folders of ``tests/golden/bad/``
named ``preset-*``; these tests cover the rest.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessconf.lint.engine import lint
from sessconf.plan.desired import from_repository
from sessconf.repository.load import load_repository
from sessconf.repository.presets import used_by
from tests.conftest import MINIMAL_BILLING, MINIMAL_LOCATIONS, WriteRepo
from tests.plan_tools import plan_of, session, state

Run = Callable[..., Result]

PRESETS = """\
massage:
  discipline: massage
  locations: [downtown, westside]
  color: "#d97706"
  buffer_after: 15
massage-video:
  extends: massage
  telehealth: true
"""

RMT60 = """\
name: rmt60
extends: massage
description: Registered massage therapy (60 minutes)
duration: 60
billing_items: [acup-initial, needles]
"""


def massage_repo(write_repo: WriteRepo, presets: str = PRESETS, **sessions: str) -> Path:
    return write_repo(sessions={"rmt60": RMT60, **sessions}, files={"presets.yaml": presets})


def codes(root: Path) -> list[tuple[str, int, int, str]]:
    return [(d.path.relative_to(root).as_posix(), d.line, d.column, d.code) for d in lint(root).diagnostics]


# -- resolution ---------------------------------------------------------------------------------


def test_a_session_is_its_presets_furthest_first_then_its_own_keys(write_repo: WriteRepo) -> None:
    video = (
        "name: video\nextends: massage-video\ndescription: By video\nduration: 30\nlocations: [downtown]\n"
    )
    root = massage_repo(write_repo, video=video)
    repo = load_repository(root)
    assert repo.diagnostics == []
    model = repo.sessions["video"].model
    # from massage (through massage-video), from massage-video, and its own (a list replaced whole)
    assert (model.discipline, model.buffer_after, model.telehealth) == ("massage", 15, True)
    assert (model.locations, model.duration) == (["downtown"], 30)
    assert repo.sessions["rmt60"].model.locations == ["downtown", "westside"]
    assert not repo.sessions["rmt60"].model.telehealth


def test_without_presets_nothing_changes(write_repo: WriteRepo) -> None:
    repo = load_repository(write_repo())
    assert repo.presets is None
    assert all(entry.inherits is None for entry in repo.sessions.values())


def test_a_problem_in_an_inherited_value_is_one_diagnostic_naming_every_session(
    write_repo: WriteRepo,
) -> None:
    sessions = {f"rmt{n}": RMT60.replace("rmt60", f"rmt{n}") for n in range(10, 50)}
    root = massage_repo(write_repo, PRESETS.replace("westside]", "westsid]"), **sessions)
    found = [d for d in lint(root).diagnostics if d.code == "SC201"]
    assert len(found) == 1
    d = found[0]
    assert (d.path, d.line, d.column, d.code) == (root / "presets.yaml", 3, 25, "SC201")
    assert (
        d.message == "unknown location 'westsid' (used by 41 sessions: rmt10, rmt11, rmt12, rmt13, rmt14, …)"
    )
    assert len(d.inherited_by) == 41


def test_colour_advice_on_an_inherited_colour_points_into_presets_yaml(write_repo: WriteRepo) -> None:
    root = massage_repo(
        write_repo, PRESETS.replace("#d97706", "#fefefe"), rmt30=RMT60.replace("rmt60", "rmt30")
    )
    [faint] = [d for d in lint(root).diagnostics if d.code == "SC311"]
    assert (faint.path, faint.line, faint.column) == (root / "presets.yaml", 4, 10)
    assert faint.inherited_by == ("rmt30", "rmt60")
    assert "(used by 2 sessions: rmt30, rmt60)" in faint.message


def test_an_sms_too_long_for_an_inherited_description_points_into_presets_yaml(
    write_repo: WriteRepo,
) -> None:
    long = "Massage of the back and the shoulders, façon suédoise " * 3  # 'ç': UCS-2, 70 a segment
    presets = PRESETS.replace("  buffer_after: 15\n", f"  buffer_after: 15\n  description: {long.strip()}\n")
    own = "description: Registered massage therapy (60 minutes)\n"
    root = massage_repo(write_repo, presets, rmt60=RMT60.replace(own, ""))
    [long_sms] = [d for d in lint(root).diagnostics if d.code == "SC402"]
    assert (long_sms.path, long_sms.line, long_sms.column) == (root / "presets.yaml", 6, 16)
    assert long_sms.inherited_by == ("rmt60",)
    assert "(used by session rmt60)" in long_sms.message


def test_used_by_names_one_a_few_or_the_first_five() -> None:
    assert used_by(("a",)) == "used by session a"
    assert used_by(("a", "b")) == "used by 2 sessions: a, b"
    assert used_by(tuple("abcdefg")) == "used by 7 sessions: a, b, c, d, e, …"


def test_linting_a_session_reports_the_problems_it_inherits(write_repo: WriteRepo, run: Run) -> None:
    root = massage_repo(write_repo, PRESETS.replace("westside]", "westsid]"))
    result = run("lint", "--dir", root, root / "sessions" / "rmt60.yaml")
    assert result.exit_code == 1
    assert (
        "presets.yaml:3:25: error SC201 unknown location 'westsid' (used by session rmt60)" in result.output
    )
    # presets.yaml among the paths reports every file
    result = run("lint", "--dir", root, root / "presets.yaml")
    assert "SC201" in result.output
    assert "SC604" in result.output


def test_an_editor_buffer_of_presets_yaml_is_linted_against_the_sessions(
    write_repo: WriteRepo, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = massage_repo(write_repo)
    monkeypatch.chdir(root)
    buffer = PRESETS.replace("westside]", "westsid]")
    result = run("lint", "--stdin-filename", "presets.yaml", "-", input=buffer)
    assert result.exit_code == 1
    assert result.output.startswith(
        "presets.yaml:3:25: error SC201 unknown location 'westsid' (used by session rmt60)"
    )
    assert (root / "presets.yaml").read_text() == PRESETS  # the disk is not read for it, nor written


@pytest.mark.parametrize("fmt", ["github", "sarif"])
def test_annotations_point_into_presets_yaml(write_repo: WriteRepo, run: Run, fmt: str) -> None:
    root = massage_repo(write_repo, PRESETS.replace("westside]", "westsid]"))
    (root / ".git").mkdir()  # paths are relative to the git work tree
    result = run("lint", "--dir", root, "--format", fmt)
    assert result.exit_code == 1
    if fmt == "github":
        assert result.stdout.startswith(
            "::error file=presets.yaml,line=3,col=25,title=SC201::unknown location"
        )
    else:
        sarif = json.loads(result.stdout)
        [found] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SC201"]
        location = found["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "presets.yaml"
        assert (location["region"]["startLine"], location["region"]["startColumn"]) == (3, 25)
        assert "used by session rmt60" in found["message"]["text"]


def test_an_own_value_is_still_reported_in_the_session_file(write_repo: WriteRepo) -> None:
    root = massage_repo(write_repo, rmt30=RMT60.replace("rmt60", "rmt30").replace("60\n", "62\n"))
    assert codes(root) == [
        ("presets.yaml", 6, 1, "SC604"),  # massage-video: no session extends it
        ("sessions/rmt30.yaml", 4, 11, "SC302"),
    ]


def test_a_suppression_comment_in_presets_yaml_silences_an_inherited_warning(write_repo: WriteRepo) -> None:
    presets = PRESETS.replace("buffer_after: 15", "buffer_after: 12  # sessconf: disable=off-step")
    root = massage_repo(write_repo, presets + "  # sessconf: disable=unused-preset\n")
    assert codes(root) == [("presets.yaml", 6, 1, "SC604")]  # the comment is on massage-video's last line
    root = massage_repo(
        write_repo, presets.replace("massage-video:", "massage-video:  # sessconf: disable=SC604")
    )
    assert codes(root) == []


def test_a_broken_presets_file_is_reported_and_hides_nothing_else(write_repo: WriteRepo) -> None:
    root = massage_repo(
        write_repo, "massage: [unclosed\n", other=RMT60.replace("rmt60", "other").replace("60\n", "62\n")
    )
    found = codes(root)
    assert ("presets.yaml", 1, 10, "SC003") in found
    assert ("sessions/other.yaml", 4, 11, "SC302") in found  # its own values are still checked
    assert not any(code == "SC601" for *_, code in found)  # no "unknown preset" for every session


# -- the commands downstream ------------------------------------------------------------------


def test_show_resolved_names_where_each_field_comes_from(
    write_repo: WriteRepo, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = massage_repo(
        write_repo, video="name: video\nextends: massage-video\ndescription: By video\nduration: 30\n"
    )
    monkeypatch.chdir(root.parent)
    rel = root.name
    result = run("show", "video", "--resolved", "--dir", root)
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert lines[0] == f"session video ({rel}/sessions/video.yaml, extends massage-video → massage)"
    assert f'discipline: "massage" {rel}/presets.yaml:2 (massage)' in lines
    assert f"telehealth: true {rel}/presets.yaml:8 (massage-video)" in lines
    assert f"duration: 30 {rel}/sessions/video.yaml:4" in lines
    assert "max_attendees: 1 (default)" in lines
    data = json.loads(run("show", "video", "--resolved", "--dir", root, "--format", "json").output)
    assert data["presets"] == ["massage-video", "massage"]
    assert data["fields"]["locations"] == {
        "value": ["downtown", "westside"],
        "from": {"path": f"{rel}/presets.yaml", "line": 3, "column": 3, "preset": "massage"},
    }
    assert data["fields"]["archived"] == {"value": False, "from": None}
    missing = run("show", "nobody", "--resolved", "--dir", root)
    assert missing.exit_code == 1
    assert "no session 'nobody'" in missing.output


def test_new_extends_writes_only_the_fields_given(write_repo: WriteRepo, run: Run) -> None:
    root = massage_repo(write_repo)
    result = run("new", "rmt30", "--extends", "massage", "--description", "Short massage", "--duration", "30",
                 "--dir", root)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (root / "sessions" / "rmt30.yaml").read_text() == (
        "# yaml-language-server: $schema=../schemas/session.schema.json\n"
        "name: rmt30\nextends: massage\ndescription: Short massage\nduration: 30\n"
    )
    assert load_repository(root).sessions["rmt30"].model.buffer_after == 15
    refused = run(
        "new", "rmt45", "--extends", "masage", "--description", "x", "--duration", "45", "--dir", root
    )
    assert refused.exit_code == 1
    assert "unknown preset 'masage' (did you mean 'massage'?)" in refused.output
    assert not (root / "sessions" / "rmt45.yaml").exists()
    usage = run("new", "rmt45", "--description", "x", "--dir", root)
    assert usage.exit_code == 2
    assert "Missing option '--discipline'" in usage.output


def test_archive_edits_only_the_session_file(write_repo: WriteRepo, run: Run) -> None:
    root = massage_repo(write_repo)
    before = (root / "presets.yaml").read_bytes()
    assert run("archive", "rmt60", "--dir", root).exit_code == 0
    assert (root / "sessions" / "rmt60.yaml").read_text() == RMT60 + "archived: true\n"
    assert (root / "presets.yaml").read_bytes() == before
    assert load_repository(root).sessions["rmt60"].model.archived


def test_unarchive_overrides_an_archived_preset_in_the_session_file(write_repo: WriteRepo, run: Run) -> None:
    old = RMT60.replace("rmt60", "old").replace("extends: massage", "extends: retired")
    root = massage_repo(write_repo, PRESETS + "retired:\n  extends: massage\n  archived: true\n", old=old)
    assert load_repository(root).sessions["old"].model.archived
    result = run("unarchive", "old", "--dir", root)
    assert result.exit_code == 0, result.output
    assert (root / "sessions" / "old.yaml").read_text().endswith("archived: false\n")
    assert not load_repository(root).sessions["old"].model.archived
    again = run("unarchive", "old", "--dir", root)
    assert "already bookable" in again.output


def apply(run: Run, root: Path, url: str) -> None:
    result = run("apply", "--dir", root, "--store", url, "--yes")
    assert result.exit_code == 0, result.output


def diff(run: Run, root: Path, url: str) -> Any:
    result = run("diff", "--dir", root, "--store", url, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_preset_change_shows_every_session_that_extends_it(run: Run, clinic: Path, store_url: str) -> None:
    apply(run, clinic, store_url)
    presets = clinic / "presets.yaml"
    presets.write_text(presets.read_text().replace("  buffer_after: 15\n", "  buffer_after: 20\n", 1))
    changes = diff(run, clinic, store_url)["changes"]
    # rmt30, rmt60 and rmt90 extend massage; none of them writes its own buffer_after
    assert [(c["name"], c["action"], c["fields"]) for c in changes] == [
        (name, "update", {"buffer_after": {"old": 15, "new": 20}}) for name in ("rmt30", "rmt60", "rmt90")
    ]


def test_export_writes_sessions_in_full_and_plans_nothing(
    run: Run, clinic: Path, store_url: str, tmp_path: Path
) -> None:
    apply(run, clinic, store_url)
    out = tmp_path / "exported"
    result = run("export", "--out", out, "--store", store_url)
    assert result.exit_code == 0, result.output
    assert not (out / "presets.yaml").exists()
    rmt60 = yaml.safe_load((out / "sessions" / "rmt60.yaml").read_text())
    assert "extends" not in rmt60
    assert (rmt60["discipline"], rmt60["buffer_after"]) == ("massage", 15)
    assert diff(run, out, store_url)["changes"] == []
    # and the example with presets against the store that the export wrote: the same
    assert diff(run, clinic, store_url)["changes"] == []


# -- the property: presets expanded by hand and extends: give the same plan -------------------

_NAMES = st.sampled_from(["a", "b", "c", "d"])
_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "discipline": st.sampled_from(["massage", "acupuncture"]),
    "locations": st.sampled_from([["downtown"], ["westside"], ["downtown", "westside"]]),
    "color": st.sampled_from(["#d97706", "#0f766e", "#abc"]),
    "duration": st.sampled_from([30, 45, 60]),
    "description": st.sampled_from(["Massage", "Acupuncture follow-up"]),
    "buffer_after": st.sampled_from([0, 5, 15]),
    "telehealth": st.booleans(),
    "billing_items": st.sampled_from([[], ["acup-initial"], [{"item": "needles", "quantity": 2}]]),
    "archived": st.booleans(),
}
_REQUIRED = {
    "description": "Session",
    "discipline": "acupuncture",
    "locations": ["westside"],
    "color": "#111",
    "duration": 60,
}


@st.composite
def presets_and_sessions(draw: st.DrawFn) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    presets: dict[str, dict[str, Any]] = {}
    names = draw(st.lists(_NAMES, unique=True, min_size=1, max_size=4))
    for index, name in enumerate(names):
        fields: dict[str, Any] = {}
        for key in draw(st.lists(st.sampled_from(sorted(_FIELD_VALUES)), unique=True, max_size=5)):
            fields[key] = draw(_FIELD_VALUES[key])
        if index and draw(st.booleans()):  # extends an earlier preset: chains, never cycles
            fields["extends"] = draw(st.sampled_from(names[:index]))
        presets[name] = fields
    sessions: dict[str, dict[str, Any]] = {}
    for n in range(draw(st.integers(1, 5))):
        own: dict[str, Any] = {"name": f"s{n}"}
        if draw(st.booleans()):
            own["extends"] = draw(st.sampled_from(names))
        for key in draw(st.lists(st.sampled_from(sorted(_FIELD_VALUES)), unique=True, max_size=4)):
            own[key] = draw(_FIELD_VALUES[key])
        sessions[own["name"]] = own
    return presets, sessions


def chain(presets: dict[str, dict[str, Any]], name: str | None) -> dict[str, Any]:
    """The fields of the chain of presets from ``name``: furthest first, a closer key winning whole."""
    links = []
    while name is not None:
        links.append(presets[name])
        name = presets[name].get("extends")
    fields: dict[str, Any] = {}
    for link in reversed(links):
        fields.update({k: v for k, v in link.items() if k != "extends"})
    return fields


def write(root: Path, sessions: dict[str, dict[str, Any]], presets: dict[str, Any] | None) -> Path:
    (root / "sessions").mkdir(parents=True)
    (root / "locations.yaml").write_text(MINIMAL_LOCATIONS)
    (root / "billing_items.yaml").write_text(MINIMAL_BILLING)
    if presets is not None:
        (root / "presets.yaml").write_text(yaml.safe_dump(presets) if presets else "{}\n")
    for name, fields in sessions.items():
        (root / "sessions" / f"{name}.yaml").write_text(yaml.safe_dump(fields, sort_keys=False))
    return root


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(presets_and_sessions())
def test_presets_expanded_by_hand_and_extends_give_the_same_plan(
    case: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]],
) -> None:
    presets, sessions = case
    with_extends: dict[str, dict[str, Any]] = {}
    expanded: dict[str, dict[str, Any]] = {}
    for name, own in sessions.items():
        inherited = chain(presets, own.get("extends"))
        # the required keys that neither the session nor its presets give, written in the session
        missing = {k: v for k, v in _REQUIRED.items() if k not in inherited and k not in own}
        with_extends[name] = {**own, **missing}
        expanded[name] = {**inherited, **{k: v for k, v in with_extends[name].items() if k != "extends"}}
    with tempfile.TemporaryDirectory() as tmp:
        first = load_repository(write(Path(tmp) / "extends", with_extends, presets), jobs=1)
        second = load_repository(write(Path(tmp) / "expanded", expanded, None), jobs=1)
    problems = [d for d in first.diagnostics if d.severity.value == "error"]
    assert problems == [d for d in second.diagnostics if d.severity.value == "error"] == []
    ours, theirs = from_repository(first), from_repository(second)
    assert ours == theirs
    current = state([session("s0", locations=("westside",)), session("gone")])
    assert plan_of(current, ours).to_dict() == plan_of(current, theirs).to_dict()
