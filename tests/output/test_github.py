"""``sessconf lint --format github``: annotations, the step summary; git-root paths (also SARIF's)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.diagnostics import Diagnostic, Severity
from sessconf.lint.engine import LintResult
from sessconf.output import Context, github
from tests.conftest import ACUPINITIAL, WriteRepo
from tests.output.conftest import BROKEN, synthetic

Run = Callable[..., Result]


GITHUB_GOLDEN = """\
::error file=sessions/acupinitial.yaml,line=4,col=13,title=SC201::unknown location 'downtwn' (did you mean 'downtown'?)
::error file=sessions/we%3Aird%2Cname.yml,line=1,col=1,title=SC011::'we:ird,name.yml' has the .yml extension and would be ignored (rename it to we:ird,name.yaml)
::warning file=locations.yaml,line=1,col=1,title=SC304::location 'downtown' is not used by any session (archive it (archived: true) or add it to a session)
::warning file=sessions/acupinitial.yaml,line=6,col=11,title=SC302::duration 62 is not a multiple of 5 minutes (use 60, or change duration_step)
Found 2 errors and 2 warnings in 3 files.
"""  # noqa: E501


def test_github_annotations_errors_first_paths_from_the_git_root(git_repo: Path, run: Run) -> None:
    result = run("lint", "--dir", git_repo, "--format", "github")
    assert result.stdout == GITHUB_GOLDEN
    assert result.exit_code == 1


def test_github_puts_the_changed_files_first(
    write_repo: WriteRepo, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = ACUPINITIAL.replace("[downtown, westside]", "[downtwn, westside]")
    root = write_repo(sessions={"acupinitial": broken, "zzlast": broken.replace("acupinitial", "zzlast")})
    monkeypatch.chdir(root)
    # a catalogue among the paths reports every file; the changed session leads
    result = run(
        "lint", "--dir", root, "--format", "github", root / "sessions/zzlast.yaml", root / "locations.yaml"
    )
    errors = [line.split(",")[0] for line in result.stdout.splitlines() if line.startswith("::error")]
    assert errors == ["::error file=sessions/zzlast.yaml", "::error file=sessions/acupinitial.yaml"]


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        pytest.param("plain text", "plain text", "plain text", id="plain"),
        pytest.param("100%", "100%25", "100%25", id="percent"),
        pytest.param("%0A", "%250A", "%250A", id="percent-first"),
        pytest.param("one\ntwo", "one%0Atwo", "one%0Atwo", id="newline"),
        pytest.param("one\r\ntwo", "one%0D%0Atwo", "one%0D%0Atwo", id="crlf"),
        pytest.param("a:b,c", "a:b,c", "a%3Ab%2Cc", id="colon-comma"),
        pytest.param("::error::", "::error::", "%3A%3Aerror%3A%3A", id="command-in-text"),
    ],
)
def test_workflow_command_escaping(text: str, data: str, prop: str) -> None:
    assert github.escape_data(text) == data
    assert github.escape_property(text) == prop


def test_github_annotation_of_a_whole_file_and_of_an_awkward_message(
    clean: LintResult, tmp_path: Path
) -> None:
    root = clean.repository.root
    result = synthetic(
        clean,
        Diagnostic(root / "a, b: c.yaml", 0, 0, Severity.WARNING, "SC999", "the whole file"),
        Diagnostic(root / "x.yaml", 3, 0, Severity.ERROR, "SC998", "50% off\nsecond line", "a: b, c"),
    )
    out = github.render_lint(result, Context(cwd=root)).splitlines()
    assert out == [
        "::error file=x.yaml,line=3,title=SC998::50%25 off%0Asecond line (a: b, c)",
        "::warning file=a%2C b%3A c.yaml,title=SC999::the whole file",
        "Found 1 error and 1 warning in 3 files.",
    ]


def test_github_clean_repository_prints_only_the_summary(write_repo: WriteRepo, run: Run) -> None:
    result = run("lint", "--dir", write_repo(), "--format", "github")
    assert (result.exit_code, result.stdout) == (0, "All checks passed (3 files).\n")


SUMMARY_GOLDEN = """\
previous step

### sessconf lint

Found 2 errors and 2 warnings in 3 files.

| severity | file | line | column | code | message |
| --- | --- | --- | --- | --- | --- |
| error | sessions/acupinitial.yaml | 4 | 13 | SC201 | unknown location 'downtwn' (did you mean 'downtown'?) |
| error | sessions/we:ird,name.yml | 1 | 1 | SC011 | 'we:ird,name.yml' has the .yml extension and would be ignored (rename it to we:ird,name.yaml) |
| warning | locations.yaml | 1 | 1 | SC304 | location 'downtown' is not used by any session (archive it (archived: true) or add it to a session) |
| warning | sessions/acupinitial.yaml | 6 | 11 | SC302 | duration 62 is not a multiple of 5 minutes (use 60, or change duration\\_step) |
"""  # noqa: E501


def test_step_summary_is_appended_with_every_diagnostic(
    git_repo: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("previous step\n\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run("lint", "--dir", git_repo, "--format", "github")
    assert result.stdout == GITHUB_GOLDEN
    assert summary.read_text() == SUMMARY_GOLDEN


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_step_summary_only_with_the_github_format(
    git_repo: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run("lint", "--dir", git_repo, "--format", fmt)
    assert not summary.exists()


def test_unwritable_step_summary_warns_and_keeps_the_exit_status(
    git_repo: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a folder: cannot be opened
    result = run("lint", "--dir", git_repo, "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == GITHUB_GOLDEN
    assert result.stderr.startswith(f"sessconf: warning: cannot write the step summary to {tmp_path}: ")


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        pytest.param("plain text", "plain text", id="plain"),
        pytest.param("a | b", "a \\| b", id="pipe"),
        pytest.param("one\ntwo\r\nthree", "one<br>two<br>three", id="newlines"),
        pytest.param("<script>", "\\<script\\>", id="html"),
        pytest.param("`code` *bold* [link]", "\\`code\\` \\*bold\\* \\[link\\]", id="markdown"),
        pytest.param("a\\|b", "a\\\\\\|b", id="backslash-before-pipe"),
    ],
)
def test_summary_cell_escaping(text: str, cell: str) -> None:
    assert github.escape_cell(text) == cell


def test_step_summary_of_a_clean_repository_has_no_table(clean: LintResult) -> None:
    assert github.render_step_summary(clean, Context()) == (
        "### sessconf lint\n\nAll checks passed (3 files).\n"
    )


def test_step_summary_is_cut_with_a_note(clean: LintResult, monkeypatch: pytest.MonkeyPatch) -> None:
    root = clean.repository.root
    many = [Diagnostic(root / "x.yaml", n, 1, Severity.ERROR, "SC101", f"problem {n}") for n in range(1, 6)]
    monkeypatch.setattr(github, "SUMMARY_MAX_ROWS", 3)
    text = github.render_step_summary(synthetic(clean, *many), Context(cwd=root))
    rows = [line for line in text.splitlines() if line.startswith("| error |")]
    assert [row.split(" | ")[-1] for row in rows] == ["problem 1 |", "problem 2 |", "problem 3 |"]
    assert text.endswith(
        "\n2 more not shown here (the table is cut at 3 rows); "
        "the job log lists them all, or run `sessconf lint` locally.\n"
    )


# -- which git root: the config repository's, not the working directory's (SPEC §4) -----------


def annotated_files(output: str) -> list[str]:
    return [
        line.split("file=", 1)[1].split(",", 1)[0] for line in output.splitlines() if line.startswith("::")
    ]


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param(None, id="git-folder"),
        pytest.param("gitdir: /elsewhere/.git/worktrees/config\n", id="worktree-git-file"),
        pytest.param("gitdir: ../.git/modules/config\n", id="submodule-git-file"),
    ],
)
def test_paths_are_relative_to_the_git_root_of_the_config_repository(
    write_repo: WriteRepo, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str | None
) -> None:
    # A workflow that checks the config repository out under `path: config`, inside the
    # checkout of another repository, and lints from the workspace.
    root = write_repo(sessions={"acupinitial": BROKEN})
    workspace = tmp_path / "workspace"
    (workspace / ".git").mkdir(parents=True)
    config = workspace / "config"
    root.rename(config)
    if marker is None:
        (config / ".git").mkdir()
    else:
        (config / ".git").write_text(marker)
    monkeypatch.chdir(workspace)
    github_out = run("lint", "--dir", "config", "--format", "github").stdout
    assert annotated_files(github_out) == [
        "sessions/acupinitial.yaml",
        "locations.yaml",
        "sessions/acupinitial.yaml",
    ]
    sarif_log = json.loads(run("lint", "--dir", "config", "--format", "sarif").stdout)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif_log["runs"][0]["results"]
    }
    assert uris == {"sessions/acupinitial.yaml", "locations.yaml"}
    # text output stays relative to the working directory
    assert run("lint", "--dir", "config").stdout.startswith("config/locations.yaml:1:1:")


def test_a_git_file_that_points_nowhere_is_not_a_git_root(
    write_repo: WriteRepo, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(sessions={"acupinitial": BROKEN})
    (root.parent / ".git").mkdir()
    (root / ".git").write_text("not a pointer\n")
    monkeypatch.chdir(root)
    assert annotated_files(run("lint", "--format", "github").stdout)[0] == "repo/sessions/acupinitial.yaml"


def test_outside_any_git_work_tree_paths_are_relative_to_the_working_directory(
    write_repo: WriteRepo, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(sessions={"acupinitial": BROKEN})
    monkeypatch.chdir(root.parent)
    assert annotated_files(run("lint", "--dir", "repo", "--format", "github").stdout)[0] == (
        "repo/sessions/acupinitial.yaml"
    )
