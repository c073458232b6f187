"""A plan as a pull-request comment (GitHub-flavoured Markdown).

The summary table first, then the risky changes, riskiest first (blocked ones with their fix,
deletes, archives, renames), what sessions charge on arrival, before → after, the colour changes
(``session | old | new``), and the other changes folded in a ``<details>`` block per entity kind.
Colours are written as backticked ``#rrggbb``, the one form GitHub draws a swatch beside. Plans
carry no client data (only counts and dates), so neither does the comment.

GitHub rejects comments over 65,536 characters: the rendering stops adding changes before that
and points at the full plan (``plan.json``, the artifact of the workflow run) instead. Sizes are
counted in UTF-8 bytes, which is never less than GitHub's count, whatever it counts. A reviewer
must see every risky change whatever the size: each one is named, with its details while they
fit, else on one line, else (a plan of thousands) in a list of names per kind. Only in that last
case, when even the names exceed the limit, does the comment grow past it: a comment GitHub
refuses fails the workflow step loudly, where a cut one would hide a delete.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sessconf.diagnostics import count
from sessconf.output import Context
from sessconf.output.text import charges_text, value_text
from sessconf.plan.plan import ACTIONS, Risk
from sessconf.plan.state import KINDS

if TYPE_CHECKING:
    from sessconf.diagnostics import Diagnostic
    from sessconf.plan.plan import Change, Plan

GITHUB_LIMIT = 65_536  # GitHub's limit on a comment body
# Room for what a workflow may add under the plan (the commit it was made for, a link to the run).
MAX_CHARS = GITHUB_LIMIT - 1_024
MAX_CHARGE_ROWS = 50
MAX_COLOR_ROWS = 50
MAX_WARNINGS = 100
MARKER = "<!-- sessconf-plan -->"  # lets a workflow find and update its own comment
_TITLES = {"location": "Locations", "billing_item": "Billing items", "session": "Sessions"}
_ICONS = {"create": "➕", "update": "✏️", "rename": "🔁", "archive": "🗄️", "unarchive": "📤", "delete": "🗑️"}
_RISKY = {Risk.DELETE: "🗑️ To delete", Risk.ARCHIVE: "🗄️ To archive", Risk.RENAME: "🔁 To rename"}


def artifact_pointer(environ: Mapping[str, str]) -> str:
    """Where the full plan is: the artifacts of this workflow run, when running in one."""
    repository, run_id = environ.get("GITHUB_REPOSITORY"), environ.get("GITHUB_RUN_ID")
    if repository and run_id:
        run = f"{environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{repository}/actions/runs/{run_id}"
        return f"`plan.json` in the artifacts of [this workflow run]({run})"
    return "the full plan: `sessconf diff`, or `sessconf diff --out plan.json`"


def render_plan(plan: Plan, ctx: Context, *, artifact: str | None = None, max_chars: int = MAX_CHARS) -> str:
    """The plan as one comment body, at most ``max_chars`` (UTF-8 bytes) unless the names of its
    risky changes alone need more (see the module's docstring).

    ``artifact`` says where the full plan is when changes had to be left out; by default the
    artifacts of the GitHub Actions run named by ``$GITHUB_REPOSITORY`` and ``$GITHUB_RUN_ID``.
    """
    pointer = artifact if artifact is not None else artifact_pointer(os.environ)
    footer = [f"<sub>{_text(plan.summary_line())}</sub>"]
    risky = plan.risky
    others = [c for c in plan.changes if not c.risky]
    # The note on what was left out is written last, but its room is kept from the start.
    worst_note = _omitted_note(len(others), len(plan.diagnostics), len(risky), pointer, others=bool(risky))
    out = _Writer(max_chars - _size(worst_note) - sum(_size(line) + 1 for line in footer) - 2)
    for line in _header(plan):
        out.force(line)

    named = _risky(out, plan, risky)
    _charges(out, plan)
    _colors(out, plan)
    hidden = 0
    for kind, title in _TITLES.items():
        changes = [c for c in others if c.entity == kind]
        if changes:
            blocks = [_change_block(c, plan.currency) for c in changes]
            hidden += out.folded(f"{title}: {_counted(changes)}", blocks)
    hidden_warnings = 0
    if plan.diagnostics:
        lines = [_diagnostic_line(d, ctx) for d in plan.diagnostics[:MAX_WARNINGS]]
        summary = count(len(plan.diagnostics), "lint warning")
        hidden_warnings = out.folded(summary, lines) + len(plan.diagnostics) - len(lines)
    if hidden or hidden_warnings or named:
        if out.lines[-1]:
            out.force("")
        out.force(_omitted_note(hidden, hidden_warnings, named, pointer, others=bool(risky)))
    for line in footer:
        out.force(line)
    return "\n".join(out.lines) + "\n"


def _header(plan: Plan) -> list[str]:
    s = plan.summary
    counts = [str(s[action]) for action in ACTIONS]
    blocked = f"⛔ **{s['blocked']}**" if s["blocked"] else "0"
    lines = [
        MARKER,
        "### sessconf plan",
        "",
        f"Store: {_code(plan.store)}",
        "",
        "| create | update | rename | archive | unarchive | delete | blocked |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        "| " + " | ".join([*counts, blocked]) + " |",
        "",
    ]
    if plan.empty:
        lines += ["✅ No changes: the store matches the repository.", ""]
    for violation in plan.threshold_violations:
        lines += [
            "> [!WARNING]",
            f"> Safety threshold: {_text(str(violation))}; "
            "`sessconf apply` refuses this plan without `--force`.",
            "",
        ]
    outside = plan.outside_note()
    if outside is not None:
        lines += ["> [!WARNING]", f"> {_text(outside[0].upper() + outside[1:])}.", ""]
    return lines


def _risky(out: _Writer, plan: Plan, risky: list[Change]) -> int:
    """A section per risk (blocked, delete, archive, rename) naming every such change.

    Changes get their details while those fit, keeping room for one line per change still to
    come; when even one line each does not fit, names are listed per kind. Returns how many
    changes are named without their details.
    """
    sections = []
    for risk in (Risk.BLOCKED, *_RISKY):
        changes = [c for c in risky if c.risk is risk]
        if changes:
            if risk is Risk.BLOCKED:
                heading = f"#### ⛔ Blocked: {count(len(changes), 'change')} cannot be applied"
            else:
                heading = f"#### {_RISKY[risk]} ({len(changes)})"
            sections.append(([heading, ""], changes))
    reserve = sum(_lines_size(opening) + _lines_size([_head(c) for c in cs]) + 1 for opening, cs in sections)
    if reserve > out.left:
        for opening, changes in sections:
            for line in [*opening, *_names_by_kind(changes), ""]:
                out.force(line)
        return sum(1 for c in risky if _change_block(c, plan.currency) != _head(c))
    named = 0
    detailed = True  # the riskiest changes get their details, up to the first that does not fit
    for opening, changes in sections:
        for line in opening:
            out.force(line)
            reserve -= _size(line) + 1
        for change in changes:
            head = _head(change)
            reserve -= _size(head) + 1
            block = _change_block(change, plan.currency)
            detailed = detailed and _size(block) + 1 <= out.left - reserve
            out.force(block if detailed else head)
            if not detailed and block != head:
                named += 1
        out.force("")
        reserve -= 1
    return named


def _names_by_kind(changes: list[Change]) -> list[str]:
    """``- Sessions (3): `a`, `b`, `c` `` for each kind: the densest way to name every change."""
    lines = []
    for kind in KINDS:
        names = [
            _code(c.name) + (f" (was {_code(c.old_name)})" if c.action == "rename" and c.old_name else "")
            for c in changes
            if c.entity == kind
        ]
        if names:
            lines.append(f"- {_TITLES[kind]} ({len(names)}): " + ", ".join(names))
    return lines


def _charges(out: _Writer, plan: Plan) -> None:
    """What sessions will charge on arrival, before → after, as a table: the sessions that change
    and stay, then those that do not change but whose billing items do.

    Created and deleted sessions say what they charge in their own entries.
    """
    charged = [
        c
        for c in plan.changes
        if c.entity == "session" and c.action not in ("create", "delete") and not c.blocked
        if c.charges is not None and c.charges[0] != c.charges[1]
    ]
    rows = [
        f"| {_code(c.name)} | {_money(before, plan.currency)} | **{_money(after, plan.currency)}** |"
        for c in charged
        for before, after in [c.charges or (None, None)]
    ]
    for impact in plan.charge_impacts:
        items = "item" if len(impact.billing_items) == 1 else "items"
        because = f"unchanged; billing {items} " + ", ".join(_code(code) for code in impact.billing_items)
        before, after = impact.charges
        rows.append(
            f"| {_code(impact.session)} ({because}) | {_money(before, plan.currency)} "
            f"| **{_money(after, plan.currency)}** |"
        )
    head = ["#### 💲 Charges on arrival", "", "| session | before | after |", "| --- | ---: | ---: |"]
    below = len(rows) - len(plan.charge_impacts) >= MAX_CHARGE_ROWS  # every row left out has its change
    more = "| … {} more (in the changes below) | | |" if below else "| … {} more (in the full plan) | | |"
    out.section(head, rows[:MAX_CHARGE_ROWS], [""], more=more, total=len(rows))


def _colors(out: _Writer, plan: Plan) -> None:
    """The sessions whose calendar colour changes, old → new, as a table of swatches."""
    rows = [
        f"| {_code(c.name)} | {_color(old)} | {_color(new)} |"
        for c in plan.changes
        if c.entity == "session" and "color" in c.fields
        for old, new in [c.fields["color"]]
        if old is not None and new is not None
    ]
    head = ["#### 🎨 Colours", "", "| session | old | new |", "| --- | --- | --- |"]
    more = "| … {} more (in the changes below) | | |"
    out.section(head, rows[:MAX_COLOR_ROWS], [""], more=more, total=len(rows))


_HEX = re.compile(r"#[0-9a-f]{6}")


def _color(value: object) -> str:
    """A colour as GitHub draws a swatch for it: `` `#rrggbb` `` (anything else as plan text)."""
    if isinstance(value, str) and _HEX.fullmatch(value):
        return f"`{value}`"
    return _code(value_text(value))


def _value(key: str, value: object) -> str:
    return _color(value) if key == "color" else _code(value_text(value))


def _head(change: Change) -> str:
    """The first line of a change's entry: what it does to which entity."""
    label = change.entity.replace("_", " ")
    head = f"{_ICONS[change.action]} **{change.action}** {label} {_code(change.name)}"
    if change.action == "rename" and change.old_name:
        head += f" (was {_code(change.old_name)})"
    return f"- {head}"


def _change_block(change: Change, currency: str) -> str:
    lines = [_head(change)]
    if change.blocked:
        lines.append(f"  - ⛔ **blocked**: {_text(change.reason or 'blocked')}")
    for key, old, new in change.shown_fields():
        if change.action == "create":
            lines.append(f"  - {_code(key)}: {_value(key, new)}")
        else:
            lines.append(f"  - {_code(key)}: {_value(key, old)} → {_value(key, new)}")
    if change.charges is not None and change.charges[0] != change.charges[1]:
        lines.append(f"  - 💲 charges on arrival: **{_text(charges_text(*change.charges, currency))}**")
    lines.extend(f"  - ⚠️ {_text(w)}" for w in change.warnings)
    return "\n".join(lines)


def _diagnostic_line(d: Diagnostic, ctx: Context) -> str:
    hint = f" ({d.hint})" if d.hint else ""
    where = f"{ctx.repo_rel(d.path)}:{d.line}:{d.column}"
    return f"- {_code(where)} {d.severity.value} {d.code}: {_text(d.message + hint)}"


def _omitted_note(changes: int, warnings: int, named: int, pointer: str, *, others: bool) -> str:
    """What was left out; ``others``: changes were named above, so those left out are others."""
    parts = []
    if changes:
        parts.append(count(changes, "other change" if others else "change"))
    if warnings:
        parts.append(count(warnings, "lint warning"))
    if named:
        parts.append(f"the details of {count(named, 'change')} named above")
    what = (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else (parts or ["nothing"])[0]
    return (
        f"> [!NOTE]\n> {what[0].upper()}{what[1:]} not shown here: a pull-request comment holds at most "
        f"{GITHUB_LIMIT:,} characters. See {pointer}.\n"
    )


def _counted(changes: list[Change]) -> str:
    by_action = {a: sum(1 for c in changes if c.action == a) for a in ACTIONS}
    return ", ".join(f"{n} to {a}" for a, n in by_action.items() if n)


def _money(amount: str | None, currency: str) -> str:
    return "nothing" if amount is None else f"{amount} {currency}"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _text(text: str) -> str:
    """Plain text in Markdown: no HTML, no line breaks (backticks keep their meaning)."""
    return html.escape(text, quote=False).replace("\r", "").replace("\n", " ")


_BACKTICKS = re.compile(r"`+")


def _code(text: str) -> str:
    """``text`` as a code span: literal whatever it holds (Markdown, HTML, @mentions)."""
    text = text.replace("\r", "").replace("\n", " ")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""  # so that a backtick at either end is not read as the fence
    return f"{fence}{pad}{text}{pad}{fence}"


@dataclass
class _Writer:
    """Lines of the comment, within a byte budget."""

    left: int
    lines: list[str] = field(default_factory=list)

    def force(self, line: str) -> None:
        """Add a line whatever the budget (the header, and the note whose room was kept)."""
        self.lines.append(line)
        self.left -= _size(line) + 1

    def section(
        self,
        opening: list[str],
        items: list[str],
        closing: list[str],
        *,
        more: str | None = None,
        total: int = 0,
    ) -> int:
        """``opening``, as many ``items`` as fit, ``closing``; nothing when not even one fits.

        ``items`` may be the first of ``total`` items: then the ``more`` line (a format string
        for the number left out) follows them when some are left out. Returns how many of
        ``items`` were left out.
        """
        total = max(total, len(items))
        kept = _lines_size(closing) + (_size(more.format(total)) + 1 if more else 0)
        if not items or _lines_size(opening) + _size(items[0]) + 1 + kept > self.left:
            return len(items)
        self.left -= kept  # room to close the section, whatever fits in it
        for line in opening:
            self.force(line)
        shown = 0
        for item in items:
            if _size(item) + 1 > self.left:
                break
            self.force(item)
            shown += 1
        self.left += kept
        if more is not None and shown < total:
            self.force(more.format(total - shown))
        for line in closing:
            self.force(line)
        return len(items) - shown

    def folded(self, summary: str, blocks: list[str]) -> int:
        """A ``<details>`` block of as many ``blocks`` as fit; returns how many did not."""
        opening = [f"<details><summary>{_text(summary)}</summary>", ""]
        return self.section(opening, blocks, ["", "</details>", ""])


def _lines_size(lines: list[str]) -> int:
    return sum(_size(line) + 1 for line in lines)
