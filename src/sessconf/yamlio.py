"""The one module that calls PyYAML.

Files are composed into nodes by libyaml (positions come for free with the nodes), then built into
plain Python values by :func:`parse_yaml`, which keeps the 1-based line and column of every key and
value in a :class:`SourceMap`. The nodes are dropped as soon as a file is built.

YAML 1.1 surprises are reported rather than silently accepted: base-60 numbers (``1:30``), octal
numbers (``0755``), and an unquoted ``#colour`` that turns the value into a comment. Booleans
spelt ``yes``/``no``/``on``/``off`` are noted, so the loader can explain them where they land.
Anchors and aliases are allowed, but their expansion is bounded ("billion laughs").
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from sessconf.diagnostics import Diagnostic
from sessconf.rules import Rule
from sessconf.rules import loading as R

KeyPath = tuple[str | int, ...]
Pos = tuple[int, int]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

MAX_DEPTH = 100
# Alias expansion may multiply the document, but not beyond this many nodes, nor beyond
# _MAX_EXPANSION_FACTOR times the nodes actually written.
_MAX_EXPANDED_NODES = 200_000
_MAX_EXPANSION_FACTOR = 10

_DIRECTIVE = re.compile(r"#\s*sessconf:\s*disable\s*=\s*([A-Za-z0-9_,\- ]+)")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_HEX_COMMENT = re.compile(r"\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\b")


class SourceMap:
    """Where each value (and each mapping key) of one file was written."""

    __slots__ = ("keys", "notes", "tainted", "values")

    def __init__(self) -> None:
        self.values: dict[KeyPath, Pos] = {}
        self.keys: dict[KeyPath, Pos] = {}
        # Values that YAML 1.1 read differently from how they look, with their source text.
        self.notes: dict[KeyPath, str] = {}
        # Values already reported as not what was written (a tag, a merge key, a base-60 number,
        # an unclosed quote): schema errors inside them would only repeat the problem.
        self.tainted: set[KeyPath] = set()

    def is_tainted(self, path: KeyPath) -> bool:
        """Whether the value at ``path``, or one that contains it, was reported as misread."""
        tainted = self.tainted
        return bool(tainted) and any(path[:n] in tainted for n in range(len(path) + 1))

    def value(self, path: KeyPath) -> Pos:
        """The position of the value at ``path``, or of its closest written ancestor."""
        values = self.values
        while path:
            pos = values.get(path)
            if pos is not None:
                return pos
            path = path[:-1]
        return values.get((), (1, 1))

    def key(self, path: KeyPath) -> Pos:
        """The position of the key of the mapping entry at ``path`` (its value's when it has none)."""
        pos = self.keys.get(path)
        return pos if pos is not None else self.value(path)


@dataclass(slots=True)
class Suppressions:
    """``# sessconf: disable=CODE[,CODE]`` comments of one file."""

    whole_file: frozenset[str] = frozenset()
    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    # (line, column, code) of every code named, to report the ones that are unknown
    named: list[tuple[int, int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.whole_file or self.lines)

    def silences(self, code: str, name: str, line: int) -> bool:
        for codes in (self.whole_file, self.lines.get(line, frozenset())):
            if code in codes or name in codes:
                return True
        return False


@dataclass(slots=True)
class YamlDocument:
    """A parsed file: its value (None when unusable), positions, problems and suppressions."""

    data: object
    source_map: SourceMap
    problems: list[Diagnostic]
    suppressions: Suppressions


def read_text(path: Path | str, raw: bytes, problems: list[Diagnostic]) -> str | None:
    """Decode UTF-8 (a BOM is fine); anything else is a problem with its position."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Lines and columns count as the parser's do (characters, YAML line breaks); the text is
        # valid UTF-8 up to the bad byte. After a BOM, the error counts from the end of the BOM.
        data: bytes = exc.object
        lines = _LINE_BREAK.split(data[: exc.start].decode("utf-8"))
        line, column = len(lines), len(lines[-1]) + 1
        problems.append(
            R.NOT_UTF8.at(
                path,
                (line, column),
                f"the file is not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
                "save the file as UTF-8",
            )
        )
        return None


def parse_suppressions(text: str, texts: Sequence[tuple[Pos, Pos]] = ()) -> Suppressions:
    """The ``# sessconf: disable=`` comments of a file.

    Only comments count: a ``#`` at the start of a line or after white space, outside every scalar
    of ``texts`` (the 0-based ``(line, column)`` start and end of the scalars that hold
    ``sessconf:``): a directive inside a block scalar, a quoted text or a key is text.
    """
    if "sessconf:" not in text:
        return Suppressions()
    whole: set[str] = set()
    lines: dict[int, set[str]] = {}
    named: list[tuple[int, int, str]] = []
    seen_content = False
    pending: set[str] = set()  # own-line directive: applies to the next content line
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):  # as the parser counts lines
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        is_comment_line = stripped.startswith("#") and _is_comment(number - 1, indent, line, texts)
        content = bool(stripped) and not is_comment_line and stripped not in ("---", "...")
        if content:
            if pending:
                lines.setdefault(number, set()).update(pending)
                pending = set()
            seen_content = True
        match = _DIRECTIVE.search(line)
        while match is not None and not _is_comment(number - 1, match.start(), line, texts):
            match = _DIRECTIVE.search(line, match.end())
        if match is None:
            continue
        codes = {c.strip() for c in match.group(1).split(",") if c.strip()}
        column = match.start() + 1
        named.extend((number, column, c) for c in sorted(codes))
        if not is_comment_line:
            lines.setdefault(number, set()).update(codes)
        elif not seen_content:
            whole.update(codes)
        else:
            pending.update(codes)
    return Suppressions(frozenset(whole), {n: frozenset(c) for n, c in lines.items()}, named)


def _is_comment(line: int, column: int, text: str, texts: Sequence[tuple[Pos, Pos]]) -> bool:
    """Whether the ``#`` at this 0-based position of a line starts a YAML comment."""
    if column > 0 and text[column - 1] not in " \t":
        return False
    return not any(start <= (line, column) < end for start, end in texts)


def _texts_with_directives(root: yaml.Node) -> list[tuple[Pos, Pos]]:
    """Where the scalars that hold ``sessconf:`` are written (0-based ``(line, column)``, the end
    excluded); each node once, however many aliases repeat it."""
    found: list[tuple[Pos, Pos]] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if "sessconf:" in node.value:
                start, end = node.start_mark, node.end_mark
                found.append(((start.line, start.column), (end.line, end.column)))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        else:
            stack.extend(node.value)
    return found


def parse_yaml(path: Path | str, raw: bytes, *, positions: bool = True) -> YamlDocument:
    """Parse one file's bytes. Never raises for bad input: problems are diagnostics.

    With ``positions=False`` the source map stays empty (the problems still carry positions):
    the loader re-parses the few files whose positions it turns out to need.
    """
    problems: list[Diagnostic] = []
    smap = SourceMap()
    text = read_text(path, raw, problems)
    if text is None:
        return YamlDocument(None, smap, problems, Suppressions())
    suppressions = Suppressions()
    try:
        loader = _Composer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        # A quote left open often ends the file's structure later on: report the quote instead.
        problems.append(_runaway_quote_before_error(path, text) or _syntax_problem(path, text, exc))
        return YamlDocument(None, smap, problems, parse_suppressions(text))
    except yaml.reader.ReaderError as exc:
        problems.append(_reader_problem(path, text, exc))
        return YamlDocument(None, smap, problems, parse_suppressions(text))
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml marks its other errors
        problems.append(R.YAML_SYNTAX.at(path, (1, 1), f"invalid YAML: {exc}"))
        return YamlDocument(None, smap, problems, parse_suppressions(text))
    if root is None:
        problems.append(R.NOT_A_MAPPING.at(path, (1, 1), "the file is empty", "it must hold a mapping"))
        return YamlDocument(None, smap, problems, parse_suppressions(text))
    if "sessconf:" in text:  # rare: only then are the scalars' spans needed
        suppressions = parse_suppressions(text, _texts_with_directives(root))
    data = _Builder(path, text, smap, problems, positions).build(root)
    del root
    return YamlDocument(data, smap, problems, suppressions)


def _position(text: str, index: int) -> Pos:
    """The 1-based line and column of ``text[index]``, counted as the parser counts them."""
    lines = _LINE_BREAK.split(text[:index])
    return len(lines), len(lines[-1]) + 1


def _reader_problem(path: Path | str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    # The first character YAML refuses (libyaml gives a byte offset; the character is exact).
    index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
    return R.YAML_SYNTAX.at(
        path,
        _position(text, index) if index >= 0 else (1, 1),
        f"the character U+{exc.character:04X} is not allowed in YAML"
        if isinstance(exc.character, int)
        else f"invalid YAML: {exc.reason}",
        "remove it; such characters are usually pasted in by accident",
    )


_FLOW_CONTEXTS = ("while parsing a flow sequence", "while parsing a flow mapping")


def _syntax_problem(path: Path | str, text: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    lines = _LINE_BREAK.split(text)
    if pos[0] > len(lines):  # libyaml ends a file that lacks a final line break with one
        pos = (len(lines), len(lines[-1]) + 1)
    problem = (exc.problem or "invalid YAML").strip()
    context = exc.context or ""
    opened = exc.context_mark
    if "expected a single document" in context or "but found another document" in problem:
        return R.MULTIPLE_DOCUMENTS.at(
            path, pos, "the file holds more than one YAML document", "keep one document per file"
        )
    if context == "while scanning a quoted scalar" and "end of stream" in problem and opened is not None:
        return R.YAML_SYNTAX.at(
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
            return R.YAML_SYNTAX.at(
                path,
                (opened.line + 1, opened.column + 1),
                f"invalid YAML: this {kind} is not closed (expected ',' or '{close}' at {where})",
                f"close it with '{close}'",
            )
        return R.YAML_SYNTAX.at(
            path, pos, f"invalid YAML: expected ',' or '{close}' here, inside a {kind}", "is a comma missing?"
        )
    line_text = lines[pos[0] - 1]
    if "\t" in line_text[: max(pos[1], len(line_text) - len(line_text.lstrip()))] or "'\\t'" in problem:
        tab = line_text.find("\t")
        return R.YAML_SYNTAX.at(
            path,
            (pos[0], tab + 1 if tab >= 0 else pos[1]),
            "a tab character is not allowed here (YAML indents with spaces)",
            "replace the tab with spaces",
        )
    if context == "while scanning a simple key" and opened is not None:
        # ``discipline massage`` among ``key: value`` lines: the key's ':' is missing.
        return R.YAML_SYNTAX.at(
            path,
            (opened.line + 1, opened.column + 1),
            "invalid YAML: this line has no ':' after its key",
            "write key: value",
        )
    if problem.startswith("exceeded maximum nesting depth"):
        return R.TOO_COMPLEX.at(path, pos, f"the document is nested more than {MAX_DEPTH} levels deep")
    if problem.startswith("mapping values are not allowed"):
        key = _KEY_LINE.match(line_text)
        if key is not None and key.end() >= pos[1] - 1:  # the ':' ends the first word of its line
            indent = len(line_text) - len(line_text.lstrip(" "))
            return R.YAML_SYNTAX.at(
                path,
                (pos[0], indent + 1),
                f"invalid YAML: this key is read as more of the text on line {pos[0] - 1}",
                f"indent it like the keys around it, or add the ':' missing on line {pos[0] - 1}",
            )
        return R.YAML_SYNTAX.at(
            path,
            pos,
            "invalid YAML: a ': ' inside a value that is not quoted",
            "quote the value if the ': ' is part of it",
        )
    if problem.startswith("found undefined alias"):
        alias = re.match(r"\*([^\s,\[\]{}]+)", line_text[pos[1] - 1 :])
        name = alias.group(1) if alias else "?"
        return R.YAML_SYNTAX.at(
            path,
            pos,
            f"invalid YAML: the alias '*{name}' has no anchor",
            f"write &{name} on the value it repeats",
        )
    suffix = f" {context}" if context and context != problem else ""
    return R.YAML_SYNTAX.at(path, pos, f"invalid YAML: {problem}{suffix}")


class _TooComplex(Exception):
    def __init__(self, message: str, node: yaml.Node, hint: str | None = None) -> None:
        super().__init__(message)
        self.node, self.hint = node, hint


# YAML 1.1 plain-scalar resolution, done while building (the parser is given no resolvers, which
# saves a Python call per scalar and leaves keys as written).
_INT_RE = re.compile(
    r"""[-+]?(?:0b_*[0-1][0-1_]*|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x_*[0-9a-fA-F][0-9a-fA-F_]*"""
    r"""|[1-9][0-9_]*(?::[0-5]?[0-9])+)"""
)
_FLOAT_RE = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"""
    r"""|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"""
)
_NUMBER_START = frozenset("0123456789-+.")
_MAX_DIGITS = 1000
_BOOLS = {
    **dict.fromkeys(("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"), False),
}
_PLAIN_BOOLS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_QUOTES = frozenset("'\"")
_SCALAR, _MAPPING = yaml.ScalarNode, yaml.MappingNode
# A line that starts a mapping entry (``discipline: massage``): inside a quoted value, it tells
# that the closing quote is missing.
_KEY_LINE = re.compile(r"[ ]*[A-Za-z_][\w-]*:(?:[ ]|$)")
_ANCHOR = re.compile(r"(?:!\S*[ ]+)?&([^\s,\[\]{}]+)")

# Scalars without an explicit tag get this one, so that an explicit ``!!str`` can be told apart.
_IMPLICIT = "tag:sessconf,2024:implicit"
_DEFAULT_TAGS = {yaml.ScalarNode: _IMPLICIT, yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}


def _tag_text(tag: str) -> str:
    """A tag as it was written: ``!!binary`` rather than ``tag:yaml.org,2002:binary``."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _default_tag(self: object, kind: type, value: object, implicit: object) -> str:
    return _DEFAULT_TAGS[kind]


try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]

    # libyaml's composer, with a resolver that only fills in default tags. The composer calls
    # descend_resolver(parent, index) and ascend_resolver() around every node, for path-based
    # resolvers that sessconf does not use: built-in functions, which take those arguments and do
    # nothing that matters (and, unlike Python functions, are not bound to the instance), cost
    # less than a Python no-op (about 1.4 ms per 1,000 files).
    _Composer: Any = type(
        "_Composer",
        (_Parser,),
        {"resolve": _default_tag, "descend_resolver": operator.is_, "ascend_resolver": tuple},
    )
except ImportError:  # pragma: no cover - PyYAML built without libyaml: same results, slower
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.resolver import BaseResolver
    from yaml.scanner import Scanner

    class _PyComposer(Reader, Scanner, Parser, Composer, BaseResolver):
        resolve = _default_tag

        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            BaseResolver.__init__(self)

        def dispose(self) -> None:
            pass

    _Composer = _PyComposer


class _Builder:
    """Builds values from nodes, recording positions and YAML 1.1 surprises."""

    __slots__ = ("built", "expanded", "lines", "memo", "path", "problems", "record", "smap", "text", "values")

    def __init__(
        self, path: Path | str, text: str, smap: SourceMap, problems: list[Diagnostic], record: bool
    ) -> None:
        self.record = record
        self.path = path
        self.text = text
        self.lines: list[str] | None = None
        self.smap = smap
        self.values = smap.values
        self.problems = problems
        # id(node) -> (value, expanded size), None while the node is being built (a recursive alias).
        # Without a '*' in the text there is no alias, and no need to track nodes.
        self.memo: dict[int, tuple[object, int] | None] | None = {} if "*" in text else None
        self.built = 0
        self.expanded = 0

    def build(self, root: yaml.Node) -> object:
        try:
            value, _ = self._node(root, (), 0)
        except _TooComplex as exc:
            self._problem(R.TOO_COMPLEX, exc.node, str(exc), exc.hint)
            return None
        return value

    def _problem(self, rule: Rule, node: yaml.Node, message: str, hint: str | None = None) -> None:
        mark = node.start_mark
        self.problems.append(rule.at(self.path, (mark.line + 1, mark.column + 1), message, hint))

    def _unsupported_tag(self, node: yaml.Node, path: KeyPath) -> None:
        self._problem(R.YAML_SYNTAX, node, f"unsupported tag '{_tag_text(node.tag)}'", "remove the tag")
        self.smap.tainted.add(path)

    def _lines(self) -> list[str]:
        if self.lines is None:
            self.lines = self.text.splitlines()
        return self.lines

    def _anchor(self, node: yaml.Node) -> str | None:
        """The name of the anchor written at ``node`` (``&name``)."""
        mark = node.start_mark
        lines = self._lines()
        match = _ANCHOR.match(lines[mark.line], mark.column) if mark.line < len(lines) else None
        return match.group(1) if match else None

    def _node(self, node: yaml.Node, path: KeyPath, depth: int) -> tuple[object, int]:
        if self.record:
            mark = node.start_mark
            self.values[path] = (mark.line + 1, mark.column + 1)
        memo = self.memo
        if memo is not None:
            key = id(node)
            if key in memo:
                done = memo[key]
                if done is None:
                    name = self._anchor(node)
                    raise _TooComplex(
                        f"the alias '*{name}' is inside the node it repeats (a recursive alias)"
                        if name
                        else "an alias is inside the node it repeats (a recursive alias)",
                        node,
                        "an alias can only repeat a node that ends before it",
                    )
                self.expanded += done[1]
                self._check_expansion(node)
                return done
            memo[key] = None
        if depth > MAX_DEPTH:
            raise _TooComplex(f"the document is nested more than {MAX_DEPTH} levels deep", node)
        self.built += 1
        self.expanded += 1
        if isinstance(node, yaml.ScalarNode):
            result: tuple[object, int] = (self._scalar(node, path), 1)
        elif isinstance(node, yaml.MappingNode):
            result = self._mapping(node, path, depth)
        else:
            assert isinstance(node, yaml.SequenceNode)  # the composer makes no other nodes
            result = self._sequence(node, path, depth)
        if memo is not None:
            memo[id(node)] = result
        return result

    def _check_expansion(self, node: yaml.Node) -> None:
        if self.expanded > _MAX_EXPANDED_NODES and self.expanded > _MAX_EXPANSION_FACTOR * self.built:
            name = self._anchor(node)
            raise _TooComplex(
                f"aliases {f'of &{name} ' if name else ''}expand this document to more than "
                f"{self.expanded:,} values from {self.built:,} written ones",
                node,
                "write the values out instead of repeating them with aliases",
            )

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> tuple[dict[str, object], int]:
        if node.tag != _MAP:
            self._unsupported_tag(node, path)
        out: dict[str, object] = {}
        size = 1
        keys = self.smap.keys
        values = self.values
        fast = self.memo is None
        record = self.record
        for key_node, value_node in node.value:
            if key_node.__class__ is not _SCALAR:
                self._problem(R.YAML_SYNTAX, key_node, "a key must be plain text, not a list or a mapping")
                self.smap.tainted.add(path)  # an entry is missing
                continue
            # Keys are identifiers: keep their text (YAML 1.1 would turn `no:` or `1:30:` into values).
            k = key_node.value
            if k == "<<" and not key_node.style:
                self._problem(
                    R.YAML_SYNTAX, key_node, "merge keys ('<<') are not supported", "write the keys out"
                )
                self.smap.tainted.add(path)  # the keys it would merge are missing
                continue
            sub = (*path, k)
            if k in out:
                first = next(kn for kn, _ in node.value if kn.__class__ is _SCALAR and kn.value == k)
                self._problem(
                    R.DUPLICATE_KEY,
                    key_node,
                    f"duplicate key '{k}' (first at line {first.start_mark.line + 1})",
                    "YAML would silently keep only the last one; remove one of them",
                )
                continue
            if record:
                mark = key_node.start_mark
                keys[sub] = (mark.line + 1, mark.column + 1)
            if fast and value_node.__class__ is _SCALAR:
                if record:
                    mark = value_node.start_mark
                    values[sub] = (mark.line + 1, mark.column + 1)
                self.built += 1
                out[k] = self._scalar(value_node, sub)
                size += 1
            else:
                value, n = self._node(value_node, sub, depth + 1)
                out[k] = value
                size += n
        return out, size

    def _sequence(self, node: yaml.SequenceNode, path: KeyPath, depth: int) -> tuple[list[object], int]:
        if node.tag != _SEQ:
            self._unsupported_tag(node, path)
        out: list[object] = []
        size = 1
        values = self.values
        fast = self.memo is None
        record = self.record
        for index, item in enumerate(node.value):
            if fast and item.__class__ is _SCALAR:
                sub = (*path, index)
                if record:
                    mark = item.start_mark
                    values[sub] = (mark.line + 1, mark.column + 1)
                self.built += 1
                out.append(self._scalar(item, sub))
                size += 1
            else:
                value, n = self._node(item, (*path, index), depth + 1)
                out.append(value)
                size += n
        return out, size

    def _scalar(self, node: yaml.ScalarNode, path: KeyPath) -> object:
        value: str = node.value
        if node.tag != _IMPLICIT:
            if node.tag != _STR:  # an explicit !!str is text, as written
                self._unsupported_tag(node, path)
            return value
        style = node.style
        if style:  # quoted or block scalars are always text (libyaml says "" for plain)
            if style in _QUOTES and node.end_mark.line != node.start_mark.line:
                self._check_unclosed_quote(node, path)
            return value
        if value[:1] in _NUMBER_START:
            if _INT_RE.fullmatch(value):
                # Python refuses to convert thousands of digits (a guard against slow parsing);
                # nobody writes such a number: keep it as the text it is.
                return self._int(node, value, path) if len(value) <= _MAX_DIGITS else value
            if _FLOAT_RE.fullmatch(value):
                return self._float(node, value, path)
            return value
        if value in _BOOLS:
            if value not in _PLAIN_BOOLS:
                self.smap.notes[path] = value
            return _BOOLS[value]
        if value in _NULLS:
            if value == "":
                self._check_hash_comment(node, path)
            return None
        return value

    def _int(self, node: yaml.ScalarNode, text: str, path: KeyPath) -> int:
        digits = text.replace("_", "")
        sign = -1 if digits[:1] == "-" else 1
        body = digits.lstrip("+-")
        if ":" in body:
            number = 0
            for part in body.split(":"):
                number = number * 60 + int(part)
            self._problem(
                R.YAML11_VALUE,
                node,
                f"'{text}' is read by YAML 1.1 as the base-60 number {sign * number}",
                f"write the number of minutes ({sign * number}), or quote it: '{text}'",
            )
            self.smap.tainted.add(path)
            return sign * number
        if body.startswith("0b"):
            return sign * int(body[2:], 2)
        if body.startswith("0x"):
            return sign * int(body[2:], 16)
        if len(body) > 1 and body.startswith("0"):
            number = int(body, 8)
            self._problem(
                R.YAML11_VALUE,
                node,
                f"'{text}' is read by YAML 1.1 as the octal number {sign * number}",
                f"write it without the leading zero ({sign * int(body, 10)}), or quote it: '{text}'",
            )
            self.smap.tainted.add(path)
            return sign * number
        return sign * int(body)

    def _float(self, node: yaml.ScalarNode, text: str, path: KeyPath) -> Decimal:
        # Numbers with a fraction are prices: read them as exact decimals, never binary floats.
        digits = text.replace("_", "")
        lowered = digits.lower().lstrip("+-")
        if lowered == ".inf":
            return Decimal("-Infinity") if digits.startswith("-") else Decimal("Infinity")
        if lowered == ".nan":
            return Decimal("NaN")
        if ":" in digits:
            self._problem(
                R.YAML11_VALUE,
                node,
                f"'{text}' is read by YAML 1.1 as a base-60 number",
                f"quote it: '{text}'",
            )
            self.smap.tainted.add(path)
            return Decimal("NaN")
        return Decimal(digits)

    def _check_hash_comment(self, node: yaml.ScalarNode, path: KeyPath) -> None:
        lines = self._lines()
        mark = node.start_mark
        line = lines[mark.line] if mark.line < len(lines) else ""
        match = _HEX_COMMENT.match(line, mark.column)
        if match is None:
            return
        colour = match.group(1)
        key = path[-1] if path else None
        # Reported at the '#', where the value was meant to start.
        pos = (mark.line + 1, match.start(1) + 1)
        if self.record:
            self.values[path] = pos
        self.problems.append(
            R.UNQUOTED_HASH.at(
                self.path,
                pos,
                f"'{key}' is empty: an unquoted '{colour}' starts a YAML comment"
                if isinstance(key, str)
                else f"the value is empty: an unquoted '{colour}' starts a YAML comment",
                f'quote it: {key}: "{colour}"' if isinstance(key, str) else f'quote it: "{colour}"',
            )
        )
        self.smap.notes[path] = colour
        self.smap.tainted.add(path)

    def _check_unclosed_quote(self, node: yaml.ScalarNode, path: KeyPath) -> None:
        problem = _runaway_quote(self.path, self._lines(), node.start_mark, node.end_mark)
        if problem is not None:
            self.problems.append(problem)
            self.smap.tainted.add(path[:-1])  # the entries it took in are missing


def _runaway_quote(path: Path | str, lines: list[str], start: yaml.Mark, end: yaml.Mark) -> Diagnostic | None:
    """A quoted value over several lines that takes in ``key:`` lines lacks its closing quote."""
    first = lines[start.line]
    indent = len(first) - len(first.lstrip(" "))
    for number in range(start.line + 1, min(end.line, len(lines) - 1) + 1):
        line = lines[number]
        if _KEY_LINE.match(line) and len(line) - len(line.lstrip(" ")) <= indent:
            shown = line.strip() if len(line.strip()) <= 40 else line.strip()[:37] + "..."
            return R.YAML_SYNTAX.at(
                path,
                (start.line + 1, start.column + 1),
                f"this quoted text is not closed on its line: it runs on and takes in "
                f"line {number + 1} ('{shown}')",
                f"add the closing quote on line {start.line + 1}",
            )
    return None


def _runaway_quote_before_error(path: Path | str, text: str) -> Diagnostic | None:
    """The first quoted value that ran over ``key:`` lines before the parser gave up, if any."""
    if "'" not in text and '"' not in text:
        return None
    lines = text.splitlines()
    try:
        for token in yaml.scan(text, Loader=_TOKEN_LOADER):
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in _QUOTES
                and token.end_mark.line != token.start_mark.line
            ):
                problem = _runaway_quote(path, lines, token.start_mark, token.end_mark)
                if problem is not None:
                    return problem
    except yaml.YAMLError:
        pass  # where the parser stopped
    return None


_TOKEN_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# -- writing: scalars that read back exactly ---------------------------------------------------

_PLAIN_FIRST_NOT = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_NOT = frozenset(",[]{}:?")  # PyYAML ends a plain scalar at these in a flow


@functools.cache
def _writing() -> tuple[yaml.resolver.Resolver, re.Pattern[str], re.Pattern[str]]:
    """PyYAML's resolver, the characters a plain scalar may hold, and those that a double-quoted
    one must escape. Compiled on first use (7 ms: reading files, lint never needs them)."""
    plain = re.compile(r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]+")
    escaped = re.compile(
        r"[^\x20\x21\x23-\x5b\x5d-\x7e\xa1-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    )
    return yaml.resolver.Resolver(), plain, escaped


_ESCAPES = {
    "\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
    "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\", "\x85": "\\N", "\xa0": "\\_",
    "\u2028": "\\L", "\u2029": "\\P",
}  # fmt: skip


def emit_scalar(value: str | int | bool | None, *, flow: bool = False, quote: bool = False) -> str:
    """A scalar as YAML text that reads back as exactly ``value``, here and with ``yaml.safe_load``.

    Text is written plain where that is unambiguous (``Downtown Clinic``), else double-quoted with
    escapes: ``"no"``, ``"1:30"``, ``"#fff"``, ``" leading"``, ``"a: b"``. ``flow`` is for items of
    a ``[flow, list]``; ``quote`` forces the quotes (colours and prices are written quoted).
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not quote and _plain_is_exact(value, flow):
        return value
    return '"' + _writing()[2].sub(_escape, value) + '"'


def emit_flow_list(items: list[str] | tuple[str, ...]) -> str:
    """``[a, b]``, each item as :func:`emit_scalar` writes it in a flow list."""
    return "[" + ", ".join(emit_scalar(item, flow=True) for item in items) + "]"


def _plain_is_exact(text: str, flow: bool) -> bool:
    if (
        not _writing()[1].fullmatch(text)
        or text[0] in _PLAIN_FIRST_NOT
        or text[0].isspace()
        or text[-1].isspace()
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or (flow and not _FLOW_NOT.isdisjoint(text))
    ):
        return False
    # Both readings must give text: PyYAML's (dates, merge keys, ...) and ours (YAML 1.1 numbers).
    if _writing()[0].resolve(yaml.ScalarNode, text, (True, False)) != _STR:  # type: ignore[no-untyped-call]
        return False
    if text[0] in _NUMBER_START and (_INT_RE.fullmatch(text) or _FLOAT_RE.fullmatch(text)):
        return False
    return text not in _BOOLS and text not in _NULLS


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    known = _ESCAPES.get(char)
    if known is not None:
        return known
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
