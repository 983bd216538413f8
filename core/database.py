"""Migrations: the core lineage plus one per module, each with its own folder and version table.

A version table per lineage (as Indico and CKAN do) means a disabled module's row never confuses Alembic, and its
tables are simply left alone. ``ppp db upgrade`` runs the core first, then each enabled module in load order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import event

from core.errors import StartupError
from core.extensions import db

ENVIRONMENT = Path(__file__).resolve().parent / "migrations"
FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"


@dataclass(frozen=True)
class Lineage:
    """One line of migrations: the core's, or one module's."""

    name: str
    versions: Path
    version_table: str
    #: the tables this lineage creates and autogenerate compares; others are left alone
    tables: frozenset[str] | None  # None: every table starting with "<name>_"

    def owns(self, table_name: str) -> bool:
        if self.tables is not None:
            return table_name in self.tables
        return table_name.startswith(f"{self.name}_")


def configure_engine(app: Flask) -> None:
    """Make SQLite behave: real transactions with savepoints, and foreign keys enforced."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take control of BEGIN ourselves
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    dbapi_connection.execute("PRAGMA busy_timeout=5000")


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def core_tables() -> frozenset[str]:
    """Tables defined by core models."""
    return frozenset(
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if mapper.class_.__module__.startswith("core.")
    )


def lineages(app: Flask) -> list[Lineage]:
    """The core lineage, then each enabled module that has a migrations/versions folder, in load order."""
    result = [Lineage("core", ENVIRONMENT / "versions", "alembic_version", core_tables())]
    for module in app.extensions["ppp"].modules:
        folder = Path(module.plugin.__file__).resolve().parent / "migrations" / "versions"
        if folder.is_dir():
            result.append(Lineage(module.name, folder, f"alembic_version_{module.name}", None))
    return result


def lineage(app: Flask, name: str) -> Lineage:
    for candidate in lineages(app):
        if candidate.name == name:
            return candidate
    raise StartupError(f'"{name}" is not an enabled module with a migrations/versions folder.')


def alembic_config(item: Lineage) -> Config:
    """An Alembic config for one lineage, sharing the one environment in core/migrations."""
    config = Config()
    config.set_main_option("script_location", str(ENVIRONMENT))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(item.versions))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "Europe/London")
    config.attributes["lineage"] = item
    return config


def upgrade(app: Flask, echo=print) -> None:
    """Upgrade the core and then every enabled module to its head; a second run changes nothing."""
    for item in lineages(app):
        before = current_revision(item)
        command.upgrade(alembic_config(item), "head")
        after = current_revision(item)
        if before != after:
            echo(f"{item.name}: {before or 'empty'} -> {after}")


def downgrade(app: Flask, name: str, revision: str) -> None:
    """Downgrade one lineage, e.g. to "base" to remove a module's tables."""
    command.downgrade(alembic_config(lineage(app, name)), revision)


def revision(app: Flask, name: str, message: str, autogenerate: bool) -> None:
    """Write a new migration for one lineage; the first one of a module starts its branch."""
    for module in app.extensions["ppp"].modules:
        if module.name == name:  # a module's first revision creates its migrations/versions folder
            (Path(module.plugin.__file__).resolve().parent / "migrations" / "versions").mkdir(
                parents=True, exist_ok=True
            )
    item = lineage(app, name)
    config = alembic_config(item)
    script = ScriptDirectory.from_config(config)
    first = not script.get_heads()
    command.revision(
        config,
        message=message,
        autogenerate=autogenerate,
        head="base" if first else "head",
        branch_label=name if first and name != "core" else None,
        version_path=str(item.versions),
    )


def current_revision(item: Lineage) -> str | None:
    """The revision the database is at for one lineage, or None before its first upgrade."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": item.version_table})
        heads = context.get_current_heads()
    return heads[0] if heads else None


def heads(item: Lineage) -> tuple[str, ...]:
    """The head revisions of one lineage's scripts; a healthy lineage has exactly one."""
    return tuple(ScriptDirectory.from_config(alembic_config(item)).get_heads())


def pending_changes(item: Lineage) -> list:
    """What autogenerate would change for one lineage: empty when models and migrations agree."""
    from alembic.autogenerate import compare_metadata

    from core.migrations.filters import include_object_for

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": include_object_for(item),
                "compare_type": True,
                "version_table": item.version_table,
            },
        )
        return compare_metadata(context, db.metadata)
