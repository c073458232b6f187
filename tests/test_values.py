"""The plain values agree with the models that validate them: same fields, same order."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from sessconf import model, values
from sessconf.repository.settings_schema import SettingsSchema
from sessconf.settings import Settings


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (model.Session, values.Session),
        (model.Location, values.Location),
        (model.BillingItem, values.BillingItem),
        (model.BillingLine, values.BillingLine),
    ],
    ids=["session", "location", "billing-item", "billing-line"],
)
def test_each_value_has_the_fields_of_its_model_in_order(
    schema: type[BaseModel], value: type[tuple[object, ...]]
) -> None:
    assert list(schema.model_fields) == list(value._fields)  # type: ignore[attr-defined]


def test_a_validated_model_becomes_its_value() -> None:
    session = model.Session.model_validate(
        {"name": "a", "description": "A", "discipline": "d", "locations": ["x"], "color": "#FFF",
         "duration": 60, "billing_items": ["fee", {"item": "pack", "quantity": 2}]}
    )  # fmt: skip
    assert model.as_values(session) == values.session(
        "a", "A", "d", ["x"], "#ffffff", 60,
        billing_items=[values.BillingLine("fee"), values.BillingLine("pack", 2)],
    )  # fmt: skip


def test_the_settings_schema_has_the_fields_and_defaults_of_the_settings() -> None:
    assert SettingsSchema().settings() == Settings()
    assert list(SettingsSchema.model_fields) == list(Settings.__dataclass_fields__)
