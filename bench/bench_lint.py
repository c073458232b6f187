"""Time ``sessconf lint`` against a whole-process PyYAML loop over the same session files.

    .venv/bin/python -m bench.bench_lint [--sizes 10000,100000] [--repeat 5] [--profile]
                                         [--reference PATH]

For each size a corpus is generated under ``bench/.corpus/`` (reused when its parameters match),
with a copy whose ``pyproject.toml`` turns the reminder checks off. Whole processes are timed,
interleaved and repeated, with wall-clock time:

- baseline: ``python -c`` importing PyYAML and looping
  ``yaml.load(open(f, 'rb'), Loader=yaml.CSafeLoader)`` over the session files;
- lint: ``sessconf lint --dir CORPUS`` (the console script of this virtualenv; it must exit 0, and
  the corpus must lint clean), as configured: with the reminder checks (SC401-SC403);
- lint, no reminders: the same on the copy whose settings turn the reminder checks off
  (``SC402 = "off"``, ``SC403 = "off"``; SC401, template errors, cannot be turned off, but with the
  built-in templates it renders nothing once SC402 is off);
- with ``--reference PATH``, the same two with another ``sessconf`` executable (an older checkout,
  say), for before/after figures from one run;
- with ``--presets``, lint of a corpus whose sessions come in families (one per 20 sessions) that
  extend presets ("presets"), and of the same sessions written out in full ("expanded"); issue
  12 asks lint with presets to be no slower than without: "presets" / "expanded" at most 1.0x.

Each lint is held to its own target: lint with the reminder checks at most 1.3x the baseline
(issue 4), without them at most 1.0x (issue 2, "positions, validation and cross-references
included", which predates the reminder checks).

Both pay for interpreter start-up and imports, as a user (or CI) does. Every timed run starts with
the corpus in the page cache, and with compiled bytecode cached (see ``bench_env``). The figures
are medians (and best-of-N) and the ratio lint / baseline is taken in the same run: the machine
is shared and noisy, so absolute times mean little, the ratio much more. CPU time (user + system,
summed over the process tree) is shown too: ``sessconf lint`` forks a worker and uses two cores.

With ``--cache`` it prints instead the rows of issue 11, each with its target, every ratio taken
in one run (``--reference`` adds the same rows for the other executable, side by side):

- the example clinic (copied from this repository): cold lint (an empty cache) and warm lint (the
  cache of the previous run) against ``yamllint`` on the same files (the ``bench`` extra);
- 10,000 sessions: warm lint with nothing changed, with one session file changed before each run
  (two contents in turn), and cold lint with ``--no-cache``, on two cores and on one (``taskset``),
  against the baseline loop on as many cores;
- 100,000 sessions: the peak memory of cold lint against the baseline loop's.

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
import hashlib
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

# The targets of the issues: at 10,000 sessions lint takes at most 1.3x the baseline with the
# reminder checks (issue 4) and 1.0x without them (issue 2), and at most 150 MB; its time grows
# linearly with the number of sessions (10 % slack on the size factor).
TARGET_SIZE = 10_000
TARGET_RATIOS = {"lint": 1.3, "lint-off": 1.0}
TARGET_MB = 150.0
LINEAR_SLACK = 1.10

# The settings of the corpus copy without the reminder checks.
REMINDERS_OFF = '[tool.sessconf.rules]\nSC402 = "off"  # sms-too-long\nSC403 = "off"  # unknown-template\n'

BASELINE_CODE = """\
import os, sys, yaml
d = sys.argv[1]
for n in sorted(os.listdir(d)):
    if n.endswith('.yaml'):
        yaml.load(open(os.path.join(d, n), 'rb'), Loader=yaml.CSafeLoader)
"""

BASE_CANDIDATES = ("baseline", "lint", "lint-off")
REFERENCE_CANDIDATES = ("ref", "ref-off")
PRESET_CANDIDATES = ("presets", "expanded")
SESSIONS_PER_FAMILY = 20
TARGET_PRESETS_RATIO = 1.0  # issue 12: lint with presets no slower than the same sessions written out
LABELS = {
    "presets": "lint, sessions extending presets",
    "expanded": "lint, the same sessions written out",
    "baseline": "baseline",
    "lint": "lint",
    "lint-off": "lint, no reminders",
    "ref": "reference",
    "ref-off": "reference, no reminders",
}


# -- corpora -----------------------------------------------------------------------------------


def ensure_corpus(
    sessions: int,
    seed: int = 1,
    root: Path = CORPORA,
    pyproject: str | None = None,
    families: int = 0,
    expanded: bool = False,
) -> Path:
    """The corpus of ``sessions`` sessions, generated unless an identical one is already there;
    with ``pyproject``, a copy of it with that ``pyproject.toml``; with ``families``, sessions that
    extend presets (written out in full when ``expanded``: see ``corpus.generate``)."""
    suffix = "" if pyproject is None else "-" + hashlib.sha256(pyproject.encode()).hexdigest()[:8]
    if families:
        suffix += f"-families{families}" + ("-expanded" if expanded else "")
    target = root / f"sessions-{sessions}-seed{seed}{suffix}"
    params: dict[str, object] = {"format": corpus.FORMAT, "sessions": sessions, "seed": seed}
    if pyproject is not None:
        params["pyproject"] = pyproject
    if families:
        params |= {"families": families, "expanded": expanded}
    stamp = target / ".params.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == params:
        return target
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=root))
    print(f"generating {target.relative_to(HERE.parent)} ({sessions:,} sessions) ...", flush=True)
    if pyproject is None:
        corpus.generate(scratch, sessions, seed, families, expanded)
    else:
        source = ensure_corpus(sessions, seed, root)
        shutil.copytree(source, scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".params.json"))
        (scratch / "pyproject.toml").write_text(pyproject)
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


def commands(
    corpus_dir: Path,
    off_dir: Path,
    reference: Path | None = None,
    presets: tuple[Path, Path] | None = None,
) -> dict[str, list[str]]:
    python = sys.executable
    sessconf = Path(python).parent / "sessconf"
    if not sessconf.exists():
        found = shutil.which("sessconf")
        if found is None:
            raise SystemExit("sessconf is not installed next to this Python; run .venv/bin/python -m ...")
        sessconf = Path(found)
    out = {
        "baseline": [python, "-c", BASELINE_CODE, str(corpus_dir / "sessions")],
        "lint": [str(sessconf), "lint", "--dir", str(corpus_dir)],
        "lint-off": [str(sessconf), "lint", "--dir", str(off_dir)],
    }
    if reference is not None:
        out["ref"] = [str(reference), "lint", "--dir", str(corpus_dir)]
        out["ref-off"] = [str(reference), "lint", "--dir", str(off_dir)]
    if presets is not None:
        out["presets"] = [str(sessconf), "lint", "--dir", str(presets[0])]
        out["expanded"] = [str(sessconf), "lint", "--dir", str(presets[1])]
    return out


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
    candidates: tuple[str, ...]
    seconds: dict[str, list[float]] = field(default_factory=dict)
    cpu_seconds: dict[str, list[float]] = field(default_factory=dict)
    max_rss_mb: dict[str, float] = field(default_factory=dict)
    tree: dict[str, TreeMemory] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for candidate in self.candidates:
            self.seconds.setdefault(candidate, [])
            self.cpu_seconds.setdefault(candidate, [])

    def median(self, candidate: str) -> float:
        return statistics.median(self.seconds[candidate])

    def best(self, candidate: str) -> float:
        return min(self.seconds[candidate])

    def cpu(self, candidate: str) -> float:
        return statistics.median(self.cpu_seconds[candidate])

    def ratio(self, candidate: str) -> float:
        return self.median(candidate) / self.median("baseline")

    def best_ratio(self, candidate: str) -> float:
        return self.best(candidate) / self.best("baseline")

    def paired_ratio(self, candidate: str) -> float:
        """Median of the per-round ratios (each round runs all candidates within seconds)."""
        pairs = zip(self.seconds[candidate], self.seconds["baseline"], strict=True)
        return statistics.median(run / base for run, base in pairs)

    def memory(self, candidate: str) -> float:
        """What the memory verdict holds: the larger of the largest process and the tree's PSS."""
        return max(self.tree[candidate].pss_mb, self.max_rss_mb[candidate])


def measure(
    sizes: Sequence[int],
    repeat: int,
    seed: int,
    env: dict[str, str],
    log: Callable[[str], None],
    reference: Path | None = None,
    presets: bool = False,
) -> list[Measured]:
    candidates = BASE_CANDIDATES + (REFERENCE_CANDIDATES if reference is not None else ())
    candidates += PRESET_CANDIDATES if presets else ()
    dirs = {size: ensure_corpus(size, seed) for size in sizes}
    off_dirs = {size: ensure_corpus(size, seed, pyproject=REMINDERS_OFF) for size in sizes}
    family_dirs: dict[int, tuple[Path, Path]] = {}
    if presets:
        for size in sizes:
            families = max(1, size // SESSIONS_PER_FAMILY)
            family_dirs[size] = (
                ensure_corpus(size, seed, families=families),
                ensure_corpus(size, seed, families=families, expanded=True),
            )
    cmds = {size: commands(dirs[size], off_dirs[size], reference, family_dirs.get(size)) for size in sizes}
    results = {size: Measured(size, candidates) for size in sizes}
    folders = {size: (dirs[size], off_dirs[size], *family_dirs.get(size, ())) for size in sizes}
    # A warm-up of each (page cache, bytecode cache), and the check that the corpora lint clean.
    for size in sizes:
        for folder in folders[size]:
            warm(folder)
        for candidate in candidates:
            if candidate == "baseline":
                check("baseline", run_timed(cmds[size]["baseline"], env))
            else:
                check_clean(cmds[size][candidate], env)
    for round_ in range(repeat):
        # Rotate the order every round, so that no candidate always runs right after another.
        shift = round_ % len(candidates)
        order = candidates[shift:] + candidates[:shift]
        if round_ % 2:
            order = order[::-1]
        for size in sizes:
            for candidate in order:
                for folder in folders[size]:
                    warm(folder)
                run = run_timed(cmds[size][candidate], env)
                check(candidate, run)
                results[size].seconds[candidate].append(run.seconds)
                results[size].cpu_seconds[candidate].append(run.cpu_seconds)
                results[size].max_rss_mb[candidate] = max(
                    results[size].max_rss_mb.get(candidate, 0.0), run.max_rss_mb
                )
        done = ", ".join(
            f"{size:,}: " + "/".join(f"{results[size].seconds[c][-1]:.3f}" for c in candidates) + " s"
            for size in sizes
        )
        log(f"round {round_ + 1}/{repeat} ({'/'.join(candidates)}) {done}")
    for size in sizes:
        for candidate in candidates:
            for folder in folders[size]:
                warm(folder)
            run, tree = run_sampled(cmds[size][candidate], env)
            check(candidate, run)
            results[size].tree[candidate] = tree
    return [results[size] for size in sizes]


# -- the rows of issue 11: the cache, a fast start, memory ---------------------------------------

# (row, target): each ratio is timed against its own yardstick in the same rounds.
CACHE_TARGETS = {
    "clinic-cold": 1.0,
    "clinic-warm": 0.5,
    "warm-10k": 0.15,
    "one-changed-10k": 0.35,
    "cold-10k": 0.7,
    "memory-100k": 3.0,
}
CACHE_LABELS = {
    "clinic-cold": "example clinic, cold lint / yamllint",
    "clinic-warm": "example clinic, warm lint (cache) / yamllint",
    "warm-10k": "10k, warm lint, nothing changed / reference loop",
    "one-changed-10k": "10k, one session file changed / reference loop",
    "cold-10k": "10k, cold lint --no-cache / reference loop (2 cores)",
    "cold-10k-1cpu": "10k, cold lint --no-cache / reference loop (1 core)",
    "memory-100k": "100k, lint peak memory / reference loop peak",
}


def example_clinic(root: Path = CORPORA) -> Path:
    """A copy of the example clinic of this repository (its sessions, catalogues and settings)."""
    source = HERE.parent
    target = root / "clinic"
    if target.exists():
        shutil.rmtree(target)
    (target / "sessions").mkdir(parents=True)
    for path in sorted((source / "sessions").glob("*.yaml")):
        shutil.copy(path, target / "sessions" / path.name)
    for name in ("locations.yaml", "billing_items.yaml", "presets.yaml"):
        shutil.copy(source / name, target / name)
    settings = (source / "pyproject.toml").read_text().split("[tool.sessconf]", 1)[1].split("\n[", 1)[0]
    (target / "pyproject.toml").write_text("[tool.sessconf]" + settings)
    return target


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if found.exists():
        return str(found)
    which = shutil.which(name)
    if which is None:
        raise SystemExit(f"{name} is not installed: .venv/bin/pip install -e '.[bench]'")
    return which


def _timed(cmd: list[str], env: dict[str, str], cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    status = subprocess.run(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ).returncode
    seconds = time.perf_counter() - start
    if status not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited with {status}")
    return seconds


def _one_core(cmd: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", "0", *cmd] if taskset else cmd


class _Toggle:
    """One session file of a corpus, written with one of two clean contents in turn."""

    def __init__(self, corpus_dir: Path) -> None:
        self.path = sorted((corpus_dir / "sessions").glob("*.yaml"))[
            len(list((corpus_dir / "sessions").glob("*.yaml"))) // 2
        ]
        self.original = self.path.read_bytes()
        self.turn = 0

    def then(self, run: Callable[[], float]) -> float:
        """``run()`` after changing the file."""
        self()
        return run()

    def __call__(self) -> None:
        self.turn += 1
        text = (
            self.original
            if self.turn % 2
            else self.original.replace(b"\ndescription: ", b"\ndescription: X ", 1)
        )
        self.path.write_bytes(text)

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def measure_cache(
    repeat: int, seed: int, env: dict[str, str], log: Callable[[str], None], reference: Path | None, big: int
) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    """The issue 11 rows: seconds per candidate (in rounds), and peak memory (MB) per candidate."""
    sessconf, yamllint = _tool("sessconf"), _tool("yamllint")
    clinic = example_clinic()
    small = ensure_corpus(TARGET_SIZE, seed)
    scratch = Path(tempfile.mkdtemp(prefix="bench-cache-", dir=CORPORA))
    caches = {name: scratch / name for name in ("clinic", "small", "changed", "ref-clinic", "ref-small")}

    def cache_env(name: str) -> dict[str, str]:
        return {**env, "SESSCONF_CACHE_DIR": str(caches[name])}

    def cold_cache(name: str) -> dict[str, str]:
        shutil.rmtree(caches[name], ignore_errors=True)
        return cache_env(name)

    yaml_files = ["sessions", "locations.yaml", "billing_items.yaml", "presets.yaml"]
    baseline = [sys.executable, "-c", BASELINE_CODE, str(small / "sessions")]
    # The row with one file changed has a copy of its own: the others find nothing changed.
    changing = scratch / "changing"
    shutil.copytree(small, changing)
    toggle = _Toggle(changing)
    runs: dict[str, Callable[[], float]] = {
        "yamllint": lambda: _timed([yamllint, *yaml_files], env, clinic, ok=(0, 1)),
        "clinic-cold": lambda: _timed([sessconf, "lint", "--dir", str(clinic)], cold_cache("clinic")),
        "clinic-warm": lambda: _timed([sessconf, "lint", "--dir", str(clinic)], cache_env("clinic")),
        "baseline": lambda: _timed(baseline, env),
        "baseline-1cpu": lambda: _timed(_one_core(baseline), env),
        "warm-10k": lambda: _timed([sessconf, "lint", "--dir", str(small)], cache_env("small")),
        "one-changed-10k": lambda: toggle.then(
            lambda: _timed([sessconf, "lint", "--dir", str(changing)], cache_env("changed"))
        ),
        "cold-10k": lambda: _timed([sessconf, "lint", "--no-cache", "--dir", str(small)], env),
        "cold-10k-1cpu": lambda: _timed(
            _one_core([sessconf, "lint", "--no-cache", "--dir", str(small)]), env
        ),
    }
    if reference is not None:
        ref = str(reference)
        runs.update(
            {
                "ref:clinic-cold": lambda: _timed(
                    [ref, "lint", "--dir", str(clinic)], cold_cache("ref-clinic")
                ),
                "ref:clinic-warm": lambda: _timed(
                    [ref, "lint", "--dir", str(clinic)], cache_env("ref-clinic")
                ),
                "ref:warm-10k": lambda: _timed([ref, "lint", "--dir", str(small)], cache_env("ref-small")),
                "ref:one-changed-10k": lambda: toggle.then(
                    lambda: _timed([ref, "lint", "--dir", str(changing)], cache_env("ref-small"))
                ),
                "ref:cold-10k": lambda: _timed([ref, "lint", "--dir", str(small)], env),
                "ref:cold-10k-1cpu": lambda: _timed(_one_core([ref, "lint", "--dir", str(small)]), env),
            }
        )
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    try:
        for first in runs.values():  # warm-up: page cache, bytecode, and the caches to be warm
            first()
        for round_ in range(repeat):
            order = list(runs)[round_ % len(runs) :] + list(runs)[: round_ % len(runs)]
            for name in order if round_ % 2 == 0 else order[::-1]:
                if "10k" in name or name.startswith("baseline"):
                    warm(changing if "one-changed" in name else small)
                seconds[name].append(runs[name]())
            log(f"round {round_ + 1}/{repeat}: " + ", ".join(f"{n} {seconds[n][-1]:.3f}" for n in runs))
    finally:
        toggle.restore()
    memory: dict[str, dict[str, float]] = {}
    if big:
        large = ensure_corpus(big, seed)
        warm(large)
        candidates = {
            "baseline": [sys.executable, "-c", BASELINE_CODE, str(large / "sessions")],
            "lint": [sessconf, "lint", "--no-cache", "--dir", str(large)],
        }
        if reference is not None:
            candidates["ref"] = [str(reference), "lint", "--dir", str(large)]
        for name, cmd in candidates.items():
            sampled, tree = run_sampled(cmd, env)
            check(name, sampled)
            memory[name] = {"max_rss_mb": sampled.max_rss_mb, "tree_pss_mb": tree.pss_mb}
            log(f"memory at {big:,}, {name}: PSS {tree.pss_mb:.0f} MB, largest {sampled.max_rss_mb:.0f} MB")
    shutil.rmtree(scratch, ignore_errors=True)
    return seconds, memory


def report_cache(
    seconds: dict[str, list[float]], memory: dict[str, dict[str, float]], big: int
) -> tuple[str, bool]:
    med = {name: statistics.median(values) for name, values in seconds.items()}
    yardstick = {
        "clinic-cold": "yamllint",
        "clinic-warm": "yamllint",
        "warm-10k": "baseline",
        "one-changed-10k": "baseline",
        "cold-10k": "baseline",
        "cold-10k-1cpu": "baseline-1cpu",
    }
    has_ref = any(name.startswith("ref:") for name in seconds)
    head = "| row | this code | target |" + (" reference (before) |" if has_ref else "")
    lines = [head, "| --- | ---: | ---: |" + (" ---: |" if has_ref else "")]
    ok = True
    for row, against in yardstick.items():
        ratio = med[row] / med[against]
        target = CACHE_TARGETS.get(row)
        if row == "cold-10k-1cpu" and has_ref:
            target_text = f"≤ {med['ref:' + row] / med[against]:.2f}× (before)"
            passed = ratio <= med["ref:" + row] / med[against] * 1.05
        elif target is None:
            target_text, passed = "", True
        else:
            target_text, passed = f"≤ {target:.2f}×", ratio <= target
        ok &= passed
        cell = f"{ratio:.2f}× ({med[row]:.3f} s / {med[against]:.3f} s) {'PASS' if passed else 'FAIL'}"
        ref = ""
        if has_ref:
            ref = f" {med['ref:' + row] / med[against]:.2f}× ({med['ref:' + row]:.3f} s) |"
        lines.append(f"| {CACHE_LABELS[row]} | {cell} | {target_text} |{ref}")
    if memory:
        base = max(memory["baseline"].values())
        peak = max(memory["lint"].values())
        ratio = peak / base
        passed = ratio <= CACHE_TARGETS["memory-100k"]
        ok &= passed
        ref = ""
        if "ref" in memory:
            ref_peak = max(memory["ref"].values())
            ref = f" {ref_peak / base:.2f}× ({ref_peak:.0f} MB) |"
        label = CACHE_LABELS["memory-100k"].replace("100k", f"{big // 1000}k")
        lines.append(
            f"| {label} | {ratio:.2f}× ({peak:.0f} MB / {base:.0f} MB) {'PASS' if passed else 'FAIL'} "
            f"| ≤ {CACHE_TARGETS['memory-100k']:.2f}× |{ref}"
        )
    return "\n".join(lines), ok


# -- reporting ---------------------------------------------------------------------------------


def report(results: list[Measured]) -> tuple[str, bool]:
    lines = [
        "| sessions | candidate | median | best | ratio (median) | ratio (best) | ratio (paired) "
        "| CPU | max RSS | tree PSS | tree RSS |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        for candidate in m.candidates:
            tree = m.tree[candidate]
            ratios = (
                "| | | "
                if candidate == "baseline"
                else f"| {m.ratio(candidate):.2f}× | {m.best_ratio(candidate):.2f}× "
                f"| {m.paired_ratio(candidate):.2f}× "
            )
            times = f"| {m.median(candidate):.3f} s | {m.best(candidate):.3f} s "
            lines.append(
                f"| {m.size:,} | {LABELS[candidate]} "
                + times
                + ratios
                + f"| {m.cpu(candidate):.2f} s | {m.max_rss_mb[candidate]:.0f} MB "
                f"| {tree.pss_mb:.0f} MB | {tree.rss_mb:.0f} MB |"
            )
    ok = True
    verdicts: list[str] = []
    for m in results:
        if "presets" not in m.candidates:
            continue
        ratio = m.median("presets") / m.median("expanded")
        paired = statistics.median(
            a / b for a, b in zip(m.seconds["presets"], m.seconds["expanded"], strict=True)
        )
        best = m.best("presets") / m.best("expanded")
        passed = ratio <= TARGET_PRESETS_RATIO
        ok &= passed
        verdicts.append(
            f"{'PASS' if passed else 'FAIL'}  presets at {m.size:,}: lint with presets {ratio:.2f}× lint "
            f"of the same sessions written out (paired {paired:.2f}×, best {best:.2f}×; "
            f"target ≤ {TARGET_PRESETS_RATIO:.1f}×)"
        )
    at_target = next((m for m in results if m.size == TARGET_SIZE), None)
    if at_target is not None:
        for candidate, target in TARGET_RATIOS.items():
            ratio = at_target.ratio(candidate)
            passed = ratio <= target
            ok &= passed
            gap = "" if passed else f", {ratio - target:.2f}× over"
            verdicts.append(
                f"{'PASS' if passed else 'FAIL'}  time at {TARGET_SIZE:,}, {LABELS[candidate]}: "
                f"{ratio:.2f}× the baseline (paired {at_target.paired_ratio(candidate):.2f}×, best "
                f"{at_target.best_ratio(candidate):.2f}×; target ≤ {target:.1f}×{gap})"
            )
        for candidate in TARGET_RATIOS:
            memory = at_target.memory(candidate)
            passed = memory <= TARGET_MB
            ok &= passed
            verdicts.append(
                f"{'PASS' if passed else 'FAIL'}  memory at {TARGET_SIZE:,}, {LABELS[candidate]}: "
                f"{memory:.0f} MB (tree PSS {at_target.tree[candidate].pss_mb:.0f} MB, largest process "
                f"{at_target.max_rss_mb[candidate]:.0f} MB; target ≤ {TARGET_MB:.0f} MB)"
            )
    if len(results) >= 2:
        small, big = results[0], results[-1]
        factor = big.size / small.size
        baseline_growth = big.median("baseline") / small.median("baseline")
        for candidate in TARGET_RATIOS:
            growth = big.median(candidate) / small.median(candidate)
            passed = growth <= factor * LINEAR_SLACK
            ok &= passed
            verdicts.append(
                f"{'PASS' if passed else 'FAIL'}  growth {big.size:,}/{small.size:,}, {LABELS[candidate]}: "
                f"{growth:.2f}×, baseline {baseline_growth:.2f}× (linear: ≤ {factor:.0f}× + "
                f"{LINEAR_SLACK - 1:.0%})"
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
        from sessconf.lint.engine import lint
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
    parser.add_argument(
        "--reference",
        type=Path,
        metavar="PATH",
        help="also time this other sessconf executable on both corpora (before/after figures)",
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="time the rows of issue 11 (cache, fast start, memory) instead, each with its target",
    )
    parser.add_argument(
        "--big", type=int, default=100_000, help="sessions of the memory row with --cache (0: none)"
    )
    parser.add_argument(
        "--presets",
        action="store_true",
        help="also time lint of sessions that extend presets against the same sessions written out",
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
    if args.cache:
        log(f"{cpus} CPUs, Python {sys.version.split()[0]}, {args.repeat} rounds, issue 11 rows")
        env = bench_env(args.bytecode_cache)
        seconds, memory = measure_cache(args.repeat, args.seed, env, log, args.reference, args.big)
        table, passed = report_cache(seconds, memory, args.big)
        print(table)
        RESULTS.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        record = {"cpus": cpus, "repeat": args.repeat, "seconds": seconds, "memory": memory, "pass": passed}
        (RESULTS / f"cache-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
        return 0 if passed else 1
    log(f"{cpus} CPUs, Python {sys.version.split()[0]}, {args.repeat} rounds, sizes {sizes}")
    results = measure(
        sizes, args.repeat, args.seed, bench_env(args.bytecode_cache), log, args.reference, args.presets
    )
    table, ok = report(results)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    record = {
        "cpus": cpus,
        "python": sys.version.split()[0],
        "repeat": args.repeat,
        "bytecode_cache": args.bytecode_cache,
        "reference": str(args.reference) if args.reference else None,
        "targets": TARGET_RATIOS,
        "sizes": {
            str(m.size): {
                "seconds": m.seconds,
                "cpu_seconds": m.cpu_seconds,
                "max_rss_mb": m.max_rss_mb,
                "tree_pss_mb": {c: t.pss_mb for c, t in m.tree.items()},
                "tree_rss_mb": {c: t.rss_mb for c, t in m.tree.items()},
                "ratio": {c: m.ratio(c) for c in m.candidates if c != "baseline"},
                "paired_ratio": {c: m.paired_ratio(c) for c in m.candidates if c != "baseline"},
            }
            for m in results
        },
        "pass": ok,
    }
    (RESULTS / f"lint-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
