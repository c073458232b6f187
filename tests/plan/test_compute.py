"""``compute_plan``: a rename the store cannot follow is a conflict (SC501), never a guess."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sessconf.plan.compute import RenameConflict, compute_plan
from sessconf.plan.plan import Action
from sessconf.plan.snapshot import SchemaStatus, Snapshot
from sessconf.plan.state import ConfigState, EntityKind
from sessconf.settings import Settings
from tests.plan_tools import STORE, STORE_ID, item, location, session, state

HINT = "remove the previous name, or rename or delete the other entity first"


def world(kind: EntityKind, *entities: Any) -> ConfigState:
    """The plan_tools state, with ``entities`` of ``kind`` added to what its sessions refer to."""
    if kind is EntityKind.SESSION:
        return state(entities)
    if kind is EntityKind.LOCATION:
        return state(locations=(location("downtown"), *entities))
    return state(items=(item("rmt-60"), *entities))


MAKERS: dict[EntityKind, Callable[..., Any]] = {
    EntityKind.SESSION: session,
    EntityKind.LOCATION: location,
    EntityKind.BILLING_ITEM: item,
}


def planned(current: ConfigState, desired: ConfigState) -> tuple[Any, list[RenameConflict]]:
    return compute_plan(desired, Snapshot(SchemaStatus(True, 1, STORE_ID), current), Settings(), STORE)


@pytest.mark.parametrize("kind", list(MAKERS), ids=lambda k: k.value)
def test_a_previous_name_and_the_name_both_in_the_store_is_a_conflict(kind: EntityKind) -> None:
    make = MAKERS[kind]
    current = world(kind, make("old"), make("new"))
    desired = world(kind, make("new", previous_names=("gone", "old")))
    _, conflicts = planned(current, desired)
    assert conflicts == [
        RenameConflict(
            kind, "new", 1, f"cannot rename {kind.label} 'new': both 'old' and 'new' exist in the store"
        )
    ]
    assert conflicts[0].hint == HINT


@pytest.mark.parametrize("kind", list(MAKERS), ids=lambda k: k.value)
def test_two_previous_names_both_in_the_store_are_a_conflict(kind: EntityKind) -> None:
    make = MAKERS[kind]
    current = world(kind, make("a"), make("b"))
    desired = world(kind, make("c", previous_names=("a", "b")))
    _, conflicts = planned(current, desired)
    assert conflicts == [
        RenameConflict(
            kind,
            "c",
            1,
            f"cannot rename {kind.label} 'c': the previous names 'a' and 'b' all exist in the store",
        )
    ]


@pytest.mark.parametrize("kind", list(MAKERS), ids=lambda k: k.value)
def test_exactly_one_of_the_names_in_the_store_is_a_rename(kind: EntityKind) -> None:
    make = MAKERS[kind]
    current = world(kind, make("old"))
    desired = world(kind, make("new", previous_names=("gone", "old")))
    plan, conflicts = planned(current, desired)
    assert conflicts == []
    assert [(c.action, c.old_name, c.name) for c in plan.changes] == [(Action.RENAME, "old", "new")]


def test_a_previous_name_still_in_the_repository_is_no_rename() -> None:
    """Both in the store and both wanted: ``previous_names`` does not take the other one's place
    (lint reports the repository's side, SC205)."""
    current = state([session("old"), session("new")])
    desired = state([session("old"), session("new", previous_names=("old",))])
    plan, conflicts = planned(current, desired)
    assert conflicts == []
    assert [(c.action, c.name, list(c.fields)) for c in plan.changes] == [
        (Action.UPDATE, "new", ["previous_names"])
    ]
