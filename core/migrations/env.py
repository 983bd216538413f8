"""Alembic environment shared by the core and every module; core.database picks the lineage."""

from alembic import context

from core.extensions import db
from core.migrations.filters import include_object_for

lineage = context.config.attributes["lineage"]


def run_migrations() -> None:
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # batch mode copies and drops tables; with foreign keys on, the drop would cascade into other tables
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=db.metadata,
                version_table=lineage.version_table,
                include_object=include_object_for(lineage),
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("PPP migrations run online only: use ppp db upgrade.")
run_migrations()
