"""``apply`` is atomic also when the process is killed mid-way (SPEC §7) — on SQLite and PostgreSQL.

A ``sessconf apply`` subprocess is killed (SIGKILL) by the test-only failpoint
(``$SESSCONF_FAILPOINT``) after its K-th row, just before and just after COMMIT, each time on a fresh
copy of the same base store (SQLite: a copy of the file; PostgreSQL: ``CREATE DATABASE … TEMPLATE``).
The store must then hold exactly the old configuration, or (after COMMIT) exactly the new one; it
must still open, and a normal apply must then succeed.

The ``slow`` trials kill a 10,000-session first apply at random moments of its write transaction:
the store is then empty (or without schema) or complete, never partial.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from click.testing import Result

from tests.store_tools import (
    BACKENDS,
    KILLED,
    SESSCONF,
    PgDatabases,
    Proc,
    apply_repo,
    child_env,
    config_digest,
    copy_clinic,
    count_rows,
    edit,
    is_empty,
    open_store,
    pg_admin_url,
    pg_apply_lock,
    repo_digest,
    sessconf,
    sqlite_path,
    wait_until,
)

ROW_POINTS = 20  # row:K failpoints per backend, K spread from the first row to the last
POINTS = [f"row@{i}" for i in range(ROW_POINTS)] + ["before-commit", "after-commit"]
NEW_SESSIONS = 10
Run = Callable[..., Result]
TORONTO = ZoneInfo("America/Toronto")

NEW_LOCATION = """\
harbourfront:
  name: Harbourfront Studio
  timezone: America/Toronto
  disciplines: [massage, physiotherapy]
  address: 1 Queens Quay W, Toronto
"""


def change_many_rows(root: Path) -> None:
    """Edits, a rename, deletes and creates: several dozen rows, under the safety thresholds."""
    edit(root / "billing_items.yaml", 'price: "115.00"', 'price: "125.00"')
    (root / "locations.yaml").write_text((root / "locations.yaml").read_text() + NEW_LOCATION)
    sessions = root / "sessions"
    (sessions / "acupinitial.yaml").rename(sessions / "acupfirst.yaml")
    edit(sessions / "acupfirst.yaml", "name: acupinitial", "name: acupfirst")
    edit(sessions / "acupfirst.yaml", "previous_names: [acupinit]", "previous_names: [acupinit, acupinitial]")
    edit(sessions / "rmt60.yaml", "duration: 60", "duration: 75")
    (sessions / "rmt90.yaml").unlink()
    (sessions / "orthotics.yaml").unlink()
    for i in range(1, NEW_SESSIONS + 1):
        (sessions / f"extra{i:02}.yaml").write_text(
            f"name: extra{i:02}\n"
            f"description: Extra massage session {i}\n"
            "discipline: massage\n"
            "locations: [downtown, harbourfront]\n"
            'color: "#d97706"\n'
            f"duration: {30 + 15 * (i % 3)}\n"
            "billing_items:\n"
            "  - rmt-60\n"
        )


@dataclass
class CrashBase:
    """A base store (the example clinic applied, one appointment booked) and a change to it."""

    backend: str
    old_repo: Path
    new_repo: Path
    work: Path
    base: str  # SQLite: the base file's URL; PostgreSQL: the base database's name
    databases: PgDatabases | None = None
    old_digest: str = ""
    new_digest: str = ""
    rows: int = 0
    history: int = 0
    appointments: int = 0
    trials: int = 0

    def copy(self) -> AbstractContextManager[str]:
        """A store that starts as a copy of the base store."""
        if self.databases is None:
            self.trials += 1
            target = self.work / f"trial-{self.trials}.db"
            shutil.copyfile(sqlite_path(self.base), target)
            return nullcontext(f"sqlite:///{target}")
        return self.databases.store(template=self.base)

    def failpoint(self, point: str) -> str:
        if not point.startswith("row@"):
            return point
        i = int(point.removeprefix("row@"))
        return f"row:{1 + round(i * (self.rows - 1) / (ROW_POINTS - 1))}"


@contextmanager
def _base_store(backend: str, work: Path) -> Iterator[tuple[str, str, PgDatabases | None]]:
    """The base store's URL, what copies are made from, and the PostgreSQL databases in use."""
    if backend == "sqlite":
        url = f"sqlite:///{work / 'base.db'}"
        yield url, url, None
        return
    databases = PgDatabases(pg_admin_url())
    try:
        name = databases.create()
        try:
            yield databases.url(name), name, databases
        finally:
            databases.drop(name)
    finally:
        databases.close()


@pytest.fixture(scope="module", params=BACKENDS)
def crash_base(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CrashBase]:
    work = tmp_path_factory.mktemp(f"crash-{request.param}")
    old_repo = copy_clinic(work / "old")
    new_repo = copy_clinic(work / "new")
    change_many_rows(new_repo)
    with _base_store(request.param, work) as (url, base, databases):
        apply_repo(url, old_repo)
        start = datetime.now(UTC).astimezone(TORONTO).replace(minute=0, second=0, microsecond=0)
        with open_store(url) as store:
            store.booking().book("rmt60", "client-1", "downtown", start + timedelta(days=30))
        setup = CrashBase(request.param, old_repo, new_repo, work, base, databases)
        setup.old_digest = config_digest(url)
        setup.history = count_rows(url, "apply_history")
        setup.appointments = count_rows(url, "appointments")
        # A clean run of the change on a copy gives the new digest and the number of rows written.
        with setup.copy() as trial:
            code, output = sessconf("apply", "--dir", new_repo, "--store", trial, "--yes")
            assert code == 0, output
            found = re.search(r"\((\d+) rows written\)", output)
            assert found is not None, output
            setup.rows = int(found.group(1))
            setup.new_digest = config_digest(trial)
        assert setup.new_digest == repo_digest(new_repo)
        assert setup.old_digest == repo_digest(old_repo) != setup.new_digest
        assert setup.rows >= 40, f"the change writes only {setup.rows} rows"
        yield setup


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_apply_leaves_exactly_the_old_or_the_new_configuration(
    crash_base: CrashBase, point: str, run: Run
) -> None:
    base = crash_base
    spec = base.failpoint(point)
    committed = point == "after-commit"
    with base.copy() as url:
        code, output = sessconf(
            "apply", "--dir", base.new_repo, "--store", url, "--yes", env=child_env(SESSCONF_FAILPOINT=spec)
        )
        assert code == KILLED, f"{spec}: expected SIGKILL, got {code}:\n{output}"

        digest = config_digest(url)  # the store still opens (SQLite: a hot journal is rolled back)
        state = {base.old_digest: "old", base.new_digest: "new"}.get(digest, "partial")
        assert state == ("new" if committed else "old"), f"{spec} of {base.rows} rows left the {state} state"
        assert count_rows(url, "apply_history") == base.history + committed
        assert count_rows(url, "appointments") == base.appointments

        # A normal apply afterwards (in-process) succeeds and leaves the new state.
        result = run("apply", "--dir", base.new_repo, "--store", url, "--yes")
        assert result.exit_code == 0, result.output
        assert ("rows written" in result.output) != committed, result.output
        assert config_digest(url) == base.new_digest
        assert count_rows(url, "apply_history") == base.history + 1
        assert count_rows(url, "appointments") == base.appointments


@pytest.mark.parametrize("point", ["row@10", "before-commit"])
def test_ctrl_c_during_apply_exits_130_with_the_store_unchanged(crash_base: CrashBase, point: str) -> None:
    """SPEC §4: Ctrl-C exits 130 with the store unchanged. The apply waits at a known point of its
    write transaction (a ``pause:`` failpoint) until the test sends SIGINT."""
    base = crash_base
    spec = "pause:" + base.failpoint(point)
    with base.copy() as url:
        args = ("apply", "--dir", base.new_repo, "--store", url, "--yes")
        with Proc(*SESSCONF, *args, env=child_env(SESSCONF_FAILPOINT=spec)) as proc:
            proc.wait_for("failpoint: paused")
            proc.popen.send_signal(signal.SIGINT)
            code, output = proc.finish()
        assert code == 130, output
        assert "Interrupted." in output
        assert "Traceback" not in output
        assert config_digest(url) == base.old_digest
        assert count_rows(url, "apply_history") == base.history


def test_a_connection_dropped_during_apply_is_a_sentence_and_writes_nothing(crash_base: CrashBase) -> None:
    """The server ends the apply's session mid-transaction (``pg_terminate_backend``): one clear
    sentence, exit 1, and the store keeps its old configuration."""
    base = crash_base
    if base.backend != "postgresql":
        pytest.skip("a SQLite store has no connection to lose")
    with base.copy() as url:
        args = ("apply", "--dir", base.new_repo, "--store", url, "--yes")
        env = child_env(SESSCONF_FAILPOINT="pause:" + base.failpoint("row@5"))
        with Proc(*SESSCONF, *args, env=env) as proc, psycopg.connect(url, autocommit=True) as admin:
            proc.wait_for("failpoint: paused")
            ended = admin.execute(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t"
            ).fetchone()
            assert ended == (1,)
            proc.popen.send_signal(signal.SIGUSR1)  # go on: the next statement finds no server
            code, output = proc.finish()
        assert code == 1, output
        assert "lost the connection to the store" in output
        assert "Traceback" not in output
        assert config_digest(url) == base.old_digest


HOT_JOURNAL_WRITER = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 10")  # a tiny page cache: changed pages spill into the file
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE sessions SET duration = duration + 5")
conn.executemany(
    "INSERT INTO apply_history (applied_at, actor, plan_digest, config_digest, summary)"
    " VALUES (CURRENT_TIMESTAMP, 'x', 'p', 'c', ?)",
    [("s" * 2000,)] * 200,
)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_sqlite_reads_roll_back_what_a_killed_writer_left_in_the_file(clinic: Path, tmp_path: Path) -> None:
    """A writer killed once its transaction spilled into the database file leaves a hot journal.
    Read-only commands (``diff``) must roll it back and see the last committed state — not fail
    with "attempt to write a readonly database", and never read the partial file."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    apply_repo(url, clinic)
    before = config_digest(url)
    with Proc(sys.executable, "-c", HOT_JOURNAL_WRITER, sqlite_path(url)) as proc:
        assert proc.finish(60)[0] == KILLED, proc.output
    journal = tmp_path / "store.db-journal"
    assert journal.exists()
    assert journal.stat().st_size > 0
    raw = sqlite3.connect(f"file:{sqlite_path(url)}?immutable=1", uri=True)  # ignores the journal
    try:
        partial = raw.execute("SELECT duration FROM sessions WHERE name = 'rmt60'").fetchone()
    finally:
        raw.close()
    assert partial == (65,), "the killed writer's change did not reach the file: nothing to roll back"
    code, output = sessconf("diff", "--dir", clinic, "--store", url, "--detailed-exitcode")
    assert code == 0, output
    assert config_digest(url) == before
    assert count_rows(url, "apply_history") == 1


# -- a 10,000-session first apply killed at a random moment -----------------------------------

BIG = 10_000
BIG_KILLS = 3  # per backend; each at a random moment of its own third of the write transaction


@dataclass(frozen=True)
class Corpus:
    root: Path
    digest: str


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    from bench.corpus import generate

    root = tmp_path_factory.mktemp("corpus") / "repo"
    generate(root, BIG)
    return Corpus(root, repo_digest(root))


class WriteLockProbe:
    """Watches an apply's write transaction from outside: SQLite shows it by the database file
    (created to take the lock) and its rollback journal, PostgreSQL by the lock in ``pg_locks``."""

    def __init__(self, url: str) -> None:
        self.path = sqlite_path(url) if url.startswith("sqlite") else None
        self.pg = None if self.path else psycopg.connect(url, autocommit=True)

    def started(self) -> bool:
        return self.path.exists() if self.path else self.held()

    def held(self) -> bool:
        if self.path:
            return self.path.with_name(self.path.name + "-journal").exists()
        assert self.pg is not None
        return pg_apply_lock(self.pg, granted=True) > 0

    def settle(self) -> None:
        """After a kill: until PostgreSQL has ended the dead client's transaction (a COMMIT it had
        received may still complete), so that what the test reads next is final."""
        if self.pg is not None:
            wait_until(lambda: not self.held(), 60, "the killed apply's session to end")

    def close(self) -> None:
        if self.pg is not None:
            self.pg.close()


def big_apply(corpus: Corpus, url: str, kill_after: float | None) -> tuple[int, float, float]:
    """Apply the corpus; kill it ``kill_after`` s into its write transaction (None: let it end).

    Returns the return code, how long the process ran before its transaction, and (when not
    killed) how long the transaction lasted.
    """
    probe = WriteLockProbe(url)
    try:
        with Proc(*SESSCONF, "apply", "--dir", corpus.root, "--store", url, "--yes") as proc:
            wait_until(lambda: probe.started() or not proc.running, 120, "the apply's transaction", 0.002)
            began = time.monotonic()
            last_held = began
            if kill_after is not None:
                time.sleep(kill_after)
                proc.kill()
            else:
                while proc.running:
                    if probe.held():
                        last_held = time.monotonic()
                    time.sleep(0.002)
            code, output = proc.finish(300)
            probe.settle()
            if kill_after is None:
                assert code == 0, output
            return code, began - proc.started, last_held - began
    finally:
        probe.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_large_apply_killed_at_a_random_moment_is_all_or_nothing(
    backend: str, big_corpus: Corpus, tmp_path: Path
) -> None:
    databases = PgDatabases(pg_admin_url()) if backend == "postgresql" else None

    def empty_store(k: int) -> AbstractContextManager[str]:
        if databases is None:
            return nullcontext(f"sqlite:///{tmp_path / f'big-{k}.db'}")
        return databases.store()

    seed = int(os.environ.get("SESSCONF_CRASH_SEED") or random.randrange(2**32))
    rnd = random.Random(seed)
    print(f"\n{backend}: {BIG} sessions, seed {seed} (SESSCONF_CRASH_SEED={seed} repeats it)")
    try:
        # A complete run measures the write transaction's length (and checks the complete state).
        with empty_store(0) as url:
            _, startup, window = big_apply(big_corpus, url, None)
            print(f"complete run: {startup:.2f} s before the transaction, which lasted {window:.2f} s")
            assert config_digest(url) == big_corpus.digest
            assert count_rows(url, "apply_history") == 1
        for k in range(BIG_KILLS):
            delay = window * rnd.uniform(k, k + 1) / BIG_KILLS
            with empty_store(k + 1) as url:
                code, _, _ = big_apply(big_corpus, url, delay)
                assert code in (KILLED, 0)
                if is_empty(url):
                    outcome = "empty"
                    assert count_rows(url, "apply_history") == 0
                else:
                    outcome = "complete"
                    assert config_digest(url) == big_corpus.digest, (
                        f"partial store (seed {seed}, {delay:.2f} s)"
                    )
                    assert count_rows(url, "apply_history") == 1
                print(
                    f"killed {delay:.2f} s into the transaction: {outcome}"
                    + ("" if code == KILLED else " (it had ended)")
                )
    finally:
        if databases is not None:
            databases.close()
