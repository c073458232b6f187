"""Saved plans (``plan.json``): reading one back, and whether it is still what applying would do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sessconf.errors import RefusedError, UsageError
from sessconf.plan.plan import FORMAT_VERSION, Plan


def read_saved_plan(path: Path) -> Plan:
    """Read ``plan.json`` written by ``sessconf diff --out``; anything else is a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no such plan file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a sessconf plan: {exc}") from None
    except RecursionError:
        raise UsageError(f"{path} is not a sessconf plan: nested too deeply") from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise UsageError(f"{path} is not a sessconf plan (no format_version)")
    if data["format_version"] != FORMAT_VERSION:
        raise UsageError(
            f"{path} has plan format {data['format_version']!r}; this sessconf reads format {FORMAT_VERSION}",
            "make a new plan with this version: `sessconf diff --out plan.json`",
        )
    try:
        plan = Plan.from_dict(data)
    except KeyError as exc:
        raise UsageError(f"{path} is not a complete sessconf plan (missing {exc})") from None
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path} is not a complete sessconf plan ({exc})") from None
    # A plan file edited by hand is refused, not half-trusted: its digest and summary follow from
    # the rest of it.
    for key, derived in (("plan_digest", plan.digest()), ("summary", plan.summary)):
        if data.get(key) != derived:
            raise RefusedError(
                f"{path}: the saved plan contradicts itself: its {key} is not that of the rest of it "
                "(was it edited?); nothing was written",
                "make a new plan with `sessconf diff --out`",
            )
    return plan


def saved_plan_refusal(saved: Plan, fresh: Plan) -> str | None:
    """Why ``saved`` is not what applying would write now (``fresh``, planned afresh), or None.

    A saved plan is applied only when it was made against this store in the configuration it
    holds, from the repository model loaded now, and lists the changes that planning gives.
    """
    if saved.store_id != fresh.store_id:
        if saved.store_id is None:
            return "the plan was made before this store was created; it is stale"
        here = f"has id {fresh.store_id}" if fresh.store_id is not None else "does not exist yet"
        return f"the plan was made for another store (id {saved.store_id}); {fresh.store} {here}"
    if saved.config_digest != fresh.config_digest:
        return "the plan is stale: the store's configuration changed since it was made"
    if saved.model_digest != fresh.model_digest:
        return "the repository changed since the plan was made"
    if _written(saved) != _written(fresh):
        return "the saved plan's changes are not the ones this store and repository give (was it edited?)"
    return None


def _written(plan: Plan) -> list[tuple[str, str, str, dict[str, tuple[Any, Any]]]]:
    # What applying writes; blocked reasons and warnings follow appointments, which may change.
    return [(c.entity, c.name, c.action.value, c.fields) for c in plan.changes]
