"""Whole broken repositories through the command line: an answer, never a crash or a hang.

Hypothesis builds repositories from broken parts — files that are folders, FIFOs, links to
``/dev/zero`` or to themselves, unreadable files, bytes that are not UTF-8 or not YAML, a
``pyproject.toml`` that is not TOML or not a table, hostile reminder templates, values the
store cannot hold — and runs ``lint``, ``diff``, ``render``, ``apply`` and ``list`` on each one
in a process of its own, under a memory limit and a timeout. Whatever the repository, every
command exits 0, 1 or 2 (never 3, the exit status of a bug), prints no traceback, finishes in
time, and when lint fails it names at least one ``path:line:col``.

Permissions only bite for other users than root, so as root the commands run as ``nobody``
(when ``nobody`` can run this checkout's Python at all).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, TESTS

DRIVER = TESTS / "fuzz_driver.py"
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for one run of all the commands
TIMEOUT = 150  # seconds for one run of all the commands; far more than a healthy run needs
NOBODY = 65534

DIAGNOSTIC = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?:error|warning) SC\d{3} ", re.M
)

# -- the parts ------------------------------------------------------------------------------------

VALID_LOCATIONS = {
    "downtown": {
        "name": "Downtown Clinic",
        "timezone": "America/Toronto",
        "disciplines": ["acupuncture", "massage"],
        "address": "120 King St W, Toronto",
    },
    "westside": {"name": "Westside Clinic", "timezone": "America/Toronto", "disciplines": ["massage"]},
}
VALID_BILLING = {
    "acup-initial": {"name": "Acupuncture initial assessment", "kind": "service", "price": "95.00"},
    "needles": {"name": "Sterile needle pack", "kind": "product", "price": "4.50"},
}
VALID_SESSION: dict[str, Any] = {
    "description": "Acupuncture initial assessment",
    "discipline": "acupuncture",
    "locations": ["downtown"],
    "color": "#0f766e",
    "duration": 60,
    "billing_items": ["acup-initial", {"item": "needles", "quantity": 2}],
}

# Values that a field should refuse (or, for some fields, accept) without crashing.
HOSTILE_VALUES: list[Any] = [
    None,
    "",
    "   ",
    "\u200b\u200b",
    "a\tb",
    "a\nb",
    "line\u2028break",
    "x" * 5000,
    -1,
    0,
    10**22,
    1.5,
    True,
    [],
    {},
    [[[]]],
    {"a": {"b": []}},
    "#zzzzzz",
    "99999999999999999999.00",
    "1e400",
    "NaN",
    "downtwn",
    "A" * 300,
    "../../etc/passwd",
    "Ünïcödé 🎉",
]

RAW_FILES: list[bytes] = [
    b"",
    b"~\n",
    b"[]\n",
    b"\xff\xfe\x00garbage",
    b"\xef\xbb\xbfname: s0\n",
    b"key: [unclosed\n",
    b'description: "never closed\nduration: 60\n',
    b"\tname: tab\n",
    b"a: 1\na: 2\n",
    b"--- 1\n--- 2\n",
    b"!!python/object:os.system [ls]\n",
    b"a: &a [*a]\n",
    b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    b"e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    b"[" * 5000 + b"]" * 5000,
    b"duration: 1:30\n",
    b"color: #fff\n",
]

PYPROJECTS: list[bytes] = [
    b'[tool.sessconf]\nclinic_name = "Harbourview"\n',
    b"[tool.sessconf\n",
    b"tool = 5\n",
    b"[tool]\nsessconf = 3\n",
    b"x = " + b"[" * 3000 + b"]" * 3000 + b"\n",
    b"\xff\xfe[tool]\n",
    b'[tool.sessconf]\nduration_step = 0\nlocale = "xx-YY"\nsms_max_segments = "2"\n',
    b'[tool.sessconf.rules]\nSC999 = "off"\nSC001 = "off"\n',
    b'[tool.sessconf]\nstore = "postgresql://u:p@ss@host/db"\n',
    b'[tool.sessconf]\nlocale = "fr-CA"\nclinic_name = "' + b"x" * 600 + b'"\n',
]

TEMPLATES: list[str] = [
    "Hi {{ client.first_name }}: {{ session.description }} on {{ appointment.start }}.",
    "{{ session.index }}",
    "{{ client.count }}",
    "{% for x in %}",
    "{{ undefined_variable }}",
    "{{ ''.__class__.__mro__ }}",
    "{% set v = {'a': 'x'*99990}.values() %}{{ [v]*50000 }}",
    "{% set d={'k':'a'} %}{% set L=[d]*20000 %}{% set _=dict.update(d,{'k':'x'*99990}) %}"
    "{{ L|string|length }}",
    "{% for i in range(60) %}{% set x=(session.name*4000)|wordwrap(1) %}{% endfor %}Hi",
    "{% for i in range(10**9) %}{{ i }}{% endfor %}",
    "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
    "{{ ('x' * 100000) * 100000 }}",
]

# What can stand where a file or a folder is expected.
SPECIAL = ["missing", "folder", "fifo", "dev-zero", "loop", "dangling", "unreadable", "sparse-huge"]


@dataclass(frozen=True)
class Part:
    """One thing written at a path of the repository: ``kind`` is "bytes" or one of SPECIAL."""

    path: str
    kind: str
    data: bytes = b""


def _dump(value: object) -> bytes:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode()


def _mutated(base: dict[str, Any], draw: st.DrawFn, keys: list[str]) -> dict[str, Any]:
    out = dict(base)
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()):
            out[key] = draw(st.sampled_from(HOSTILE_VALUES))
        else:
            out.pop(key, None)
    return out


@st.composite
def catalogue(draw: st.DrawFn, name: str, valid: dict[str, dict[str, Any]], keys: list[str]) -> Part:
    choice = draw(st.sampled_from(["valid", "mutated", "raw", "special"]))
    if choice == "valid":
        return Part(name, "bytes", _dump(valid))
    if choice == "mutated":
        return Part(name, "bytes", _dump({k: _mutated(v, draw, keys) for k, v in valid.items()}))
    if choice == "raw":
        return Part(name, "bytes", draw(st.sampled_from(RAW_FILES)))
    return Part(name, draw(st.sampled_from(SPECIAL)))


@st.composite
def session_file(draw: st.DrawFn, index: int) -> Part:
    name = f"s{index}"
    path = f"sessions/{draw(st.sampled_from([f'{name}.yaml', f'{name}.yaml', f'{name}.yml', name]))}"
    choice = draw(st.sampled_from(["valid", "mutated", "mutated", "raw", "special"]))
    if choice == "valid":
        return Part(path, "bytes", _dump({"name": name, **VALID_SESSION}))
    if choice == "mutated":
        keys = ["name", *VALID_SESSION, "archived", "previous_names", "max_attendees", "telehealth", "colour"]
        return Part(path, "bytes", _dump(_mutated({"name": name, **VALID_SESSION}, draw, keys)))
    if choice == "raw":
        return Part(path, "bytes", draw(st.sampled_from(RAW_FILES)))
    return Part(path, draw(st.sampled_from(SPECIAL)))


@st.composite
def repositories(draw: st.DrawFn) -> list[Part]:
    parts: list[Part] = []
    pyproject = draw(st.sampled_from(["none", "text", "special"]))
    if pyproject == "text":
        parts.append(Part("pyproject.toml", "bytes", draw(st.sampled_from(PYPROJECTS))))
    elif pyproject == "special":
        parts.append(Part("pyproject.toml", draw(st.sampled_from(SPECIAL))))
    parts.append(
        draw(catalogue("locations.yaml", VALID_LOCATIONS, ["name", "timezone", "disciplines", "address"]))
    )
    parts.append(draw(catalogue("billing_items.yaml", VALID_BILLING, ["name", "kind", "price", "archived"])))
    folder = draw(st.sampled_from(["folder", "folder", "folder", "missing", "file", "unreadable"]))
    if folder == "file":
        parts.append(Part("sessions", "bytes", b"not a folder\n"))
    elif folder != "missing":
        parts.append(Part("sessions", "folder"))
        parts.extend(draw(session_file(i)) for i in range(draw(st.integers(0, 4))))
        if folder == "unreadable":
            parts.append(Part("sessions", "unreadable"))
    templates = draw(st.sampled_from(["none", "none", "files", "special", "file"]))
    if templates == "file":
        parts.append(Part("templates", "bytes", b"not a folder\n"))
    elif templates != "none":
        parts.append(Part("templates", "folder"))
        for channel in draw(st.lists(st.sampled_from(["sms", "email"]), min_size=1, max_size=2, unique=True)):
            target = f"templates/reminder.{channel}.j2"
            if templates == "special":
                parts.append(Part(target, draw(st.sampled_from(SPECIAL))))
            else:
                parts.append(Part(target, "bytes", draw(st.sampled_from(TEMPLATES)).encode()))
    return parts


def build(root: Path, parts: list[Part]) -> None:
    """Write ``parts`` under ``root`` (unreadable ones last: their folder may hold others)."""
    root.mkdir()
    os.chmod(root, 0o755)
    for part in sorted(parts, key=lambda p: p.kind == "unreadable"):
        path = root / part.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if part.kind == "missing":
            continue
        if part.kind == "bytes":
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            path.write_bytes(part.data)
        elif part.kind == "folder":
            path.mkdir(exist_ok=True)
        elif part.kind == "fifo":
            os.mkfifo(path)
        elif part.kind == "dev-zero":
            path.symlink_to("/dev/zero")
        elif part.kind == "loop":
            path.symlink_to(path.name)
        elif part.kind == "dangling":
            path.symlink_to(path.name + ".nowhere")
        elif part.kind == "sparse-huge":
            with path.open("wb") as out:
                out.truncate(200 * 1024 * 1024)
        elif part.kind == "unreadable":
            if not path.exists():
                path.write_bytes(b"secret: true\n")
            os.chmod(path, 0)


# -- running --------------------------------------------------------------------------------------


@cache
def _as_nobody_works() -> bool:
    """Whether ``nobody`` can run this checkout's Python and import sessconf."""
    if os.geteuid() != 0:
        return False
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import sessconf.cli.main"],
            preexec_fn=_drop_privileges,
            capture_output=True,
            timeout=60,
            cwd="/",
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _drop_privileges() -> None:
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _limits(as_nobody: bool) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if as_nobody:
            _drop_privileges()

    return apply


def run_commands(root: Path, store: Path) -> list[dict[str, Any]]:
    as_nobody = _as_nobody_works()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSCONF_", "GITHUB_"))}
    env["HOME"] = str(store.parent)  # somewhere `nobody` may write
    try:
        done = subprocess.run(
            [sys.executable, str(DRIVER), str(root), f"sqlite:///{store}"],
            preexec_fn=_limits(as_nobody),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=root,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the commands did not finish within {TIMEOUT} s (a hang); output so far: {exc.stdout!r}")
    assert done.returncode == 0, f"the driver failed (exit {done.returncode}):\n{done.stderr[-4000:]}"
    return [json.loads(line) for line in done.stdout.splitlines()]


@contextmanager
def workspace() -> Iterator[tuple[Path, Path]]:
    base = Path(tempfile.mkdtemp(prefix="sessconf-fuzz-"))
    os.chmod(base, 0o777)  # the store's folder: `nobody` writes the SQLite file there
    try:
        yield base / "repo", base / "store.db"
    finally:
        for path in base.rglob("*"):  # give back what the test took away, so it can be removed
            if not path.is_symlink():
                os.chmod(path, stat.S_IRWXU)
        shutil.rmtree(base)


def assert_an_answer(outcome: dict[str, Any]) -> None:
    argv, status = outcome["argv"], outcome["exit_code"]
    output = outcome["stdout"] + outcome["stderr"]
    where = f"`sessconf {' '.join(argv)}` exited {status}:\n{output[-3000:]}"
    assert outcome["escaped"] is None, f"an exception escaped {where}"
    assert status in (0, 1, 2), where
    assert "Traceback" not in output, where
    assert "unexpected error" not in output, where
    if argv[0] == "lint" and status == 1:
        found = DIAGNOSTIC.findall(outcome["stdout"]) if "--format" not in argv else []
        if "--format" in argv:
            report = json.loads(outcome["stdout"])
            found = [d for d in report["diagnostics"] if d["path"] and d["line"] >= 0]
        assert found, f"lint failed without naming a path:line:col: {where}"
    if status != 0:
        assert output.strip(), f"a failure without a word: {where}"


# -- the property ---------------------------------------------------------------------------------


@settings(
    max_examples=int(os.environ.get("SESSCONF_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(repositories())
def test_any_broken_repository_gets_an_answer_from_every_command(parts: list[Part]) -> None:
    with workspace() as (root, store):
        build(root, parts)
        outcomes = run_commands(root, store)
    assert len(outcomes) == 7
    for outcome in outcomes:
        assert_an_answer(outcome)


def test_the_example_clinic_passes_through_the_same_commands() -> None:
    """The driver and its checks on a repository that works: every command succeeds."""
    with workspace() as (root, store):
        shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".*", "src", "tests", "bench", "*.db"))
        os.chmod(root, 0o755)
        outcomes = run_commands(root, store)
    by_command = {o["argv"][0]: o for o in outcomes if "--format" not in o["argv"]}
    assert {o["exit_code"] for o in outcomes} == {0}, [o for o in outcomes if o["exit_code"]]
    assert "All checks passed" in by_command["lint"]["stdout"]
    assert "Applied to" in by_command["apply"]["stdout"]
