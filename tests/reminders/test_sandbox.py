"""The template sandbox (SPEC §5): no Python internals, no files, bounded time, memory and output.

Each payload of a list of known server-side template injections, and of ways to make a render
slow or large, must fail with a clear error at the template's line. They are rendered in one
child process held by the harness (a timeout, an address-space limit: ``tests/bounded.py``), so
that a bound that regresses fails its test instead of hanging the suite.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sessconf.reminders import sandbox
from sessconf.reminders.variables import (
    ClientVars,
    ClinicVars,
    LocationVars,
    ReminderVars,
    SessionVars,
    appointment_vars,
)
from tests.bounded import HARNESS_MEMORY, HARNESS_SECONDS, run_bounded
from tests.conftest import ROOT

VARIABLES = ReminderVars(
    SessionVars("rmt60", "Registered massage therapy", 60, "massage", False, 1),
    ClientVars("Alex", "Martin"),
    appointment_vars(datetime(2026, 9, 30, 12, tzinfo=ZoneInfo("America/Toronto")), 60, "America/Toronto"),
    LocationVars("Downtown Clinic", "120 King St W", "America/Toronto"),
    ClinicVars("Harbourview"),
).as_dict()


def render(source: str, variables: dict[str, Any] = VARIABLES) -> str:
    template = sandbox.compile_template(source, "reminder.sms", "reminder.sms.j2")
    return sandbox.render_part(template, variables, "en-CA")


def failure(source: str) -> tuple[int, str]:
    try:
        render(source)
    except Exception as exc:
        return sandbox.failure(exc)
    raise AssertionError(f"rendered: {source}")


UNSAFE = "is unsafe"
TOO_LARGE = "would make a"
BUDGET = "more than 50,000 operations"
NESTED = "too deeply nested"
UNDEFINED = "is undefined"
SLOW = "takes more than 1 s to render"
TOO_LONG = "longer than 20,000 characters"
BIG_VIEW = "{% set v = {'a': 'x' * 99990}.values() %}"

# payload -> what the error says
PAYLOADS = [
    pytest.param("{{ ''.__class__.__mro__ }}", UNSAFE, id="str-class-mro"),
    pytest.param("{{ ''.__class__.__mro__[1].__subclasses__() }}", UNSAFE, id="object-subclasses"),
    pytest.param("{{ ().__class__.__bases__[0].__subclasses__() }}", UNSAFE, id="tuple-bases"),
    pytest.param("{{ cycler.__init__.__globals__.os.popen('id').read() }}", UNSAFE, id="cycler-globals"),
    pytest.param("{{ joiner.__init__.__globals__ }}", UNSAFE, id="joiner-globals"),
    pytest.param("{{ namespace.__init__.__globals__ }}", UNSAFE, id="namespace-globals"),
    pytest.param("{{ lipsum.__globals__['os'].popen('id').read() }}", UNDEFINED, id="lipsum-globals"),
    pytest.param("{{ self._TemplateReference__context.cycler }}", UNSAFE, id="template-reference-context"),
    pytest.param("{{ self.__dict__ }}", UNSAFE, id="self-dict"),
    pytest.param("{{ session.__class__.__init__.__globals__ }}", UNSAFE, id="variables-globals"),
    pytest.param("{{ session|attr('__class__') }}", UNSAFE, id="attr-filter"),
    pytest.param("{{ session|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", UNSAFE, id="attr-filter-escaped"),
    pytest.param("{{ '{0.__class__}'.format(session) }}", UNSAFE, id="format-field-attribute"),
    pytest.param("{{ dict.mro() }}", UNSAFE, id="type-mro"),
    pytest.param("{{ config.items() }}", UNDEFINED, id="flask-config"),
    pytest.param("{{ request.application.__globals__.__builtins__ }}", UNDEFINED, id="flask-request"),
    pytest.param("{{ get_flashed_messages.__globals__ }}", UNDEFINED, id="flask-helper"),
    pytest.param("{% include '/etc/passwd' %}", "cannot extend, include or import", id="include-file"),
    pytest.param("{% extends 'base.html' %}", "cannot extend, include or import", id="extends"),
    pytest.param("{% import 'macros' as m %}", "cannot extend, include or import", id="import"),
    pytest.param("{{ appointment.start.now() }}", UNSAFE, id="clock-now"),
    pytest.param("{{ appointment.start.astimezone() }}", UNSAFE, id="system-zone"),
    pytest.param("{{ appointment.start.tzinfo }}", UNSAFE, id="zone-object"),
    pytest.param("{{ 'x'.encode('rot13') }}", UNSAFE, id="codecs"),
    pytest.param("{{ [].append(1) }}", UNSAFE, id="mutate-list"),
    pytest.param("{{ range(10**9)|list }}", TOO_LARGE, id="huge-range"),
    pytest.param("{{ 'x' * 10**9 }}", TOO_LARGE, id="huge-string"),
    pytest.param("{{ [0] * 1000000000 }}", TOO_LARGE, id="huge-list"),
    pytest.param("{{ (9**999)**999 }}", "more than 4096 bits", id="huge-number"),
    pytest.param("{{ '%0999999999d' % 1 }}", TOO_LARGE, id="printf-width"),
    pytest.param("{{ '{:>999999999}'.format(1) }}", TOO_LARGE, id="format-width"),
    pytest.param("{{ 'a'|center(1000000000) }}", TOO_LARGE, id="center-filter"),
    pytest.param("{{ ''.ljust(10**9) }}", TOO_LARGE, id="ljust-method"),
    pytest.param(
        "{{ 'x'|replace('', 'y' * 10000)|replace('', 'z' * 10000) }}", TOO_LARGE, id="replace-blowup"
    ),
    pytest.param("{{ [1]|batch(1000000000, 'x')|list }}", TOO_LARGE, id="batch-fill"),
    pytest.param(
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        TOO_LARGE,
        id="doubling-string",
    ),
    pytest.param(
        "{% set a = [1] %}"
        + "".join(f"{{% set a = [a, a] %}}{{% set a{i} = 0 %}}" for i in range(20))
        + "{{ a }}",
        TOO_LARGE,
        id="doubling-nested-lists",
    ),
    pytest.param("{% set ns = namespace(l=[]) %}", "a namespace holds text, numbers", id="namespace-list"),
    pytest.param(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        BUDGET,
        id="nested-loops",
    ),
    pytest.param(
        "{% for a in range(99999) %}{% for b in range(99999) if b < 0 %}{% endfor %}{% endfor %}",
        BUDGET,
        id="filtered-loops",
    ),
    pytest.param("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", BUDGET, id="loop-output"),
    pytest.param("{{ range(100000)|map('string')|join }}", BUDGET, id="filter-per-item"),
    pytest.param("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", NESTED, id="endless-recursion"),
    pytest.param(
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
        BUDGET,
        id="exponential-recursion",
    ),
    pytest.param(
        "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "recursive loops", id="recursive"
    ),
    pytest.param("{{ " + "(" * 30000 + "1" + ")" * 30000 + " }}", NESTED, id="deep-brackets"),
    pytest.param("{{ [1, 2]|random }}", "No filter named 'random'", id="random-filter"),
]


# Issue 8: what the sandbox's own accounting used to miss, and variants.
HOSTILE = [
    # views print what their dict holds, and weighed 1
    pytest.param(BIG_VIEW + "{{ [v] * 50000 }}", TOO_LARGE, id="dict-values-view"),
    pytest.param("{% set v = {'x' * 99990: 1}.keys() %}{{ [v] * 50000 }}", TOO_LARGE, id="dict-keys-view"),
    pytest.param("{% set v = {'a': 'x' * 99990}.items() %}{{ [v, v] }}", TOO_LARGE, id="dict-items-view"),
    pytest.param(
        "{% set m = {'a': 'x' * 99990}.keys().mapping %}{{ [m] * 50000 }}", TOO_LARGE, id="mapping-proxy"
    ),
    pytest.param(BIG_VIEW + "{{ [v, v]|join }}", TOO_LARGE, id="view-join"),
    pytest.param(BIG_VIEW + "{{ [v, v]|string }}", TOO_LARGE, id="view-string-filter"),
    pytest.param(BIG_VIEW + "{{ '%s%s' % (v, v) }}", TOO_LARGE, id="view-printf"),
    pytest.param(BIG_VIEW + "{{ '{}{}'.format(v, v) }}", TOO_LARGE, id="view-format"),
    pytest.param(BIG_VIEW + "{{ (v|list) * 2 }}", TOO_LARGE, id="view-listed-repeated"),
    pytest.param("{{ [range(50000)|map('string')] * 50000 }}", TOO_LONG, id="generators-print-small"),
    # mutation after measuring: no attribute of a type is readable
    pytest.param(
        "{% set d = {'k': 'a'} %}{% set L = [d] * 20000 %}"
        "{% set _ = dict.update(d, {'k': 'x' * 99990}) %}{{ L|string|length }}",
        UNSAFE,
        id="dict-global-mutates",
    ),
    pytest.param("{{ dict.fromkeys(range(10), 'x') }}", UNSAFE, id="dict-fromkeys"),
    pytest.param("{% set c = cycler(1, 2) %}{{ cycler.reset(c) }}", UNSAFE, id="cycler-class-method"),
    pytest.param("{{ namespace.mro() }}", UNSAFE, id="namespace-class"),
    # the variables have fields, not tuple methods
    pytest.param("{{ session.index }}", "session has no attribute 'index'", id="session-index"),
    pytest.param("{{ client.count('x') }}", "client has no attribute 'count'", id="client-count"),
    pytest.param("{{ session['index'] }}", "session has no attribute 'index'", id="session-item-index"),
    pytest.param("{{ session._replace(name='x') }}", UNSAFE, id="session-replace"),
    # str.format and % tricks
    pytest.param("{{ ('{0}' * 5000).format('x' * 99000) }}", TOO_LARGE, id="format-repeated-field"),
    pytest.param("{{ '{0!r}{0!r}'.format('\\x00' * 40000) }}", TOO_LARGE, id="format-repr-grows"),
    pytest.param("{{ '{0:{1}}'.format(1, 999999999) }}", "nested '{}' fields", id="format-nested-width"),
    pytest.param(
        "{% set ns = namespace(s='x' * 99000) %}{{ '{0}{0}'.format(ns) }}", TOO_LARGE, id="format-namespace"
    ),
    pytest.param("{{ ('%s' * 5000) % (('x' * 9000,) * 5000) }}", TOO_LARGE, id="printf-many-fields"),
    pytest.param("{{ ('{0}' * 16000).format(session) }}", TOO_LARGE, id="format-variables-repr"),
    pytest.param("{{ [9 ** 1400] * 50000 }}", TOO_LARGE, id="large-numbers-repeated"),
    pytest.param("{{ ('{0}' * 100).format(9 ** 1400) }}", TOO_LARGE, id="format-large-number"),
    # range
    pytest.param("{{ range(10 ** 18) }}", TOO_LARGE, id="range-huge"),
    pytest.param("{{ range(0, 10 ** 12, 3)|list }}", TOO_LARGE, id="range-huge-step"),
    pytest.param("{{ (range(99999)|list) * 2 }}", TOO_LARGE, id="range-listed-repeated"),
    # recursion through macros and call blocks
    pytest.param(
        "{% macro a(n) %}{{ b(n) }}{% endmacro %}{% macro b(n) %}{{ a(n) }}{% endmacro %}{{ a(1) }}",
        NESTED,
        id="mutual-recursion",
    ),
    pytest.param(
        "{% macro m() %}{% call m() %}{{ caller() }}{% endcall %}{% endmacro %}{% call m() %}x{% endcall %}",
        NESTED,
        id="call-block-recursion",
    ),
    pytest.param("{% macro f(n) %}{{ f(n) ~ f(n) }}{% endmacro %}{{ f(1) }}", NESTED, id="recursion-concat"),
    # |join on huge lists
    pytest.param("{{ range(99999)|join(',' * 99) }}", TOO_LARGE, id="join-long-separator"),
    pytest.param("{{ (['x' * 999] * 99)|join('y' * 999) }}", TOO_LARGE, id="join-long-items"),
    pytest.param("{{ ([session] * 49999)|join }}", TOO_LARGE, id="join-variables"),
    # '*' on what filters make
    pytest.param("{{ ('x'|string) * 10 ** 9 }}", TOO_LARGE, id="string-filter-repeated"),
    pytest.param("{{ ('x'|list) * 10 ** 9 }}", TOO_LARGE, id="list-filter-repeated"),
    pytest.param("{{ ('ab'|replace('a', 'x' * 999)) * 999 }}", TOO_LARGE, id="replace-repeated"),
    pytest.param("{{ ('x' * 99999)|center(99999) * 2 }}", TOO_LARGE, id="center-repeated"),
    pytest.param("{{ (session.description|wordwrap(1)) * 10 ** 6 }}", TOO_LARGE, id="wordwrap-repeated"),
    # what costs more than it weighs: the deadline holds
    pytest.param(
        "{% for i in range(60) %}{% set x = (session.name * 4000)|wordwrap(1) %}{% endfor %}Hi",
        BUDGET,  # wordwrap is charged for the work it does: refused before it runs long
        id="wordwrap-slow",
    ),
    pytest.param(
        "{% for i in range(99) %}{% set x = ('x' * 20000)|wordwrap(1)|length %}{% endfor %}",
        BUDGET,
        id="wordwrap-slow-long",
    ),
]

_CHILD = """
import json, sys
from tests.reminders.test_sandbox import outcome
for source in json.load(sys.stdin):
    print(json.dumps([source, *outcome(source)]), flush=True)
"""


def outcome(source: str) -> tuple[int, str]:
    """The line and message of the render's failure; (0, what it made) when it rendered."""
    try:
        return 0, render(source)[:200]
    except Exception as exc:
        return sandbox.failure(exc)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, tuple[int, str]]:
    """Every payload, rendered once in one bounded child process (in payload order)."""
    sources = [param.values[0] for param in (*PAYLOADS, *HOSTILE)]
    root = ROOT
    done = run_bounded([sys.executable, "-c", _CHILD], stdin=json.dumps(sources), cwd=root, partial=True)
    found: dict[str, tuple[int, str]] = {}
    for line in done.stdout.splitlines():
        source, number, message = json.loads(line)
        found[source] = (number, message)
    return found


@pytest.mark.parametrize(("payload", "said"), [*PAYLOADS, *HOSTILE])
def test_injection_payloads_fail_clearly_and_quickly(
    payload: str, said: str, outcomes: dict[str, tuple[int, str]]
) -> None:
    assert payload in outcomes, (
        f"the run stopped at or before this payload (bounds: {HARNESS_SECONDS} s, "
        f"{HARNESS_MEMORY // 2**30} GB of address space)"
    )
    line, message = outcomes[payload]
    assert said in message
    assert line == 1


@pytest.mark.parametrize(
    "payload",
    [
        "{{ 'x' * 10**9 }}",
        "{{ range(10**9)|list }}",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
        "{{ '{:>999999999}'.format(1) }}",
    ],
)
def test_bounds_keep_memory_small(payload: str) -> None:
    tracemalloc.start()
    try:
        failure(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024


# template over several lines -> the line of the breach
LINES = [
    pytest.param("Hi\n{{ client.first_name }}\n{{ 'x' * 10**9 }}\n", 3, id="value-cap"),
    pytest.param(
        "Hi\n\n{% for a in range(1000) %}\n{% for b in range(1000) %}.{% endfor %}{% endfor %}",
        4,
        id="budget",
    ),
    pytest.param("Hi\n{% for i in range(10) %}\n{{ 'x' * 3000 }}\n{% endfor %}\n", 3, id="output-cap"),
    pytest.param("Hi\n{{ session.descripton }}", 2, id="undefined-field"),
    pytest.param("Hi\n\n\n{{ session.description }", 4, id="syntax"),
    pytest.param("Hi\n{{ session.duration - 'x' }}", 2, id="type-error"),
]


@pytest.mark.parametrize(("source", "line"), LINES)
def test_errors_are_at_the_templates_line(source: str, line: int) -> None:
    assert failure(source)[0] == line


def test_the_output_cap() -> None:
    assert len(render("{% for i in range(10) %}{{ 'x' * 2000 }}{% endfor %}")) == 20_000
    assert (
        "longer than 20,000 characters" in failure("{% for i in range(11) %}{{ 'x' * 2000 }}{% endfor %}")[1]
    )


# what ordinary templates do -> the output
ALLOWED = [
    pytest.param("{{ session.description|upper }}", "REGISTERED MASSAGE THERAPY", id="filter"),
    pytest.param("{{ session.duration * 2 }} min", "120 min", id="arithmetic"),
    pytest.param("{{ '-' * 5 }}", "-----", id="small-repeat"),
    pytest.param("{{ '{:>5}|'.format(session.duration) }}", "   60|", id="format"),
    pytest.param("{{ '%03d' % session.max_attendees }}", "001", id="printf"),
    pytest.param(
        "{% set ns = namespace(n=0) %}{% for c in session.description if c == 'a' %}"
        "{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
        "3",
        id="namespace-counter",
    ),
    pytest.param("{{ session.description|truncate(12, True, '…') }}", "Registered …", id="truncate"),
    pytest.param("{{ appointment.start|format_date('EEE d MMM') }}", "Wed 30 Sep", id="babel-pattern"),
    pytest.param("{{ appointment.end|format_time }}", "1:00 PM", id="end-time"),
    pytest.param(
        "{{ appointment.start.year }}-{{ appointment.start.isoweekday() }}", "2026-3", id="date-fields"
    ),
    pytest.param(
        "{% macro b(x) %}[{{ x }}]{% endmacro %}{{ b(location.name) }}", "[Downtown Clinic]", id="macro"
    ),
    pytest.param("{{ [1, 2, 3]|map('string')|join(',') }}", "1,2,3", id="map-join"),
    pytest.param("{{ location.address or 'no address' }}", "120 King St W", id="or"),
]


@pytest.mark.parametrize(("source", "output"), ALLOWED)
def test_ordinary_templates_work(source: str, output: str) -> None:
    assert render(source) == output


def test_budgets_are_per_render() -> None:
    source = "{% for a in range(200) %}{% for b in range(200) %}{% endfor %}{% endfor %}done"
    for _ in range(3):
        assert render(source) == "done"
