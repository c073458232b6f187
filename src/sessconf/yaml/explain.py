"""Why libyaml refused a file, said the way its author would fix it (an open quote, a missing ':')."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sessconf.codes.files import MULTIPLE_DOCUMENTS, TOO_COMPLEX, YAML_SYNTAX
from sessconf.diagnostics import Diagnostic
from sessconf.yaml.comments import LINE_BREAK

Pos = tuple[int, int]
MAX_DEPTH = 100
QUOTES = frozenset("'\"")
# A line that starts a mapping entry (``discipline: massage``): inside a quoted value, it tells
# that the closing quote is missing.
KEY_LINE = re.compile(r"[ ]*[A-Za-z_][\w-]*:(?:[ ]|$)")


def position(text: str, index: int) -> Pos:
    """The 1-based line and column of ``text[index]``, counted as the parser counts them."""
    lines = LINE_BREAK.split(text[:index])
    return len(lines), len(lines[-1]) + 1


def reader_problem(path: Path | str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    # The first character YAML refuses (libyaml gives a byte offset; the character is exact).
    index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
    return YAML_SYNTAX.at(
        path,
        position(text, index) if index >= 0 else (1, 1),
        f"the character U+{exc.character:04X} is not allowed in YAML"
        if isinstance(exc.character, int)
        else f"invalid YAML: {exc.reason}",
        "remove it; such characters are usually pasted in by accident",
    )


_FLOW_CONTEXTS = ("while parsing a flow sequence", "while parsing a flow mapping")


def syntax_problem(path: Path | str, text: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    lines = LINE_BREAK.split(text)
    if pos[0] > len(lines):  # libyaml ends a file that lacks a final line break with one
        pos = (len(lines), len(lines[-1]) + 1)
    problem = (exc.problem or "invalid YAML").strip()
    context = exc.context or ""
    opened = exc.context_mark
    if "expected a single document" in context or "but found another document" in problem:
        return MULTIPLE_DOCUMENTS.at(
            path, pos, "the file holds more than one YAML document", "keep one document per file"
        )
    if context == "while scanning a quoted scalar" and "end of stream" in problem and opened is not None:
        return YAML_SYNTAX.at(
            path,
            (opened.line + 1, opened.column + 1),
            "this quoted text is not closed: the file ends before its closing quote",
            "add the closing quote",
        )
    if context in _FLOW_CONTEXTS and problem.startswith("did not find expected ','") and opened is not None:
        # ``[a, b`` or ``{a: 1``: point at the bracket that is not closed when the parser only
        # noticed on a later line (usually at the next key).
        kind, close = ("list", "]") if "sequence" in context else ("mapping", "}")
        where = f"line {pos[0]}, column {pos[1]}"
        if mark is not None and mark.line > opened.line:
            return YAML_SYNTAX.at(
                path,
                (opened.line + 1, opened.column + 1),
                f"invalid YAML: this {kind} is not closed (expected ',' or '{close}' at {where})",
                f"close it with '{close}'",
            )
        return YAML_SYNTAX.at(
            path, pos, f"invalid YAML: expected ',' or '{close}' here, inside a {kind}", "is a comma missing?"
        )
    line_text = lines[pos[0] - 1]
    if "\t" in line_text[: max(pos[1], len(line_text) - len(line_text.lstrip()))] or "'\\t'" in problem:
        tab = line_text.find("\t")
        return YAML_SYNTAX.at(
            path,
            (pos[0], tab + 1 if tab >= 0 else pos[1]),
            "a tab character is not allowed here (YAML indents with spaces)",
            "replace the tab with spaces",
        )
    if context == "while scanning a simple key" and opened is not None:
        # ``discipline massage`` among ``key: value`` lines: the key's ':' is missing.
        return YAML_SYNTAX.at(
            path,
            (opened.line + 1, opened.column + 1),
            "invalid YAML: this line has no ':' after its key",
            "write key: value",
        )
    if problem.startswith("exceeded maximum nesting depth"):
        return TOO_COMPLEX.at(path, pos, f"the document is nested more than {MAX_DEPTH} levels deep")
    if problem.startswith("mapping values are not allowed"):
        key = KEY_LINE.match(line_text)
        if key is not None and key.end() >= pos[1] - 1:  # the ':' ends the first word of its line
            indent = len(line_text) - len(line_text.lstrip(" "))
            return YAML_SYNTAX.at(
                path,
                (pos[0], indent + 1),
                f"invalid YAML: this key is read as more of the text on line {pos[0] - 1}",
                f"indent it like the keys around it, or add the ':' missing on line {pos[0] - 1}",
            )
        return YAML_SYNTAX.at(
            path,
            pos,
            "invalid YAML: a ': ' inside a value that is not quoted",
            "quote the value if the ': ' is part of it",
        )
    if problem.startswith("found undefined alias"):
        alias = re.match(r"\*([^\s,\[\]{}]+)", line_text[pos[1] - 1 :])
        name = alias.group(1) if alias else "?"
        return YAML_SYNTAX.at(
            path,
            pos,
            f"invalid YAML: the alias '*{name}' has no anchor",
            f"write &{name} on the value it repeats",
        )
    suffix = f" {context}" if context and context != problem else ""
    return YAML_SYNTAX.at(path, pos, f"invalid YAML: {problem}{suffix}")


def runaway_quote(path: Path | str, lines: list[str], start: yaml.Mark, end: yaml.Mark) -> Diagnostic | None:
    """A quoted value over several lines that takes in ``key:`` lines lacks its closing quote."""
    first = lines[start.line]
    indent = len(first) - len(first.lstrip(" "))
    for number in range(start.line + 1, min(end.line, len(lines) - 1) + 1):
        line = lines[number]
        if KEY_LINE.match(line) and len(line) - len(line.lstrip(" ")) <= indent:
            shown = line.strip() if len(line.strip()) <= 40 else line.strip()[:37] + "..."
            return YAML_SYNTAX.at(
                path,
                (start.line + 1, start.column + 1),
                f"this quoted text is not closed on its line: it runs on and takes in "
                f"line {number + 1} ('{shown}')",
                f"add the closing quote on line {start.line + 1}",
            )
    return None


def runaway_quote_before_error(path: Path | str, text: str) -> Diagnostic | None:
    """The first quoted value that ran over ``key:`` lines before the parser gave up, if any."""
    if "'" not in text and '"' not in text:
        return None
    lines = text.splitlines()
    try:
        for token in yaml.scan(text, Loader=_TOKEN_LOADER):
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in QUOTES
                and token.end_mark.line != token.start_mark.line
            ):
                problem = runaway_quote(path, lines, token.start_mark, token.end_mark)
                if problem is not None:
                    return problem
    except yaml.YAMLError:
        pass  # where the parser stopped
    return None


_TOKEN_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
