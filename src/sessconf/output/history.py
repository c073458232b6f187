"""``sessconf history``: the store's applies, newest first, as text or JSON (SPEC §4)."""

from __future__ import annotations

from sessconf.output import Context, Styles
from sessconf.output.jsonfmt import dumps, history_list
from sessconf.plan.plan import summary_line
from sessconf.store.history import Applied

SHORT_COMMIT = 12


def render_history(entries: list[Applied], store: str, fmt: str, ctx: Context) -> str:
    if fmt == "json":
        return dumps(history_list(entries))
    styles = Styles(ctx.color)
    lines = [f"Store: {store}", ""]
    if not entries:
        lines.append("No applies yet.")
    for e in entries:
        lines.append(styles.bold(f"{e.applied_at:%Y-%m-%d %H:%M:%S} UTC by {e.actor}"))
        where = []
        if e.git_commit:
            where.append(f"commit {e.git_commit[:SHORT_COMMIT]}")
        if e.run_url:
            where.append(f"run {e.run_url}")
        if where:
            lines.append("  " + ", ".join(where))
        lines.append(f"  {summary_line(e.summary)}")
        lines.append(f"  plan {e.plan_digest}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
