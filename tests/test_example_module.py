"""The notes module that docs/plugins.md builds works end to end: migration, screen, permission, lookup list, job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import inspect, select, text

from core import create_app, database
from core.extensions import db
from core.jobs import services as jobs
from core.jobs.models import JobRun
from core.lookups import services as lookups
from core.security import services as security
from core.testing.fixtures import TEST_SECRET
from core.types import utcnow
from tests.example_module import services as notes
from tests.example_module.models import Note

#: how a test suite finds a module that is neither in modules/ nor installed
EXAMPLE = {"notes": "tests.example_module.plugin"}
HEAD = "e6ad4721c9e5"


# --- migrations, on a fresh SQLite database ------------------------------------------------------------------


def fresh_app(tmp_path, modules=("notes",)):
    config = {
        "PPP_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "PPP_EXTRA_MODULES": EXAMPLE,
    }
    return create_app(config=config, modules=list(modules))


def upgrade(app) -> list[str]:
    """Run ppp db upgrade's migration step and return what it reported."""
    lines: list[str] = []
    with app.app_context():
        database.upgrade(app, echo=lines.append)
        db.engine.dispose()
    return lines


def tables(app) -> set[str]:
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    return names


def scalar(app, sql: str):
    with app.app_context(), db.engine.connect() as connection:
        value = connection.execute(text(sql)).scalar()
    return value


def test_upgrade_creates_the_notes_table_with_its_own_version_table(tmp_path):
    app = fresh_app(tmp_path)

    report = upgrade(app)

    assert report[-1] == f"notes: empty -> {HEAD}"
    assert {"notes_note", "alembic_version_notes", "alembic_version", "user_account"} <= tables(app)
    assert scalar(app, "SELECT version_num FROM alembic_version_notes") == HEAD
    # the core's version table knows nothing of the module
    assert scalar(app, "SELECT count(*) FROM alembic_version") == 1
    assert scalar(app, f"SELECT count(*) FROM alembic_version WHERE version_num = '{HEAD}'") == 0


def test_second_upgrade_changes_nothing_and_models_match_the_migration(tmp_path):
    app = fresh_app(tmp_path)
    upgrade(app)
    before = tables(app)

    assert upgrade(app) == []
    assert tables(app) == before
    with app.app_context():
        assert database.pending_changes(database.lineage(app, "notes")) == []
        db.engine.dispose()


def test_disabling_the_module_removes_its_routes_and_leaves_its_table_and_notes(tmp_path):
    enabled = fresh_app(tmp_path)
    upgrade(enabled)
    with enabled.app_context():
        lookups.sync()
        security.sync_roles()
        # the caseworker role received the notes permissions when they first appeared
        g.ppp_actor = security.create_user("priya@example.org", "Priya Shah", role_codes=("caseworker",))
        notes.write_note(
            "Ada Jones, 14 Mill Lane",
            lookups.value("notes.note_type", "home_visit").id,
            "Boiler fixed; agreed to call again on Friday.",
        )
        db.session.commit()
        db.engine.dispose()

    disabled = fresh_app(tmp_path, modules=())

    assert upgrade(disabled) == []
    assert "notes_note" in tables(disabled)
    assert scalar(disabled, "SELECT about FROM notes_note") == "Ada Jones, 14 Mill Lane"
    assert scalar(disabled, "SELECT version_num FROM alembic_version_notes") == HEAD
    assert not any(rule.rule.startswith("/notes") for rule in disabled.url_map.iter_rules())
    assert "notes" not in disabled.blueprints
    with disabled.app_context():
        assert [item.name for item in database.lineages(disabled)] == ["core"]
        # the core's own model check ignores the module's table
        assert database.pending_changes(database.lineage(disabled, "core")) == []
        db.engine.dispose()


def test_downgrading_the_lineage_to_base_drops_only_its_table(tmp_path):
    app = fresh_app(tmp_path)
    upgrade(app)

    with app.app_context():
        database.downgrade(app, "notes", "base")
        db.engine.dispose()

    remaining = tables(app)
    assert "notes_note" not in remaining
    assert {"user_account", "lookup_value", "job_run"} <= remaining
    assert scalar(app, "SELECT count(*) FROM alembic_version_notes") == 0
    assert upgrade(app) == [f"notes: empty -> {HEAD}"]


# --- screens, permissions, lookups and the job, on the test database (SQLite or PostgreSQL) --------------------


@pytest.fixture(scope="module")
def notes_lineage(database_url):
    """The session's test database with the notes lineage upgraded; downgraded and forgotten again afterwards."""
    config = {
        "PPP_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "PPP_EXTRA_MODULES": EXAMPLE,
    }
    app = create_app(config=config, modules=["notes"])
    upgrade(app)
    yield
    with app.app_context():
        database.downgrade(app, "notes", "base")
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version_notes"))
        db.engine.dispose()


def note_type(code: str) -> int:
    return lookups.value("notes.note_type", code).id


def write(about: str, body: str, written_at: datetime | None = None, code: str = "phone_call") -> Note:
    """A note written by a caseworker, optionally back-dated."""
    from core.security.models import Role

    author = security.create_user(f"{about.split()[0].lower()}-author@example.org", "Sam Reid")
    author.roles = [db.session.scalar(select(Role).where(Role.code == "caseworker"))]
    g.ppp_actor = author
    note = notes.write_note(about, note_type(code), body)
    del g.ppp_actor
    if written_at:
        note.written_at = written_at
    db.session.flush()
    return note


@pytest.mark.usefixtures("notes_lineage")
@pytest.mark.app_config(PPP_EXTRA_MODULES=EXAMPLE)
@pytest.mark.modules("notes")
class TestNotesModule:
    def test_caseworker_writes_a_note_on_the_screen(self, client, login_as):
        priya = login_as("notes.note.view", "notes.note.write", name="Priya Shah")

        form = client.get("/notes/new").get_data(as_text=True)
        assert "How did the contact take place?" in form
        assert "Home visit" in form
        response = client.post(
            "/notes/new",
            data={
                "about": "Ada Jones, 14 Mill Lane",
                "note_type": note_type("home_visit"),
                "body": "Boiler fixed; agreed to call again on Friday.",
            },
        )

        assert response.status_code == 302
        assert response.headers["Location"] == "/notes/"
        page = client.get("/notes/").get_data(as_text=True)
        assert "Note about Ada Jones, 14 Mill Lane saved." in page
        assert "Boiler fixed; agreed to call again on Friday." in page
        saved = db.session.scalars(select(Note)).one()
        assert (saved.about, saved.note_type.code, saved.written_by_id) == (
            "Ada Jones, 14 Mill Lane",
            "home_visit",
            priya.id,
        )

    def test_incomplete_note_shows_the_error_summary(self, client, login_as):
        login_as("notes.note.view", "notes.note.write")

        response = client.post("/notes/new", data={"about": "Ada Jones", "body": ""})

        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "There is a problem" in page
        assert "Select how the contact took place" in page
        assert "Enter the note" in page
        assert db.session.scalars(select(Note)).all() == []

    def test_note_type_retired_while_writing_is_refused(self, client, login_as):
        login_as("notes.note.view", "notes.note.write")
        retired = lookups.value("notes.note_type", "email_or_letter")
        retired.active = False
        db.session.flush()

        response = client.post(
            "/notes/new", data={"about": "Ada Jones", "note_type": retired.id, "body": "Wrote."}
        )

        assert response.status_code == 400
        assert "Select how the contact took place" in response.get_data(as_text=True)
        assert "Email or letter" not in response.get_data(as_text=True)

    def test_user_without_the_write_permission_gets_403(self, client, login_as):
        login_as("notes.note.view")

        assert client.get("/notes/new").status_code == 403
        response = client.post(
            "/notes/new",
            data={"about": "Ada Jones", "note_type": note_type("phone_call"), "body": "Rang her."},
        )

        assert response.status_code == 403
        assert "You do not have permission to see this page" in response.get_data(as_text=True)
        assert db.session.scalars(select(Note)).all() == []
        assert "Write a note" not in client.get("/notes/").get_data(as_text=True)

    def test_menu_shows_notes_only_to_users_who_may_see_them(self, client, login_as):
        login_as("admin.jobs.view")
        assert 'href="/notes/"' not in client.get("/").get_data(as_text=True)
        assert client.get("/notes/").status_code == 403

        login_as("notes.note.view")
        assert 'href="/notes/"' in client.get("/").get_data(as_text=True)

    def test_note_types_list_appears_in_the_admin_lookups_screen(self, client, login_as):
        login_as("admin.lookups.manage")

        index = client.get("/admin/lookups/").get_data(as_text=True)
        values = client.get("/admin/lookups/notes.note_type").get_data(as_text=True)

        assert '<a class="govuk-link" href="/admin/lookups/notes.note_type">Note types</a>' in index
        assert "How the contact a note records took place." in index
        assert [
            label in values for label in ("Phone call", "Home visit", "Office visit", "Email or letter")
        ] == [True] * 4

    def test_archive_job_runs_from_the_jobs_screen_and_is_logged(self, client, login_as):
        check_archive_job(client, login_as, run_jobs=lambda: None)

    @pytest.mark.redis
    def test_archive_job_runs_on_a_worker_and_is_logged(self, client, login_as, run_jobs):
        check_archive_job(client, login_as, run_jobs)

    def test_archive_job_is_scheduled_nightly(self, app):
        write("Ada Jones", "Old note", written_at=utcnow() - timedelta(days=2500))
        night = datetime(2026, 3, 10, 2, 31, tzinfo=UTC)

        queued = [run for run in jobs.enqueue_due_schedules(night) if run.job_name == "notes.archive"]
        again = [run for run in jobs.enqueue_due_schedules(night) if run.job_name == "notes.archive"]

        assert [(run.scheduled_for, run.status, run.result) for run in queued] == [
            (datetime(2026, 3, 10, 2, 30, tzinfo=UTC), "finished", {"archived": 1})
        ]
        assert again == []

    @pytest.mark.app_config(
        PPP_EXTRA_MODULES=EXAMPLE, PPP_MODULE_SETTINGS={"notes": {"archive_after_days": 30}}
    )
    def test_retention_period_comes_from_plugins_toml(self, app):
        write("Ada Jones", "Five weeks ago", written_at=utcnow() - timedelta(days=35))
        write("Bob Patel", "Three weeks ago", written_at=utcnow() - timedelta(days=21))

        run = jobs.enqueue("notes.archive")

        assert run.result == {"archived": 1}
        assert [
            note.about for note in db.session.scalars(select(Note).where(Note.archived_at.is_(None)))
        ] == ["Bob Patel"]


def check_archive_job(client, login_as, run_jobs) -> None:
    write("Ada Jones", "Seven years ago", written_at=utcnow() - timedelta(days=7 * 365))
    write("Bob Patel", "Last week", written_at=utcnow() - timedelta(days=7))
    login_as("admin.jobs.view", "admin.jobs.manage", "notes.note.view")
    assert "30 2 * * *" in client.get("/admin/jobs/").get_data(as_text=True)

    response = client.post("/admin/jobs/notes.archive/start")
    run_jobs()

    run = db.session.scalars(select(JobRun).where(JobRun.job_name == "notes.archive")).one()
    assert response.headers["Location"] == f"/admin/jobs/runs/{run.id}"
    assert (run.status, run.result, run.error) == ("finished", {"archived": 1}, None)
    page = client.get(f"/admin/jobs/runs/{run.id}").get_data(as_text=True)
    assert "Finished" in page
    assert '{"archived": 1}' in page
    listed = client.get("/notes/").get_data(as_text=True)
    assert "Last week" in listed
    assert "Seven years ago" not in listed
