"""Machine-readable JSON (SPEC §4 shapes; keys are stable, more may be added)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sessconf.diagnostics import Diagnostic
from sessconf.lint.engine import LintResult
from sessconf.output import Context

if TYPE_CHECKING:
    from sessconf.plan.plan import Plan


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
    return {**plan.to_dict(), "diagnostics": [diagnostic_dict(d, ctx) for d in plan.diagnostics]}


def render_plan(plan: Plan, ctx: Context) -> str:
    return dumps(plan_dict(plan, ctx))
