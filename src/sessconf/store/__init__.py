"""The store: where applied configuration, appointments and charges live (SPEC §7).

:class:`Store` is the Python API; the CLI is a thin layer over it. SQLite and PostgreSQL share one
code path (SQLAlchemy Core); the differences live in :mod:`sessconf.store.engine`. SQLAlchemy is
imported on first use: planning against a store that does not exist yet, or against a snapshot
read in another process, never loads it (nor parses the store's URL, which is done by it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sessconf.errors import RefusedError
from sessconf.plan.compute import compute_plan
from sessconf.plan.plan import Action, Plan
from sessconf.plan.snapshot import SchemaStatus, Snapshot
from sessconf.plan.state import ConfigState, EntityKind
from sessconf.settings import Settings
from sessconf.store.history import Applied, HistoryEntry
from sessconf.store.url import Source, StoreUrl

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from sessconf.store.booking import Booking
    from sessconf.store.engine import Database

DEFAULT_LOCK_TIMEOUT = 30.0

__all__ = ["Applied", "ApplyResult", "HistoryEntry", "PlanStamp", "Planned", "Snapshot", "Store", "StoreUrl"]


@dataclass(frozen=True, slots=True)
class PlanStamp:
    """What a plan was made against; ``apply`` refuses to write when any of it changed."""

    store_id: str | None
    config_digest: str
    model_digest: str

    @classmethod
    def of(cls, plan: Plan) -> PlanStamp:
        return cls(plan.store_id, plan.config_digest, plan.model_digest)


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan and the snapshot it was computed from (with the desired state and settings that
    ``apply`` is given): while the store's configuration has not moved since, ``apply`` writes
    it without reading and planning everything again."""

    snapshot: Snapshot
    plan: Plan


@dataclass(frozen=True, slots=True)
class ApplyResult:
    plan: Plan
    rows: int
    store_id: str
    replanned: bool = True  # False: the plan made before the lock was still the store's


class Store:
    """A store: ``Store("sqlite:///clinic.db")``, or a :class:`StoreUrl` resolved as SPEC §4 says."""

    def __init__(self, url: StoreUrl | str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.url = url if isinstance(url, StoreUrl) else StoreUrl(url, Source.API)
        self.lock_timeout = lock_timeout
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            from sessconf.store.engine import Database

            self._db = Database(self.url, lock_timeout=self.lock_timeout)
        return self._db

    @property
    def display(self) -> str:
        return self.url.display

    def exists(self) -> bool:
        """False when the store certainly holds nothing yet (a SQLite file not created)."""
        return not self.url.is_sqlite or self.url.sqlite_path.exists()

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------

    def status(self) -> SchemaStatus:
        if not self.exists():
            return SchemaStatus(False)
        from sessconf.store.read import schema_status

        with self.db.read() as conn:
            return schema_status(conn)

    def migrate(self) -> list[str]:
        """Create or upgrade the schema; returns the names of the migrations applied."""
        from sessconf.store.migrate import ensure_schema

        with self.db.write() as conn:
            return ensure_schema(conn, self.display, repair=True)

    # -- configuration ----------------------------------------------------------------------

    def snapshot(self, *, older: bool = False) -> Snapshot:
        """What the store holds now. A store that does not exist reads as empty; nothing is written.

        An older schema is refused ("run `sessconf migrate`"), unless ``older`` (``apply``, which
        upgrades the schema before it writes).
        """
        if not self.exists():
            return Snapshot(SchemaStatus(False), store=self.display)
        from sessconf.store.migrate import check_readable
        from sessconf.store.read import schema_status

        with self.db.read() as conn:
            status = schema_status(conn)
            check_readable(status, self.display, older=older, conn=conn)
            snap = _read_snapshot(conn, status)
        snap.config.digest()  # computed where the snapshot is read (maybe another process), kept
        snap.store = self.display
        return snap

    def get_ready_to_write(self) -> None:
        """Import what writing needs (the database library, the write path) ahead of time: an
        ``apply`` does it while it waits for the store to be read anyway."""
        import sessconf.store.migrate
        import sessconf.store.write  # noqa: F401

        self.db.prepare()

    def probe(self, *, older: bool = False) -> Snapshot:
        """What the store says of itself without reading its configuration: schema, change
        counter, last apply (a :class:`Snapshot` whose configuration is left empty). With
        :func:`~sessconf.plan.snapshot.as_applied` it can stand for the whole snapshot."""
        if not self.exists():
            return Snapshot(SchemaStatus(False), store=self.display)
        from sessconf.store.migrate import check_readable
        from sessconf.store.read import config_state, schema_status

        with self.db.read() as conn:
            status = schema_status(conn)
            check_readable(status, self.display, older=older, conn=conn)
            version, last = config_state(conn) if status.exists else (None, None)
        return Snapshot(status, store=self.display, config_version=version, last_apply=last)

    def apply(
        self,
        desired: ConfigState,
        settings: Settings,
        expected: PlanStamp | None = None,
        *,
        force: bool = False,
        history: HistoryEntry,
        progress: Callable[[int], None] | None = None,
        planned: Planned | None = None,
    ) -> ApplyResult:
        """Make the store hold ``desired``, in one transaction: all of it or nothing.

        The plan is checked under the store's write lock: ``planned`` (made from ``desired`` and
        ``settings`` before the lock) is kept when the store's configuration has not changed
        since its snapshot was read and no delete it makes is used by an appointment booked
        meanwhile; otherwise, and without ``planned``, the store is read and planned again. With
        ``expected``, a store or repository that changed since that plan was made is refused;
        blocked changes and exceeded thresholds (unless ``force``) are refused too. Nothing is
        written when anything is refused.
        """
        from sessconf.store.migrate import ensure_schema
        from sessconf.store.read import schema_status
        from sessconf.store.write import Failpoint, write_plan

        failpoint = Failpoint.from_env()
        if expected is not None and not self.exists():
            # Judged without the store, so that a refusal does not leave an empty file behind
            # (there is nothing else to refuse in a store that does not exist: no appointment
            # to block a change, no session to count against a threshold).
            _check_store_id(expected, SchemaStatus(False), self.display)
            _check_digests(expected, ConfigState().digest(), desired.digest())
        if planned is not None:
            # Digested before the lock is taken: the history records them.
            planned.plan.digest()
            desired.digest()
        with self.db.write() as conn:
            before = schema_status(conn)
            if expected is not None:
                _check_store_id(expected, before, self.display)
            ensure_schema(conn, self.display)
            status = schema_status(conn)
            if planned is not None and _still_valid(conn, planned, before):
                snap, plan = planned.snapshot, planned.plan
            else:
                planned = None
                snap = _read_snapshot(conn, status)
                plan, conflicts = compute_plan(desired, snap, settings, self.display)
                if conflicts:
                    raise RefusedError(conflicts[0].message, conflicts[0].hint)
            if expected is not None:
                _check_digests(expected, plan.config_digest, plan.model_digest)
            plan.check_applicable(force=force)
            rows = write_plan(
                self.db, conn, snap, desired, plan, history, failpoint=failpoint, progress=progress
            )
            failpoint.at("before-commit")
        failpoint.at("after-commit")
        return ApplyResult(plan, rows, status.store_id or "", replanned=planned is None)

    def history(self, limit: int = 20) -> list[Applied]:
        """The store's last ``limit`` applies, newest first (none for a store not created yet)."""
        if not self.exists():
            return []
        from sessconf.store.migrate import check_readable
        from sessconf.store.read import history, schema_status

        with self.db.read() as conn:
            status = schema_status(conn)
            if not status.exists:
                return []
            check_readable(status, self.display, older=True)  # every schema has kept it alike
            return history(conn, limit)

    # -- appointments and charges -----------------------------------------------------------

    def booking(self) -> Booking:
        from sessconf.store.booking import Booking

        return Booking(self)


def _read_snapshot(conn: Connection, status: SchemaStatus) -> Snapshot:
    from sessconf.store.errors import DamagedStoreError
    from sessconf.store.migrate import has_usage_views
    from sessconf.store.read import read_snapshot

    try:
        return read_snapshot(conn, status, usage_views=has_usage_views(status))
    except KeyError:  # a row's id that no row has: SQLite enforces foreign keys only where asked
        raise DamagedStoreError(
            "is damaged: a row refers to a session, location or billing item it does not hold "
            "(was it edited without foreign keys?)",
            "restore the store from a backup",
        ) from None


def _still_valid(conn: Connection, planned: Planned, before: SchemaStatus) -> bool:
    """Whether ``planned`` is what planning under the lock would give: the store is the one its
    snapshot was read from, in the same schema, its configuration unchanged since (by the change
    counter), and the sessions and locations it deletes used by the same appointments as then."""
    from sessconf.store.read import config_state, usage_of

    snap = planned.snapshot
    if before != snap.status:
        return False
    if before.exists:
        version, _ = config_state(conn)
        if version is None or version != snap.config_version:
            return False
    for kind, column, usage in (
        (EntityKind.SESSION, "session_id", snap.session_usage),
        (EntityKind.LOCATION, "location_id", snap.location_usage),
    ):
        names = {
            snap.ids[kind][c.name]: c.name
            for c in planned.plan.changes
            if c.entity == kind and c.action == Action.DELETE
        }
        if not names:
            continue
        now = usage_of(conn, column, list(names))
        then: dict[int, tuple[int, object, object]] = {}
        for id_, name in names.items():
            used = usage.get(name)
            if used is not None and used.appointments:
                then[id_] = (used.appointments, used.first, used.last)
        if now != then:
            return False
    return True


def _check_store_id(expected: PlanStamp, status: SchemaStatus, display: str) -> None:
    if expected.store_id is not None and expected.store_id != status.store_id:
        held = f"has id {status.store_id}" if status.exists else "does not exist yet"
        raise RefusedError(
            f"the plan was made for another store (id {expected.store_id}); {display} {held}",
            "make a new plan with `sessconf diff --out`",
        )
    if expected.store_id is None and status.exists:
        raise RefusedError(
            "the plan was made before this store was created; it is stale",
            "make a new plan with `sessconf diff --out`",
        )


def _check_digests(expected: PlanStamp, config_digest: str, model_digest: str) -> None:
    if expected.config_digest != config_digest:
        raise RefusedError(
            "the plan is stale: the store's configuration changed since it was made; nothing was written",
            "make a new plan with `sessconf diff --out`",
        )
    if expected.model_digest != model_digest:
        raise RefusedError(
            "the repository changed since the plan was made; nothing was written",
            "make a new plan with `sessconf diff --out`",
        )
