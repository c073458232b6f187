"""Human-readable text: ``path:line:col: severity code message (hint)``."""

from __future__ import annotations

from sessconf.diagnostics import Diagnostic, Severity, count
from sessconf.lint import LintResult
from sessconf.output import Context, Styles


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
