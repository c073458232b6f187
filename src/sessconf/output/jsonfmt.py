"""Machine-readable JSON (SPEC §4 shapes; keys are stable, more may be added)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sessconf.diagnostics import Diagnostic
from sessconf.lint.engine import LintResult
from sessconf.output import Context

if TYPE_CHECKING:
    from sessconf.plan.plan import Plan
    from sessconf.store.history import Applied


def diagnostic_dict(d: Diagnostic, ctx: Context) -> dict[str, Any]:
    return {
        "path": ctx.rel(d.path),
        "line": d.line,
        "column": d.column,
        "severity": d.severity.value,
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
    }


def lint_dict(result: LintResult, ctx: Context) -> dict[str, Any]:
    return {
        "diagnostics": [diagnostic_dict(d, ctx) for d in result.diagnostics],
        "summary": {"files": result.files, "errors": result.errors, "warnings": result.warnings},
    }


def dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render_lint(result: LintResult, ctx: Context) -> str:
    return dumps(lint_dict(result, ctx))


def plan_dict(plan: Plan, ctx: Context) -> dict[str, Any]:
    """The diff JSON (SPEC §4); it doubles as the saved plan that ``apply PLAN`` reads back."""
    last = plan.outside_edits
    outside = None
    if last is not None:
        outside = {
            "applied_at": _instant(last.applied_at),
            "actor": last.actor,
            "config_digest": last.config_digest,
            "message": plan.outside_note(),
        }
    return {
        **plan.to_dict(),
        "changed_outside": outside,
        "diagnostics": [diagnostic_dict(d, ctx) for d in plan.diagnostics],
    }


def _instant(at: datetime) -> str:
    """UTC, to the second: ``2026-12-04T18:16:06Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def history_list(entries: list[Applied]) -> list[dict[str, Any]]:
    """``sessconf history --format json`` (SPEC §4), newest first."""
    return [
        {
            "applied_at": _instant(e.applied_at),
            "actor": e.actor,
            "commit": e.git_commit,
            "run_url": e.run_url,
            "summary": e.summary,
            "plan_digest": e.plan_digest,
        }
        for e in entries
    ]


def render_plan(plan: Plan, ctx: Context) -> str:
    return dumps(plan_dict(plan, ctx))
