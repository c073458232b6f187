"""Time ``sessconf lint`` against a whole-process PyYAML loop over the same session files.

    .venv/bin/python -m bench.bench_lint [--sizes 10000,100000] [--repeat 5] [--profile]

For each size a corpus is generated under ``bench/.corpus/`` (reused when its parameters match).
Two whole processes are timed, interleaved and repeated, with wall-clock time:

- baseline: ``python -c`` importing PyYAML and looping
  ``yaml.load(open(f, 'rb'), Loader=yaml.CSafeLoader)`` over the session files;
- lint: ``sessconf lint --dir CORPUS`` (the console script of this virtualenv; it must exit 0, and
  the corpus must lint clean).

Both pay for interpreter start-up and imports, as a user (or CI) does. Every timed run starts with
the corpus in the page cache, and with compiled bytecode cached (see ``bench_env``). The figures
are medians (and best-of-N) and the ratio lint / baseline is taken in the same run: the machine
is shared and noisy, so absolute times mean little, the ratio much more. CPU time (user + system,
summed over the process tree) is shown too: ``sessconf lint`` forks a worker and uses two cores.

Memory is measured in separate, untimed runs (sampling would disturb the timings). ``sessconf
lint`` forks a worker for large repositories, so a single process's peak tells only part of it:

- ``max RSS``: the largest peak resident set of any one process of the tree (``ru_maxrss`` as
  ``/usr/bin/time -f %M`` prints it);
- ``tree PSS`` / ``tree RSS``: the peak, sampled every few milliseconds from
  ``/proc/PID/smaps_rollup``, of the proportional (resp. resident) set size summed over the
  process and its descendants. PSS counts the pages that the parent and its forked worker share
  once; RSS counts them twice.

The memory verdict holds the larger of ``max RSS`` and ``tree PSS`` against the target. The
command exits 1 when a target is missed, and writes the figures to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import corpus

HERE = Path(__file__).resolve().parent
CORPORA = HERE / ".corpus"
RESULTS = HERE / "results"

# The targets of the issue: at 10,000 sessions lint takes at most 1.0x the baseline and at most
# 150 MB; its time grows linearly with the number of sessions (10 % slack on the size factor).
TARGET_SIZE = 10_000
TARGET_RATIO = 1.0
TARGET_MB = 150.0
LINEAR_SLACK = 1.10

BASELINE_CODE = """\
import os, sys, yaml
d = sys.argv[1]
for n in sorted(os.listdir(d)):
    if n.endswith('.yaml'):
        yaml.load(open(os.path.join(d, n), 'rb'), Loader=yaml.CSafeLoader)
"""

CANDIDATES = ("baseline", "lint")


# -- corpora -----------------------------------------------------------------------------------


def ensure_corpus(sessions: int, seed: int = 1, root: Path = CORPORA) -> Path:
    """The corpus of ``sessions`` sessions, generated unless an identical one is already there."""
    target = root / f"sessions-{sessions}-seed{seed}"
    params = {"format": corpus.FORMAT, "sessions": sessions, "seed": seed}
    stamp = target / ".params.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == params:
        return target
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=root))
    print(f"generating {target.relative_to(HERE.parent)} ({sessions:,} sessions) ...", flush=True)
    corpus.generate(scratch, sessions, seed)
    (scratch / ".params.json").write_text(json.dumps(params) + "\n")
    if target.exists():
        shutil.rmtree(target)
    scratch.rename(target)
    return target


# -- running -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    status: int
    stdout: str


TIME = Path("/usr/bin/time")


def run_timed(cmd: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` to completion: wall time, CPU time and peak RSS of its process tree, exit status.

    The CPU time is user + system time of the child and the descendants it waited for. The peak is
    ``ru_maxrss`` of the child, which covers it and the descendants it waited for (the largest of
    them, not their sum). It is read through GNU time when installed: a child forked straight from
    this process would report at least this process's own resident size (Linux carries the
    forking process's high-water mark across ``exec``).
    """
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "rss"
        wrapped = [str(TIME), "-q", "-f", "%M", "-o", str(report), *cmd] if TIME.exists() else list(cmd)
        with open(Path(scratch) / "out", "w+b") as out:
            start = time.perf_counter()
            process = subprocess.Popen(
                wrapped, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            text = out.read().decode(errors="replace")
        max_rss_kb = int(report.read_text().split()[-1]) if TIME.exists() else usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, max_rss_kb / 1024, process.returncode, text)


@dataclass(slots=True)
class TreeMemory:
    pss_mb: float = 0.0
    rss_mb: float = 0.0
    processes: int = 0
    samples: int = 0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: the fields follow the last ')'
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _tree_usage(root: int) -> tuple[int, int, int]:
    """(PSS kB, RSS kB, processes) summed over ``root`` and its descendants."""
    tree = _children()
    pending, pss, rss, count = [root], 0, 0, 0
    while pending:
        pid = pending.pop()
        pending.extend(tree.get(pid, ()))
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                rollup = f.read()
        except OSError:
            continue
        count += 1
        for line in rollup.splitlines():
            if line.startswith(b"Pss:"):
                pss += int(line.split()[1])
            elif line.startswith(b"Rss:"):
                rss += int(line.split()[1])
    return pss, rss, count


def run_sampled(
    cmd: Sequence[str], env: dict[str, str] | None = None, interval: float = 0.004
) -> tuple[Run, TreeMemory]:
    """Run ``cmd`` while sampling the memory of its process tree (not for timing)."""
    peak = TreeMemory()
    done = threading.Event()
    started = threading.Event()
    pid: list[int] = []

    def sample() -> None:
        started.wait()
        while not done.is_set():
            pss, rss, count = _tree_usage(pid[0])
            peak.samples += 1
            peak.pss_mb = max(peak.pss_mb, pss / 1024)
            peak.rss_mb = max(peak.rss_mb, rss / 1024)
            peak.processes = max(peak.processes, count)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        pid.append(process.pid)
        started.set()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, process.returncode, text), peak


def commands(corpus_dir: Path) -> dict[str, list[str]]:
    python = sys.executable
    sessconf = Path(python).parent / "sessconf"
    if not sessconf.exists():
        found = shutil.which("sessconf")
        if found is None:
            raise SystemExit("sessconf is not installed next to this Python; run .venv/bin/python -m ...")
        sessconf = Path(found)
    return {
        "baseline": [python, "-c", BASELINE_CODE, str(corpus_dir / "sessions")],
        "lint": [str(sessconf), "lint", "--dir", str(corpus_dir)],
    }


def bench_env(bytecode_cache: bool) -> dict[str, str]:
    """The environment of the timed processes.

    With ``bytecode_cache`` (the default), compiled bytecode is cached under ``bench/.corpus/``:
    an installed sessconf has its ``.pyc`` files, but an editable checkout run with
    ``PYTHONDONTWRITEBYTECODE=1`` (as on these machines) would compile its modules at every start.
    """
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(CORPORA / "pycache")
    return env


def check(name: str, run: Run) -> None:
    """The baseline must succeed, and lint must find a generated corpus clean."""
    if run.status != 0:
        raise SystemExit(f"{name} exited with {run.status}:\n{run.stdout[-2000:]}")


def check_clean(cmd: list[str], env: dict[str, str]) -> None:
    run = run_timed([*cmd, "--format", "json"], env)
    check("lint", run)
    summary = json.loads(run.stdout)["summary"]
    if summary["errors"] or summary["warnings"]:
        raise SystemExit(f"the generated corpus does not lint clean: {summary}")


def warm(corpus_dir: Path) -> None:
    """Read every file of the corpus, so that each timed run finds them in the page cache.

    The kernel of these machines reclaims cold page-cache pages within minutes; without this, the
    candidate that runs first in a round would pay for the disk and the second would not.
    """
    for folder, _, names in os.walk(corpus_dir):
        for name in names:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                while os.read(fd, 1 << 20):
                    pass
            finally:
                os.close(fd)


# -- measuring ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Measured:
    size: int
    seconds: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CANDIDATES})
    cpu_seconds: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CANDIDATES})
    max_rss_mb: dict[str, float] = field(default_factory=dict)
    tree: dict[str, TreeMemory] = field(default_factory=dict)

    def median(self, candidate: str) -> float:
        return statistics.median(self.seconds[candidate])

    def best(self, candidate: str) -> float:
        return min(self.seconds[candidate])

    def cpu(self, candidate: str) -> float:
        return statistics.median(self.cpu_seconds[candidate])

    @property
    def ratio(self) -> float:
        return self.median("lint") / self.median("baseline")

    @property
    def best_ratio(self) -> float:
        return self.best("lint") / self.best("baseline")

    @property
    def paired_ratio(self) -> float:
        """Median of the per-round ratios (each round runs both within seconds of each other)."""
        pairs = zip(self.seconds["lint"], self.seconds["baseline"], strict=True)
        return statistics.median(lint / base for lint, base in pairs)


def measure(
    sizes: Sequence[int], repeat: int, seed: int, env: dict[str, str], log: Callable[[str], None]
) -> list[Measured]:
    dirs = {size: ensure_corpus(size, seed) for size in sizes}
    cmds = {size: commands(dirs[size]) for size in sizes}
    results = {size: Measured(size) for size in sizes}
    # A warm-up of each (page cache, bytecode cache), and the check that the corpus lints clean.
    for size in sizes:
        warm(dirs[size])
        check_clean(cmds[size]["lint"], env)
        check("baseline", run_timed(cmds[size]["baseline"], env))
    for round_ in range(repeat):
        # Alternate the order every round, so neither candidate always runs second.
        order = CANDIDATES if round_ % 2 == 0 else CANDIDATES[::-1]
        for size in sizes:
            for candidate in order:
                warm(dirs[size])
                run = run_timed(cmds[size][candidate], env)
                check(candidate, run)
                results[size].seconds[candidate].append(run.seconds)
                results[size].cpu_seconds[candidate].append(run.cpu_seconds)
                results[size].max_rss_mb[candidate] = max(
                    results[size].max_rss_mb.get(candidate, 0.0), run.max_rss_mb
                )
        done = ", ".join(
            f"{size:,}: {results[size].seconds['lint'][-1]:.3f}/{results[size].seconds['baseline'][-1]:.3f} s"
            for size in sizes
        )
        log(f"round {round_ + 1}/{repeat} (lint/baseline) {done}")
    for size in sizes:
        for candidate in CANDIDATES:
            warm(dirs[size])
            run, tree = run_sampled(cmds[size][candidate], env)
            check(candidate, run)
            results[size].tree[candidate] = tree
    return [results[size] for size in sizes]


# -- reporting ---------------------------------------------------------------------------------


def report(results: list[Measured]) -> tuple[str, bool]:
    lines = [
        "| sessions | baseline median | lint median | ratio (median) | ratio (best) | ratio (paired) "
        "| CPU baseline / lint | lint max RSS | lint tree PSS | lint tree RSS | baseline max RSS |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        tree = m.tree["lint"]
        lines.append(
            f"| {m.size:,} | {m.median('baseline'):.3f} s | {m.median('lint'):.3f} s | {m.ratio:.2f}× "
            f"| {m.best_ratio:.2f}× | {m.paired_ratio:.2f}× "
            f"| {m.cpu('baseline'):.2f} / {m.cpu('lint'):.2f} s "
            f"| {m.max_rss_mb['lint']:.0f} MB | {tree.pss_mb:.0f} MB | {tree.rss_mb:.0f} MB "
            f"| {m.max_rss_mb['baseline']:.0f} MB |"
        )
    ok = True
    verdicts: list[str] = []
    at_target = next((m for m in results if m.size == TARGET_SIZE), None)
    if at_target is not None:
        passed = at_target.ratio <= TARGET_RATIO
        ok &= passed
        verdicts.append(
            f"{'PASS' if passed else 'FAIL'}  time at {TARGET_SIZE:,}: lint is {at_target.ratio:.2f}× the "
            f"baseline (target ≤ {TARGET_RATIO:.1f}×)"
        )
        memory = max(at_target.tree["lint"].pss_mb, at_target.max_rss_mb["lint"])
        passed = memory <= TARGET_MB
        ok &= passed
        verdicts.append(
            f"{'PASS' if passed else 'FAIL'}  memory at {TARGET_SIZE:,}: {memory:.0f} MB "
            f"(tree PSS {at_target.tree['lint'].pss_mb:.0f} MB, largest process "
            f"{at_target.max_rss_mb['lint']:.0f} MB; target ≤ {TARGET_MB:.0f} MB)"
        )
    if len(results) >= 2:
        small, big = results[0], results[-1]
        factor = big.size / small.size
        growth = {c: big.median(c) / small.median(c) for c in CANDIDATES}
        passed = growth["lint"] <= factor * LINEAR_SLACK
        ok &= passed
        verdicts.append(
            f"{'PASS' if passed else 'FAIL'}  growth {big.size:,}/{small.size:,}: "
            f"lint {growth['lint']:.2f}×, baseline {growth['baseline']:.2f}× "
            f"(linear: ≤ {factor:.0f}× + {LINEAR_SLACK - 1:.0%})"
        )
    return "\n".join([*lines, "", *verdicts]), ok


def profile(corpus_dir: Path, jobs: int, top: int) -> None:
    """cProfile of an in-process lint: imports, loading (with ``jobs`` processes), rules, output.

    With ``jobs=1`` (the default here) every file is loaded in this process, so the profile shows
    all the work; a real run hands part of the session files to a forked worker.
    """
    import cProfile
    import pstats

    def lint_once() -> None:
        from sessconf.lint import lint
        from sessconf.output import Context, render

        result = lint(corpus_dir, jobs=jobs)
        render.lint(result, "text", Context())

    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(lint_once)
    seconds = time.perf_counter() - start
    print(f"\nin-process lint of {corpus_dir} with jobs={jobs}: {seconds:.3f} s (under the profiler)")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_lint",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated numbers of sessions (default 10000,100000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile of an in-process lint of the first size, instead of timing",
    )
    parser.add_argument(
        "--no-bytecode-cache",
        dest="bytecode_cache",
        action="store_false",
        help="run with the environment as it is (by default .pyc files are cached under bench/.corpus/)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="loader processes for --profile (default 1)")
    parser.add_argument("--top", type=int, default=30, help="functions listed by --profile (default 30)")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes takes numbers separated by commas, not {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("give at least one size of 1 or more sessions, and --repeat 1 or more")

    if args.profile:
        profile(ensure_corpus(sizes[0], args.seed), args.jobs, args.top)
        return 0

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    log(f"{cpus} CPUs, Python {sys.version.split()[0]}, {args.repeat} rounds, sizes {sizes}")
    results = measure(sizes, args.repeat, args.seed, bench_env(args.bytecode_cache), log)
    table, ok = report(results)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    record = {
        "cpus": cpus,
        "python": sys.version.split()[0],
        "repeat": args.repeat,
        "bytecode_cache": args.bytecode_cache,
        "sizes": {
            str(m.size): {
                "seconds": m.seconds,
                "cpu_seconds": m.cpu_seconds,
                "max_rss_mb": m.max_rss_mb,
                "tree_pss_mb": {c: t.pss_mb for c, t in m.tree.items()},
                "tree_rss_mb": {c: t.rss_mb for c, t in m.tree.items()},
                "ratio": m.ratio,
            }
            for m in results
        },
        "pass": ok,
    }
    (RESULTS / f"lint-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
