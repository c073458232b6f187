"""``sessconf rules``: every code, whether settings can change it, its documentation."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

Run = Callable[..., Result]


def test_rules_lists_every_code_with_whether_it_can_change(run: Run) -> None:
    result = run("rules", "--format", "json")
    rules = {r["code"]: r for r in json.loads(result.output)}
    assert rules["SC201"]["changeable"] is False
    assert rules["SC302"]["changeable"] is True
    assert all(r["doc"] for r in rules.values())
