"""Reading YAML: a file's bytes into plain values, the position of each, and its problems.

Files are composed into nodes by libyaml (positions come for free with the nodes), then built into
plain Python values by :func:`parse_yaml`, which keeps the 1-based line and column of every key and
value in a :class:`SourceMap`. The nodes are dropped as soon as a file is built.

YAML 1.1 surprises are reported rather than silently accepted: base-60 numbers (``1:30``), octal
numbers (``0755``), and an unquoted ``#colour`` that turns the value into a comment. Booleans
spelt ``yes``/``no``/``on``/``off`` are noted, so the loader can explain them where they land.
Anchors and aliases are allowed, but their expansion is bounded ("billion laughs").
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from sessconf.codes import Code
from sessconf.codes.files import (
    DUPLICATE_KEY,
    NOT_A_MAPPING,
    NOT_UTF8,
    TOO_COMPLEX,
    UNQUOTED_HASH,
    YAML11_VALUE,
    YAML_SYNTAX,
)
from sessconf.diagnostics import Diagnostic
from sessconf.yaml.comments import LINE_BREAK, Comment, comments_with, spans_with
from sessconf.yaml.explain import (
    MAX_DEPTH,
    QUOTES,
    reader_problem,
    runaway_quote,
    runaway_quote_before_error,
    syntax_problem,
)
from sessconf.yaml.positions import KeyPath, SourceMap
from sessconf.yaml.scalars import BOOLS, FLOAT_RE, INT_RE, NULLS, NUMBER_START, PLAIN_BOOLS

MARKER = "sessconf:"  # comments that mention it are kept: lint reads its directives from them

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

# Alias expansion may multiply the document, but not beyond this many nodes, nor beyond
# _MAX_EXPANSION_FACTOR times the nodes actually written.
_MAX_EXPANDED_NODES = 200_000
_MAX_EXPANSION_FACTOR = 10

_HEX_COMMENT = re.compile(r"\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\b")


@dataclass(slots=True)
class YamlDocument:
    """A parsed file: its value (None when unusable), positions, problems, and its comments that
    mention ``sessconf:`` (the directives lint reads)."""

    data: object
    source_map: SourceMap
    problems: list[Diagnostic]
    comments: list[Comment]


def read_text(path: Path | str, raw: bytes, problems: list[Diagnostic]) -> str | None:
    """Decode UTF-8 (a BOM is fine); anything else is a problem with its position."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Lines and columns count as the parser's do (characters, YAML line breaks); the text is
        # valid UTF-8 up to the bad byte. After a BOM, the error counts from the end of the BOM.
        data: bytes = exc.object
        lines = LINE_BREAK.split(data[: exc.start].decode("utf-8"))
        line, column = len(lines), len(lines[-1]) + 1
        problems.append(
            NOT_UTF8.at(
                path,
                (line, column),
                f"the file is not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
                "save the file as UTF-8",
            )
        )
        return None


def parse_yaml(path: Path | str, raw: bytes, *, positions: bool = True) -> YamlDocument:
    """Parse one file's bytes. Never raises for bad input: problems are diagnostics.

    With ``positions=False`` the source map stays empty (the problems still carry positions):
    the loader re-parses the few files whose positions it turns out to need.
    """
    problems: list[Diagnostic] = []
    smap = SourceMap()
    text = read_text(path, raw, problems)
    if text is None:
        return YamlDocument(None, smap, problems, [])
    comments: list[Comment] = []
    try:
        loader = _Composer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        # A quote left open often ends the file's structure later on: report the quote instead.
        problems.append(runaway_quote_before_error(path, text) or syntax_problem(path, text, exc))
        return YamlDocument(None, smap, problems, comments_with(MARKER, text))
    except yaml.reader.ReaderError as exc:
        problems.append(reader_problem(path, text, exc))
        return YamlDocument(None, smap, problems, comments_with(MARKER, text))
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml marks its other errors
        problems.append(YAML_SYNTAX.at(path, (1, 1), f"invalid YAML: {exc}"))
        return YamlDocument(None, smap, problems, comments_with(MARKER, text))
    if root is None:
        problems.append(NOT_A_MAPPING.at(path, (1, 1), "the file is empty", "it must hold a mapping"))
        return YamlDocument(None, smap, problems, comments_with(MARKER, text))
    if MARKER in text:  # rare: only then are the scalars' spans needed
        comments = comments_with(MARKER, text, spans_with(MARKER, root))
    data = _Builder(path, text, smap, problems, positions).build(root)
    del root
    return YamlDocument(data, smap, problems, comments)


class _TooComplex(Exception):
    def __init__(self, message: str, node: yaml.Node, hint: str | None = None) -> None:
        super().__init__(message)
        self.node, self.hint = node, hint


_MAX_DIGITS = 1000
_SCALAR, _MAPPING = yaml.ScalarNode, yaml.MappingNode
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
            self._problem(TOO_COMPLEX, exc.node, str(exc), exc.hint)
            return None
        return value

    def _problem(self, rule: Code, node: yaml.Node, message: str, hint: str | None = None) -> None:
        mark = node.start_mark
        self.problems.append(rule.at(self.path, (mark.line + 1, mark.column + 1), message, hint))

    def _unsupported_tag(self, node: yaml.Node, path: KeyPath) -> None:
        self._problem(YAML_SYNTAX, node, f"unsupported tag '{_tag_text(node.tag)}'", "remove the tag")
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
                self._problem(YAML_SYNTAX, key_node, "a key must be plain text, not a list or a mapping")
                self.smap.tainted.add(path)  # an entry is missing
                continue
            # Keys are identifiers: keep their text (YAML 1.1 would turn `no:` or `1:30:` into values).
            k = key_node.value
            if k == "<<" and not key_node.style:
                self._problem(
                    YAML_SYNTAX, key_node, "merge keys ('<<') are not supported", "write the keys out"
                )
                self.smap.tainted.add(path)  # the keys it would merge are missing
                continue
            sub = (*path, k)
            if k in out:
                first = next(kn for kn, _ in node.value if kn.__class__ is _SCALAR and kn.value == k)
                self._problem(
                    DUPLICATE_KEY,
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
            if style in QUOTES and node.end_mark.line != node.start_mark.line:
                self._check_unclosed_quote(node, path)
            return value
        if value[:1] in NUMBER_START:
            if INT_RE.fullmatch(value):
                # Python refuses to convert thousands of digits (a guard against slow parsing);
                # nobody writes such a number: keep it as the text it is.
                return self._int(node, value, path) if len(value) <= _MAX_DIGITS else value
            if FLOAT_RE.fullmatch(value):
                return self._float(node, value, path)
            return value
        if value in BOOLS:
            if value not in PLAIN_BOOLS:
                self.smap.notes[path] = value
            return BOOLS[value]
        if value in NULLS:
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
                YAML11_VALUE,
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
                YAML11_VALUE,
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
                YAML11_VALUE,
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
            UNQUOTED_HASH.at(
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
        problem = runaway_quote(self.path, self._lines(), node.start_mark, node.end_mark)
        if problem is not None:
            self.problems.append(problem)
            self.smap.tainted.add(path[:-1])  # the entries it took in are missing
