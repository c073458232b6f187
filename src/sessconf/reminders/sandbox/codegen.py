"""Compiling templates so that what they run is charged to the budget (Jinja2's internals).

The one module that relies on Jinja2's compiler internals.

Before code is generated, the syntax tree is checked and instrumented (:func:`instrument`): no
``extends``, ``include`` or ``import`` (there is no loader either), no recursive loop; each loop
iteration, and each run of a macro, call block or block body, is charged for its size (one
operation per 8 syntax nodes and per :data:`~.budget.COST_UNIT` characters of literal text).
Straight-line code needs no charge: a template is at most ``MAX_SOURCE`` long. The code
generator (:class:`BoundedCodeGenerator`) then routes literals, concatenation and comparisons
through the environment's ``charge_size``.

``jinja2.compiler.CodeGenerator`` and ``Environment._generate`` (which the environment overrides
to call :func:`instrument`) are not public API: ``pyproject.toml`` pins Jinja2 to the minor
release this is tested with (3.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, operators
from jinja2.exceptions import TemplateSyntaxError

from sessconf.reminders.sandbox.budget import COST_UNIT

# The environment's methods that instrumented trees call (templates cannot name them).
HOOKS = frozenset({"charge_static", "charge_loop"})


def instrument(source: nodes.Template, name: str | None, filename: str | None) -> None:
    """Refuse what reminder templates may not do, and charge what runs again and again (changes
    ``source``); raises ``TemplateSyntaxError``."""
    for node in source.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        raise TemplateSyntaxError(
            "a reminder template cannot extend, include or import another template",
            node.lineno,
            name,
            filename,
        )
    for loop in list(source.find_all(nodes.For)):
        if loop.recursive:
            raise TemplateSyntaxError(
                "recursive loops are not supported in reminder templates", loop.lineno, name, filename
            )
        # charged per item, also for items that the loop's `if` filters out
        cost = _static_cost([*loop.body, *loop.else_, *([loop.test] if loop.test else [])])
        loop.iter = nodes.Call(
            nodes.EnvironmentAttribute("charge_loop", lineno=loop.lineno),
            [loop.iter, nodes.Const(cost, lineno=loop.lineno)],
            [],
            None,
            None,
            lineno=loop.iter.lineno,
        )
    for owner in list(source.find_all((nodes.Macro, nodes.CallBlock, nodes.Block))):
        body: list[nodes.Node] = owner.body  # type: ignore[attr-defined]
        body.insert(0, nodes.ExprStmt(_charge_node(_static_cost(body), owner.lineno), lineno=owner.lineno))


class BoundedCodeGenerator(CodeGenerator):
    """Jinja2's code generator, with values that a template builds (lists, dicts, tuples,
    concatenations, compared operands) passed through ``environment.charge_size``."""

    def _wrapped(self, method: str, visit: Callable[[], None]) -> None:
        self.write(f"environment.{method}(")
        visit()
        self.write(")")

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        # our own hooks (templates cannot name them) are called directly, not as template calls
        if isinstance(node.node, nodes.EnvironmentAttribute) and node.node.name in HOOKS:
            self.write(f"environment.{node.node.name}(")
            for index, arg in enumerate(node.args):
                self.write(", " if index else "")
                self.visit(arg, frame)
            self.write(")")
            return
        super().visit_Call(node, frame, forward_caller=forward_caller)

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._wrapped("charge_size", lambda: super(BoundedCodeGenerator, self).visit_List(node, frame))

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._wrapped("charge_size", lambda: super(BoundedCodeGenerator, self).visit_Dict(node, frame))

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":
            super().visit_Tuple(node, frame)
            return
        self._wrapped("charge_size", lambda: super(BoundedCodeGenerator, self).visit_Tuple(node, frame))

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self._wrapped("charge_size", lambda: super(BoundedCodeGenerator, self).visit_Concat(node, frame))

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(")
        self._wrapped("charge_size", lambda: self.visit(node.expr, frame))
        for op in node.ops:
            self.visit(op, frame)
        self.write(")")

    def visit_Operand(self, node: nodes.Operand, frame: Frame) -> None:
        self.write(f" {operators[node.op]} ")
        self._wrapped("charge_size", lambda: self.visit(node.expr, frame))


def _static_cost(body: Iterable[nodes.Node]) -> int:
    """What running ``body`` once costs: one operation per 8 syntax nodes (each a lookup, a test,
    an output, ...) and per 256 characters of literal text, at least one."""
    count, literal = 0, 0
    for top in body:
        for node in (top, *top.find_all(nodes.Node)):
            count += 1
            if isinstance(node, nodes.TemplateData):
                literal += len(node.data)
    return 1 + count // 8 + literal // COST_UNIT


def _charge_node(cost: int, lineno: int) -> nodes.Call:
    return nodes.Call(
        nodes.EnvironmentAttribute("charge_static", lineno=lineno),
        [nodes.Const(cost, lineno=lineno)],
        [],
        None,
        None,
        lineno=lineno,
    )
