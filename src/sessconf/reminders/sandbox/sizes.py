"""The value cap: how large a template's values are, and checks that refuse too large ones.

The size of a list counts what it holds, recursively: ``[a, a]`` weighs twice ``a``, so no
structure can hide an exponential expansion from ``string`` or ``tojson``. The operations whose
result can be far larger than their input (``*``, ``**``, ``%``, ``range``, padding and replacing
methods and filters, ``format``) are checked *before* they run; the others right after.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, MappingView, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from jinja2 import Undefined
from jinja2.utils import Cycler, Namespace

from sessconf.reminders.sandbox.budget import COST_UNIT, BoundsError, charge, current
from sessconf.reminders.variables import VARIABLES

VALUE_CAP = 100_000
MAX_INT_BITS = 4096

_ATOMS = frozenset({float, bool, type(None), datetime, date, time, timedelta, *VARIABLES.values()})
_SMALL_INT = 1 << 64


def too_large(what: str, size: int) -> BoundsError:
    return BoundsError(f"{what} would make a value of {size:,} characters or items (at most {VALUE_CAP:,})")


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
    memo = current().weights
    known = memo.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    total = 1
    for item in items:
        total += weigh(item, True)
        if total > VALUE_CAP:
            raise too_large("this list or dict", total)
    memo[id(value)] = (value, total)
    return total


def charged(value: object) -> object:
    """Check the size of what an operation made, and charge for it; return it."""
    size = weigh(value)
    if size > VALUE_CAP:
        raise too_large("this operation", size)
    if size >= COST_UNIT:
        charge(size // COST_UNIT)
    return value


# -- prechecks: refuse before an operation makes something too large ----------------------------

_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)")
_NUMBER = re.compile(r"\d+")


def check_size(what: str, size: int) -> None:
    if size > VALUE_CAP:
        raise too_large(what, size)


def check_printf(fmt: str, args: object) -> None:
    fields, padding = 0, 0
    for match in _PRINTF.finditer(fmt):
        width, precision, kind = match.groups()
        if kind == "%":
            continue
        if "*" in (width, precision):
            raise BoundsError("'*' widths are not supported in reminder templates; write the number")
        padding += max(int(width or 0), int(precision or 0))
        fields += 1
        check_size("this '%' format", padding)
    values = args.values() if isinstance(args, Mapping) else args if isinstance(args, tuple) else (args,)
    largest = max((weigh(v) for v in values), default=0)
    check_size("this '%' format", len(fmt) + padding + fields * largest)


def check_str_format(fmt: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    largest = max((weigh(v) for v in (*args, *kwargs.values())), default=0)
    estimate = len(fmt)
    for _, field, spec, _ in string.Formatter().parse(fmt):
        if field is None:
            continue
        if spec and "{" in spec:
            raise BoundsError("nested '{}' fields are not supported in reminder templates")
        widths = [int(n) for n in _NUMBER.findall(spec or "")]
        estimate += max([largest, *widths])
        check_size("this format()", estimate)


def check_mul(left: object, right: object) -> None:
    for seq, times in ((left, right), (right, left)):
        if isinstance(times, int) and isinstance(seq, str | bytes | list | tuple):
            check_size("'*'", weigh(seq) * max(times, 0))
    if isinstance(left, int) and isinstance(right, int):
        _check_bits("'*'", left.bit_length() + right.bit_length())


def check_pow(left: object, right: object) -> None:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        _check_bits("'**'", left.bit_length() * right)


def _check_bits(what: str, bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise BoundsError(f"{what} would make a number of more than {MAX_INT_BITS} bits")


def check_method(name: str, owner: str | bytes, args: tuple[Any, ...]) -> None:
    """Prechecks for the text methods that can grow their text a lot."""
    if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
        check_size(f"{name}()", args[0])
    elif name == "expandtabs":
        tab = args[0] if args and isinstance(args[0], int) else 8
        tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
        check_size("expandtabs()", len(owner) + tabs * tab)
    elif name == "replace" and len(args) >= 2:
        check_size("replace()", replaced_size(owner, args[0], args[1]))
    elif name == "join" and args:
        check_size("join()", joined_size(owner, args[0]))


def replaced_size(text: Any, old: Any, new: Any) -> int:
    if not isinstance(old, str | bytes) or not isinstance(new, str | bytes):
        return len(text)
    hits = text.count(old) if old else len(text) + 1
    return len(text) + hits * max(len(new) - len(old), 0)


def joined_size(separator: Any, items: Any) -> int:
    if not isinstance(items, list | tuple | str):
        return len(separator)  # a generator: checked after (its items were charged as made)
    return weigh(items) + len(items) * len(separator)
