"""The filters, tests and global functions of reminder templates, each within the budget.

Jinja2's built-in filters and tests are wrapped: one operation a call (``map()`` calls a filter
per item) plus one per :data:`~.budget.COST_UNIT` of what they are given, what they make checked
against the value cap, and the filters that can make a large value from small arguments checked
before they run. ``random`` (not deterministic) and ``urlize`` are left out. Our own date filters
bound themselves; ``range()`` and ``namespace()`` are bounded versions of Jinja2's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import update_wrapper, wraps
from typing import Any, cast

from jinja2 import pass_environment
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.tests import TESTS as DEFAULT_TESTS
from jinja2.utils import Cycler, Joiner, Namespace

from sessconf.reminders import dates
from sessconf.reminders.sandbox.budget import ACTIVE, COST_UNIT, BoundsError, charge, current
from sessconf.reminders.sandbox.sizes import (
    VALUE_CAP,
    charged,
    check_printf,
    check_size,
    joined_size,
    replaced_size,
    too_large,
    weigh,
)
from sessconf.reminders.variables import VARIABLES

_REMOVED_FILTERS = {"random", "urlize"}
_CHECKED_FILTERS = {"center", "indent", "wordwrap", "batch", "slice", "tojson", "format", "replace", "sum"}


def _filter_checks(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Prechecks for the built-in filters that can make large values from small arguments."""
    value = args[0] if args else None
    rest = list(args[1:])

    def arg(position: int, key: str, default: Any = None) -> Any:
        return kwargs.get(key, rest[position] if position < len(rest) else default)

    if name == "center":
        width = arg(0, "width", 80)
        check_size("center", width if isinstance(width, int) else 0)
    elif name == "indent" and isinstance(value, str):
        width = arg(0, "width", 4)
        pad = width if isinstance(width, int) else len(str(width))
        check_size("indent", len(value) + (value.count("\n") + 1) * pad)
    elif name == "wordwrap" and isinstance(value, str):
        wrap = arg(2, "wrapstring", "\n")
        check_size("wordwrap", len(value) * (1 + len(str(wrap or "\n"))))
    elif name in ("batch", "slice"):
        count = arg(0, "linecount" if name == "batch" else "slices", 1)
        if isinstance(count, int):
            check_size(name, count)
    elif name == "tojson":
        indent = arg(0, "indent")
        if isinstance(indent, int) and indent > 16:
            raise BoundsError("tojson: an indent of at most 16")
    elif name == "format" and isinstance(value, str):
        check_printf(value, kwargs if kwargs else tuple(rest))
    elif name == "replace" and isinstance(value, str):
        check_size("replace", replaced_size(value, arg(0, "old"), arg(1, "new")))
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
            check_size("join", joined_size(str(separator), items))
        elif checked:
            _filter_checks(name, args[skip:], kwargs)
        size = 0
        for arg in args[skip:]:
            size += weigh(arg)
        charge(1 + size // COST_UNIT)  # one per call (map() calls filters per item), and per size
        return charged(fn(*args, **kwargs))

    return bounded


def _take(items: Any) -> list[Any]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) > VALUE_CAP:
            raise too_large("join", len(taken))
    return taken


def _bounded_test(fn: Callable[..., Any]) -> Callable[..., Any]:
    passes = getattr(fn, "jinja_pass_arg", None)
    skip = 0 if passes is None else 1

    @wraps(fn)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        size = 0
        for arg in args[skip:]:
            size += weigh(arg)
        charge(1 + size // COST_UNIT)
        return fn(*args, **kwargs)

    return bounded


# Our own filters bound themselves: one operation a call, and their text is a few times the pattern.
def _date_filter(fn: Callable[..., str]) -> Callable[..., str]:
    def format_value(value: object, pattern: str | None = None) -> str:
        budget = ACTIVE.get() or current()
        budget.left -= 1
        if budget.left < 0:
            charge(0)
        if not isinstance(value, datetime):
            raise TypeError(f"expected a date and time such as appointment.start, not {value!r}")
        if pattern is None:
            return fn(value, budget.locale)
        check_size("a date pattern", len(str(pattern)) * 16)
        return fn(value, budget.locale, str(pattern))

    return update_wrapper(format_value, fn)


def _format_zone(value: object) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a date and time such as appointment.start, not {value!r}")
    charge(1)
    return dates.format_zone(value, current().locale)


REMINDER_FILTERS: dict[str, Callable[..., str]] = {
    "format_date": _date_filter(dates.format_date),
    "format_time": _date_filter(dates.format_time),
    "format_datetime": _date_filter(dates.format_datetime),
    "format_zone": _format_zone,
}


@pass_environment
def _wordwrap(
    environment: Any,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Jinja2's ``wordwrap``, charged for the work it does, line by line.

    ``textwrap`` breaks a long word by slicing off one line at a time and copying the rest: a word
    of n characters costs n²/(2·width) characters copied, so ``('x'*20000)|wordwrap(1)`` copies
    2·10⁸ characters in one call that its size alone would charge 80 operations. Each line is
    charged that cost before it is wrapped, so the operation budget refuses it and the deadline is
    checked between lines.
    """
    import textwrap

    if not isinstance(width, int) or width < 1:
        raise BoundsError("wordwrap: the width must be a whole number of at least 1")
    if wrapstring is None:
        wrapstring = environment.newline_sequence
    lines = []
    for line in str(s).splitlines():
        longest = max((len(word) for word in line.split()), default=0)
        work = len(line) + (longest * longest // (2 * width) if break_long_words else 0)
        charge(1 + work // COST_UNIT)
        lines.append(
            wrapstring.join(
                textwrap.wrap(
                    line,
                    width=width,
                    expand_tabs=False,
                    replace_whitespace=False,
                    break_long_words=break_long_words,
                    break_on_hyphens=break_on_hyphens,
                )
            )
        )
    return wrapstring.join(lines)


def filters() -> dict[str, Callable[..., Any]]:
    """Every filter a reminder template can use."""
    kept = {name: fn for name, fn in DEFAULT_FILTERS.items() if name not in _REMOVED_FILTERS}
    kept["wordwrap"] = _wordwrap
    found = {name: _bounded_filter(name, fn) for name, fn in kept.items()}
    found.update(REMINDER_FILTERS)
    return found


def tests() -> dict[str, Any]:
    """Every test a reminder template can use."""
    found = cast(dict[str, Callable[..., Any]], DEFAULT_TESTS)
    return {name: _bounded_test(test) for name, test in found.items()}


# -- globals --------------------------------------------------------------------------------------


def _range(*args: int) -> range:
    numbers = range(*args)
    check_size("range()", len(numbers))
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


def template_globals() -> dict[str, Any]:
    """The globals of reminder templates. Some are types, which templates can call but never read
    an attribute of (``dict.update(d, ...)`` would change a value after it was measured)."""
    return {"range": _range, "dict": dict, "cycler": Cycler, "joiner": Joiner, "namespace": _Namespace}
