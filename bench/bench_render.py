#!/usr/bin/env python3
"""Benchmark of reminder rendering and of lint's reminder checks; prints ratios.

    .venv/bin/python bench/bench_render.py [--sessions 10000] [--repeat 5] [--reference PYTHON]

1. Sandboxed rendering against a plain ``jinja2.Environment`` rendering the same built-in
   templates (SMS, and the email's subject, body and HTML; en-CA and fr-CA) with the same data,
   each template compiled once. Target: at most 1.5x.
2. ``sessconf lint`` with its reminder checks on a generated repository of ``--sessions``
   sessions, whole process, against a whole-process ``yaml.load(f, Loader=yaml.CSafeLoader)`` loop
   over the same files (target: at most 1.3x) and against lint without the reminder checks.
3. The same lint with templates from the repository, which render in a bounded worker (SPEC §5):
   copies of the built-in templates, and an SMS template that reads each session's name (so it
   renders once per session and location, the costliest case for lint's reminder check), against
   lint with the built-in templates.

Whole-process timings are interleaved and the minimum of ``--repeat`` runs is kept: the
least disturbed run of each is what compares fairly.

With ``--reference PYTHON``, the Python interpreter of another install of sessconf (an older
checkout's ``.venv/bin/python``, say), part 1 is measured with it too, and each program of parts
2 and 3 is also run with it, interleaved with ours: before/after figures from one run.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DISCIPLINES = ["acupuncture", "physiotherapy", "massage", "chiropractic", "naturopathy", "psychotherapy"]
WORDS = ["initial", "follow-up", "assessment", "treatment", "extended", "group", "virtual", "sports"]
ZONES = ["America/Toronto", "America/Vancouver", "America/Edmonton", "America/Halifax", "America/Winnipeg"]


def generate(root: Path, sessions: int, seed: int = 7) -> None:
    """A valid repository: one location per 20 sessions, 1-3 locations per session, some video
    and group sessions, 5 % archived, a clinic name."""
    rnd = random.Random(seed)
    (root / "sessions").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.sessconf]\nclinic_name = "Benchmark Health Collective"\n')
    (root / "billing_items.yaml").write_text('visit:\n  name: Visit\n  kind: service\n  price: "90.00"\n')
    locations = [f"loc{i:04d}" for i in range(max(3, sessions // 20))]
    lines = []
    for index, loc in enumerate(locations):
        lines += [
            f"{loc}:",
            f'  name: "Clinic {index} {rnd.choice(["North", "South", "East", "West"])}"',
            f"  timezone: {rnd.choice(ZONES)}",
            f"  disciplines: [{', '.join(DISCIPLINES)}]",
        ]
        if rnd.random() < 0.8:
            lines.append(f'  address: "{rnd.randint(1, 9999)} Main St, Unit {index}"')
    (root / "locations.yaml").write_text("\n".join(lines) + "\n")
    for index in range(sessions):
        name = f"s{index:06d}"
        discipline = rnd.choice(DISCIPLINES)
        words = " ".join(rnd.sample(WORDS, rnd.randint(1, 3)))
        body = [
            f"name: {name}",
            f'description: "{discipline.title()} {words} session"',
            f"discipline: {discipline}",
            f"locations: [{', '.join(rnd.sample(locations, rnd.randint(1, 3)))}]",
            f'color: "#{rnd.randrange(0x1000000):06x}"',
            f"duration: {rnd.choice([15, 30, 45, 60, 90])}",
            "billing_items: [visit]",
        ]
        if rnd.random() < 0.1:
            body.append("telehealth: true")
        if rnd.random() < 0.05:
            body.append("max_attendees: 8")
        if rnd.random() < 0.05:
            body.append("archived: true")
        (root / "sessions" / f"{name}.yaml").write_text("\n".join(body) + "\n")


# -- 1. sandboxed against plain rendering -----------------------------------------------------------


def bench_rendering(root: Path, pairs: int) -> float:
    import jinja2

    from sessconf.reminders import dates, sandbox
    from sessconf.reminders.templates import built_in_path
    from sessconf.reminders.variables import reminder_vars
    from sessconf.repository.load import load_repository

    repo = load_repository(root)
    data = []
    for entry in list(repo.sessions.values())[:pairs]:
        location = repo.locations[entry.model.locations[0]].model
        start = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(location.timezone))
        variables = reminder_vars(
            entry.model, location, start, first_name="Alex", last_name="Martin", clinic_name="Clinic"
        )
        data.append(variables.as_dict())

    total_sandboxed = total_plain = 0.0
    for locale in ("en-CA", "fr-CA"):
        plain = jinja2.Environment(
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=lambda name: bool(name and name.endswith(".html")),
        )
        plain.filters.update(
            format_date=lambda v, p=None, loc=locale: dates.format_date(v, loc, p),
            format_time=lambda v, p=None, loc=locale: dates.format_time(v, loc, p),
            format_datetime=lambda v, p=None, loc=locale: dates.format_datetime(v, loc, p),
            format_zone=lambda v, loc=locale: dates.format_zone(v, loc),
        )
        jobs_sandboxed: list[Callable[[dict[str, Any]], str]] = []
        jobs_plain: list[Callable[[dict[str, Any]], str]] = []
        for channel, parts in (
            ("sms", [(None, "")]),
            ("email", [("subject", ""), ("body", ""), ("html", ".html")]),
        ):
            path = built_in_path(channel, locale)  # type: ignore[arg-type]
            assert path is not None
            source = path.read_text()
            for block, suffix in parts:
                name = f"reminder.{channel}{suffix}"
                ours = sandbox.compile_template(source, name, str(path))
                theirs = plain.template_class.from_code(
                    plain, plain.compile(source, name, str(path)), plain.make_globals(None), None
                )
                jobs_sandboxed.append(
                    lambda v, t=ours, b=block, loc=locale: sandbox.render_part(t, v, loc, b)  # type: ignore[misc]
                )
                jobs_plain.append(lambda v, t=theirs, b=block: _render_plain(t, v, b))  # type: ignore[misc]
        for job_s, job_p in zip(jobs_sandboxed, jobs_plain, strict=True):
            assert [job_s(v) for v in data] == [job_p(v) for v in data], "different output"
        total_sandboxed += _best(lambda jobs=jobs_sandboxed: [job(v) for v in data for job in jobs])  # type: ignore[misc]
        total_plain += _best(lambda jobs=jobs_plain: [job(v) for v in data for job in jobs])  # type: ignore[misc]
    renders = 2 * 4 * len(data)
    sandboxed, plain_ms = total_sandboxed * 1e3, total_plain * 1e3
    print(f"rendering {renders} parts: sandboxed {sandboxed:.1f} ms, plain {plain_ms:.1f} ms")
    return total_sandboxed / total_plain


def _render_plain(template: Any, values: dict[str, Any], block: str | None) -> str:
    context = template.new_context(values)
    function = template.root_render_func if block is None else template.blocks[block]
    return "".join(function(context))


def _best(job: Callable[[], object], rounds: int = 7) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


# -- 2. whole-process lint -------------------------------------------------------------------------

YAML_LOOP = """
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1])
paths = [root / "locations.yaml", root / "billing_items.yaml", *(root / "sessions").glob("*.yaml")]
for path in sorted(paths):
    with open(path, encoding="utf-8") as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
"""

LINT = """
import sys
from sessconf.cli.main import main
sys.argv = ["sessconf", "lint", "--dir", sys.argv[1]]
main()
"""

LINT_WITHOUT_REMINDERS = """
import dataclasses, sys
from sessconf.codes import CODES, all_codes
all_codes()
CODES["SC402"] = dataclasses.replace(CODES["SC402"], check=None)
from sessconf.cli.main import main
sys.argv = ["sessconf", "lint", "--dir", sys.argv[1]]
main()
"""


KEYED_SMS = (
    "Hi {{ client.first_name }}: {{ session.name|upper }}, {{ session.description }}\n"
    "{{ appointment.start|format_datetime }}, {{ location.name }}\n"
)


def with_templates(root: Path, name: str, sms: str | None) -> Path:
    """A copy of ``root`` whose ``templates/`` holds the built-in templates (en-CA), or ``sms``."""
    from sessconf.reminders.templates import built_in_path

    copy = root.parent / name
    shutil.copytree(root, copy)
    (copy / "templates").mkdir()
    for channel in ("sms", "email"):
        path = built_in_path(channel, "en-CA")
        assert path is not None
        text = sms if channel == "sms" and sms is not None else path.read_text()
        (copy / "templates" / f"reminder.{channel}.j2").write_text(text)
    return copy


LINT_PROGRAMS = ("lint", "lint without reminders", "lint, built-ins overridden", "lint, per-session sms")
REFERENCE = "reference: "  # the prefix of the programs run with the reference interpreter


def bench_lint(root: Path, repeat: int, reference: str | None = None) -> dict[str, tuple[float, float]]:
    """Whole-process (wall, CPU) seconds of each program, the minimum of ``repeat`` runs; with
    ``reference``, the lint programs also run with that interpreter (named ``reference: ...``).

    CPU time (user + system, of the process and the workers it forks) is printed too: on a busy
    machine it is much steadier than wall time."""
    overridden, keyed = with_templates(root, "overridden", None), with_templates(root, "keyed", KEYED_SMS)
    programs = {
        "yaml loop": (sys.executable, YAML_LOOP, root),
        "lint": (sys.executable, LINT, root),
        "lint without reminders": (sys.executable, LINT_WITHOUT_REMINDERS, root),
        "lint, built-ins overridden": (sys.executable, LINT, overridden),
        "lint, per-session sms": (sys.executable, LINT, keyed),
    }
    if reference is not None:
        for name in LINT_PROGRAMS:
            _, program, where = programs[name]
            programs[REFERENCE + name] = (reference, program, where)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in programs}
    # As installed: modules load from bytecode (kept out of the source tree), which the first,
    # unmeasured run writes, whatever PYTHONDONTWRITEBYTECODE says here.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(root.parent / "pycache")
    for python, program, where in programs.values():
        subprocess.run([python, "-c", program, str(where)], capture_output=True, env=env)
    for _ in range(repeat):
        for name, (python, program, where) in programs.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            command = [python, "-c", program, str(where)]
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            times[name].append((wall, cpu))
            if done.returncode not in (0, 1) or " SC401 " in done.stdout:
                raise SystemExit(f"{name} failed:\n{done.stdout}{done.stderr}")
    best = {}
    for name, values in times.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        best[name] = (min(walls), min(cpus))
        print(
            f"{name:>37}: wall min {min(walls):.3f} s (median {statistics.median(walls):.3f}), "
            f"cpu min {min(cpus):.3f} s"
        )
    return best


def reference_rendering(reference: str, root: Path, pairs: int) -> float:
    """Part 1 measured with the ``reference`` interpreter (this script, run by it)."""
    done = subprocess.run(
        [reference, __file__, "--rendering-only", str(root), "--pairs", str(pairs)],
        capture_output=True,
        text=True,
        check=True,
    )
    *lines, ratio = done.stdout.splitlines()
    for line in lines:
        print(f"{REFERENCE}{line}")
    return float(ratio)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=200, help="(session, location) pairs rendered in part 1")
    parser.add_argument(
        "--reference",
        metavar="PYTHON",
        help="also measure with this Python interpreter of another sessconf install (before/after figures)",
    )
    parser.add_argument("--rendering-only", metavar="ROOT", help=argparse.SUPPRESS)  # part 1, for --reference
    args = parser.parse_args()
    if args.rendering_only:
        print(bench_rendering(Path(args.rendering_only), args.pairs))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, args.sessions)
        render_ratio = bench_rendering(root, args.pairs)
        if args.reference:
            reference_ratio = reference_rendering(args.reference, root, args.pairs)
        lint = bench_lint(root, args.repeat, args.reference)
    print()
    wall = {name: value[0] for name, value in lint.items()}
    cpu = {name: value[1] for name, value in lint.items()}
    print(f"sandboxed / plain rendering:          {render_ratio:.2f}x (target <= 1.5)")
    if args.reference:
        print(f"reference: sandboxed / plain:         {reference_ratio:.2f}x")
    for label, measure in (("wall", wall), ("cpu", cpu)):
        print(
            f"lint with reminders / yaml loop ({label}): {measure['lint'] / measure['yaml loop']:.2f}x "
            f"(target <= 1.3); / lint without: {measure['lint'] / measure['lint without reminders']:.2f}x; "
            f"reminder checks add {measure['lint'] - measure['lint without reminders']:+.3f} s"
        )
    for name in ("lint, built-ins overridden", "lint, per-session sms"):
        print(
            f"{name} / lint (wall): {wall[name] / wall['lint']:.2f}x, "
            f"(cpu): {cpu[name] / cpu['lint']:.2f}x; adds {cpu[name] - cpu['lint']:+.3f} s of cpu"
        )
    if args.reference:
        for name in LINT_PROGRAMS:
            ours, theirs = lint[name], lint[REFERENCE + name]
            print(
                f"{name} / reference: wall {ours[0] / theirs[0]:.2f}x, cpu {ours[1] / theirs[1]:.2f}x "
                f"({ours[1] - theirs[1]:+.3f} s of cpu)"
            )


if __name__ == "__main__":
    main()
