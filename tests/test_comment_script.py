"""The action's plan-comment script (actions/github-script), run with Node against a fake GitHub.

The sticky comment is found by its marker whoever posted it (the workflow's token, a GitHub App,
a personal access token): one comment per pull request, updated on every push.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sessconf.output.markdown import MARKER
from tests.test_workflows import action_steps

HARNESS = r"""
const scenario = JSON.parse(process.env.SCENARIO);
const calls = [];
const failure = (status) => Object.assign(new Error(`HTTP ${status}`), { status });
const github = {
  paginate: async (fn, args) => { calls.push(["list", args.issue_number]); return scenario.comments; },
  rest: { issues: {
    listComments: () => {},
    updateComment: async (args) => {
      calls.push(["update", args.comment_id, args.body]);
      if (scenario.update_fails) throw failure(scenario.update_fails);
    },
    createComment: async (args) => {
      calls.push(["create", args.issue_number, args.body]);
      if (scenario.create_fails) throw failure(scenario.create_fails);
      return { data: { html_url: "https://github.example/new" } };
    },
  } },
};
const context = { repo: { owner: "clinic", repo: "config" }, payload: { pull_request: { number: 7 } } };
const core = { info: (m) => calls.push(["info", m]), warning: (m) => calls.push(["warning", m]) };
(async () => {
SCRIPT
})().then(
  () => console.log(JSON.stringify(calls)),
  (e) => { console.log(JSON.stringify(calls)); console.error(e); process.exit(1); },
);
"""


def run_script(tmp_path: Path, **scenario: Any) -> list[list[Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (actions/github-script runs the script with Node)")
    (step,) = [s for s in action_steps() if s.get("uses", "").startswith("actions/github-script@")]
    comment = tmp_path / "plan.md"
    comment.write_text(MARKER + "\n### sessconf plan\nnew\n")
    harness = tmp_path / "harness.cjs"
    harness.write_text(HARNESS.replace("SCRIPT", step["with"]["script"]))
    env = {"SCENARIO": json.dumps(scenario), "SESSCONF_COMMENT": str(comment), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [node, str(harness)], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    calls: list[list[Any]] = json.loads(done.stdout)
    return calls


def comment(id: int, body: str, login: str, kind: str = "User") -> dict[str, Any]:
    return {"id": id, "body": body, "user": {"login": login, "type": kind}, "html_url": f"https://c/{id}"}


def writes(calls: list[list[Any]]) -> list[tuple[Any, ...]]:
    return [tuple(c[:2]) for c in calls if c[0] in ("update", "create")]


def test_the_first_plan_posts_a_comment(tmp_path: Path) -> None:
    calls = run_script(tmp_path, comments=[comment(1, "LGTM", "alice")])
    assert writes(calls) == [("create", 7)]
    assert calls[-2][2].startswith(MARKER)


@pytest.mark.parametrize(
    "author",
    [
        pytest.param(("github-actions[bot]", "Bot"), id="the workflow's token"),
        pytest.param(("clinic-admin", "User"), id="a personal access token"),
        pytest.param(("sessconf-app[bot]", "Bot"), id="a GitHub App"),
    ],
)
def test_the_marked_comment_is_updated_whoever_posted_it(tmp_path: Path, author: tuple[str, str]) -> None:
    existing = [
        comment(1, "LGTM", "alice"),
        comment(2, MARKER + "\nold plan", *author),
        comment(3, "ok", "bob"),
    ]
    assert writes(run_script(tmp_path, comments=existing)) == [("update", 2)]


def test_the_newest_of_several_marked_comments_is_updated(tmp_path: Path) -> None:
    existing = [comment(2, MARKER + "\nold", "admin"), comment(5, MARKER + "\nnewer", "admin")]
    assert writes(run_script(tmp_path, comments=existing)) == [("update", 5)]


def test_a_marker_that_does_not_start_the_comment_is_not_the_plan(tmp_path: Path) -> None:
    existing = [comment(4, f"quoting: {MARKER}", "alice")]
    assert writes(run_script(tmp_path, comments=existing)) == [("create", 7)]


def test_a_comment_the_token_cannot_edit_gets_a_new_one(tmp_path: Path) -> None:
    existing = [comment(2, MARKER + "\nold", "someone-else")]
    calls = run_script(tmp_path, comments=existing, update_fails=403)
    assert writes(calls) == [("update", 2), ("create", 7)]


def test_a_read_only_token_warns_and_does_not_fail(tmp_path: Path) -> None:
    calls = run_script(tmp_path, comments=[], create_fails=403)
    warnings = [c[1] for c in calls if c[0] == "warning"]
    assert len(warnings) == 1
    assert "the plan is in the job summary" in warnings[0]
