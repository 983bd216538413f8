"""``ppp lookups sync``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.extensions import db
from core.lookups import services


@click.group()
def lookups():
    """Manage configurable lists."""


@lookups.command("sync")
@with_appcontext
def sync_command() -> None:
    """Insert missing default values; keep administrators' labels; never delete."""
    counts = services.sync()
    db.session.commit()
    click.echo(f"Lookups: {counts['added']} added, {counts['relabelled']} relabelled.")
