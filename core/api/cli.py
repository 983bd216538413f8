"""``ppp users token EMAIL --name NAME [--days N]``: make a personal API token at the command line."""

from __future__ import annotations

import click
from flask import g
from flask.cli import with_appcontext

from core.extensions import db


@click.command("token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. \"Rent system nightly import\".")
@click.option("--days", type=int, default=None, help="Days until it expires (default API_TOKEN_DEFAULT_DAYS).")
@with_appcontext
def token(email: str, name: str, days: int | None) -> None:
    """Create a personal API token for the user with this email address, and print it once."""
    from core.api import services
    from core.security.services import get_user_by_email

    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the email address {email}.")
    # the command line runs as whoever operates the server, as `ppp users create-admin` does
    g.ppp_command_line = True
    try:
        made = services.create_token(name, days, user=user)
    except services.ApiChangeError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created API token \"{made.token.name}\" for {user.email}, "
               f"expiring {made.token.expires_at:%Y-%m-%d}. It is shown only now:")
    click.echo(made.value)


def add_token_command(cli: click.Group) -> None:
    """Put ``token`` in the ``ppp users`` group the security area adds."""
    users = cli.commands.get("users") if hasattr(cli, "commands") else None
    if users is None:
        raise RuntimeError("The security area's `users` command group must be registered before the API area.")
    users.add_command(token)
