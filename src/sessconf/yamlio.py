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

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from sessconf.diagnostics import Diagnostic
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
_HEX_COMMENT = re.compile(r"\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\b")


class SourceMap:
    """Where each value (and each mapping key) of one file was written."""

    __slots__ = ("keys", "notes", "values")

    def __init__(self) -> None:
        self.values: dict[KeyPath, Pos] = {}
        self.keys: dict[KeyPath, Pos] = {}
        # Values that YAML 1.1 read differently from how they look, with their source text.
        self.notes: dict[KeyPath, str] = {}

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


def read_text(path: Path, raw: bytes, problems: list[Diagnostic]) -> str | None:
    """Decode UTF-8 (a BOM is fine); anything else is a problem with its position."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        problems.append(
            R.NOT_UTF8.at(
                path,
                (line, column),
                f"the file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
                "save the file as UTF-8",
            )
        )
        return None


def parse_suppressions(text: str) -> Suppressions:
    if "sessconf:" not in text:
        return Suppressions()
    whole: set[str] = set()
    lines: dict[int, set[str]] = {}
    named: list[tuple[int, int, str]] = []
    seen_content = False
    pending: set[str] = set()  # own-line directive: applies to the next content line
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        match = _DIRECTIVE.search(line)
        is_comment_line = stripped.startswith("#")
        content = bool(stripped) and not is_comment_line and stripped not in ("---", "...")
        if content:
            if pending:
                lines.setdefault(number, set()).update(pending)
                pending = set()
            seen_content = True
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


def parse_yaml(path: Path, raw: bytes, *, positions: bool = True) -> YamlDocument:
    """Parse one file's bytes. Never raises for bad input: problems are diagnostics.

    With ``positions=False`` the source map stays empty (the problems still carry positions):
    the loader re-parses the few files whose positions it turns out to need.
    """
    problems: list[Diagnostic] = []
    smap = SourceMap()
    text = read_text(path, raw, problems)
    if text is None:
        return YamlDocument(None, smap, problems, Suppressions())
    suppressions = parse_suppressions(text)
    try:
        loader = _Composer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(path, text, exc))
        return YamlDocument(None, smap, problems, suppressions)
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml marks its errors
        problems.append(R.YAML_SYNTAX.at(path, (1, 1), f"invalid YAML: {exc}"))
        return YamlDocument(None, smap, problems, suppressions)
    if root is None:
        problems.append(R.NOT_A_MAPPING.at(path, (1, 1), "the file is empty", "it must hold a mapping"))
        return YamlDocument(None, smap, problems, suppressions)
    data = _Builder(path, text, smap, problems, positions).build(root)
    del root
    return YamlDocument(data, smap, problems, suppressions)


def _syntax_problem(path: Path, text: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = (exc.problem or "invalid YAML").strip()
    if "expected a single document" in (exc.context or "") or "but found another document" in problem:
        return R.MULTIPLE_DOCUMENTS.at(
            path, pos, "the file holds more than one YAML document", "keep one document per file"
        )
    lines = text.splitlines()
    line_text = lines[pos[0] - 1] if 0 < pos[0] <= len(lines) else ""
    if "\t" in line_text[: max(pos[1], len(line_text) - len(line_text.lstrip()))] or "'\\t'" in problem:
        tab = line_text.find("\t")
        return R.YAML_SYNTAX.at(
            path,
            (pos[0], tab + 1 if tab >= 0 else pos[1]),
            "a tab character is not allowed here (YAML indents with spaces)",
            "replace the tab with spaces",
        )
    context = f" {exc.context}" if exc.context and exc.context != problem else ""
    return R.YAML_SYNTAX.at(path, pos, f"invalid YAML: {problem}{context}")


class _TooComplex(Exception):
    pass


# YAML 1.1 plain-scalar resolution, done while building (the parser is given no resolvers, which
# saves a Python call per scalar and leaves keys as written).
_INT_RE = re.compile(
    r"""[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)"""
)
_FLOAT_RE = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"""
    r"""|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"""
)
_NUMBER_START = frozenset("0123456789-+.")
_BOOLS = {
    **dict.fromkeys(("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"), False),
}
_PLAIN_BOOLS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR, _MAPPING = yaml.ScalarNode, yaml.MappingNode


_DEFAULT_TAGS = {yaml.ScalarNode: _STR, yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}


def _default_tag(self: object, kind: type, value: object, implicit: object) -> str:
    return _DEFAULT_TAGS[kind]


def _no_op(*args: object) -> None:
    pass


try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]

    # libyaml's composer, with a resolver that only fills in default tags.
    _Composer: Any = type(
        "_Composer",
        (_Parser,),
        {"resolve": _default_tag, "descend_resolver": _no_op, "ascend_resolver": _no_op},
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
        self, path: Path, text: str, smap: SourceMap, problems: list[Diagnostic], record: bool
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
            mark = root.start_mark
            self.problems.append(R.TOO_COMPLEX.at(self.path, (mark.line + 1, mark.column + 1), str(exc)))
            return None
        return value

    def _problem(self, rule: R.Rule, node: yaml.Node, message: str, hint: str | None = None) -> None:
        mark = node.start_mark
        self.problems.append(rule.at(self.path, (mark.line + 1, mark.column + 1), message, hint))

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
                    raise _TooComplex("an alias refers to the node that contains it (a recursive alias)")
                self.expanded += done[1]
                self._check_expansion()
                return done
            memo[key] = None
        if depth > MAX_DEPTH:
            raise _TooComplex(f"the document is nested more than {MAX_DEPTH} levels deep")
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

    def _check_expansion(self) -> None:
        if self.expanded > _MAX_EXPANDED_NODES and self.expanded > _MAX_EXPANSION_FACTOR * self.built:
            raise _TooComplex(
                f"aliases expand this document to more than {self.expanded:,} values "
                f"from {self.built:,} written ones; write the values out instead"
            )

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> tuple[dict[str, object], int]:
        if node.tag != _MAP:
            self._problem(R.YAML_SYNTAX, node, f"unsupported tag {node.tag!r}", "remove the tag")
        out: dict[str, object] = {}
        size = 1
        keys = self.smap.keys
        values = self.values
        fast = self.memo is None
        record = self.record
        for key_node, value_node in node.value:
            if key_node.__class__ is not _SCALAR:
                self._problem(R.YAML_SYNTAX, key_node, "a key must be plain text, not a list or a mapping")
                continue
            # Keys are identifiers: keep their text (YAML 1.1 would turn `no:` or `1:30:` into values).
            k = key_node.value
            if k == "<<" and not key_node.style:
                self._problem(
                    R.YAML_SYNTAX, key_node, "merge keys ('<<') are not supported", "write the keys out"
                )
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
            self._problem(R.YAML_SYNTAX, node, f"unsupported tag {node.tag!r}", "remove the tag")
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
        if node.tag != _STR:
            self._problem(R.YAML_SYNTAX, node, f"unsupported tag {node.tag!r}", "remove the tag")
            return value
        if node.style:  # quoted or block scalars are always text (libyaml says "" for plain)
            return value
        if value[:1] in _NUMBER_START:
            if _INT_RE.fullmatch(value):
                return self._int(node, value)
            if _FLOAT_RE.fullmatch(value):
                return self._float(node, value)
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

    def _int(self, node: yaml.ScalarNode, text: str) -> int:
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
            return sign * number
        return sign * int(body)

    def _float(self, node: yaml.ScalarNode, text: str) -> Decimal:
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
            return Decimal("NaN")
        return Decimal(digits)

    def _check_hash_comment(self, node: yaml.ScalarNode, path: KeyPath) -> None:
        if self.lines is None:
            self.lines = self.text.splitlines()
        mark = node.start_mark
        line = self.lines[mark.line] if mark.line < len(self.lines) else ""
        match = _HEX_COMMENT.match(line, mark.column)
        if match is None:
            return
        colour = match.group(1)
        key = path[-1] if path else "value"
        self._problem(
            R.UNQUOTED_HASH,
            node,
            f"'{key}' is empty: an unquoted '{colour}' starts a YAML comment",
            f'quote it: {key}: "{colour}"',
        )
        self.smap.notes[path] = colour


def dump_value(value: object) -> str:
    """A scalar or short list as YAML flow text (for writing files)."""
    text: str = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return text.removesuffix("\n...\n").rstrip("\n")
