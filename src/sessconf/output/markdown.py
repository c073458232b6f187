"""A plan as a pull-request comment (GitHub-flavoured Markdown).

Summary first, blocked changes with their fix, charge changes highlighted, details folded in
``<details>`` blocks. GitHub rejects comments over 65,536 characters, so the rendering stops
adding changes before that and points at the full plan instead. Plans carry no client data.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from sessconf.output import Context
from sessconf.output.text import charges_text, value_text

if TYPE_CHECKING:
    from sessconf.plan import Change, Plan

MAX_CHARS = 65_536
MAX_CHARGE_ROWS = 50
MARKER = "<!-- sessconf-plan -->"  # lets a workflow find and update its own comment
_TITLES = {"location": "Locations", "billing_item": "Billing items", "session": "Sessions"}
_ICONS = {"create": "➕", "update": "✏️", "rename": "🔁", "archive": "🗄️", "unarchive": "📤", "delete": "🗑️"}


def _cell(text: object) -> str:
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", "<br>")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _change_block(change: Change, currency: str) -> str:
    label = change.entity.replace("_", " ")
    head = f"{_ICONS[change.action]} **{change.action}** {label} {_code(change.name)}"
    if change.action == "rename" and change.old_name:
        head += f" (was {_code(change.old_name)})"
    lines = [f"- {head}"]
    if change.blocked:
        lines.append(f"  - ⛔ **blocked**: {_cell(change.reason)}")
    if change.action not in ("create", "delete"):
        for key, (old, new) in change.fields.items():
            if key != "name":
                lines.append(f"  - {_code(key)}: {_cell(value_text(old))} → {_cell(value_text(new))}")
    if change.charges is not None and change.charges[0] != change.charges[1]:
        lines.append(f"  - 💲 charges on arrival: **{_cell(charges_text(*change.charges, currency))}**")
    lines.extend(f"  - ⚠️ {_cell(w)}" for w in change.warnings)
    return "\n".join(lines)


def render_plan(plan: Plan, ctx: Context, *, artifact: str = "the plan artifact (plan.json)") -> str:
    s = plan.summary
    out = [
        MARKER,
        "### sessconf plan",
        "",
        f"Store: {_code(plan.store)}",
        "",
        "| create | update | rename | archive | unarchive | delete | blocked |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        "| "
        + " | ".join(str(s[k]) for k in ("create", "update", "rename", "archive", "unarchive", "delete"))
        + f" | {'⛔ ' if s['blocked'] else ''}{s['blocked']} |",
        "",
    ]
    if plan.empty:
        out.append("✅ No changes: the store matches the repository.")
    for violation in plan.threshold_violations:
        out.append(
            f"> [!WARNING]\n> Safety threshold: {_cell(violation)}; `sessconf apply` needs `--force`.\n"
        )
    if plan.blocked:
        out.append("#### ⛔ Blocked changes")
        out.append("")
        out.extend(_change_block(c, plan.currency) for c in plan.blocked)
        out.append("")
    charged = [c for c in plan.changes if c.charges and c.charges[0] != c.charges[1] and not c.blocked]
    if charged:
        out += ["#### 💲 Charges on arrival", "", "| session | before | after |", "| --- | ---: | ---: |"]
        for c in charged[:MAX_CHARGE_ROWS]:
            before, after = c.charges or (None, None)
            unit = plan.currency if after else ""
            out.append(f"| {_code(c.name)} | {before or '—'} | {after or '—'} {unit} |")
        if len(charged) > MAX_CHARGE_ROWS:
            out.append(f"| … {len(charged) - MAX_CHARGE_ROWS} more | | |")
        out.append("")
    footer = [f"<sub>{_cell(plan.summary_line())}</sub>"]
    if plan.diagnostics:
        warnings = "\n".join(
            f"- {_code(ctx.repo_rel(d.path))}:{d.line}:{d.column} {d.code} {_cell(d.message)}"
            for d in plan.diagnostics[:100]
        )
        summary = f"{len(plan.diagnostics)} lint warning(s)"
        footer.insert(0, f"<details><summary>{summary}</summary>\n\n{warnings}\n\n</details>\n")
    body = "\n".join(out)
    budget = MAX_CHARS - len(body) - sum(len(f) + 1 for f in footer) - 400
    sections, shown = _details(plan, budget)
    if shown < len(plan.changes):
        hidden = len(plan.changes) - shown
        sections.append(
            f"\n> [!NOTE]\n> {hidden} more change(s) are not shown here (comment size limit); "
            f"see {artifact} for the full plan.\n"
        )
    return "\n".join([body, *sections, *footer]) + "\n"


def _details(plan: Plan, budget: int) -> tuple[list[str], int]:
    sections: list[str] = []
    shown = 0
    used = 0
    for kind, title in _TITLES.items():
        changes = [c for c in plan.changes if c.entity == kind and not c.blocked]
        if not changes:
            continue
        header = f"<details><summary>{title}: {len(changes)} change(s)</summary>\n"
        blocks = []
        for change in changes:
            block = _change_block(change, plan.currency)
            if used + len(block) + len(header) + 20 > budget:
                break
            blocks.append(block)
            used += len(block) + 1
        shown += len(blocks)
        if blocks:
            sections.append(header + "\n" + "\n".join(blocks) + "\n\n</details>")
            used += len(header) + 12
        if len(blocks) < len(changes):
            break
    return sections, shown + len(plan.blocked)
