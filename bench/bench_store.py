"""Time the store commands against ``sessconf lint`` on the same corpus, in one run.

    .venv/bin/python -m bench.bench_store [--sessions 10000] [--repeat 3] [--backends sqlite,postgresql]

For each backend (PostgreSQL when ``SESSCONF_BENCH_PG_URL`` or ``SESSCONF_TEST_PG_URL`` is set),
interleaved and repeated, whole processes as a user runs them:

- ``lint``: the reference;
- ``apply from empty``: ``sessconf apply --yes`` into a store that does not exist yet;
- ``no-op diff``: ``sessconf diff`` right after, when the store matches the repository;
- ``one-session change``: one session's duration edited, then ``sessconf apply --yes``; the rows it
  writes are read from its output (the session row and the history row: 2).

Targets (issue 3): no-op diff ≤ 1.3× lint; apply from empty ≤ 2× lint on SQLite, ≤ 3× on
PostgreSQL; a one-session change writes only that session's rows. Prints medians and ratios and
exits 1 when a target is missed.
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
from pathlib import Path

from bench.bench_lint import bench_env, ensure_corpus, run_timed, warm

TARGETS = {
    "no-op diff": {"sqlite": 1.3, "postgresql": 1.3},
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


def measure(corpus_dir: Path, backend: str, repeat: int, env: dict[str, str]) -> dict[str, list[float]]:
    exe = sessconf()
    times: dict[str, list[float]] = {
        k: [] for k in ("lint", "apply from empty", "no-op diff", "one-session change")
    }
    rows_written: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        repo = scratch / "repo"
        shutil.copytree(corpus_dir, repo, ignore=shutil.ignore_patterns(".params.json"))
        session = sorted((repo / "sessions").glob("*.yaml"))[0]
        original = session.read_text()
        for _ in range(repeat):
            session.write_text(original)
            times["lint"].append(run_ok([exe, "lint", "--dir", str(repo)], env, "lint")[0])
            with fresh_store(backend, scratch) as url:
                base = ["--dir", str(repo), "--store", url]
                times["apply from empty"].append(run_ok([exe, "apply", "--yes", *base], env, "apply")[0])
                seconds, out = run_ok([exe, "diff", *base], env, "diff")
                if "No changes" not in out:
                    raise SystemExit(f"the no-op diff found changes:\n{out[-2000:]}")
                times["no-op diff"].append(seconds)
                session.write_text(
                    re.sub(r"duration: (\d+)", lambda m: f"duration: {int(m[1]) + 5}", original)
                )
                seconds, out = run_ok([exe, "apply", "--yes", *base], env, "one-session apply")
                times["one-session change"].append(seconds)
                found = re.search(r"\((\d+) rows written\)", out)
                rows_written.append(int(found[1]) if found else -1)
    times["rows written by the one-session change"] = [float(n) for n in rows_written]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    corpus_dir = ensure_corpus(args.sessions)
    warm(corpus_dir)
    env = bench_env(bytecode_cache=True)
    ok = True
    for backend in args.backends.split(","):
        if backend == "postgresql" and pg_url() is None:
            print("postgresql: skipped (set SESSCONF_BENCH_PG_URL or SESSCONF_TEST_PG_URL)")
            continue
        times = measure(corpus_dir, backend, args.repeat, env)
        lint = statistics.median(times["lint"])
        print(f"\n{backend}, {args.sessions:,} sessions, median of {args.repeat} (seconds, ratio to lint)")
        for name, values in times.items():
            if name.startswith("rows"):
                continue
            median = statistics.median(values)
            target = TARGETS.get(name, {}).get(backend)
            verdict = ""
            if target is not None:
                met = median / lint <= target
                ok &= met
                verdict = f"  target ≤ {target:g}× {'met' if met else 'MISSED'}"
            print(f"  {name:<20} {median:6.2f} s  {median / lint:5.2f}×{verdict}")
        rows = {int(n) for n in times["rows written by the one-session change"]}
        print(f"  one-session change wrote {sorted(rows)} rows (the session row and the history row: 2)")
        ok &= rows == {2}
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
