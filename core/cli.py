"""The ``ppp`` command line: Flask's CLI with PPP's own commands; errors are one line and a non-zero exit."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command, with_appcontext

from core.errors import StartupError


def _create_app():
    from core import create_app

    return create_app()


class PPPGroup(FlaskGroup):
    """Flask's command group without its --app, --env-file and --debug options (ppp always builds its own app)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.params = [param for param in self.params if param.name not in {"app", "env_file", "debug"}]

    def list_commands(self, ctx: click.Context) -> list[str]:
        # help still lists the core commands when start-up fails, and says why in one line, not Flask's traceback
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except StartupError as exc:
            click.echo(f"Error: {exc}", err=True)
            return sorted(self.commands)
        return super().list_commands(ctx)


@click.group(
    cls=PPPGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def cli():
    """PPP: people, places and problems, with department modules."""


cli.add_command(shell_command)
cli.add_command(routes_command)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=None, help="Reload on code changes and show tracebacks.")
@with_appcontext
def serve(host: str, port: int, debug: bool | None) -> None:
    """Serve the app with the built-in server (put a WSGI server such as gunicorn in front in production)."""
    app = current_app._get_current_object()
    if app.config["PPP_ENV"] == "production":
        click.echo("Production: run a WSGI server instead, e.g.  gunicorn 'core:create_app()'", err=True)
    from werkzeug.serving import run_simple

    app.debug = bool(debug)
    click.echo(f"PPP is serving on http://{host}:{port}/")
    run_simple(host, port, app, use_reloader=bool(debug), use_debugger=bool(debug), threaded=True)


@cli.group()
def db():
    """Upgrade and inspect the database."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Upgrade the core then each enabled module, then sync lookups, roles, case types and bank holidays.

    A second run changes nothing.
    """
    from core import database
    from core.calendar import services as calendar
    from core.cases import configuration as case_types
    from core.extensions import db as sqla
    from core.lookups import services as lookups
    from core.security import services as security

    database.upgrade(current_app, echo=click.echo)
    counts = lookups.sync()
    grants = security.sync_roles()
    types = case_types.sync()
    holidays = calendar.sync()
    sqla.session.commit()
    if holidays["added"]:
        click.echo(f"Bank holidays: {holidays['added']} added.")
    if types["added"] or types["relabelled"]:
        click.echo(f"Case types from modules: {types['added']} added, {types['relabelled']} relabelled.")
    click.echo(f"Database is up to date. Lookups: {counts['added']} added. Role grants: {grants} added.")


@db.command("downgrade")
@click.argument("lineage")
@click.argument("revision")
@with_appcontext
def db_downgrade(lineage: str, revision: str) -> None:
    """Downgrade one lineage (core or a module) to REVISION, e.g. "base" to remove a module's tables."""
    from core import database

    database.downgrade(current_app, lineage, revision)
    click.echo(f"{lineage} is at {revision}.")


@db.command("revision")
@click.argument("lineage")
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--autogenerate/--empty", default=True, show_default=True)
@with_appcontext
def db_revision(lineage: str, message: str, autogenerate: bool) -> None:
    """Write a new migration for LINEAGE (core or an enabled module) from the models."""
    from core import database

    database.revision(current_app, lineage, message, autogenerate)


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Show each lineage's revision in the database and its head."""
    from core import database

    for item in database.lineages(current_app):
        current = database.current_revision(item) or "empty"
        head = ", ".join(database.heads(item)) or "none"
        click.echo(f"{item.name:24} {current:16} head {head}")


@db.command("check")
@with_appcontext
def db_check() -> None:
    """Fail if any lineage's models differ from its migrations."""
    from core import database

    problems = 0
    for item in database.lineages(current_app):
        changes = database.pending_changes(item)
        for change in changes:
            click.echo(f"{item.name}: {change}")
        problems += len(changes)
    if problems:
        raise click.ClickException(
            f"{problems} difference(s) between models and migrations: write a migration."
        )
    click.echo("Models and migrations agree.")


@cli.group()
def modules():
    """Inspect modules."""


@modules.command("list", with_appcontext=False)  # must work when plugins.toml stops start-up
def modules_list() -> None:
    """List every available module, whether it is enabled, its version and what it requires."""
    import os

    from core.modules import discover_modules, import_plugin, read_plugins_file

    plugins_file = Path(os.environ.get("PPP_PLUGINS_FILE", "plugins.toml"))
    enabled, _ = read_plugins_file(plugins_file)
    available = discover_modules()
    click.echo(f"{'module':22} {'enabled':8} {'version':9} {'source':12} requires")
    for name in sorted(set(available) | set(enabled)):
        if name not in available:
            click.echo(f"{name:22} {'yes':8} {'-':9} {'missing':12} (not installed)")
            continue
        try:
            info = import_plugin(name, available[name].plugin_path).MODULE
        except StartupError as exc:
            click.echo(
                f"{name:22} {'yes' if name in enabled else 'no':8} {'-':9} {available[name].source:12} {exc}"
            )
            continue
        requires = ", ".join(info.requires) or "-"
        click.echo(
            f"{name:22} {'yes' if name in enabled else 'no':8} {info.version:9} {available[name].source:12} {requires}"
        )


@cli.command()
@with_appcontext
def demo() -> None:
    """Load realistic demo data for the core and every enabled module; re-running adds no duplicates."""
    from core.extensions import db as sqla
    from core.lookups import services as lookups

    lookups.sync()
    system = current_app.extensions["ppp"]
    implementations = system.pm.hook.load_demo_data.get_hookimpls()
    owners = [m.name for m in system.loaded if any(impl.plugin_name == m.name for impl in implementations)]
    with click.progressbar(owners, label="Loading demo data", item_show_func=lambda name: name) as bar:
        for name in bar:
            for impl in implementations:
                if impl.plugin_name == name:
                    impl.function()
                    sqla.session.flush()
    sqla.session.commit()
    click.echo("Demo data loaded. Sign in as admin@example.org with the password demo-password-2026.")


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="ppp")
    except StartupError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
