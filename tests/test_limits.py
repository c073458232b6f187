"""Bounds the store can hold (SPEC §2): lint refuses what the store cannot hold, the JSON schemas
agree with lint, and the largest values lint accepts are held, charged and summed on both backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from sessconf import limits
from sessconf.lint.engine import lint
from sessconf.model import BillingItem
from sessconf.repository.json_schemas import BILLING_FILE, file_schemas
from sessconf.store import Store, tables
from sessconf.store.url import resolve
from tests.conftest import ACUPINITIAL, MINIMAL_BILLING, WriteRepo

Run = Callable[..., Result]


def found(root: Path) -> list[tuple[str, int, int, str, str]]:
    result = lint(root, jobs=1)
    return [
        (d.path.relative_to(root).as_posix(), d.line, d.column, d.code, d.message) for d in result.diagnostics
    ]


@pytest.mark.parametrize(
    ("price", "message"),
    [
        pytest.param(
            '"99999999999999999999.00"',
            "the price 99999999999999999999.00 is too high; the highest price is 99999999.99",
            id="20-digits",
        ),
        pytest.param(
            '"100000000.00"',
            "the price 100000000.00 is too high; the highest price is 99999999.99",
            id="just-over",
        ),
        pytest.param(
            "1.0e+30", "the price 1.0E+30 is too high; the highest price is 99999999.99", id="number"
        ),
    ],
)
def test_a_price_the_store_cannot_hold_is_a_lint_error(
    write_repo: WriteRepo, price: str, message: str
) -> None:
    root = write_repo(billing=MINIMAL_BILLING.replace('"4.50"', price))
    assert found(root) == [("billing_items.yaml", 8, 10, "SC109", f"needles.price: {message}")]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        pytest.param(10**22, f"billing_items[1].quantity {10**22} is out of range (1–10000)", id="10**22"),
        pytest.param(10_001, "billing_items[1].quantity 10001 is out of range (1–10000)", id="just-over"),
    ],
)
def test_a_quantity_the_store_cannot_hold_is_a_lint_error(
    write_repo: WriteRepo, quantity: int, message: str
) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("quantity: 2", f"quantity: {quantity}")})
    assert found(root) == [("sessions/acupinitial.yaml", 10, 15, "SC108", message)]


def test_more_billing_items_than_one_arrival_may_charge_is_a_lint_error(write_repo: WriteRepo) -> None:
    billing = "".join(f"i{n}:\n  name: Item {n}\n  kind: product\n  price: '1.00'\n" for n in range(101))
    lines = "".join(f"  - i{n}\n" for n in range(101))
    session = ACUPINITIAL.split("billing_items:")[0] + "billing_items:\n" + lines
    root = write_repo(sessions={"acupinitial": session}, billing=billing)
    assert found(root) == [
        (
            "sessions/acupinitial.yaml",
            8,
            3,
            "SC108",
            "billing_items: 101 billing items; a session charges at most 100",
        )
    ]


# -- the JSON schema says what lint says -----------------------------------------------------------

prices = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("1e12"), places=2).map(str),
    st.decimals(min_value=Decimal("99999999.90"), max_value=Decimal("100000000.10"), places=2).map(str),
    st.from_regex(r"\A0{0,3}[0-9]{1,10}(\.[0-9]{0,2})?\Z"),
)


@given(prices)
def test_the_schema_accepts_a_price_string_exactly_when_lint_does(price: str) -> None:
    entry = {"name": "Pack", "kind": "product", "price": price}
    try:
        BillingItem.model_validate(entry)
        lint_accepts = True
    except ValidationError:
        lint_accepts = False
    validator = jsonschema.Draft7Validator(file_schemas()[BILLING_FILE])
    assert validator.is_valid({"pack": entry}) == lint_accepts, price


def test_the_limits_keep_every_sum_inside_a_64_bit_integer() -> None:
    assert Decimal(10**8) - Decimal("0.01") == limits.MAX_PRICE  # all nines: the schema pattern is exact
    assert limits.MAX_CHARGE_CENTS == limits.MAX_PRICE_CENTS * limits.MAX_QUANTITY
    assert limits.MAX_ARRIVAL_CENTS * 900 < 2**63 - 1  # 900 largest arrivals on one case file still fit


# -- the largest values lint accepts, held and charged on both backends --------------------------


def test_the_store_holds_and_charges_the_largest_session(
    run: Run, write_repo: WriteRepo, store_url: str
) -> None:
    n = limits.MAX_BILLING_LINES
    billing = "".join(
        f"i{k}:\n  name: '{'N' * 200}'\n  kind: product\n  price: '99999999.99'\n" for k in range(n)
    )
    lines = "".join(f"  - item: i{k}\n    quantity: {limits.MAX_QUANTITY}\n" for k in range(n))
    session = (
        ACUPINITIAL.split("billing_items:")[0]
        .replace("Acupuncture initial assessment", "D" * 200)
        .replace("name: acupinitial", "name: a" + "b" * 31)
        + "billing_items:\n"
        + lines
    )
    root = write_repo(sessions={"a" + "b" * 31: session}, billing=billing)
    assert [d.code for d in lint(root, jobs=1).diagnostics if d.severity.value == "error"] == []
    result = run("apply", "--dir", root, "--store", store_url, "--yes", "--actor", "x" * limits.ACTOR_MAX)
    assert result.exit_code == 0, result.output
    with Store(resolve(store_url, None, root)) as store:
        booking = store.booking()
        start = datetime(2031, 5, 5, 15, 0, tzinfo=ZoneInfo("America/Toronto"))
        appointment = booking.book("a" + "b" * 31, "c" * limits.CLIENT_MAX, "downtown", start)
        arrival = booking.arrive(appointment.id)
        expected = limits.MAX_PRICE * limits.MAX_QUANTITY
        assert [c.amount for c in arrival.charges] == [expected] * n
        with store.db.read() as conn:  # a sum in SQL does not overflow either
            total = conn.execute(select(func.sum(tables.charges.c.amount_cents))).scalar_one()
        assert int(total) == limits.MAX_ARRIVAL_CENTS
        undone = booking.unarrive(appointment.id)
        assert sum(c.amount for c in undone.reversals) == -expected * n
    shown = json.loads(
        run("show", "a" + "b" * 31, "--dir", root, "--store", store_url, "--format", "json").output
    )
    assert shown["charges_on_arrival"]["amount"] == f"{expected * n:.2f}"


def test_to_price_names_the_limit() -> None:
    with pytest.raises(ValidationError, match=re.escape("the highest price is 99999999.99")):
        BillingItem.model_validate({"name": "x", "kind": "product", "price": "100000000"})
