"""``sessconf export``: a store's configuration written as repository files (SPEC §4).

This adopts a store that was filled some other way: the files name every session, location and
billing item the store holds (archived ones and previous names included), so that ``sessconf diff``
against the same store plans nothing. The exported folder is then linted, and read back and
compared with the store: a row that would not lint, or that the files cannot reproduce, is
reported (the files are written all the same, so they can be fixed by hand).
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sessconf.errors import RefusedError, SessconfError
from sessconf.operations.documents import billing_items_document, locations_document, session_document
from sessconf.operations.edit import write_atomic
from sessconf.plan.desired import from_repository
from sessconf.plan.state import KINDS, ConfigState, to_plain
from sessconf.repository.json_schemas import BILLING_FILE as BILLING_SCHEMA
from sessconf.repository.json_schemas import LOCATIONS_FILE as LOCATIONS_SCHEMA
from sessconf.repository.json_schemas import SCHEMAS_DIR, dumps, file_schemas, modeline
from sessconf.repository.json_schemas import SESSION_FILE as SESSION_SCHEMA
from sessconf.repository.layout import BILLING_FILE, LOCATIONS_FILE, SESSIONS_DIR
from sessconf.settings import Settings

if TYPE_CHECKING:
    from sessconf.lint.engine import LintResult

PYPROJECT = "pyproject.toml"
_LABELS = {"session": "session", "location": "location", "billing_item": "billing item"}


@dataclass(slots=True)
class ExportResult:
    out: Path
    config: ConfigState
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # stale session files (with --force)
    problems: list[str] = field(default_factory=list)  # what the files cannot hold, or not as stored
    lint: LintResult | None = None

    @property
    def failed(self) -> bool:
        return bool(self.problems) or (self.lint is not None and self.lint.errors > 0)


def check_target(out: Path, *, force: bool) -> None:
    """Refuse a target that is a file, or a folder that is not empty (unless ``force``)."""
    if out.exists() and not out.is_dir():
        raise SessconfError(f"{out} is not a folder")
    if out.is_dir() and not force:
        entries = sorted(p.name for p in out.iterdir())
        if entries:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            try:
                held = sum(1 for p in (out / "sessions").glob("*.yaml") if not p.name.startswith("."))
            except OSError:
                held = 0
            files = f"its {held} session file{'' if held == 1 else 's'}" if held else "its session files"
            raise RefusedError(
                f"{out} is not empty ({shown}); nothing was written",
                "--force writes into it anyway: it replaces locations.yaml and billing_items.yaml, and "
                f"replaces {files} or removes those the store does not hold",
            )


def export(config: ConfigState, out: Path, *, force: bool = False) -> ExportResult:
    """Write ``config`` as a repository in ``out``, lint it and check that it reproduces ``config``.

    With ``force``, an existing folder is written into: the catalogues and ``sessions/*.yaml`` are
    replaced (session files the store does not hold are removed), an existing ``pyproject.toml``
    is kept (a ``[tool.sessconf]`` table with the currency is added when it has none).
    """
    from sessconf.lint.engine import lint

    check_target(out, force=force)
    result = ExportResult(out, config)
    sessions = out / SESSIONS_DIR
    for folder in (sessions, out / SCHEMAS_DIR):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SessconfError(f"cannot create {folder}: {exc.strerror or exc}") from None

    def put(path: Path, text: str) -> None:
        write_atomic(path, text.encode("utf-8"), sync=False)
        result.written.append(path)

    # Each file points editors at its schema, written beside it (schemas/, as `sessconf schema`).
    put(out / LOCATIONS_FILE, modeline(LOCATIONS_SCHEMA) + locations_document(config.locations.values()))
    put(out / BILLING_FILE, modeline(BILLING_SCHEMA) + billing_items_document(config.billing_items.values()))
    unwritten: set[str] = set()
    for session in config.sessions.values():
        problem = file_name_problem(session.name)
        if problem is not None:
            result.problems.append(f"session {json.dumps(session.name)} cannot be written: {problem}")
            unwritten.add(session.name)
            continue
        put(sessions / f"{session.name}.yaml", modeline(SESSION_SCHEMA) + session_document(session))
    if force:
        keep = set(result.written)
        for stale in sorted(sessions.glob("*.yaml")):
            if stale not in keep and stale.is_file() and not stale.name.startswith("."):
                stale.unlink()
                result.removed.append(stale)
    _write_currency(result, put)
    for name, schema in file_schemas().items():
        put(out / SCHEMAS_DIR / name, dumps(schema))

    result.lint = lint(out)
    if not result.lint.errors:
        exported = from_repository(result.lint.repository)
        result.problems += _differences(config, exported, unwritten)
    return result


def file_name_problem(name: str) -> str | None:
    """Why a session named ``name`` cannot be ``sessions/NAME.yaml``, or None."""
    if not name:
        return "the name is empty"
    if any(c in name for c in "/\\\0"):
        return "the name holds a path separator"
    if name.startswith("."):
        return "a file name starting with '.' is hidden, and would be ignored"
    if len(name.encode("utf-8")) > 200:
        return "the name is too long for a file name"
    return None


def _write_currency(result: ExportResult, put: Callable[[Path, str], None]) -> None:
    """Settle ``[tool.sessconf].currency``: the one currency of the store's billing items."""
    currencies = Counter(item.currency for item in result.config.billing_items.values())
    if not currencies:
        return
    # the most common one (ties: the first in alphabetical order)
    currency = min(currencies, key=lambda c: (-currencies[c], c))
    if len(currencies) > 1:
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(currencies.items()))
        result.problems.append(
            f"the billing items are priced in several currencies ({listed}); a repository has one "
            f"currency: {currency} is written, and the others would change on apply"
        )
    table = f"[tool.sessconf]\ncurrency = {json.dumps(currency)}\n"
    path = result.out / PYPROJECT
    if not path.exists():
        put(path, table)
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")
        settings = tomllib.loads(text).get("tool", {}).get("sessconf")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # lint reports it
    if settings is None:
        put(path, text + ("\n" if text and not text.endswith("\n") else "") + ("\n" if text else "") + table)
    elif (
        isinstance(settings, dict) and (written := settings.get("currency", Settings().currency)) != currency
    ):
        result.problems.append(
            f"{path} sets currency {written}, the store's billing items are in {currency}: "
            f'set currency = "{currency}" in its [tool.sessconf] table'
        )


def _differences(store: ConfigState, exported: ConfigState, unwritten: set[str]) -> list[str]:
    """How the exported files differ from the store (nothing, unless a row could not be written)."""
    problems = []
    for kind in KINDS:
        have, got = store.of(kind), exported.of(kind)
        for name in [*have, *(n for n in got if n not in have)]:
            if kind == "session" and name in unwritten:
                continue
            label = f"{_LABELS[kind]} {json.dumps(name)}"
            if name not in got:
                problems.append(f"{label} is missing from the exported files")
            elif name not in have:
                problems.append(f"{label} is in the exported files but not in the store")
            elif have[name] != got[name]:
                old, new = to_plain(have[name]), to_plain(got[name])
                fields = ", ".join(
                    f"{key} {json.dumps(old[key])} in the store, {json.dumps(new.get(key))} in the files"
                    for key in old
                    if old[key] != new.get(key)
                )
                problems.append(f"{label} does not read back as stored: {fields}")
    return problems
