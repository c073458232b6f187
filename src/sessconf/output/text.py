"""Human-readable text: ``path:line:col: severity code message (hint)``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sessconf.diagnostics import Diagnostic, Severity, count
from sessconf.lint import LintResult
from sessconf.output import Context, Styles

if TYPE_CHECKING:
    from sessconf.plan import Change, Plan


def diagnostic_line(d: Diagnostic, ctx: Context, styles: Styles | None = None) -> str:
    s = styles or Styles(ctx.color)
    severity = s.red(d.severity.value) if d.severity is Severity.ERROR else s.yellow(d.severity.value)
    where = f"{ctx.rel(d.path)}:{d.line}:{d.column}"
    hint = f" ({d.hint})" if d.hint else ""
    return f"{s.bold(where)}: {severity} {s.dim(d.code)} {d.message}{hint}"


def render_lint(result: LintResult, ctx: Context) -> str:
    styles = Styles(ctx.color)
    lines = [diagnostic_line(d, ctx, styles) for d in result.diagnostics]
    files = count(result.files, "file")
    if result.errors or result.warnings:
        found = f"Found {count(result.errors, 'error')} and {count(result.warnings, 'warning')} in {files}."
        lines.append(styles.bold(found))
    else:
        lines.append(styles.green(f"All checks passed ({files})."))
    return "\n".join(lines) + "\n"


# -- plans ------------------------------------------------------------------------------------

_SYMBOL = {"create": "+", "update": "~", "rename": ">", "archive": "a", "unarchive": "u", "delete": "-"}
_DEFAULTS: dict[str, object] = {
    "archived": False,
    "previous_names": [],
    "billing_items": [],
    "max_attendees": 1,
    "online_booking": True,
    "buffer_before": 0,
    "buffer_after": 0,
    "telehealth": False,
    "address": None,
    "disciplines": [],
}


def value_text(value: object) -> str:
    """A field value as plan text: strings quoted, lists in brackets, billing lines as code×qty."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_item_text(v) for v in value) + "]"
    return str(value)


def _item_text(value: object) -> str:
    if isinstance(value, dict) and "item" in value:
        return str(value["item"]) if value.get("quantity") == 1 else f"{value['item']}×{value['quantity']}"
    return str(value)


def change_lines(change: Change, currency: str, styles: Styles) -> list[str]:
    color = {"create": styles.green, "delete": styles.red}.get(change.action, styles.yellow)
    label = change.entity.replace("_", " ")
    title = f"{_SYMBOL[change.action]} {change.action:<9} {label} {styles.bold(change.name)}"
    if change.action == "rename" and change.old_name:
        title += f" (was {change.old_name})"
    lines = [color(title)]
    if change.blocked:
        lines.append(styles.red(f"      BLOCKED: {change.reason}"))
    for key, (old, new) in change.fields.items():
        if key == "name" or change.action == "delete":
            continue
        if change.action == "create":
            if new != _DEFAULTS.get(key, object()):
                lines.append(f"      {key}: {value_text(new)}")
        else:
            lines.append(f"      {key}: {value_text(old)} → {value_text(new)}")
    if change.charges is not None:
        lines.append(styles.cyan(f"      charges on arrival: {charges_text(*change.charges, currency)}"))
    lines.extend(styles.yellow(f"      ! {w}") for w in change.warnings)
    return lines


def charges_text(old: str | None, new: str | None, currency: str) -> str:
    """``95.00 → 105.00 CAD``, ``nothing → 104.00 CAD``, ``104.00 CAD → nothing``."""
    if old is None:
        return f"nothing → {new} {currency}" if new is not None else "nothing"
    if new is None:
        return f"{old} {currency} → nothing"
    return f"{old} → {new} {currency}"


def render_plan(plan: Plan, ctx: Context, *, limit: int | None = None) -> str:
    """The plan as text; with ``limit``, at most that many changes are detailed (blocked first)."""
    styles = Styles(ctx.color)
    lines = [diagnostic_line(d, ctx, styles) for d in plan.diagnostics]
    lines += [f"Store: {plan.store}", ""]
    if plan.empty:
        lines.append("No changes: the store matches the repository.")
    else:
        ordered = sorted(plan.changes, key=lambda c: not c.blocked)  # blocked first, then plan order
        for change in ordered[:limit]:
            lines.extend(change_lines(change, plan.currency, styles))
        if limit is not None and len(ordered) > limit:
            lines.append(f"... and {len(ordered) - limit} more changes (`sessconf diff` lists them all)")
        lines.append("")
    for violation in plan.threshold_violations:
        lines.append(styles.red(f"Safety threshold: {violation}; apply needs --force."))
    lines.append(styles.bold(plan.summary_line()))
    return "\n".join(lines) + "\n"
