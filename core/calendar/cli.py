"""The ppp calendar commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def calendar():
    """Bank holidays."""


@calendar.command("sync")
@click.option("--first-year", type=int, default=None, help="First year to seed (default 2000).")
@click.option("--last-year", type=int, default=None, help="Last year to seed (default five years ahead).")
@with_appcontext
def calendar_sync(first_year: int | None, last_year: int | None) -> None:
    """Add missing bank holidays from the holidays library, offline; administrators' changes are kept."""
    from core.calendar import services
    from core.extensions import db

    if first_year and last_year and first_year > last_year:
        raise click.BadParameter("the first year must not be after the last year")
    counts = services.sync(first_year or services.SEED_FIRST_YEAR, last_year)
    db.session.commit()
    click.echo(f"Bank holidays: {counts['added']} added.")
