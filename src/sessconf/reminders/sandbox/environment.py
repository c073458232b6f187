"""The Jinja2 environment of reminder templates, and compiling them: the only place one is built.

Jinja2's immutable sandbox: no attribute starting with ``_``, no Python internals, no changes to
lists or dicts; and here also no ``str.translate``/``encode``, and only the plain fields of dates
(no ``now()``, no ``astimezone()`` reading the system zone, no zone files). No loader: a template
cannot include, import or extend another (see :mod:`.codegen`). Undefined variables are errors
that name what does exist. Of the reminder's variables, templates read the fields only
(``session.index`` is a tuple method, not a field), and of a type, nothing (a global such as
``dict`` or ``namespace`` is called, never read: ``dict.update(d, ...)`` would change a dict after
it was measured, ``namespace.mro()`` reaches Python's internals).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, time, timedelta, tzinfo
from functools import cache, update_wrapper
from types import BuiltinMethodType, MethodType
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from sessconf.diagnostics import did_you_mean
from sessconf.reminders.sandbox.budget import COST_UNIT, charge, charge_loop
from sessconf.reminders.sandbox.codegen import BoundedCodeGenerator, instrument
from sessconf.reminders.sandbox.filters import filters, template_globals, tests
from sessconf.reminders.sandbox.sizes import (
    VALUE_CAP,
    charged,
    check_method,
    check_mul,
    check_pow,
    check_printf,
    check_str_format,
    too_large,
    weigh,
)
from sessconf.reminders.variables import FIELDS, VARIABLES

MAX_SOURCE = 64 * 1024

_BLOCKED_STR_METHODS = {"translate", "maketrans", "encode"}
_DATE_FIELDS = {
    "year", "month", "day", "hour", "minute", "second", "microsecond", "weekday", "isoweekday",
    "isocalendar", "isoformat", "strftime", "ctime", "date", "time", "utcoffset", "tzname",
    "timestamp", "days", "seconds", "microseconds", "total_seconds", "key",
}  # fmt: skip
_DATE_TYPES = (date, time, timedelta, tzinfo)
_LABELS = {cls: name for name, cls in VARIABLES.items()}
_PLAIN_FIELDS = {cls: frozenset(FIELDS[name]) for name, cls in VARIABLES.items()}


class ReminderUndefined(StrictUndefined):
    """Undefined variables are errors, with the names that do exist."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        name = self._undefined_name
        label = _LABELS.get(type(self._undefined_obj))
        if self._undefined_hint is None and label is not None and isinstance(name, str):
            known = FIELDS[label]
            hint = did_you_mean(name, known)
            extra = f" ({hint})" if hint else f"; it has {', '.join(known)}"
            return f"{label} has no attribute '{name}'{extra}"
        message: str = super()._undefined_message
        top_level = self._undefined_hint is None and self._undefined_obj is missing
        if not top_level or not isinstance(name, str):
            return message
        hint = did_you_mean(name, VARIABLES)
        return f"{message} ({hint})" if hint else f"{message}; the variables are {', '.join(VARIABLES)}"


class ReminderEnvironment(ImmutableSandboxedEnvironment):
    """The bounded sandbox. Templates named ``*.html`` are autoescaped."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(
            undefined=ReminderUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html")),
            finalize=_finalize,
            optimized=False,  # nothing of a template runs while it is compiled
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.filters = filters()
        self.tests = tests()
        self.globals = template_globals()

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, type):
            return False
        if isinstance(obj, _DATE_TYPES):
            return attr in _DATE_FIELDS
        if isinstance(obj, str | bytes) and attr in _BLOCKED_STR_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def getattr(self, obj: Any, attribute: str) -> Any:
        fields = _PLAIN_FIELDS.get(type(obj))
        if fields is not None:
            if attribute in fields:
                return getattr(obj, attribute)  # a field of the reminder's variables: plain data
            if not self.is_safe_attribute(obj, attribute, None):
                return self.unsafe_undefined(obj, attribute)
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if type(argument) is str and type(obj) in _PLAIN_FIELDS:
            return self.getattr(obj, argument)
        value = super().getitem(self.charge_size(obj), self.charge_size(argument))
        return self.charge_size(value) if isinstance(argument, slice) else value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            check_mul(left, right)
        elif operator == "**":
            check_pow(left, right)
        elif operator == "%" and isinstance(left, str):
            check_printf(left, right)
        return charged(self.binop_table[operator](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        charge(1 + sum(weigh(a) for a in (*args, *kwargs.values())) // COST_UNIT)  # a call is rare
        if isinstance(__obj, BuiltinMethodType | MethodType):
            owner = __obj.__self__
            if isinstance(owner, str | bytes):
                charge(len(owner) // COST_UNIT)
                check_method(__obj.__name__, owner, args)
        return charged(ImmutableSandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        formatter = super().wrap_str_format(value)
        if formatter is None:
            return None
        fmt: str = value.__self__
        is_map = value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            if is_map and len(args) == 1 and isinstance(args[0], Mapping):
                check_str_format(fmt, (), args[0])
            else:
                check_str_format(fmt, args, kwargs)
            return formatter(*args, **kwargs)

        return update_wrapper(checked, formatter)

    # Hooks called by the generated code (see codegen). Straight-line code costs nothing: a
    # template is at most MAX_SOURCE long; what runs again and again (loop iterations, macro,
    # call-block and block bodies) is charged for its size each time.
    def charge_size(self, value: Any) -> Any:
        if type(value) is str:
            if len(value) > VALUE_CAP:
                raise too_large("this text", len(value))
            if len(value) >= COST_UNIT:
                charge(len(value) // COST_UNIT)
            return value
        size = weigh(value)
        if size > VALUE_CAP:
            raise too_large("this operation", size)
        if size >= COST_UNIT:
            charge(size // COST_UNIT)
        return value

    def charge_static(self, cost: int) -> str:
        charge(cost)
        return ""

    charge_loop = staticmethod(charge_loop)

    def _generate(
        self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False
    ) -> str:
        instrument(source, name, filename)
        return str(super()._generate(source, name, filename, defer_init))


def _finalize(value: Any) -> Any:
    """What ``{{ value }}`` outputs, charged for its size as printed (a value prints larger than
    it weighs: a date, a number), which bounds what all outputs together hold in memory."""
    if isinstance(value, str):
        size = len(value)
    elif hasattr(value, "__html__"):  # printed as it is (lint's placeholders)
        size = len(str(value))
    else:
        weigh(value)  # refuses what is past the value cap before printing it
        value = str(value)
        size = len(value)
    if size >= COST_UNIT:
        charge(size // COST_UNIT)
    return value


@cache
def environment() -> ReminderEnvironment:
    """The process's reminder environment (stateless between renders)."""
    return ReminderEnvironment()


def parse_template(source: str, name: str, filename: str) -> nodes.Template:
    """The syntax tree of ``source``; raises ``TemplateSyntaxError`` (with its line)."""
    if len(source) > MAX_SOURCE:
        raise TemplateSyntaxError(f"the template is larger than {MAX_SOURCE // 1024} KiB", 1, name, filename)
    return environment().parse(source, name, filename)


def compile_template(
    source: str | nodes.Template, name: str, filename: str, *, escaped_blocks: Iterable[str] = ()
) -> Any:
    """Compile ``source`` (text, or a tree from :func:`parse_template`, which this changes);
    ``name`` ending in ``.html`` turns autoescaping on for the whole template, ``escaped_blocks``
    for those blocks only (as if each were in ``{% autoescape true %}``).

    Raises ``TemplateSyntaxError`` (with its line) for a template that does not parse or that
    uses what reminder templates may not (include, recursive loops, ...).
    """
    env = environment()
    tree = parse_template(source, name, filename) if isinstance(source, str) else source
    escaped = set(escaped_blocks)
    for block in tree.find_all(nodes.Block):
        if block.name in escaped:
            on = [nodes.Keyword("autoescape", nodes.Const(True))]
            block.body = [nodes.ScopedEvalContextModifier(on, block.body, lineno=block.lineno)]
    code = env.compile(tree, name, filename)
    return env.template_class.from_code(env, code, env.make_globals(None), None)
