"""``ppp users ...``: manage user accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.extensions import db
from core.security import services
from core.security.passwords import MINIMUM_LENGTH


@click.group()
def users():
    """Manage user accounts."""


@users.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", prompt=True, help="The administrator's full name.")
@click.password_option(help=f"At least {MINIMUM_LENGTH} characters.")
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create a user holding the Administrator role."""
    services.sync_roles()
    try:
        services.validate_password(password)
        user = services.create_user(email, name, password=password, role_codes=("administrator",))
    except services.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created administrator {user.email}.")
