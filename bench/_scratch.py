"""What the benchmarks share: the PostgreSQL database to use, and an app working in a scratch schema of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def database_url() -> str | None:
    """BENCH_DATABASE_URL, else DATABASE_URL, if it names a PostgreSQL database (the limits are PostgreSQL's)."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith(("postgres://", "postgresql")) else None


def schema_exists(url: str, schema: str) -> bool:
    from core.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(
                text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :name"), {"name": schema}
            ))
    finally:
        engine.dispose()


class NotOwnDatabase(Exception):
    """The database's public schema holds tables, which a scratch schema would see (and write to) through its
    search path."""


def check_own_database(url: str) -> None:
    """Refuse a database whose public schema has tables: the scratch schema's search path ends with public (where
    PostgreSQL keeps extensions such as pg_trgm), so PPP tables there would be found, and written to, instead."""
    from core.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            tables = connection.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
            name = connection.scalar(text("SELECT current_database()"))
    finally:
        engine.dispose()
    if tables:
        raise NotOwnDatabase(
            f"the database {name} has {tables} tables in its public schema: give the benchmarks a database of their "
            f"own (BENCH_DATABASE_URL), or empty its public schema"
        )


def measurable_database(benchmark: str) -> str | None:
    """The PostgreSQL database to measure on, or None after printing why ``benchmark`` is skipped."""
    url = database_url()
    if url is None:
        print(f"{benchmark}: skipped; set DATABASE_URL (or BENCH_DATABASE_URL) to a PostgreSQL database.")
        return None
    try:
        check_own_database(url)
    except NotOwnDatabase as exc:
        print(f"{benchmark}: skipped; {exc}.")
        return None
    return url


@contextmanager
def scratch_app(url: str, schema: str, *, fresh: bool = True, keep: bool = False,
                modules: tuple[str, ...] = ()) -> Iterator[object]:
    """An app with ``modules`` (none by default) whose tables live in ``schema``, migrated to head; the schema is made
    new when ``fresh`` and dropped afterwards unless ``keep``. The search path ends with public, where pg_trgm is
    put."""
    from core import create_app, database
    from core.config import normalise_database_url
    from core.extensions import db

    check_own_database(url)
    admin = create_engine(normalise_database_url(url))
    try:
        with admin.begin() as connection:
            # extensions live in public, so every scratch schema sees them (and dropping one schema keeps them)
            installed = connection.scalar(
                text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
            )
            if installed is None:
                connection.execute(text("CREATE EXTENSION pg_trgm SCHEMA public"))
            elif installed != "public":
                connection.execute(text("ALTER EXTENSION pg_trgm SET SCHEMA public"))
        if fresh:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                connection.execute(text(f"CREATE SCHEMA {schema}"))
        app = create_app(
            config={
                "PPP_ENV": "development",
                "DATABASE_URL": url,
                "SECRET_KEY": SECRET,
                "REDIS_URL": None,
                "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c search_path={schema},public"}},
            },
            modules=list(modules),
        )
        try:
            with app.app_context():
                database.upgrade(app, echo=lambda *_: None)
                yield app
                db.session.remove()
                db.engine.dispose()
        finally:
            if not keep:
                with admin.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    finally:
        admin.dispose()
