"""GitHub Actions: workflow-command annotations, and a Markdown table for the step summary.

GitHub shows at most 10 error and 10 warning annotations per step (50 per job), so the
annotations come errors first, and those of the changed files first; the step summary lists
every diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from sessconf.diagnostics import Diagnostic, Severity, count
from sessconf.lint.engine import LintResult
from sessconf.output import Context

# GitHub limits a step summary to 1 MiB; stay well under it, with room for the note.
SUMMARY_MAX_ROWS = 1000
SUMMARY_MAX_BYTES = 512 * 1024


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command (after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (``file=...,title=...``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def ordered(diagnostics: Iterable[Diagnostic], changed: Sequence[Path] = ()) -> list[Diagnostic]:
    """Errors before warnings; within each, the diagnostics of ``changed`` files (or folders) first.

    The sort is stable, so the diagnostics keep their file and position order otherwise.
    """
    folders = [path.resolve() for path in changed]

    def is_changed(d: Diagnostic) -> bool:
        return any(d.path == p or d.path.is_relative_to(p) for p in folders)

    return sorted(diagnostics, key=lambda d: (d.severity is not Severity.ERROR, not is_changed(d)))


def annotation(d: Diagnostic, ctx: Context) -> str:
    """One ``::error file=...,line=...,col=...,title=CODE::message (hint)`` command."""
    properties = [f"file={escape_property(ctx.repo_rel(d.path))}"]
    if d.line > 0:  # line 0 is the whole file: no position
        properties.append(f"line={d.line}")
        if d.column > 0:
            properties.append(f"col={d.column}")
    properties.append(f"title={escape_property(d.code)}")
    hint = f" ({d.hint})" if d.hint else ""
    return f"::{d.severity.value} {','.join(properties)}::{escape_data(d.message + hint)}"


def summary_line(result: LintResult) -> str:
    files = count(result.files, "file")
    if result.errors or result.warnings:
        return f"Found {count(result.errors, 'error')} and {count(result.warnings, 'warning')} in {files}."
    return f"All checks passed ({files})."


def render_lint(result: LintResult, ctx: Context, changed: Sequence[Path] = ()) -> str:
    """Annotations for every diagnostic, then a plain summary line."""
    ctx = ctx.for_repository(result.repository.root)
    lines = [annotation(d, ctx) for d in ordered(result.diagnostics, changed)]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


# Backslash escapes every character that could start Markdown or HTML inside a table cell.
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~&#!"})


def escape_cell(text: str) -> str:
    """Text as one GitHub-flavoured Markdown table cell: no markup, no line breaks."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(line.translate(_MARKDOWN_SPECIAL) for line in lines)


def render_step_summary(result: LintResult, ctx: Context, changed: Sequence[Path] = ()) -> str:
    """The whole diagnostic table in Markdown, for ``$GITHUB_STEP_SUMMARY``.

    Very large tables are cut (GitHub refuses summaries over 1 MiB), with a note saying how many
    rows were left out.
    """
    ctx = ctx.for_repository(result.repository.root)
    out = ["### sessconf lint", "", summary_line(result), ""]
    if not result.diagnostics:
        return "\n".join(out)
    out += ["| severity | file | line | column | code | message |", "| --- | --- | --- | --- | --- | --- |"]
    diagnostics = ordered(result.diagnostics, changed)
    size = sum(len(line) + 1 for line in out)
    shown = 0
    for d in diagnostics:
        hint = f" ({d.hint})" if d.hint else ""
        cells = [
            d.severity.value,
            escape_cell(ctx.repo_rel(d.path)),
            str(d.line) if d.line else "",
            str(d.column) if d.line and d.column else "",
            d.code,
            escape_cell(d.message + hint),
        ]
        row = "| " + " | ".join(cells) + " |"
        size += len(row.encode()) + 1
        if shown == SUMMARY_MAX_ROWS or size > SUMMARY_MAX_BYTES:
            break
        out.append(row)
        shown += 1
    if shown < len(diagnostics):
        out += [
            "",
            f"{len(diagnostics) - shown} more not shown here (the table is cut at {shown} rows); "
            "the job log lists them all, or run `sessconf lint` locally.",
        ]
    return "\n".join(out) + "\n"
