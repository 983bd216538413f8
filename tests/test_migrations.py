"""Migrations: one head per lineage, upgrade from empty and back on SQLite and PostgreSQL, models and migrations agree."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from core import create_app, database
from core.cli import cli
from core.config import normalise_database_url
from core.extensions import db
from core.testing.fixtures import TEST_SECRET, builtin_modules

#: a throwaway module with its own lineage, so the machinery is proved even before any built-in module has one
SAMPLE = "migsample"
SAMPLE_TABLE = f"{SAMPLE}_notice"

SAMPLE_PLUGIN = f'''
"""A throwaway module with one table, a lookup list and a permission seeded to caseworkers."""

from core.plugins import LookupSeed, ModuleInfo, Permission, hookimpl

MODULE = ModuleInfo(name="{SAMPLE}", label="Notices")


@hookimpl
def register_permissions():
    return [Permission("{SAMPLE}.notices.edit", "Edit notices", default_roles=("caseworker",))]


@hookimpl
def register_lookups():
    return [LookupSeed("{SAMPLE}.notice_type", "Notice type", [("closure", "Road closure"), ("event", "Event")])]
'''

SAMPLE_REVISION = f'''
"""notices

Revision ID: 5a3c0de1f001
"""

import sqlalchemy as sa
from alembic import op

revision = "5a3c0de1f001"
down_revision = None
branch_labels = ("{SAMPLE}",)
depends_on = None


def upgrade():
    op.create_table(
        "{SAMPLE_TABLE}",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_{SAMPLE_TABLE}_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_{SAMPLE_TABLE}")),
    )


def downgrade():
    op.drop_table("{SAMPLE_TABLE}")
'''


@pytest.fixture
def sample_module(tmp_path):
    """The throwaway module's plugin (its folder holds migrations/versions), and its table in the shared metadata."""
    folder = tmp_path / SAMPLE
    (folder / "migrations" / "versions").mkdir(parents=True)
    (folder / "plugin.py").write_text(textwrap.dedent(SAMPLE_PLUGIN))
    (folder / "migrations" / "versions" / "20260101_0900_5a3c0de1f001_notices.py").write_text(SAMPLE_REVISION)
    spec = importlib.util.spec_from_file_location(f"{SAMPLE}_plugin", folder / "plugin.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    # the model side of the migration, so autogenerate has something to compare; removed afterwards
    table = sa.Table(
        SAMPLE_TABLE,
        db.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.ForeignKey("user_account.id")),
    )
    try:
        yield plugin
    finally:
        db.metadata.remove(table)
        sys.modules.pop(f"{SAMPLE}_plugin", None)


def _postgres_server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """The URL of an empty database: a SQLite file, or a throwaway PostgreSQL database next to TEST_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    server = _postgres_server_url()
    if server is None:
        pytest.skip("set TEST_DATABASE_URL to run migrations on PostgreSQL")
    name = f"ppp_migrations_{uuid.uuid4().hex[:12]}"
    # CREATE DATABASE cannot run inside a transaction
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migration_app(url: str, extra: dict | None = None, with_extra: bool = True):
    """An app on the given database with every built-in module, plus throwaway ones when asked."""
    config = {"PPP_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET, "REDIS_URL": None}
    if extra:
        config["PPP_EXTRA_MODULES"] = extra
    modules = builtin_modules() + (list(extra or {}) if with_extra else [])
    return create_app(config=config, modules=modules)


def _table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_lineages_are_the_core_then_every_enabled_module_with_a_migrations_folder(sample_module):
    app = migration_app("sqlite://", extra={SAMPLE: sample_module})
    with_folders = [
        name for name in builtin_modules()
        if (Path(app.extensions["ppp"].available[name].plugin_path.replace(".", "/")).parent
            / "migrations" / "versions").is_dir()
    ]
    with app.app_context():
        found = database.lineages(app)
    names = [item.name for item in found]
    assert names[0] == "core"
    assert sorted(names[1:]) == sorted([*with_folders, SAMPLE])
    assert found[0].version_table == "alembic_version"
    assert all(item.version_table == f"alembic_version_{item.name}" for item in found[1:])


def test_every_lineage_has_exactly_one_head_and_one_base(sample_module):
    app = migration_app("sqlite://", extra={SAMPLE: sample_module})
    from alembic.script import ScriptDirectory

    with app.app_context():
        for item in database.lineages(app):
            assert len(database.heads(item)) == 1, f"{item.name} has heads {database.heads(item)}: merge them"
            script = ScriptDirectory.from_config(database.alembic_config(item))
            bases = script.get_bases()
            assert len(bases) == 1, f"{item.name} has bases {bases}"
            if item.name != "core":
                assert item.name in script.get_revision(bases[0]).branch_labels


def test_upgrade_from_empty_then_downgrade_to_base(empty_database, sample_module):
    app = migration_app(empty_database, extra={SAMPLE: sample_module})
    with app.app_context():
        items = database.lineages(app)
        assert not _table_names()

        said: list[str] = []
        database.upgrade(app, echo=said.append)
        heads = {item.name: database.heads(item)[0] for item in items}
        assert said == [f"{item.name}: empty -> {heads[item.name]}" for item in items]
        assert {item.name: database.current_revision(item) for item in items} == heads

        owned = {table for table in db.metadata.tables if any(item.owns(table) for item in items)}
        version_tables = {item.version_table for item in items}
        assert {"user_account", "job_run", SAMPLE_TABLE} <= owned
        assert _table_names() == owned | version_tables

        # a second upgrade changes nothing and says nothing
        again: list[str] = []
        database.upgrade(app, echo=again.append)
        assert again == []
        assert {item.name: database.current_revision(item) for item in items} == heads

        # models and migrations agree for every lineage
        for item in items:
            assert database.pending_changes(item) == [], f"{item.name}: write a migration"

        # a module downgraded to base loses only its own tables
        database.downgrade(app, SAMPLE, "base")
        assert SAMPLE_TABLE not in _table_names()
        assert "user_account" in _table_names()
        assert database.current_revision(database.lineage(app, SAMPLE)) is None

        for item in reversed(items):
            database.downgrade(app, item.name, "base")
            assert database.current_revision(item) is None
        assert _table_names() <= version_tables
        db.engine.dispose()


def test_disabled_module_keeps_its_tables_and_history(tmp_path, sample_module):
    url = f"sqlite:///{tmp_path / 'disabled.sqlite3'}"
    enabled = migration_app(url, extra={SAMPLE: sample_module})
    with enabled.app_context():
        database.upgrade(enabled, echo=lambda *_: None)
        db.session.execute(sa.text(f"INSERT INTO {SAMPLE_TABLE} (title) VALUES ('Bridge Street closed')"))
        db.session.commit()
        db.engine.dispose()

    disabled = migration_app(url, extra={SAMPLE: sample_module}, with_extra=False)
    with disabled.app_context():
        assert SAMPLE not in [item.name for item in database.lineages(disabled)]
        said: list[str] = []
        database.upgrade(disabled, echo=said.append)
        assert said == []
        assert db.session.scalar(sa.text(f"SELECT title FROM {SAMPLE_TABLE}")) == "Bridge Street closed"
        assert db.session.scalar(sa.text(f"SELECT version_num FROM alembic_version_{SAMPLE}")) == "5a3c0de1f001"
        db.engine.dispose()


def test_ppp_db_upgrade_also_syncs_lookups_and_roles(tmp_path, sample_module):
    from core.lookups.models import LookupValue
    from core.security.models import Role, RolePermission
    from core.security.services import SEEDED_ROLES

    app = migration_app(f"sqlite:///{tmp_path / 'cli.sqlite3'}", extra={SAMPLE: sample_module})
    runner = app.test_cli_runner()

    first = runner.invoke(cli, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"{SAMPLE}: empty -> 5a3c0de1f001" in first.output
    added = int(re.search(r"Lookups: (\d+) added", first.output).group(1))

    with app.app_context():
        assert added == db.session.scalar(select(sa.func.count()).select_from(LookupValue))
        assert set(db.session.scalars(select(Role.code))) == {code for code, *_ in SEEDED_ROLES}
        values = db.session.execute(
            select(LookupValue.code, LookupValue.label).where(LookupValue.list_code == f"{SAMPLE}.notice_type")
            .order_by(LookupValue.sort_order)
        ).all()
        assert [tuple(row) for row in values] == [("closure", "Road closure"), ("event", "Event")]
        granted = db.session.scalars(
            select(Role.code).join(RolePermission).where(RolePermission.permission == f"{SAMPLE}.notices.edit")
        ).all()
        assert granted == ["caseworker"]

    second = runner.invoke(cli, ["db", "upgrade"])
    assert second.exit_code == 0, second.output
    assert second.output.strip().splitlines() == [
        "Database is up to date. Lookups: 0 added. Role grants: 0 added."
    ]
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(LookupValue)) == added
        db.engine.dispose()


def test_people_name_word_tables_are_filled_from_existing_people(empty_database):
    """The migration adding search's word tables backfills them from the people already there (merged records get
    no entries, as search leaves them out)."""
    app = migration_app(empty_database)
    with app.app_context():
        database.upgrade(app, echo=lambda *_: None)
        database.downgrade(app, "core", "52283638b954")  # the core before person_name_word
        assert "person_name_entry" not in _table_names()
        columns = ("first_names, last_name, search_name, interpreter_required, restricted, safeguarding_notes, "
                   "created_at, updated_at, version")
        values = ":first, :last, :key, false, false, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1"
        with db.engine.begin() as connection:
            kept = connection.execute(text(f"INSERT INTO person ({columns}) VALUES ({values}) RETURNING id"),
                                      {"first": "Margaret Ann", "last": "Holloway",
                                       "key": "margaret ann holloway peggy"}).scalar_one()
            merged = connection.execute(text(f"INSERT INTO person ({columns}) VALUES ({values}) RETURNING id"),
                                        {"first": "Peg", "last": "Hollway", "key": "peg hollway"}).scalar_one()
            connection.execute(text("UPDATE person SET merged_into_id = :kept WHERE id = :merged"),
                               {"kept": kept, "merged": merged})
        database.upgrade(app, echo=lambda *_: None)
        with db.engine.connect() as connection:
            entries = connection.execute(
                text("SELECT word, last_name, first_names, person_id FROM person_name_entry ORDER BY word")
            ).all()
            words = set(connection.scalars(text("SELECT word FROM person_name_word")))
        assert [tuple(row) for row in entries] == [
            ("ann", "Holloway", "Margaret Ann", kept), ("holloway", "Holloway", "Margaret Ann", kept),
            ("margaret", "Holloway", "Margaret Ann", kept), ("peggy", "Holloway", "Margaret Ann", kept),
        ]
        assert words == {"margaret", "ann", "holloway", "peggy", "peg", "hollway"}
        db.engine.dispose()
