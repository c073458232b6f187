"""Names and cross-references across the repository. Always errors."""

from __future__ import annotations

from sessconf.codes import declare

UNKNOWN_LOCATION = declare(
    "SC201",
    "unknown-location",
    """A session lists a location that ``locations.yaml`` does not define.

    The hint suggests the closest location id, or the new id when the name is a location's
    previous name.
    """,
)

UNKNOWN_BILLING_ITEM = declare(
    "SC202",
    "unknown-billing-item",
    """A session bills an item that ``billing_items.yaml`` does not define.""",
)

UNKNOWN_DISCIPLINE = declare(
    "SC203",
    "unknown-discipline",
    """A session's discipline is offered at no location at all.

    Disciplines are defined by the locations that offer them (``disciplines:`` in
    ``locations.yaml``); a discipline no location offers is almost always a typo.
    """,
)

DISCIPLINE_NOT_OFFERED = declare(
    "SC204",
    "discipline-not-offered",
    """A session is listed at a location that does not offer its discipline.

    A session's discipline must be offered at every location it lists: add the discipline to the
    location's ``disciplines`` in ``locations.yaml``, or remove the location from the session.
    """,
)

DUPLICATE_NAME = declare(
    "SC205",
    "duplicate-name",
    """A name is used twice: as two entities' names, or as a previous name of another.

    Names identify sessions, locations and billing items across renames, so a previous name may
    not be the current name of another entity nor a previous name of two entities.
    """,
)
