"""``sessconf charges``: a client's case file as text, one charge a line, in columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sessconf.output.table import columns

if TYPE_CHECKING:
    from sessconf.store.booking import Charge


def render_charges(client: str, charges: Sequence[Charge]) -> str:
    if not charges:
        return f"No charges for client {client}.\n"
    rows = [
        (
            f"charge {c.id:>6}",
            f"appointment {c.appointment:>6}",
            f"{c.name} ({c.billing_item})",  # a display name: any script, measured in cells
            f"{c.quantity} × {c.unit_price:.2f} = {c.amount:.2f} {c.currency}"
            + ("" if c.reverses is None else f"  (reverses charge {c.reverses})"),
        )
        for c in charges
    ]
    return "\n".join(columns(rows)) + "\n"
