"""What a template's output depends on, found from its syntax tree (for lint, SPEC §5).

Lint renders every bookable session at each of its locations. Most variables only ever reach the
output as they are: ``{{ session.description }}`` copies the description into the text and
nothing else looks at it. Such a field is *spliced*: lint renders the template once with a
placeholder in its place, then puts each session's value there, which is exact: nothing in the
template can tell the placeholder from the value. A field used in a condition only
(``{% if location.address %}``, ``is none``, ``not``, ``and``/``or``) is keyed on its truth; one
used in any other way (a filter, a comparison, a call, an argument, a ``set``) is keyed on its
value. Renders are shared by every (session, location) with the same key.

Anything the analysis does not follow turns splicing off for the variable concerned (it is then
keyed on all its fields): the variable used as a whole (``{{ session }}``, ``{% set s = session
%}``), a name that shadows it, ``self`` (a block rendered elsewhere), or a change of autoescaping.
Text captured by ``{% set %}...{% endset %}``, macros, call blocks and filter blocks is not
output as is, so the fields used there are keyed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, NamedTuple

from jinja2 import nodes

from sessconf.reminders.variables import FIELDS

FieldPath = tuple[str, str]


class Key(Enum):
    TRUTH = "truth"  # (value is None, bool(value))
    VALUE = "value"


class Dependence(NamedTuple):
    """How one template's output depends on the variables' fields."""

    keys: dict[FieldPath, Key]
    spliced: frozenset[FieldPath]


class _Uses:
    __slots__ = ("direct", "splicing", "truth", "value", "whole")

    def __init__(self) -> None:
        self.direct: set[FieldPath] = set()
        self.truth: set[FieldPath] = set()
        self.value: set[FieldPath] = set()
        self.whole: set[str] = set()
        self.splicing = True


_CAPTURING = (nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock)
_DIRECT, _BOOL, _GENERAL = "direct", "bool", "general"


def analyse(tree: nodes.Template) -> Dependence:
    uses = _Uses()
    _statements(tree.body, uses, captured=False)
    keys: dict[FieldPath, Key] = {}
    for variable in uses.whole:
        for name in FIELDS[variable]:
            keys[(variable, name)] = Key.VALUE
    spliced: set[FieldPath] = set()
    for path in uses.direct | uses.truth | uses.value:
        if path[0] in uses.whole:
            continue
        if path in uses.value or (path in uses.direct and not uses.splicing):
            keys[path] = Key.VALUE
            continue
        if path in uses.truth:
            keys[path] = Key.TRUTH
        if path in uses.direct:
            spliced.add(path)
    return Dependence(keys, frozenset(spliced))


def _statements(body: Iterable[nodes.Node], uses: _Uses, captured: bool) -> None:
    for node in body:
        _statement(node, uses, captured)


def _statement(node: nodes.Node, uses: _Uses, captured: bool) -> None:
    if isinstance(node, nodes.Output):
        for output in node.nodes:
            if not isinstance(output, nodes.TemplateData):
                _expr(output, uses, _GENERAL if captured else _DIRECT)
        return
    if isinstance(node, nodes.If):
        _expr(node.test, uses, _BOOL)
        _statements(node.body, uses, captured)
        _statements(node.elif_, uses, captured)
        _statements(node.else_, uses, captured)
        return
    if isinstance(node, nodes.ScopedEvalContextModifier | nodes.EvalContextModifier):
        uses.splicing = False
    inner = captured or isinstance(node, _CAPTURING)
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Stmt | nodes.Template):
            _statement(child, uses, inner)
        elif isinstance(child, nodes.Expr):
            _expr(child, uses, _GENERAL)
        else:  # keyword arguments, dict pairs, operands, ...
            _statement(child, uses, inner)


def _expr(node: nodes.Node, uses: _Uses, how: str) -> None:
    path = _field_path(node)
    if path is not None:
        {_DIRECT: uses.direct, _BOOL: uses.truth, _GENERAL: uses.value}[how].add(path)
        return
    if isinstance(node, nodes.Name):
        if node.name in FIELDS:
            uses.whole.add(node.name)
        elif node.name == "self":
            uses.splicing = False
        return
    if isinstance(node, nodes.CondExpr):
        _expr(node.test, uses, _BOOL)
        _expr(node.expr1, uses, how)
        if node.expr2 is not None:
            _expr(node.expr2, uses, how)
        return
    if isinstance(node, nodes.And | nodes.Or) and how != _GENERAL:
        # in a condition both sides are conditions; in the output the left one is tested, then
        # either side is output as it is
        _expr(node.left, uses, _BOOL)
        if how == _DIRECT:
            _expr(node.left, uses, _DIRECT)
        _expr(node.right, uses, how)
        return
    if isinstance(node, nodes.Not):
        _expr(node.node, uses, _BOOL)
        return
    if isinstance(node, nodes.Test) and node.name in ("none", "defined", "undefined") and not node.args:
        _expr(node.node, uses, _BOOL)
        return
    for child in node.iter_child_nodes():
        _expr(child, uses, _GENERAL)


def _field_path(node: nodes.Node) -> FieldPath | None:
    """``session.description`` or ``session["description"]`` as ("session", "description")."""
    if isinstance(node, nodes.Getattr):
        target: Any = node.node
        attr: Any = node.attr
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        target, attr = node.node, node.arg.value
    else:
        return None
    known = isinstance(target, nodes.Name) and target.ctx == "load" and target.name in FIELDS
    return (target.name, attr) if known and isinstance(attr, str) else None
