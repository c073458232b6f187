"""Human-readable text: ``path:line:col: severity code message (hint)``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sessconf.diagnostics import Diagnostic, Severity, count
from sessconf.lint.engine import LintResult
from sessconf.output import Context, Styles

if TYPE_CHECKING:
    from sessconf.plan.plan import Change, Plan


def diagnostic_line(d: Diagnostic, ctx: Context, styles: Styles | None = None) -> str:
    s = styles or Styles.of(ctx)
    severity = s.red(d.severity.value) if d.severity is Severity.ERROR else s.yellow(d.severity.value)
    where = f"{ctx.rel(d.path)}:{d.line}:{d.column}"
    hint = f" ({d.hint})" if d.hint else ""
    return f"{s.bold(where)}: {severity} {s.dim(d.code)} {d.message}{hint}"


def render_lint(result: LintResult, ctx: Context) -> str:
    styles = Styles.of(ctx)
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


def title_line(change: Change, styles: Styles, *, brief: bool = False) -> str:
    """``- delete    session rmt30``; ``brief`` (a change named without its details) marks a blocked one."""
    color = {"create": styles.green, "delete": styles.red}.get(change.action, styles.yellow)
    label = change.entity.replace("_", " ")
    title = f"{_SYMBOL[change.action]} {change.action:<9} {label} {styles.bold(change.name)}"
    if change.action == "rename" and change.old_name:
        title += f" (was {change.old_name})"
    if brief and change.blocked:
        title += " (BLOCKED)"
    return color(title)


def change_lines(change: Change, currency: str, styles: Styles) -> list[str]:
    lines = [title_line(change, styles)]
    if change.blocked:
        lines.append(styles.red(f"      BLOCKED: {change.reason}"))
    for key, old, new in change.shown_fields():
        if change.action == "create":
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
    """The plan as text, in its risk order.

    With ``limit``, at most that many changes are shown in full (the riskiest); every blocked,
    delete, archive and rename change past them is still named on one line, and a last line
    says how many changes were left out.
    """
    styles = Styles.of(ctx)
    lines = [diagnostic_line(d, ctx, styles) for d in plan.diagnostics]
    lines += [f"Store: {plan.store}", ""]
    if plan.empty:
        lines.append("No changes: the store matches the repository.")
    else:
        named = left_out = 0
        for i, change in enumerate(plan.changes):
            if limit is None or i < limit:
                lines.extend(change_lines(change, plan.currency, styles))
            elif change.risky:
                lines.append(title_line(change, styles, brief=True))
                if len(change_lines(change, plan.currency, styles)) > 1:  # details left out
                    named += 1
            else:
                left_out += 1
        if named or left_out:
            lines.append(_left_out(named, left_out))
        lines.append("")
    lines += _impact_lines(plan, styles, limit)
    for violation in plan.threshold_violations:
        lines.append(styles.red(f"Safety threshold: {violation}; apply needs --force."))
    outside = plan.outside_note()
    if outside is not None:
        lines.append(styles.yellow(f"Warning: {outside}."))
    lines.append(styles.bold(plan.summary_line()))
    return "\n".join(lines) + "\n"


def _left_out(named: int, left_out: int) -> str:
    everything = "(`sessconf diff` lists them all)"
    more = count(left_out, "more change")
    if not named:
        return f"... and {more} {everything}"
    brief = f"... {count(named, 'change')} above named without details"
    return f"{brief}, and {more} not shown {everything}" if left_out else f"{brief} {everything}"


def _impact_lines(plan: Plan, styles: Styles, limit: int | None) -> list[str]:
    """Sessions that do not change but charge differently, because billing items they list changed."""
    impacts = plan.charge_impacts
    if not impacts:
        return []
    lines = ["Charges on arrival of sessions that do not change (billing items they list do):"]
    for impact in impacts[:limit]:
        items = "billing item" if len(impact.billing_items) == 1 else "billing items"
        charged = charges_text(*impact.charges, plan.currency)
        because = f"{items} {', '.join(impact.billing_items)}"
        lines.append(styles.cyan(f"$ session {styles.bold(impact.session)}: {charged} ({because})"))
    if limit is not None and len(impacts) > limit:
        lines.append(f"  ... and {len(impacts) - limit} more (`sessconf diff` lists them all)")
    return [*lines, ""]
