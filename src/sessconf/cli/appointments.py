"""``sessconf appointments book|arrive|cancel|list``: the scheduling side, end to end."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import APPOINTMENT_ID, dir_option, format_option, open_store, store_option


@click.group("appointments")
def command() -> None:
    """Book, arrive, cancel and list appointments in the store."""


@command.command("book")
@click.argument("session")
@click.option("--client", required=True, help="The client's id.")
@click.option("--location", required=True, help="A location the session is offered at.")
@click.option(
    "--start",
    required=True,
    help="ISO 8601; without an offset it is local time at the location (e.g. 2026-12-01T10:00).",
)
@click.option("--duration", type=click.IntRange(1, 1440), help="Minutes [default: the session's duration].")
@dir_option
@store_option
@format_option("text", "json")
def book(
    session: str,
    client: str,
    location: str,
    start: str,
    duration: int | None,
    root: Path,
    store_flag: str | None,
    fmt: str,
) -> int:
    """Book SESSION for a client; prints the new appointment's id."""
    from sessconf.output.jsonfmt import dumps
    from sessconf.timeparse import parse_start

    with open_store(root, store_flag) as store:
        booking = store.booking()
        when = parse_start(start, booking.timezone(location))
        appointment = booking.book(session, client, location, when, duration)
    if fmt == "json":
        click.echo(dumps(appointment.to_dict()), nl=False)
    else:
        click.echo(appointment.id)
        click.echo(
            f"Booked {appointment.session} at {appointment.location}, "
            f"{appointment.start:%Y-%m-%d %H:%M}–{appointment.end:%H:%M} ({appointment.start.tzname()}).",
            err=True,
        )
    return 0


@command.command("arrive")
@click.argument("appointment_id", metavar="ID", type=APPOINTMENT_ID)
@dir_option
@store_option
@format_option("text", "json")
def arrive(appointment_id: int, root: Path, store_flag: str | None, fmt: str) -> int:
    """Mark an appointment arrived and print the charges added to the client's case file."""
    from sessconf.output.jsonfmt import dumps

    with open_store(root, store_flag) as store:
        arrival = store.booking().arrive(appointment_id)
    if fmt == "json":
        click.echo(
            dumps(
                {
                    "appointment": arrival.appointment.to_dict(),
                    "already_arrived": arrival.already,
                    "charges": [] if arrival.already else [c.to_dict() for c in arrival.charges],
                }
            ),
            nl=False,
        )
        return 0
    if arrival.already:
        click.echo(f"Appointment {appointment_id} had already arrived; no charge was added.")
        return 0
    click.echo(
        f"Appointment {appointment_id} arrived. Charges added for client {arrival.appointment.client}:"
    )
    for charge in arrival.charges:
        click.echo(
            f"  {charge.name} ({charge.billing_item}) {charge.quantity} × {charge.unit_price:.2f} = "
            f"{charge.amount:.2f} {charge.currency}"
        )
    if not arrival.charges:
        click.echo("  (none: the session bills nothing)")
    return 0


@command.command("cancel")
@click.argument("appointment_id", metavar="ID", type=APPOINTMENT_ID)
@dir_option
@store_option
def cancel(appointment_id: int, root: Path, store_flag: str | None) -> int:
    """Cancel a booked appointment (it frees its place; it still counts as a use of the session)."""
    with open_store(root, store_flag) as store:
        _, already = store.booking().cancel(appointment_id)
    click.echo(f"Appointment {appointment_id} {'was already cancelled' if already else 'cancelled'}.")
    return 0


@command.command("list")
@click.option("--session", help="Only this session's appointments.")
@click.option("--client", help="Only this client's appointments.")
@click.option("--status", type=click.Choice(["booked", "arrived", "cancelled"]), help="Only this status.")
@dir_option
@store_option
@format_option("text", "json")
def list_(
    session: str | None, client: str | None, status: str | None, root: Path, store_flag: str | None, fmt: str
) -> int:
    """List appointments (times in each location's time zone)."""
    from sessconf.output.jsonfmt import dumps

    with open_store(root, store_flag) as store:
        found = store.booking().appointments(session=session, client=client, status=status)
    if fmt == "json":
        click.echo(dumps([a.to_dict() for a in found]), nl=False)
        return 0
    if not found:
        click.echo("No appointments.")
    for a in found:
        when = f"{a.start:%Y-%m-%d %H:%M %z}"
        click.echo(f"{a.id:>6}  {when}  {a.status:<9}  {a.session} at {a.location}  client {a.client}")
    return 0
