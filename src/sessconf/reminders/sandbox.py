"""The Jinja2 environment for reminder templates: the only module that builds one (SPEC §5).

Templates come from the people who maintain a repository, and run in CI and on admins' machines,
so rendering is bounded, not merely sandboxed:

- Jinja2's immutable sandbox: no attribute starting with ``_``, no Python internals, no changes to
  lists or dicts; and here also no ``str.translate``/``encode``, and only the plain fields of dates
  (no ``now()``, no ``astimezone()`` reading the system zone, no zone files). No loader: a template
  cannot include, import or extend another; ``lipsum`` and ``random`` (not deterministic) and
  ``urlize`` are left out. Undefined variables are errors.
- An **operation budget** per render (:data:`OPERATION_BUDGET`). What can run many times is
  charged each time it runs: a loop iteration, or the body of a macro, call block or block, for
  its size (one operation per 8 syntax nodes and per :data:`COST_UNIT` characters of literal
  text); a call, filter or test one operation. Whatever reads, makes or outputs a large value is
  charged one operation per :data:`COST_UNIT` characters or items. Straight-line code needs no
  charge: a template is at most :data:`MAX_SOURCE` long.
- A **value cap** (:data:`VALUE_CAP`): an operation that would make a larger string, list or number
  is refused *before* it runs (``*``, ``**``, ``%``, ``range``, padding and replacing methods and
  filters, ``format``), or right after for those whose result is at most a few times their input.
  The size of a list counts what it holds, recursively: ``[a, a]`` weighs twice ``a``, so no
  structure can hide an exponential expansion from ``string`` or ``tojson``.
- An **output cap** (:data:`OUTPUT_CAP`) on what one render produces.
- A **deadline**: a render may take :data:`RENDER_SECONDS`, and the renders of one template by one
  command (see :class:`Allowance`) :data:`TEMPLATE_SECONDS` together. The clock is read at each
  operation charged; in a bounded worker (:mod:`sessconf.reminders.worker`, where templates from
  the repository are rendered) a CPU-time timer also interrupts a single slow filter call.

The budget and the cap are estimates; the deadline, and the worker's memory limit, are what
holds when an estimate is wrong. No global is a type that a template could reach into
(``dict.update(d, ...)`` would change a value after it was measured): templates read no
attribute of a type. A breach raises :class:`BoundsError`; :func:`failure` turns any exception of
a render into the template line and a message.

The code generator routes literals, loops and operators through the budget by extending
Jinja2's ``CodeGenerator`` and ``Environment._generate``, which are not public API:
``pyproject.toml`` pins Jinja2 to the minor release this is tested with (3.1).
"""

from __future__ import annotations

import math
import re
import signal
import string
import time as clock
from collections.abc import Callable, Iterable, Iterator, Mapping, MappingView, Sequence
from collections.abc import Set as AbstractSet
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache, update_wrapper, wraps
from types import BuiltinMethodType, MethodType, TracebackType
from typing import Any, cast

from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame, operators
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.tests import TESTS as DEFAULT_TESTS
from jinja2.utils import Cycler, Joiner, Namespace, missing

from sessconf.diagnostics import did_you_mean
from sessconf.reminders import dates
from sessconf.reminders.variables import FIELDS, VARIABLES

OPERATION_BUDGET = 50_000
COST_UNIT = 256
VALUE_CAP = 100_000
OUTPUT_CAP = 20_000
MAX_INT_BITS = 4096
MAX_SOURCE = 64 * 1024
RENDER_SECONDS = 1.0
TEMPLATE_SECONDS = 5.0

_REMOVED_FILTERS = {"random", "urlize"}
_BLOCKED_STR_METHODS = {"translate", "maketrans", "encode"}
_DATE_FIELDS = {
    "year", "month", "day", "hour", "minute", "second", "microsecond", "weekday", "isoweekday",
    "isocalendar", "isoformat", "strftime", "ctime", "date", "time", "utcoffset", "tzname",
    "timestamp", "days", "seconds", "microseconds", "total_seconds", "key",
}  # fmt: skip
_DATE_TYPES = (date, time, timedelta, tzinfo)
_LABELS = {cls: name for name, cls in VARIABLES.items()}
_PLAIN_FIELDS = {cls: frozenset(FIELDS[name]) for name, cls in VARIABLES.items()}


class BoundsError(SecurityError):
    """A render went past one of its bounds (operations, value size, output size, time).

    A caller rendering many inputs with one template stops at the first: the next would most
    likely breach it again, and cost as much to find out.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _Budget:
    """What one render may still spend, its deadline (``time.monotonic()``), and the sizes of the
    lists and dicts it has made."""

    __slots__ = ("deadline", "expired", "left", "locale", "slow", "weights")

    def __init__(self, locale: str) -> None:
        self.left = OPERATION_BUDGET
        self.locale = locale
        self.deadline = math.inf
        self.expired = False  # the timer stopped the render (whatever it raised after)
        self.slow = _SLOW  # what passing the deadline means
        # id -> (object, weight); the object is kept so that its id is not reused meanwhile
        self.weights: dict[int, tuple[object, int]] = {}


_ACTIVE: ContextVar[_Budget | None] = ContextVar("sessconf_reminder_render", default=None)


def _budget() -> _Budget:
    budget = _ACTIVE.get()
    if budget is None:
        raise RuntimeError("reminder templates are rendered with sandbox.render_part()")
    return budget


def _charge(units: int) -> None:
    budget = _ACTIVE.get() or _budget()
    budget.left -= units
    if budget.left < 0:
        budget.left = 0
        raise BoundsError(
            f"the template needs more than {OPERATION_BUDGET:,} operations "
            "(a loop, recursion or value far too large for a reminder)"
        )
    if _now() > budget.deadline:
        raise BoundsError(budget.slow)


_now = clock.monotonic
_SLOW = (
    f"the template takes more than {RENDER_SECONDS:g} s to render "
    "(a loop or filter far too slow for a reminder)"
)


def _too_large(what: str, size: int) -> BoundsError:
    return BoundsError(f"{what} would make a value of {size:,} characters or items (at most {VALUE_CAP:,})")


_ATOMS = frozenset({float, bool, type(None), datetime, date, time, timedelta, *VARIABLES.values()})
_SMALL_INT = 1 << 64


def weigh(value: object, inside: bool = False) -> int:
    """The size of ``value``: characters of a text (or digits of a large number), items of a
    list, dict, set or view (``dict.values()``), counted recursively (a list holding the same list
    twice weighs it twice). Raises :class:`BoundsError` past :data:`VALUE_CAP`.
    """
    kind = type(value)
    if kind is str:
        return len(value)  # type: ignore[arg-type]
    if kind in _ATOMS:
        return 1
    if isinstance(value, int):
        return 1 if -_SMALL_INT < value < _SMALL_INT else value.bit_length() // 3  # about its digits
    if isinstance(value, str | bytes):
        return len(value)
    if value is None or isinstance(value, float | date | time | timedelta | Undefined):
        return 1
    if isinstance(value, range):
        return len(value)
    if isinstance(value, Namespace):
        if inside:
            raise BoundsError("a namespace() cannot be put in a list, tuple or dict")
        attrs: dict[str, Any] = object.__getattribute__(value, "_Namespace__attrs")
        return 1 + sum(weigh(item, True) for item in attrs.values())  # it prints them
    if isinstance(value, Cycler):
        return weigh(value.items, inside)
    if isinstance(value, list | tuple | set | frozenset):
        items: Iterable[object] = value
    elif isinstance(value, dict | Mapping):
        items = (item for pair in value.items() for item in pair)
    elif isinstance(value, MappingView | AbstractSet | Sequence):
        items = cast(Iterable[object], value)  # a dict view holds what its dict does, and prints it
    else:
        return 1
    memo = _budget().weights
    known = memo.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    total = 1
    for item in items:
        total += weigh(item, True)
        if total > VALUE_CAP:
            raise _too_large("this list or dict", total)
    memo[id(value)] = (value, total)
    return total


def _charged(value: object) -> object:
    """Check the size of what an operation made, and charge for it; return it."""
    size = weigh(value)
    if size > VALUE_CAP:
        raise _too_large("this operation", size)
    if size >= COST_UNIT:
        _charge(size // COST_UNIT)
    return value


# -- prechecks: refuse before an operation makes something too large ----------------------------

_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)")
_NUMBER = re.compile(r"\d+")


def _check_size(what: str, size: int) -> None:
    if size > VALUE_CAP:
        raise _too_large(what, size)


def _check_printf(fmt: str, args: object) -> None:
    fields, padding = 0, 0
    for match in _PRINTF.finditer(fmt):
        width, precision, kind = match.groups()
        if kind == "%":
            continue
        if "*" in (width, precision):
            raise BoundsError("'*' widths are not supported in reminder templates; write the number")
        padding += max(int(width or 0), int(precision or 0))
        fields += 1
        _check_size("this '%' format", padding)
    values = args.values() if isinstance(args, Mapping) else args if isinstance(args, tuple) else (args,)
    largest = max((weigh(v) for v in values), default=0)
    _check_size("this '%' format", len(fmt) + padding + fields * largest)


def _check_str_format(fmt: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    largest = max((weigh(v) for v in (*args, *kwargs.values())), default=0)
    estimate = len(fmt)
    for _, field, spec, _ in string.Formatter().parse(fmt):
        if field is None:
            continue
        if spec and "{" in spec:
            raise BoundsError("nested '{}' fields are not supported in reminder templates")
        widths = [int(n) for n in _NUMBER.findall(spec or "")]
        estimate += max([largest, *widths])
        _check_size("this format()", estimate)


def _check_mul(left: object, right: object) -> None:
    for seq, times in ((left, right), (right, left)):
        if isinstance(times, int) and isinstance(seq, str | bytes | list | tuple):
            _check_size("'*'", weigh(seq) * max(times, 0))
    if isinstance(left, int) and isinstance(right, int):
        _check_bits("'*'", left.bit_length() + right.bit_length())


def _check_pow(left: object, right: object) -> None:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        _check_bits("'**'", left.bit_length() * right)


def _check_bits(what: str, bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise BoundsError(f"{what} would make a number of more than {MAX_INT_BITS} bits")


def _check_method(name: str, owner: str | bytes, args: tuple[Any, ...]) -> None:
    """Prechecks for the text methods that can grow their text a lot."""
    if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
        _check_size(f"{name}()", args[0])
    elif name == "expandtabs":
        tab = args[0] if args and isinstance(args[0], int) else 8
        tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
        _check_size("expandtabs()", len(owner) + tabs * tab)
    elif name == "replace" and len(args) >= 2:
        _check_size("replace()", _replaced_size(owner, args[0], args[1]))
    elif name == "join" and args:
        _check_size("join()", _joined_size(owner, args[0]))


def _replaced_size(text: Any, old: Any, new: Any) -> int:
    if not isinstance(old, str | bytes) or not isinstance(new, str | bytes):
        return len(text)
    hits = text.count(old) if old else len(text) + 1
    return len(text) + hits * max(len(new) - len(old), 0)


def _joined_size(separator: Any, items: Any) -> int:
    if not isinstance(items, list | tuple | str):
        return len(separator)  # a generator: checked after (its items were charged as made)
    return weigh(items) + len(items) * len(separator)


# -- filters and tests --------------------------------------------------------------------------


_CHECKED_FILTERS = {"center", "indent", "wordwrap", "batch", "slice", "tojson", "format", "replace", "sum"}


def _filter_checks(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Prechecks for the built-in filters that can make large values from small arguments."""
    value = args[0] if args else None
    rest = list(args[1:])

    def arg(position: int, key: str, default: Any = None) -> Any:
        return kwargs.get(key, rest[position] if position < len(rest) else default)

    if name == "center":
        width = arg(0, "width", 80)
        _check_size("center", width if isinstance(width, int) else 0)
    elif name == "indent" and isinstance(value, str):
        width = arg(0, "width", 4)
        pad = width if isinstance(width, int) else len(str(width))
        _check_size("indent", len(value) + (value.count("\n") + 1) * pad)
    elif name == "wordwrap" and isinstance(value, str):
        wrap = arg(2, "wrapstring", "\n")
        _check_size("wordwrap", len(value) * (1 + len(str(wrap or "\n"))))
    elif name in ("batch", "slice"):
        count = arg(0, "linecount" if name == "batch" else "slices", 1)
        if isinstance(count, int):
            _check_size(name, count)
    elif name == "tojson":
        indent = arg(0, "indent")
        if isinstance(indent, int) and indent > 16:
            raise BoundsError("tojson: an indent of at most 16")
    elif name == "format" and isinstance(value, str):
        _check_printf(value, kwargs if kwargs else tuple(rest))
    elif name == "replace" and isinstance(value, str):
        _check_size("replace", _replaced_size(value, arg(0, "old"), arg(1, "new")))
    elif name == "sum":
        start = arg(1, "start", 0)
        if not isinstance(start, int | float):
            raise BoundsError("sum: only numbers can be added up")


def _bounded_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    passes = getattr(fn, "jinja_pass_arg", None)
    skip = 0 if passes is None else 1  # the context, eval context or environment comes first

    checked = name in _CHECKED_FILTERS

    @wraps(fn)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if name == "join":
            items = args[skip] if len(args) > skip else ()
            if not isinstance(items, list | tuple | str):
                items = _take(items)
                args = (*args[:skip], items, *args[skip + 1 :])
            separator = args[skip + 1] if len(args) > skip + 1 else kwargs.get("d", "")
            _check_size("join", _joined_size(str(separator), items))
        elif checked:
            _filter_checks(name, args[skip:], kwargs)
        size = 0
        for arg in args[skip:]:
            size += weigh(arg)
        _charge(1 + size // COST_UNIT)  # one per call (map() calls filters per item), and per size
        return _charged(fn(*args, **kwargs))

    return bounded


def _take(items: Any) -> list[Any]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) > VALUE_CAP:
            raise _too_large("join", len(taken))
    return taken


def _bounded_test(fn: Callable[..., Any]) -> Callable[..., Any]:
    passes = getattr(fn, "jinja_pass_arg", None)
    skip = 0 if passes is None else 1

    @wraps(fn)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        size = 0
        for arg in args[skip:]:
            size += weigh(arg)
        _charge(1 + size // COST_UNIT)
        return fn(*args, **kwargs)

    return bounded


def _locale() -> str:
    return _budget().locale


# Our own filters bound themselves: one operation a call, and their text is a few times the pattern.
def _date_filter(fn: Callable[..., str]) -> Callable[..., str]:
    def format_value(value: object, pattern: str | None = None) -> str:
        budget = _ACTIVE.get() or _budget()
        budget.left -= 1
        if budget.left < 0:
            _charge(0)
        if not isinstance(value, datetime):
            raise TypeError(f"expected a date and time such as appointment.start, not {value!r}")
        if pattern is None:
            return fn(value, budget.locale)
        _check_size("a date pattern", len(str(pattern)) * 16)
        return fn(value, budget.locale, str(pattern))

    return update_wrapper(format_value, fn)


def _format_zone(value: object) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a date and time such as appointment.start, not {value!r}")
    _charge(1)
    return dates.format_zone(value, _locale())


REMINDER_FILTERS: dict[str, Callable[..., str]] = {
    "format_date": _date_filter(dates.format_date),
    "format_time": _date_filter(dates.format_time),
    "format_datetime": _date_filter(dates.format_datetime),
    "format_zone": _format_zone,
}


# -- globals --------------------------------------------------------------------------------------


def _range(*args: int) -> range:
    numbers = range(*args)
    _check_size("range()", len(numbers))
    return numbers


_SCALARS = (str, int, float, date, time, timedelta, type(None), *VARIABLES.values())


class _Namespace(Namespace):
    """``namespace()`` for counters and flags: it holds plain values only (text, numbers, true or
    false, dates), so it cannot grow a structure behind the value cap's back."""

    def __init__(*args: Any, **kwargs: Any) -> None:  # the signature of Namespace
        self, rest = args[0], args[1:]
        Namespace.__init__(self, *rest, **kwargs)
        attrs: dict[str, Any] = object.__getattribute__(self, "_Namespace__attrs")
        for key, value in attrs.items():
            _Namespace._check(key, value)

    def __setitem__(self, name: str, value: Any) -> None:
        _Namespace._check(name, value)
        Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check(name: str, value: Any) -> None:
        if not isinstance(value, _SCALARS):
            raise BoundsError(
                f"namespace attribute '{name}': a namespace holds text, numbers, true/false and dates, "
                f"not {type(value).__name__}"
            )


# -- undefined ----------------------------------------------------------------------------------


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


# -- code generation: route literals, loops, concatenation and comparisons through the budget -----


class _BoundedCodeGenerator(CodeGenerator):
    def _wrapped(self, method: str, visit: Callable[[], None]) -> None:
        self.write(f"environment.{method}(")
        visit()
        self.write(")")

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        # our own hooks (templates cannot name them) are called directly, not as template calls
        if isinstance(node.node, nodes.EnvironmentAttribute) and node.node.name in _HOOKS:
            self.write(f"environment.{node.node.name}(")
            for index, arg in enumerate(node.args):
                self.write(", " if index else "")
                self.visit(arg, frame)
            self.write(")")
            return
        super().visit_Call(node, frame, forward_caller=forward_caller)

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._wrapped("charge_size", lambda: super(_BoundedCodeGenerator, self).visit_List(node, frame))

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._wrapped("charge_size", lambda: super(_BoundedCodeGenerator, self).visit_Dict(node, frame))

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":
            super().visit_Tuple(node, frame)
            return
        self._wrapped("charge_size", lambda: super(_BoundedCodeGenerator, self).visit_Tuple(node, frame))

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self._wrapped("charge_size", lambda: super(_BoundedCodeGenerator, self).visit_Concat(node, frame))

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(")
        self._wrapped("charge_size", lambda: self.visit(node.expr, frame))
        for op in node.ops:
            self.visit(op, frame)
        self.write(")")

    def visit_Operand(self, node: nodes.Operand, frame: Frame) -> None:
        self.write(f" {operators[node.op]} ")
        self._wrapped("charge_size", lambda: self.visit(node.expr, frame))


_HOOKS = frozenset({"charge_static", "charge_loop"})


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


# -- the environment ------------------------------------------------------------------------------


class ReminderEnvironment(ImmutableSandboxedEnvironment):
    """The bounded sandbox. Templates named ``*.html`` are autoescaped."""

    code_generator_class = _BoundedCodeGenerator
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
        self.filters = {
            name: _bounded_filter(name, fn)
            for name, fn in DEFAULT_FILTERS.items()
            if name not in _REMOVED_FILTERS
        }
        self.filters.update(REMINDER_FILTERS)
        tests = cast(dict[str, Callable[..., Any]], DEFAULT_TESTS)
        self.tests = {name: _bounded_test(test) for name, test in tests.items()}
        self.globals = {
            "range": _range,
            "dict": dict,
            "cycler": Cycler,
            "joiner": Joiner,
            "namespace": _Namespace,
        }

    # What templates may read: no attribute of a type (``dict.update(d, x)`` would change a dict
    # after it was measured, ``namespace.mro()`` reaches Python's internals), and of the
    # variables, their fields only (``session.index`` is a tuple method, not a field).
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
            _check_mul(left, right)
        elif operator == "**":
            _check_pow(left, right)
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right)
        return _charged(self.binop_table[operator](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _charge(1 + sum(weigh(a) for a in (*args, *kwargs.values())) // COST_UNIT)  # a call is rare
        if isinstance(__obj, BuiltinMethodType | MethodType):
            owner = __obj.__self__
            if isinstance(owner, str | bytes):
                _charge(len(owner) // COST_UNIT)
                _check_method(__obj.__name__, owner, args)
        return _charged(ImmutableSandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        formatter = super().wrap_str_format(value)
        if formatter is None:
            return None
        fmt: str = value.__self__
        is_map = value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            if is_map and len(args) == 1 and isinstance(args[0], Mapping):
                _check_str_format(fmt, (), args[0])
            else:
                _check_str_format(fmt, args, kwargs)
            return formatter(*args, **kwargs)

        return update_wrapper(checked, formatter)

    # Hooks called by the generated code (see _BoundedCodeGenerator and _generate). Straight-line
    # code costs nothing: a template is at most MAX_SOURCE long; what runs again and again (loop
    # iterations, macro, call-block and block bodies) is charged for its size each time.
    def charge_size(self, value: Any) -> Any:
        if type(value) is str:
            if len(value) > VALUE_CAP:
                raise _too_large("this text", len(value))
            if len(value) >= COST_UNIT:
                _charge(len(value) // COST_UNIT)
            return value
        size = weigh(value)
        if size > VALUE_CAP:
            raise _too_large("this operation", size)
        if size >= COST_UNIT:
            _charge(size // COST_UNIT)
        return value

    def charge_static(self, cost: int) -> str:
        _charge(cost)
        return ""

    def charge_loop(self, iterable: Any, cost: int) -> Iterator[Any]:
        budget = _budget()
        for item in iterable:
            budget.left -= cost
            if budget.left < 0 or _now() > budget.deadline:
                _charge(0)
            yield item

    def _generate(
        self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False
    ) -> str:
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
            body.insert(
                0, nodes.ExprStmt(_charge_node(_static_cost(body), owner.lineno), lineno=owner.lineno)
            )
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
        _charge(size // COST_UNIT)
    return value


def _too_long(line: int | None = None) -> BoundsError:
    return BoundsError(f"the output is longer than {OUTPUT_CAP:,} characters", line)


@cache
def environment() -> ReminderEnvironment:
    """The process's reminder environment (stateless between renders)."""
    return ReminderEnvironment()


# -- compiling and rendering ------------------------------------------------------------------------


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


class Allowance:
    """The time that the renders of one template may still take together (at most ``seconds``):
    lint's reminder check, or ``sessconf render --all``, however many sessions they render.

    In a bounded worker (after :func:`use_timers`), render times are CPU time, and a timer stops a
    render at its deadline even inside a single slow call; elsewhere they are wall-clock time,
    checked at each operation charged.
    """

    __slots__ = ("_span", "_started", "left", "seconds")

    def __init__(self, seconds: float = TEMPLATE_SECONDS) -> None:
        self.seconds = seconds
        self.left = seconds
        self._started = 0.0
        self._span = 0.0

    def begin(self, budget: _Budget) -> None:
        """Start a render: set its deadline (``time.monotonic()``); raises :class:`BoundsError`
        when the allowance is spent."""
        spent = (
            f"rendering this template for every session takes more than {self.seconds:g} s in all "
            "(too slow for so many reminders)"
        )
        if self.left <= 0:
            raise BoundsError(spent)
        span = min(RENDER_SECONDS, self.left)
        if span < RENDER_SECONDS:
            budget.slow = spent
        if _TIMERS:
            self._span = span
            signal.setitimer(signal.ITIMER_PROF, span)
            return
        self._started = _now()
        budget.deadline = self._started + span

    def end(self) -> None:
        if _TIMERS:
            remaining, _ = signal.setitimer(signal.ITIMER_PROF, 0)
            self.left -= self._span - remaining
        else:
            self.left -= _now() - self._started


_TIMERS = False  # in a bounded worker: render times are CPU time, enforced by SIGPROF


def use_timers() -> None:
    """Enforce render deadlines with a CPU-time timer (``SIGPROF``), which also interrupts a slow
    filter call: for a process of its own, such as a bounded worker, whose signals it owns."""
    global _TIMERS

    def expired(signum: int, frame: Any) -> None:
        budget = _ACTIVE.get()
        if budget is not None:
            # Raised wherever the render is: code there may swallow it (``except Exception``), so
            # the next charge raises again, and the render fails with this error whatever happens.
            budget.deadline = -math.inf
            budget.expired = True
            raise BoundsError(budget.slow)

    signal.signal(signal.SIGPROF, expired)
    _TIMERS = True


def render_part(
    template: Any,
    variables: Mapping[str, Any],
    locale: str,
    block: str | None = None,
    allowance: Allowance | None = None,
) -> str:
    """Render ``template`` (or one of its blocks) within the bounds, with its own budget, and
    within ``allowance`` (the time left for the renders of this template) when given."""
    if allowance is None:
        allowance = Allowance(RENDER_SECONDS)
    budget = _Budget(locale)
    token = _ACTIVE.set(budget)
    try:
        allowance.begin(budget)
        try:
            output = _render(template, variables, budget, block)
        except Exception as exc:
            if budget.expired:  # at the line where the timer stopped it
                raise BoundsError(budget.slow, _line_in_template(exc.__traceback__)) from None
            raise
        finally:
            allowance.end()
        if budget.expired:
            raise BoundsError(budget.slow)
        return output
    finally:
        _ACTIVE.reset(token)


def _render(template: Any, variables: Mapping[str, Any], budget: _Budget, block: str | None) -> str:
    function = template.root_render_func if block is None else template.blocks[block]
    # Everything output was charged for its size, so the whole output is bounded by the budget;
    # the cap is checked after, and a render that passes it is re-run to find where.
    output = "".join(function(template.new_context(variables)))
    if len(output) > OUTPUT_CAP:
        budget.left, budget.weights = OPERATION_BUDGET, {}
        generator = function(template.new_context(variables))
        total = 0
        for piece in generator:
            total += len(piece)
            if total > OUTPUT_CAP:
                frame = generator.gi_frame
                line = template.get_corresponding_lineno(frame.f_lineno) if frame is not None else None
                raise _too_long(line)
    return output


def failure(exc: BaseException, template: Any = None) -> tuple[int, str]:
    """The template line (1 when unknown) and a message for an exception raised by a render."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno or 1, exc.message or str(exc)
    line = exc.line if isinstance(exc, BoundsError) else None  # may be known without a traceback
    if line is None:
        line = _line_in_template(exc.__traceback__)
    if isinstance(exc, RecursionError):
        message = "too deeply nested (a macro or block calling itself without end, or deep brackets)"
    elif isinstance(exc, MemoryError):
        message = "out of memory (the template makes values far too large for a reminder)"
    elif isinstance(exc, SecurityError) or type(exc).__module__.startswith("jinja2"):
        message = str(exc)
    else:
        message = f"{type(exc).__name__}: {exc}"
    return line or 1, message


def _line_in_template(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        found = tb.tb_frame.f_globals.get("__jinja_template__")
        if found is not None:
            line = found.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


__all__ = [
    "COST_UNIT",
    "OPERATION_BUDGET",
    "OUTPUT_CAP",
    "RENDER_SECONDS",
    "TEMPLATE_SECONDS",
    "VALUE_CAP",
    "Allowance",
    "BoundsError",
    "ReminderEnvironment",
    "compile_template",
    "environment",
    "failure",
    "parse_template",
    "render_part",
    "use_timers",
    "weigh",
]
