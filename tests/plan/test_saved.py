"""Saved plans (``diff --out``) read back as they were written; a damaged file is a clear error (SPEC §4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessconf.errors import RefusedError, UsageError
from sessconf.output import Context, jsonfmt, markdown, text
from sessconf.plan.plan import Plan
from sessconf.plan.saved import read_saved_plan
from tests.plan_tools import STORE_ID, every_kind_of_change, item, plan_of, session, state


def saved(plan: Plan, tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(jsonfmt.render_plan(plan, Context()), encoding="utf-8")
    return path


def test_a_saved_plan_reads_back_as_it_was_written(tmp_path: Path) -> None:
    plan = every_kind_of_change()
    back = read_saved_plan(saved(plan, tmp_path))
    assert back.to_dict() == plan.to_dict()
    assert (back.store_id, back.config_digest, back.model_digest) == (
        STORE_ID,
        plan.config_digest,
        plan.model_digest,
    )
    # What `apply plan.json` shows is what `diff` showed.
    assert text.render_plan(back, Context()) == text.render_plan(plan, Context())
    assert markdown.render_plan(back, Context(), artifact="x") == markdown.render_plan(
        plan, Context(), artifact="x"
    )


def test_a_saved_plan_keeps_its_charge_impact(tmp_path: Path) -> None:
    plan = plan_of(state([session("rmt60")]), state([session("rmt60")], items=[item("rmt-60", "125.00")]))
    assert plan.charge_impacts
    assert read_saved_plan(saved(plan, tmp_path)).charge_impacts == plan.charge_impacts


GOOD_PLAN = every_kind_of_change().to_dict()


def _damaged(data: Any, draw: st.DrawFn) -> Any:
    """``data`` with one value somewhere replaced by another JSON value, or one key removed."""
    if isinstance(data, dict) and data and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data)))
        if draw(st.booleans()):
            return {k: v for k, v in data.items() if k != key}
        return {**data, key: _damaged(data[key], draw)}
    if isinstance(data, list) and data and draw(st.booleans()):
        i = draw(st.integers(0, len(data) - 1))
        return [*data[:i], _damaged(data[i], draw), *data[i + 1 :]]
    json_values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    return draw(
        json_values | st.lists(json_values, max_size=2) | st.dictionaries(st.text(max_size=3), json_values)
    )


@st.composite
def damaged_plans(draw: st.DrawFn) -> Any:
    return _damaged(GOOD_PLAN, draw)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(damaged=damaged_plans())
def test_a_damaged_plan_file_is_a_clear_error_never_a_crash(tmp_path: Path, damaged: Any) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(damaged))
    try:
        read_saved_plan(path)
    except (UsageError, RefusedError) as exc:  # not a plan, or one that contradicts itself
        message = exc.message
    else:
        return  # still a plan (a warning changed, say): rendering it is tested elsewhere
    assert message.startswith((f"{path} ", f"{path}: "))


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="deeply-nested"),
        pytest.param('{"format_version": 2, "sessions_in_store": Infinity}', id="infinity"),
        pytest.param(b"\xff\xfe", id="not-utf-8"),
    ],
)
def test_a_plan_file_that_is_not_a_plan_is_a_usage_error(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "plan.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(UsageError, match="is not a"):
        read_saved_plan(path)
