"""Bounds that a hostile template cannot slip past (SPEC §5): ``wordwrap`` is charged for the work
it does, and lint's reminder check has a wall-clock cap that names the sessions it left unchecked.

The payload of issue 8 rendered 4.6 s and linted 101 s on 19 sessions: one ``wordwrap(1)`` of a
20,000-character word copies 2·10⁸ characters, which its size alone charged 80 operations.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from jinja2 import Environment
from jinja2.filters import do_wordwrap

from sessconf.lint.engine import lint
from sessconf.reminders import sandbox
from sessconf.reminders.sandbox import filters
from tests.bounded import sessconf
from tests.conftest import ACUPINITIAL

Run = Callable[..., Result]
PAYLOAD = "{% for i in range(60) %}{% set x=(session.name*4000)|wordwrap(1) %}{% endfor %}Hi"


@pytest.mark.parametrize(
    "text",
    [
        "hello world, a reminder text " * 6,
        "a-b-c hyphen-ated-words x",
        "one\ntwo is long\n\nfour",
        "x" * 50,
        "",
    ],
)
@pytest.mark.parametrize("width", [1, 5, 10, 79])
@pytest.mark.parametrize("long_words", [True, False])
def test_wordwrap_wraps_as_jinja_does(
    monkeypatch: pytest.MonkeyPatch, text: str, width: int, long_words: bool
) -> None:
    monkeypatch.setattr(filters, "charge", lambda units: None)
    env = Environment()
    assert filters._wordwrap(env, text, width, long_words) == do_wordwrap(env, text, width, long_words)


def test_wordwrap_is_charged_for_its_work(monkeypatch: pytest.MonkeyPatch) -> None:
    charged: list[int] = []
    monkeypatch.setattr(filters, "charge", charged.append)
    filters._wordwrap(Environment(), "rmt60" * 4000, 1)
    assert sum(charged) > sandbox.OPERATION_BUDGET  # one call is over the whole budget


def _repo(write_repo: Callable[..., Path], template: str, sessions: int = 12) -> Path:
    bodies = {f"s{i:02}": ACUPINITIAL.replace("name: acupinitial", f"name: s{i:02}") for i in range(sessions)}
    return write_repo(sessions=bodies, files={"templates/reminder.sms.j2": template})


def test_the_payload_is_refused_by_the_budget(write_repo: Callable[..., Path]) -> None:
    root = _repo(write_repo, PAYLOAD)
    done = sessconf("render", "s00", "--channel", "sms", "--dir", root)  # within the harness's bounds
    assert done.returncode == 1, done.stdout + done.stderr
    assert "templates/reminder.sms.j2:1: the template needs more than 50,000 operations" in done.stderr
    linted = sessconf("lint", "--dir", root, "--format", "json")
    assert linted.returncode == 1
    assert '"code": "SC401"' in linted.stdout
    assert "not checked with this template: 12 sessions (s00, s01" in linted.stdout


def test_lint_stops_at_its_wall_clock_cap_and_names_what_it_left(
    write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(write_repo, "Hi {{ client.first_name }}, {{ session.description }}")
    monkeypatch.setattr(sandbox, "CHECK_SECONDS", -1.0)  # the time is up before the first render
    [found] = [d for d in lint(root, jobs=1).diagnostics if d.code == "SC401"]
    assert found.path == root / "templates" / "reminder.sms.j2"
    assert "within 10 s (wall-clock), and the time ran out" in found.message
    assert found.hint is not None
    assert "not checked with this template: 12 sessions (s00, s01, s02" in found.hint
    assert "and 2 more" in found.hint


def test_the_built_in_templates_have_no_clock(
    write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL})
    monkeypatch.setattr(sandbox, "CHECK_SECONDS", -1.0)
    assert [d for d in lint(root, jobs=1).diagnostics if d.code == "SC401"] == []


@pytest.mark.skipif(sys.platform != "linux", reason="the bounded worker forks (Linux)")
def test_the_worker_is_killed_at_the_time_it_is_given() -> None:
    from sessconf.reminders import worker

    def forever() -> None:
        while True:
            pass

    with pytest.raises(worker.WorkerStopped, match=r"more than 0\.5 s"):
        worker.run(forever, seconds=0.5)
