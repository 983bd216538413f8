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


def _user(email: str):
    user = services.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no user with the email address {services.normalise_email(email)}")
    return user


@users.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", prompt=True, help="The administrator's full name.")
@click.password_option(help=f"At least {MINIMUM_LENGTH} characters, not a common password.")
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create a user holding the Administrator role."""
    services.sync_roles()
    try:
        services.validate_password(password)
        user = services.create_user(
            services.clean_email(email), name, password=password, role_codes=("administrator",)
        )
    except services.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created administrator {user.email}.")


@users.command("create")
@click.option("--email", prompt=True, help="The user's email address; they sign in with it.")
@click.option("--name", prompt=True, help="The user's full name.")
@click.option("--role", "roles", multiple=True, help="A role code such as caseworker; repeat for several roles.")
@with_appcontext
def create(email: str, name: str, roles: tuple[str, ...]) -> None:
    """Create a user and email them a link to set their own password."""
    services.act_from_command_line()
    try:
        user = services.invite_user(email, name, roles)
    except services.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} and sent them a link to set their password.")


@users.command("invite")
@click.argument("email")
@with_appcontext
def invite(email: str) -> None:
    """Send a user who has not set a password yet a new link to set it."""
    services.act_from_command_line()
    user = _user(email)
    try:
        services.send_invitation(user)
    except services.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Sent {user.email} a new link to set their password.")


@users.command("list")
@click.option("--status", type=click.Choice(["active", "inactive", "all"]), default="active", show_default=True)
@click.option("--search", default="", help="Only users whose name or email address contains this.")
@with_appcontext
def list_users(status: str, search: str) -> None:
    """List users with their roles."""
    services.act_from_command_line()
    for user in services.find_users(search, status):
        state = "active" if user.active else "deactivated"
        if user.active and not user.password_hash:
            state = "invited"
        roles = ", ".join(role.code for role in user.roles) or "-"
        click.echo(f"{user.email}\t{user.name}\t{state}\t{roles}")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email: str) -> None:
    """Stop a user signing in; their history stays attributed to them."""
    _set_active(email, False)


@users.command("reactivate")
@click.argument("email")
@with_appcontext
def reactivate(email: str) -> None:
    """Let a deactivated user sign in again."""
    _set_active(email, True)


def _set_active(email: str, active: bool) -> None:
    services.act_from_command_line()
    user = _user(email)
    try:
        services.set_user_active(user, active)
    except services.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} is now {'active' if active else 'deactivated'}.")
