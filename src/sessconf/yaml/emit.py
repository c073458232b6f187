"""Writing YAML scalars that read back exactly, here and with ``yaml.safe_load``."""

from __future__ import annotations

import functools
import re

import yaml

from sessconf.yaml.scalars import BOOLS, FLOAT_RE, INT_RE, NULLS, NUMBER_START

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
    if _writing()[0].resolve(yaml.ScalarNode, text, (True, False)) != "tag:yaml.org,2002:str":  # type: ignore[no-untyped-call]
        return False
    if text[0] in NUMBER_START and (INT_RE.fullmatch(text) or FLOAT_RE.fullmatch(text)):
        return False
    return text not in BOOLS and text not in NULLS


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    known = _ESCAPES.get(char)
    if known is not None:
        return known
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
