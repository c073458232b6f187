"""The reviewer's preview (``sessconf preview``): what a plan means for the calendar, as a plain
view model that ``output.preview`` renders as one self-contained HTML page (SPEC §4).

Everything here is decided without HTML: the plan's risky changes first, then per location the
bookable sessions as they will look on the calendar (colour, duration, description, charges),
changed ones with their state before and after; the reminders each changed session sends (the
SMS with its segments, the email's HTML alternative), what arrivals charge before → after, the
colour advice and every other lint diagnostic, and whether the store was changed outside
sessconf since its last apply. Values are plain text and numbers, in a stable order and with no
clock time, so the same repository and store always give the same page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sessconf import colors
from sessconf.codes.colors import FAINT_COLOR, SIMILAR_COLORS
from sessconf.diagnostics import Diagnostic
from sessconf.errors import SessconfError
from sessconf.operations.review import Review, review
from sessconf.plan.plan import Action, Change, Plan, Risk
from sessconf.plan.state import BillingLineState, ConfigState, EntityKind, SessionState
from sessconf.reminders.check.samples import SAMPLE_START
from sessconf.reminders.render import Renderer, Target
from sessconf.reminders.templates import ReminderError
from sessconf.store import Store

COLOR_CODES = frozenset({SIMILAR_COLORS.code, FAINT_COLOR.code})
MAX_REMINDERS = 40  # a preview of hundreds of changed sessions shows the first ones' reminders
SAMPLE_START_TEXT = SAMPLE_START.isoformat(timespec="minutes")  # fixed: the page has no clock time
# What a change can show side by side, and what the page calls each field.
SHOWN_FIELDS = ("color", "duration", "description", "billing_items", "locations", "discipline")
_RISK_TITLES = {
    Risk.BLOCKED: "Blocked",
    Risk.DELETE: "To delete",
    Risk.ARCHIVE: "To archive",
    Risk.RENAME: "To rename",
}

Where = Callable[[Path], str]  # a diagnostic's path as the page shows it
CHARGES_MOVE = "charges change"  # an unchanged session whose billing items change price
_TONES = {
    "delete": "bad",
    "archive": "bad",
    "removed here": "bad",
    "rename": "warn",
    CHARGES_MOVE: "warn",
    "create": "good",
    "unarchive": "good",
    "added here": "good",
}


def tone(action: str, *, blocked: bool = False) -> str:
    """How a change reads at a glance (the page words it too: never colour alone)."""
    return "bad" if blocked else _TONES.get(action, "plain")


@dataclass(frozen=True, slots=True)
class Block:
    """A session as one calendar block: its colour, the text colour that reads on it, its length."""

    name: str
    description: str
    discipline: str
    color: str
    text_color: str
    duration: int
    billing: str  # "acup-initial, needles × 2"
    charges: str | None  # "104.00 CAD", None when unknown


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Card:
    """A session at a location: as it is (``before``) and as it will be (``after``); one of the
    two is None for a session that starts or stops being bookable there."""

    name: str
    action: str  # "unchanged", or the change's action ("update", "create", ...)
    before: Block | None
    after: Block | None
    fields: tuple[FieldChange, ...] = ()
    old_name: str | None = None

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"

    @property
    def tone(self) -> str:
        return tone(self.action)


@dataclass(frozen=True, slots=True)
class LocationView:
    name: str
    display_name: str
    cards: tuple[Card, ...]

    @property
    def changed(self) -> int:
        return sum(1 for card in self.cards if card.changed)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change of the plan: entity, name, action, why it is blocked, what it warns."""

    entity: str
    name: str
    action: str
    blocked: bool
    reason: str | None
    old_name: str | None
    fields: tuple[FieldChange, ...]
    warnings: tuple[str, ...]

    @property
    def tone(self) -> str:
        return tone(self.action, blocked=self.blocked)


@dataclass(frozen=True, slots=True)
class RiskSection:
    title: str
    changes: tuple[ChangeRow, ...]


@dataclass(frozen=True, slots=True)
class SmsView:
    text: str
    segments: int
    encoding: str
    units: int
    forced_by: str | None
    describe: str  # "2 segments (GSM-7, 201 septets)"


@dataclass(frozen=True, slots=True)
class EmailView:
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True, slots=True)
class ReminderView:
    session: str
    location: str  # the location's display name
    start: str  # ISO 8601 with the location's offset
    sms: SmsView | None
    email: EmailView | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ChargeRow:
    session: str
    before: str  # "95.00 CAD" or "nothing"
    after: str
    because: str | None = None  # the billing items whose change moves it, for an unchanged session


@dataclass(frozen=True, slots=True)
class DiagnosticView:
    where: str  # "sessions/rmt60.yaml:6:8"
    severity: str
    code: str
    message: str
    hint: str | None


@dataclass(frozen=True, slots=True)
class Drift:
    """The store's configuration differs from what the last apply left (SPEC §4)."""

    applied_at: str  # ISO 8601, UTC
    actor: str


@dataclass(frozen=True, slots=True)
class PreviewModel:
    """Everything the preview page shows, in the order it shows it."""

    title: str
    store: str
    lint_errors: int
    summary_line: str | None = None  # None: lint failed, no plan
    counts: tuple[tuple[str, int], ...] = ()  # action -> how many, then ("blocked", n)
    thresholds: tuple[str, ...] = ()
    risky: tuple[RiskSection, ...] = ()
    others: tuple[ChangeRow, ...] = ()
    locations: tuple[LocationView, ...] = ()
    reminders: tuple[ReminderView, ...] = ()
    reminders_left_out: int = 0
    charges: tuple[ChargeRow, ...] = ()
    color_advice: tuple[DiagnosticView, ...] = ()
    diagnostics: tuple[DiagnosticView, ...] = ()
    drift: Drift | None = None
    currency: str = "CAD"
    sample: dict[str, str] = field(default_factory=dict)  # what the reminders were rendered with

    @property
    def empty(self) -> bool:
        return self.summary_line is not None and not self.risky and not self.others


def build_preview(root: Path, store: Store, where: Where) -> PreviewModel:
    """Lint ``root``, plan it against ``store`` and describe the result for a reviewer
    (``where`` shows a diagnostic's path, e.g. relative to the git work tree)."""
    reviewed = review(root, store)
    return preview_of(reviewed, where)


def preview_of(reviewed: Review, where: Where) -> PreviewModel:
    """The view model of a review (lint's result, and the plan when lint passed)."""
    repo = reviewed.repository
    title = repo.settings.clinic_name or root_name(repo.root)
    shown = tuple(_diagnostic(d, where) for d in reviewed.report.diagnostics)
    advice = tuple(
        v for v, d in zip(shown, reviewed.report.diagnostics, strict=True) if d.code in COLOR_CODES
    )
    plan = reviewed.plan
    if plan is None:
        return PreviewModel(
            title,
            "",
            reviewed.report.errors,
            color_advice=advice,
            diagnostics=shown,
            currency=repo.settings.currency,
        )
    snapshot = reviewed.snapshot
    drift = None
    if snapshot is not None and snapshot.changed_outside and snapshot.last_apply is not None:
        last = snapshot.last_apply
        drift = Drift(last.applied_at.isoformat(timespec="seconds"), last.actor)
    summary = plan.summary
    sessions = {c.name: c for c in plan.changes if c.entity is EntityKind.SESSION}
    reminders, left_out = _reminders(reviewed, sessions)
    return PreviewModel(
        title=title,
        store=plan.store,
        lint_errors=0,
        summary_line=plan.summary_line(),
        counts=tuple(summary.items()),
        thresholds=tuple(str(v) for v in plan.threshold_violations),
        risky=_risky(plan),
        others=tuple(_row(c, plan.currency) for c in plan.changes if not c.risky),
        locations=_locations(plan, sessions),
        reminders=reminders,
        reminders_left_out=left_out,
        charges=_charges(plan),
        color_advice=advice,
        diagnostics=shown,
        drift=drift,
        currency=plan.currency,
        sample={"first_name": "Alex", "start": SAMPLE_START_TEXT},
    )


def root_name(root: Path) -> str:
    return root.resolve().name or "sessconf"


def _diagnostic(d: Diagnostic, where: Where) -> DiagnosticView:
    return DiagnosticView(f"{where(d.path)}:{d.line}:{d.column}", d.severity.value, d.code, d.message, d.hint)


def _risky(plan: Plan) -> tuple[RiskSection, ...]:
    sections = []
    for risk, title in _RISK_TITLES.items():
        changes = tuple(_row(c, plan.currency) for c in plan.changes if c.risk is risk)
        if changes:
            sections.append(RiskSection(title, changes))
    return tuple(sections)


def _row(change: Change, currency: str) -> ChangeRow:
    fields = [FieldChange(key, _text(key, old), _text(key, new)) for key, old, new in change.shown_fields()]
    if change.charges is not None and change.charges[0] != change.charges[1]:
        before, after = change.charges
        fields.append(FieldChange("charges on arrival", _money(before, currency), _money(after, currency)))
    return ChangeRow(
        change.entity.value,
        change.name,
        change.action.value,
        change.blocked,
        change.reason,
        change.old_name if change.action is Action.RENAME else None,
        tuple(fields),
        change.warnings,
    )


def _text(key: str, value: object) -> str:
    """A field value as the page shows it: plain, no quotes (the page is not YAML)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        if key == "billing_items":
            return _billing(value) or "nothing"
        return ", ".join(str(v) for v in value) or "none"
    if key == "duration" or key.startswith("buffer"):
        return f"{value} min"
    return str(value)


def _billing(lines: Iterable[BillingLineState | Mapping[str, Any]]) -> str:
    """``acup-initial, needles × 2``: billing lines as states (a session) or plain (a plan field)."""
    parts = []
    for line in lines:
        if isinstance(line, BillingLineState):
            item, quantity = line.item, line.quantity
        else:
            item, quantity = line["item"], line["quantity"]
        parts.append(f"{item} × {quantity}" if quantity != 1 else str(item))
    return ", ".join(parts)


def _money(amount: str | None, currency: str) -> str:
    return "nothing" if amount is None else f"{amount} {currency}"


def _block(session: SessionState, config: ConfigState, currency: str) -> Block:
    total = config.charge_total(session)
    return Block(
        session.name,
        session.description,
        session.discipline,
        session.color,
        colors.text_on(session.color),
        session.duration,
        _billing(session.billing_items) or "nothing",
        None if total is None else f"{total:.2f} {currency}",
    )


def _bookable_at(session: SessionState | None, location: str) -> bool:
    return session is not None and not session.archived and location in session.locations


def _locations(plan: Plan, changes: dict[str, Change]) -> tuple[LocationView, ...]:
    """Each location's calendar: changed sessions first (by name), then the unchanged ones."""
    current, desired = plan.current, plan.desired
    before_of: dict[str, SessionState | None] = {}
    for name in desired.sessions:
        change = changes.get(name)
        before = current.sessions.get(name) if change is None else change.old
        before_of[name] = before if isinstance(before, SessionState) else None
    for change in changes.values():  # deleted: in the store only
        if change.action is Action.DELETE and isinstance(change.old, SessionState):
            before_of[change.name] = change.old
    names = set(desired.locations) | set(current.locations)
    views = []
    for location in sorted(names):
        state = desired.locations.get(location) or current.locations[location]
        cards = []
        for name in sorted(before_of):
            before, after = before_of[name], desired.sessions.get(name)
            was, will = _bookable_at(before, location), _bookable_at(after, location)
            if not (was or will):
                continue
            change = changes.get(name)
            old_block = _block(before, current, plan.currency) if was and before is not None else None
            new_block = _block(after, desired, plan.currency) if will and after is not None else None
            action = "unchanged" if change is None and old_block == new_block else _action(change, was, will)
            fields = _side_by_side(before, after, old_block, new_block) if action != "unchanged" else ()
            old_name = change.old_name if change is not None and change.action is Action.RENAME else None
            cards.append(Card(name, action, old_block, new_block, fields, old_name))
        if cards:
            cards.sort(key=lambda card: (not card.changed, card.name))
            views.append(LocationView(location, state.display_name, tuple(cards)))
    return tuple(views)


def _action(change: Change | None, was: bool, will: bool) -> str:
    if change is not None and change.action not in (Action.UPDATE, Action.RENAME):
        return change.action.value
    if not was:
        return "added here"
    if not will:
        return "removed here"
    return change.action.value if change is not None else CHARGES_MOVE


def _side_by_side(
    before: SessionState | None, after: SessionState | None, old: Block | None, new: Block | None
) -> tuple[FieldChange, ...]:
    """The shown fields that differ, before → after (charges included)."""
    out = []
    for key in SHOWN_FIELDS:
        was = getattr(before, key) if before is not None else None
        will = getattr(after, key) if after is not None else None
        if was != will:
            out.append(FieldChange(key, _text(key, was), _text(key, will)))
    old_charges = old.charges if old is not None else None
    new_charges = new.charges if new is not None else None
    if old_charges != new_charges:
        out.append(FieldChange("charges on arrival", old_charges or "nothing", new_charges or "nothing"))
    return tuple(out)


def _reminders(reviewed: Review, changes: dict[str, Change]) -> tuple[tuple[ReminderView, ...], int]:
    """The SMS and email of each changed, bookable session, at its first location."""
    repo = reviewed.repository
    targets: list[Target] = []
    for name, change in sorted(changes.items()):
        entry = repo.sessions.get(name)
        if change.action in (Action.DELETE, Action.ARCHIVE) or entry is None or entry.model.archived:
            continue
        offered = [loc for loc in entry.model.locations if loc in repo.locations]
        if offered:
            targets.append((entry, offered[0]))
    if not targets:
        return (), 0
    shown, left_out = targets[:MAX_REMINDERS], max(0, len(targets) - MAX_REMINDERS)
    locations = {known: entry.model for known, entry in repo.locations.items()}
    names = {known: entry.model.name for known, entry in repo.locations.items()}
    try:
        renderer = Renderer(repo.root, repo.settings, locations)
        rendered = renderer.render_all(shown, start=SAMPLE_START_TEXT)
    except (ReminderError, SessconfError) as exc:
        problem = str(exc)
        return tuple(ReminderView(e.name, names[loc], "", None, None, problem) for e, loc in shown), left_out
    views = []
    for reminder in rendered:
        sms = None
        if reminder.sms is not None and reminder.sms_length is not None:
            length = reminder.sms_length
            sms = SmsView(
                reminder.sms,
                length.segments,
                length.encoding,
                length.units,
                length.forced_by,
                length.describe(),
            )
        email = None
        if reminder.email is not None:
            email = EmailView(reminder.email.subject, reminder.email.text, reminder.email.html)
        views.append(
            ReminderView(reminder.session, names[reminder.location], reminder.start.isoformat(), sms, email)
        )
    return tuple(views), left_out


def _charges(plan: Plan) -> tuple[ChargeRow, ...]:
    """What arrivals charge, before → after: changed sessions, then those whose items changed."""
    rows = [
        ChargeRow(c.name, _money(c.charges[0], plan.currency), _money(c.charges[1], plan.currency))
        for c in plan.changes
        if c.entity is EntityKind.SESSION and c.charges is not None and c.charges[0] != c.charges[1]
    ]
    for impact in plan.charge_impacts:
        before, after = impact.charges
        rows.append(
            ChargeRow(
                impact.session,
                _money(before, plan.currency),
                _money(after, plan.currency),
                ", ".join(impact.billing_items),
            )
        )
    return tuple(rows)
