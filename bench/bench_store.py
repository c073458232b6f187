"""Time the store commands against a cold ``sessconf lint`` on the same corpus, in one run.

    .venv/bin/python -m bench.bench_store [--sessions 10000] [--repeat 3] [--backends sqlite,postgresql]
                                          [--reference PATH-TO-OTHER-sessconf]

For each backend (PostgreSQL when ``SESSCONF_BENCH_PG_URL`` or ``SESSCONF_TEST_PG_URL`` is set),
interleaved and repeated, whole processes as a user runs them:

- ``cold lint``: the reference (``--no-cache`` when the executable has a lint cache);
- ``apply from empty``: ``sessconf apply --yes`` into a store that does not exist yet;
- ``no-op diff``: ``sessconf diff`` right after, when the store matches the repository;
- ``one-session apply``: one session's duration edited, then ``sessconf apply --yes``; the rows
  it writes are read from its output (the session row and the history row: 2).

Store commands run with ``--no-cache`` too when the executable has one, so that a ratio measures
what the store costs, not what the lint cache saves. With ``--reference``, another checkout's
``sessconf`` runs the same commands in the same rounds (interleaved), each against its own cold
lint: before/after figures from one run on a noisy machine.

Targets (issue 11): no-op diff ≤ 1.3× cold lint, one-session apply ≤ 1.5×, apply from empty
≤ 2.0× on SQLite and ≤ 3.0× on PostgreSQL; a one-session apply writes only that session's rows.
Prints medians and ratios (the reference's beside them) and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_lint import bench_env, ensure_corpus, run_timed, warm

ROWS = ("cold lint", "no-op diff", "one-session apply", "apply from empty")
TARGETS = {
    "no-op diff": {"sqlite": 1.3, "postgresql": 1.3},
    "one-session apply": {"sqlite": 1.5, "postgresql": 1.5},
    "apply from empty": {"sqlite": 2.0, "postgresql": 3.0},
}


def sessconf() -> str:
    found = Path(sys.executable).parent / "sessconf"
    return str(found) if found.exists() else shutil.which("sessconf") or "sessconf"


@contextmanager
def fresh_store(backend: str, scratch: Path) -> Iterator[str]:
    """A store URL that does not exist yet: a new SQLite path, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{scratch / f'{uuid.uuid4().hex}.db'}"
        return
    import psycopg

    base = pg_url()
    assert base is not None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def pg_url() -> str | None:
    return os.environ.get("SESSCONF_BENCH_PG_URL") or os.environ.get("SESSCONF_TEST_PG_URL") or None


def run_ok(cmd: list[str], env: dict[str, str], name: str) -> tuple[float, str]:
    run = run_timed(cmd, env)
    if run.status != 0:
        raise SystemExit(f"{name} exited with {run.status}:\n{run.stdout[-2000:]}")
    return run.seconds, run.stdout


def has_cache_flag(exe: str, env: dict[str, str]) -> bool:
    """Whether this ``sessconf`` has a lint cache (and so ``--no-cache``)."""
    return "--no-cache" in run_timed([exe, "lint", "--help"], env).stdout


@dataclass
class Candidate:
    """One ``sessconf`` executable and what was measured of it."""

    name: str
    exe: str
    cold: list[str] = field(default_factory=list)  # ["--no-cache"] when it has a cache
    times: dict[str, list[float]] = field(default_factory=lambda: {row: [] for row in ROWS})
    rows_written: list[int] = field(default_factory=list)

    def median(self, row: str) -> float:
        return statistics.median(self.times[row])

    def ratio(self, row: str) -> float:
        return self.median(row) / self.median("cold lint")


def measure_round(
    candidate: Candidate, corpus_dir: Path, backend: str, scratch: Path, env: dict[str, str]
) -> None:
    """One round of every command of ``candidate``, on a fresh copy of the corpus and a fresh store."""
    exe, cold, times = candidate.exe, candidate.cold, candidate.times
    repo = scratch / f"repo-{uuid.uuid4().hex[:8]}"
    shutil.copytree(corpus_dir, repo, ignore=shutil.ignore_patterns(".params.json"))
    try:
        session = sorted((repo / "sessions").glob("*.yaml"))[0]
        original = session.read_text()
        times["cold lint"].append(run_ok([exe, "lint", *cold, "--dir", str(repo)], env, "lint")[0])
        with fresh_store(backend, scratch) as url:
            base = [*cold, "--dir", str(repo), "--store", url]
            times["apply from empty"].append(run_ok([exe, "apply", "--yes", *base], env, "apply")[0])
            seconds, out = run_ok([exe, "diff", *base], env, "diff")
            if "No changes" not in out:
                raise SystemExit(f"the no-op diff found changes:\n{out[-2000:]}")
            times["no-op diff"].append(seconds)
            session.write_text(re.sub(r"duration: (\d+)", lambda m: f"duration: {int(m[1]) + 5}", original))
            seconds, out = run_ok([exe, "apply", "--yes", *base], env, "one-session apply")
            times["one-session apply"].append(seconds)
            found = re.search(r"\((\d+) rows written\)", out)
            candidate.rows_written.append(int(found[1]) if found else -1)
    finally:
        shutil.rmtree(repo, ignore_errors=True)


def report(backend: str, sessions: int, repeat: int, candidates: list[Candidate]) -> tuple[list[str], bool]:
    this, others = candidates[0], candidates[1:]
    head = f"{'':<20} {'target':>8} {this.name:>20}"
    head += "".join(f" {c.name:>20}" for c in others)
    lines = [
        f"{backend}, {sessions:,} sessions, median of {repeat} (seconds, ratio to its own cold lint)",
        head,
    ]
    ok = True
    for row in ROWS:
        target = TARGETS.get(row, {}).get(backend)
        cells = []
        for c in candidates:
            cells.append(f"{c.median(row):6.2f} s {c.ratio(row):5.2f}×")
        verdict = ""
        if target is not None:
            met = this.ratio(row) <= target
            ok &= met
            verdict = "  met" if met else "  MISSED"
        goal = f"≤ {target:.1f}×" if target is not None else ""
        lines.append(f"{row:<20} {goal:>8} " + " ".join(f"{cell:>20}" for cell in cells) + verdict)
    rows = set(this.rows_written)
    lines.append(f"one-session apply wrote {sorted(rows)} rows (the session row and the history row: 2)")
    ok &= rows == {2}
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--reference",
        type=Path,
        metavar="PATH",
        help="another sessconf executable (another checkout's) measured in the same rounds",
    )
    args = parser.parse_args(argv)
    corpus_dir = ensure_corpus(args.sessions)
    env = bench_env(bytecode_cache=True)
    exes = [("this", sessconf())]
    if args.reference is not None:
        if not args.reference.is_file():
            raise SystemExit(f"--reference: no such executable: {args.reference}")
        exes.append(("reference", str(args.reference)))
    ok = True
    for backend in args.backends.split(","):
        if backend == "postgresql" and pg_url() is None:
            print("postgresql: skipped (set SESSCONF_BENCH_PG_URL or SESSCONF_TEST_PG_URL)")
            continue
        candidates = [Candidate(name, exe) for name, exe in exes]
        for c in candidates:
            c.cold = ["--no-cache"] if has_cache_flag(c.exe, env) else []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeat):
                for c in candidates:  # interleaved: both see the same moment of the machine
                    warm(corpus_dir)
                    measure_round(c, corpus_dir, backend, Path(tmp), env)
        lines, met = report(backend, args.sessions, args.repeat, candidates)
        ok &= met
        print("\n" + "\n".join(lines), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
