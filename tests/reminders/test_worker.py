"""Hostile templates are bounded (SPEC §5): per render and for lint as a whole, by deadlines and by
the operating system, whatever the number of sessions; and ``templates/`` is read without ever
blocking.

The commands run in child processes held by the harness (``tests/bounded.py``): a bound that
regresses fails its test instead of hanging the suite.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sessconf.errors import SessconfError
from sessconf.lint.engine import lint
from sessconf.reminders import worker
from sessconf.reminders.templates import CompiledTemplate, ReminderError
from tests.bounded import run_bounded, sessconf
from tests.conftest import WriteRepo

SMS = Path("templates") / "reminder.sms.j2"

# Issue 8's reproductions, on the example clinic (19 sessions) -> what the error says
REPRODUCTIONS = [
    pytest.param(
        "{% set v = {'a': 'x'*99990}.values() %}{{ [v]*50000 }}",
        "'*' would make a value of",
        id="dict-view-weighs-what-it-holds",
    ),
    pytest.param(
        "{% set d={'k':'a'} %}{% set L=[d]*20000 %}{% set _=dict.update(d,{'k':'x'*99990}) %}"
        "{{ L|string|length }}",
        "access to attribute 'update' of 'type' object is unsafe",
        id="dict-global-cannot-mutate",
    ),
    pytest.param(
        "{% for i in range(60) %}{% set x=(session.name*4000)|wordwrap(1) %}{% endfor %}Hi",
        "the template needs more than 50,000 operations",  # wordwrap is charged for its work
        id="slow-filter-deadline",
    ),
    pytest.param("{{ session.index }}", "session has no attribute 'index'", id="session-index"),
    pytest.param("{{ client.count }}", "client has no attribute 'count'", id="client-count"),
]


def with_sms_template(clinic: Path, source: str) -> Path:
    (clinic / "templates").mkdir(exist_ok=True)
    (clinic / SMS).write_text(source)
    return clinic


@pytest.mark.parametrize(("source", "said"), REPRODUCTIONS)
def test_lint_reports_a_hostile_template_once_at_its_line(clinic: Path, source: str, said: str) -> None:
    done = sessconf("lint", cwd=with_sms_template(clinic, source))
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if " SC401 " in line]
    assert len(errors) == 1, done.stdout  # reported once, not for each of the 19 sessions
    assert errors[0].startswith(f"{SMS}:1:1: error SC401 sms reminder: ")
    assert said in errors[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("source", "said"), REPRODUCTIONS)
def test_render_refuses_a_hostile_template_clearly(clinic: Path, source: str, said: str) -> None:
    done = sessconf("render", "rmt60", "--channel", "sms", cwd=with_sms_template(clinic, source))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{SMS}:1: " in done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr


# -- what the estimates miss, the operating system and the deadline still bound --------------

# Runs lint with one of the sandbox's estimates switched off, as if it had missed the case:
# ``everywhere(NAME, VALUE)`` sets NAME in every module of the sandbox that has it.
_WITHOUT = """
import sys
from sessconf.reminders import sandbox

def everywhere(name, value):
    for module in list(sys.modules.values()):
        if module.__name__.startswith("sessconf.reminders.sandbox") and hasattr(module, name):
            setattr(module, name, value)

{patch}
from sessconf.cli.main import cli
cli.main(["lint"])
"""


@pytest.mark.parametrize(
    ("patch", "source", "said"),
    [
        pytest.param(
            "everywhere('weigh', lambda value, inside=False: 1)",
            "{% set v = {'a': 'x' * 99990}.values() %}{{ [v] * 50000 }}",
            "out of memory",
            id="value-cap-off-memory-limit-holds",
        ),
        pytest.param(
            "everywhere('OPERATION_BUDGET', 10 ** 15)\neverywhere('monotonic', lambda: 0.0)",
            "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}",
            "the template takes more than 1 s to render",
            id="budget-and-clock-off-cpu-timer-holds",
        ),
        pytest.param(
            "everywhere('OPERATION_BUDGET', 10 ** 15)\neverywhere('monotonic', lambda: 0.0)",
            "{% set x = (range(99999)|list)|sort(attribute='" + ".".join(["real"] * 40) + "') %}",
            "the template takes more than 1 s to render",
            id="one-slow-filter-call-interrupted",
        ),
    ],
)
def test_a_bound_the_estimates_miss_is_held_by_the_os_or_a_timer(
    clinic: Path, patch: str, source: str, said: str
) -> None:
    root = with_sms_template(clinic, source)
    done = run_bounded([sys.executable, "-c", _WITHOUT.format(patch=patch)], cwd=root)
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if " SC401 " in line]
    assert len(errors) == 1, done.stdout
    assert said in errors[0]


def test_all_the_renders_of_a_template_are_bounded_together(write_repo: WriteRepo) -> None:
    """Each render within its own deadline, but many of them: the template's allowance stops it."""
    sessions = {
        f"s{i:03d}": f"name: s{i:03d}\ndescription: Massage {i}\ndiscipline: massage\n"
        'locations: [downtown]\ncolor: "#0f766e"\nduration: 60\n'
        for i in range(400)
    }
    # each render reads the session's name (so each renders on its own), and sorts 450 numbers
    # by an attribute 40 deep: about 0.1 s on a machine where one render may take 1 s
    deep = ".".join(["real"] * 40)
    slow = f"{{{{ session.name|upper }}}} {{{{ (range(450)|list)|sort(attribute='{deep}')|first }}}}\n"
    root = write_repo(sessions=sessions, files={str(SMS): slow})
    done = sessconf("lint", cwd=root)
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if " SC401 " in line]
    assert len(errors) == 1, done.stdout
    # the allowance of CPU time, or on a loaded machine the wall-clock cap first
    assert (
        "rendering this template for every session takes more than 5 s in all" in errors[0]
        or "within 10 s (wall-clock), and the time ran out" in errors[0]
    )
    assert "not checked with this template: " in errors[0]


def count_failed_renders(monkeypatch: pytest.MonkeyPatch) -> list[ReminderError]:
    """Renders in-process (no worker), recording those that fail."""
    failed: list[ReminderError] = []
    render = CompiledTemplate.render

    def recording(self: CompiledTemplate, *args: Any, **kwargs: Any) -> str:
        try:
            return render(self, *args, **kwargs)
        except ReminderError as exc:
            failed.append(exc)
            raise

    monkeypatch.setattr(CompiledTemplate, "render", recording)
    monkeypatch.setattr(worker, "available", lambda: False)
    return failed


@pytest.mark.parametrize(
    ("name", "source"),
    [
        pytest.param("reminder.sms.j2", "{{ session.name ~ ('x' * 10 ** 9) }}", id="sms"),
        pytest.param(
            "reminder.email.j2",
            "{% block subject %}Hi{% endblock %}{% block body %}{{ session.name * 10 ** 9 }}{% endblock %}",
            id="email",
        ),
    ],
)
def test_a_breach_stops_the_template_for_every_other_session(
    clinic: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str
) -> None:
    """Each session renders on its own (the template reads its name): the first breach is
    reported, and no other session is rendered with that template."""
    (clinic / "templates").mkdir()
    (clinic / "templates" / name).write_text(source)
    failed = count_failed_renders(monkeypatch)
    found = [d for d in lint(clinic, jobs=1).diagnostics if d.code == "SC401"]
    assert len(found) == 1
    assert "would make a value of" in found[0].message
    assert len(failed) == 1


# -- the bounded worker ------------------------------------------------------------------------


def in_worker(fn: Callable[[], object]) -> object:
    if not worker.available():
        pytest.skip("the bounded worker needs fork (Linux)")
    return worker.run(fn)


def test_the_worker_hands_back_a_value_and_errors() -> None:
    assert in_worker(lambda: {"renders": [1, 2]}) == {"renders": [1, 2]}

    def fails() -> None:
        raise ReminderError(Path("templates/reminder.sms.j2"), 3, "bad", "a hint", stops=True)

    with pytest.raises(ReminderError) as caught:
        in_worker(fails)
    error = caught.value
    assert (error.path, error.line, error.problem, error.hint, error.stops) == (
        Path("templates/reminder.sms.j2"),
        3,
        "bad",
        "a hint",
        True,
    )

    def bug() -> None:
        raise KeyError("x")

    with pytest.raises(RuntimeError, match="KeyError"):
        in_worker(bug)


def test_the_worker_is_held_to_its_memory() -> None:
    mapped = worker._address_space()
    if mapped is None:
        pytest.skip("/proc does not tell the address space: the memory limit is not set")
    chunk = 16 * 2**20

    def hungry() -> int:
        # More than the worker starts with plus its limit, kept alive: memory that the parent
        # freed but kept mapped (a long test run) cannot hold it all.
        held = [bytearray(chunk) for _ in range((mapped + worker.MEMORY_LIMIT) // chunk + 2)]
        return len(held)

    with pytest.raises(worker.WorkerStopped, match="out of memory"):
        in_worker(hungry)


def test_the_worker_is_held_to_its_cpu_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "CPU_SECONDS", 1)

    def spin() -> None:
        while True:
            pass

    with pytest.raises(worker.WorkerStopped, match="more than 1 s of CPU time"):
        in_worker(spin)


def test_the_worker_is_held_to_its_wall_clock_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "WALL_SECONDS", 0.5)

    def block() -> None:
        select.select([], [], [])  # waits for nothing, forever

    with pytest.raises(worker.WorkerStopped, match=r"took more than 0\.5 s"):
        in_worker(block)


def test_a_sessconf_error_keeps_its_hint_across_the_worker() -> None:
    def refuses() -> None:
        raise SessconfError("no", "because")

    with pytest.raises(SessconfError) as caught:
        in_worker(refuses)
    assert (caught.value.message, caught.value.hint) == ("no", "because")


# -- templates/ entries that are not regular files ---------------------------------------------


def make_entry(path: Path, kind: str) -> None:
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    elif kind == "link loop":
        path.symlink_to(path.name)
    elif kind == "broken link":
        path.symlink_to("nowhere.j2")
    elif kind == "link outside the repository":
        outside = path.parents[2] / "elsewhere.j2"
        outside.write_text("a CI secret\n")
        path.symlink_to(outside)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()


ENTRIES = {
    "folder": "is a folder",
    "fifo": "is a FIFO (a named pipe)",
    "link to /dev/zero": "is a character device",
    "link loop": "is a symbolic link loop",
    "broken link": "is a broken symbolic link",
    "socket": "is a socket",
    "link outside the repository": "is a symbolic link to a file outside the repository",
}


@pytest.mark.parametrize("kind", list(ENTRIES))
def test_an_override_that_is_not_a_regular_file_is_an_error(clinic: Path, kind: str) -> None:
    (clinic / "templates").mkdir()
    make_entry(clinic / SMS, kind)
    done = sessconf("lint", cwd=clinic)
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if " SC401 " in line]
    assert errors == [
        f"{SMS}:1:1: error SC401 'templates/reminder.sms.j2' {ENTRIES[kind]}; templates/ holds regular "
        "files only (write the template as a plain file)"
    ]
    done = sessconf("render", "rmt60", cwd=clinic)
    assert done.returncode == 1
    assert f"'templates/reminder.sms.j2' {ENTRIES[kind]}" in done.stderr
    assert "Traceback" not in done.stderr


def test_any_entry_of_templates_that_is_not_a_regular_file_is_an_error(clinic: Path) -> None:
    folder = clinic / "templates"
    folder.mkdir()
    for index, kind in enumerate(ENTRIES):
        make_entry(folder / f"entry{index}", kind)
    (folder / ".hidden").mkdir()  # hidden entries are not the repository's
    (folder / "notes.txt").write_text("x")
    done = sessconf("lint", cwd=clinic)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for index, kind in enumerate(ENTRIES):
        assert (
            f"templates/entry{index}:1:1: error SC401 'templates/entry{index}' {ENTRIES[kind]}; "
            in "\n".join(lines)
        )
    assert sum(" SC401 " in line for line in lines) == len(ENTRIES)
    assert any("templates/notes.txt:1:1: warning SC403" in line for line in lines)


def test_a_link_to_a_template_inside_the_repository_is_used(clinic: Path) -> None:
    (clinic / "shared").mkdir()
    (clinic / "shared" / "sms.j2").write_text("Linked {{ session.name }}\n")
    (clinic / "templates").mkdir()
    (clinic / SMS).symlink_to(Path("..") / "shared" / "sms.j2")
    assert [d for d in lint(clinic, jobs=1).diagnostics if d.code.startswith("SC4")] == []
    done = sessconf("render", "rmt60", "--channel", "sms", cwd=clinic)
    assert done.returncode == 0, done.stderr
    assert "Linked rmt60" in done.stdout


def test_a_templates_file_is_an_error(clinic: Path) -> None:
    (clinic / "templates").write_text("not a folder")
    found = [d for d in lint(clinic, jobs=1).diagnostics if d.code == "SC401"]
    assert [(d.path, d.message) for d in found] == [
        (clinic / "templates", "'templates' is a file, not a folder")
    ]


def test_an_unreadable_templates_folder_is_a_diagnostic(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``chmod 000 templates/`` does for a user who is not root (the tests may run as root):
    the folder cannot be listed, and nothing in it can be looked at."""
    folder = clinic / "templates"
    folder.mkdir()
    (folder / "reminder.sms.j2").write_text("Hi\n")

    def denied(path: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def guard(name: str) -> Callable[..., Any]:
        real = getattr(os, name)

        def call(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
            if not isinstance(path, int):
                where = Path(os.fsdecode(path))
                if where.parent == folder or (name == "scandir" and where == folder):
                    denied(path)
            return real(path, *args, **kwargs)

        return call

    for name in ("scandir", "stat", "lstat", "open"):
        monkeypatch.setattr(os, name, guard(name))
    found = [d for d in lint(clinic, jobs=1).diagnostics if d.code == "SC401"]
    assert [(d.path, d.message) for d in found] == [
        (folder, "cannot read the folder 'templates': Permission denied")
    ]


# -- lint's work grows with the sessions, not with sessions x locations or sessions squared ------


def many_sessions(write_repo: WriteRepo, count: int, locations: int, files: dict[str, str | bytes]) -> Path:
    places = "".join(
        f"loc{i:02d}:\n  name: Clinic {i}\n  timezone: America/Toronto\n  disciplines: [massage]\n"
        for i in range(locations)
    )
    sessions = {
        f"s{i:03d}": f"name: s{i:03d}\ndescription: Massage {i}\ndiscipline: massage\n"
        f'locations: [loc{i % locations:02d}]\ncolor: "#0f766e"\nduration: 60\n'
        for i in range(count)
    }
    return write_repo(sessions=sessions, locations=places, billing="{}\n", files=files)


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[int]:
    calls = [0]
    real = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_template_read_per_session_is_not_priced_at_every_location(
    write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each session's SMS renders on its own (the template reads its name): lint looks at each
    session's own locations, not at every location for every session (16 s at 10,000)."""
    from sessconf.reminders.check.survey import ChannelSurvey

    sms = "Hi {{ session.name|upper }}, {{ location.name }}\n"
    root = many_sessions(write_repo, 300, 60, {str(SMS): sms})
    monkeypatch.setattr(worker, "available", lambda: False)
    places = count_calls(monkeypatch, ChannelSurvey, "_place")
    assert [d for d in lint(root, jobs=1).diagnostics if d.code.startswith("SC4")] == []
    assert places[0] <= 2 * 300  # it was 300 x 60


def test_an_error_in_every_render_is_not_looked_up_session_by_session(
    write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An email that fails for every session (each renders on its own): the first session with
    each render names it, found without going through all sessions for each (18 s at 10,000)."""
    from sessconf.reminders.check.keys import RenderKeys

    email = (
        "{% block subject %}{{ session.name|upper }}{{ nope }}{% endblock %}{% block body %}{% endblock %}"
    )
    root = many_sessions(write_repo, 300, 5, {"templates/reminder.email.j2": email})
    monkeypatch.setattr(worker, "available", lambda: False)
    lookups = count_calls(monkeypatch, RenderKeys, "session")
    found = [d for d in lint(root, jobs=1).diagnostics if d.code == "SC401"]
    assert len(found) == 1
    assert "'nope' is undefined" in found[0].message
    assert found[0].hint == "found rendering session 's000' at location 'loc00'"
    assert lookups[0] <= 3 * 300  # it was 300 x 300
