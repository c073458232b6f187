"""A child process for the concurrency tests: store operations through the Python API.

    python tests/store_worker.py apply URL DIR
        prints "ready", applies DIR (re-planned inside the apply's own transaction, no stamp) and
        prints the plan's summary as JSON.
    python tests/store_worker.py book URL SESSION LOCATION CLIENT
        prints "ready", then for each line read from stdin (an ISO-8601 start with an offset)
        tries one booking and prints {"ok": true, "id": N} or {"ok": false, "error": ..., "kind": ...}.
    python tests/store_worker.py lifecycle URL ID
        prints "ready", then for each line read from stdin (arrive, unarrive or no-show) does it to
        appointment ID and prints {"op", "ok": true, "changed": bool, "charges": [amounts]} or
        {"op", "ok": false, "error": ...}.

Each output line is flushed at once: the test reads them as they come (that is its barrier).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

from sessconf.errors import SessconfError
from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store, StoreUrl


def say(value: object) -> None:
    print(value if isinstance(value, str) else json.dumps(value), flush=True)


def apply(url: str, root: str) -> None:
    repo = load_repository(Path(root))
    with Store(StoreUrl(url, "--store")) as store:
        say("ready")
        done = apply_repository(store, repo, history=HistoryEntry("worker", None, None))
        say({"summary": done.plan.summary, "rows": done.rows})


def book(url: str, session: str, location: str, client: str) -> None:
    with Store(StoreUrl(url, "--store")) as store:
        booking = store.booking()
        say("ready")
        for line in sys.stdin:
            start = datetime.fromisoformat(line.strip())
            try:
                appointment = booking.book(session, client, location, start)
            except SessconfError as exc:
                say({"ok": False, "error": exc.message, "kind": type(exc).__name__})
            else:
                say({"ok": True, "id": appointment.id})


def lifecycle(url: str, appointment: str) -> None:
    with Store(StoreUrl(url, "--store")) as store:
        booking = store.booking()
        say("ready")
        for line in sys.stdin:
            op = line.strip()
            try:
                if op == "arrive":
                    arrival = booking.arrive(int(appointment))
                    changed, charges = not arrival.already, [] if arrival.already else arrival.charges
                elif op == "unarrive":
                    undone = booking.unarrive(int(appointment))
                    changed, charges = not undone.not_arrived, undone.reversals
                elif op == "no-show":
                    changed, charges = not booking.no_show(int(appointment))[1], []
                else:
                    raise SystemExit(f"unknown operation {op!r}")
            except SessconfError as exc:
                say({"op": op, "ok": False, "error": exc.message})
            else:
                say({"op": op, "ok": True, "changed": changed, "charges": [str(c.amount) for c in charges]})


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "apply":
        apply(*args)
    elif command == "book":
        book(*args)
    elif command == "lifecycle":
        lifecycle(*args)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)  # as the CLI does: tearing the interpreter down takes longer than the work
