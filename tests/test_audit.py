"""The audit trail: automatic change capture, explicit view/export/break-glass events, append-only storage, search."""

from __future__ import annotations

import json
import re
import types
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import ForeignKey, Integer, String, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import services as audit
from core.audit.models import AuditEvent
from core.extensions import db as _db
from core.plugins import JobSpec, ModuleInfo, Permission, hookimpl
from core.security import services as security
from core.security.models import Role, RolePermission, User


def events(action: str | None = None, entity_type: str | None = None, entity_id=None) -> list[AuditEvent]:
    """Audit rows, oldest first, optionally of one action and record."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    return list(_db.session.scalars(query))


def only(rows: list[AuditEvent]) -> AuditEvent:
    assert len(rows) == 1, rows
    return rows[0]


# --- automatic change capture -----------------------------------------------------------------------------------


def test_creating_a_user_records_each_field_and_redacts_the_password_hash(db):
    user = security.create_user("Ann.Jones@example.org", "Ann Jones", password="correct horse battery")

    row = only(events("create", "user_account", user.id))
    assert row.changes["email"] == [None, "ann.jones@example.org"]
    assert row.changes["name"] == [None, "Ann Jones"]
    assert row.changes["active"] == [None, True]
    assert row.changes["created_at"] == [None, user.created_at.isoformat()]
    assert "password_hash" in row.changes and row.changes["password_hash"] is None
    assert user.password_hash not in json.dumps(row.changes)
    assert "version" not in row.changes  # the automatic version counter is not a change anyone made
    assert row.actor_id is None and row.actor_name is None  # no one is signed in: the system did it


def test_renaming_a_user_records_the_old_and_new_name(db):
    user = security.create_user("old@example.org", "Old")
    user.name = "New"
    db.session.flush()

    row = only(events("update", "user_account", user.id))
    assert row.changes == {"name": ["Old", "New"]}


def test_a_change_to_an_expired_record_still_records_the_value_before(db):
    user = security.create_user("expired@example.org", "Before")
    db.session.expire(user)  # as after a commit
    user.name = "After"
    db.session.flush()

    assert only(events("update", "user_account", user.id)).changes == {"name": ["Before", "After"]}


def test_a_new_password_is_recorded_as_changed_without_either_hash(db):
    user = security.create_user("pw@example.org", "Pat", password="first long password")
    old_hash = user.password_hash
    user.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3$bmV3aGFzaA"
    db.session.flush()

    row = only(events("update", "user_account", user.id))
    assert row.changes == {"password_hash": None}
    assert old_hash not in json.dumps(row.changes) and "bmV3aGFzaA" not in json.dumps(row.changes)


def test_giving_a_user_a_role_records_the_roles_before_and_after(db):
    user = security.create_user("roles@example.org", "Rae", role_codes=("caseworker",))
    assert only(events("create", "user_account", user.id)).changes["roles"] == [[], ["caseworker"]]

    user.roles = [*user.roles, security.role_by_code("finance_officer")]
    db.session.flush()

    assert only(events("update", "user_account", user.id)).changes == {
        "roles": [["caseworker"], ["caseworker", "finance_officer"]]
    }


def test_deleting_a_record_keeps_its_last_values(db):
    role = Role(code="temporary", name="Temporary", description="For one week")
    db.session.add(role)
    db.session.flush()
    role_id = role.id
    db.session.delete(role)
    db.session.flush()

    row = only(events("delete", "security_role", role_id))
    assert row.changes["code"] == ["temporary", None]
    assert row.changes["description"] == ["For one week", None]


def test_orphans_removed_from_a_collection_are_recorded_as_deleted(db):
    role = Role(code="duty", name="Duty", grants=[RolePermission(permission="admin.jobs.view")])
    db.session.add(role)
    db.session.flush()
    grant_id = role.grants[0].id
    role.grants.clear()  # delete-orphan: the flush finds the deletion by itself
    db.session.flush()

    row = only(events("delete", "security_role_permission", grant_id))
    assert row.changes == {"role_id": [role.id, None], "permission": ["admin.jobs.view", None]}


def test_moving_a_child_record_through_a_relationship_records_the_new_parent(db):
    first = Role(code="first", name="First", grants=[RolePermission(permission="admin.jobs.view")])
    second = Role(code="second", name="Second")
    db.session.add_all([first, second])
    db.session.flush()
    grant = first.grants[0]
    second.grants.append(grant)  # the foreign key is only filled in by the flush
    db.session.flush()

    assert only(events("update", "security_role_permission", grant.id)).changes == {
        "role_id": [first.id, second.id]
    }


def test_a_flush_with_no_real_change_records_nothing(db):
    user = security.create_user("same@example.org", "Same")
    before = len(events())
    user.name = "Same"
    db.session.flush()
    assert len(events()) == before


def test_many_records_in_one_flush_are_each_recorded(db):
    roles = [Role(code=f"bulk_{n}", name=f"Bulk {n}") for n in range(200)]
    db.session.add_all(roles)
    db.session.flush()

    recorded = {row.entity_id for row in events("create", "security_role")}
    assert {str(role.id) for role in roles} <= recorded
    assert len({row.occurred_at for row in events("create", "security_role") if row.entity_id in recorded}) >= 1


class CaseNote(_db.Model):
    """A throwaway record about a person, as a module's would be; its table exists only inside these tests."""

    __tablename__ = "audittest_case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<CaseNote {self.id}>"


class NoteReply(_db.Model):
    """A throwaway record whose person is found through its note."""

    __tablename__ = "audittest_note_reply"
    __audit_person__ = "note.person_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("audittest_case_note.id"))
    text: Mapped[str] = mapped_column(String(200))

    note: Mapped[CaseNote] = relationship()

    def __repr__(self) -> str:
        return f"<NoteReply {self.id}>"


@pytest.fixture
def note_tables(db):
    _db.metadata.create_all(db.session.connection(), tables=[CaseNote.__table__, NoteReply.__table__])


def test_rows_about_a_person_carry_the_person_id(db, note_tables):
    note = CaseNote(person_id=42, text="Visited at home")
    reply = NoteReply(note=note, text="Follow-up booked")
    db.session.add_all([note, reply])
    db.session.flush()
    note.text = "Visited at home with her daughter"
    db.session.flush()

    assert [row.action for row in events(entity_type="audittest_case_note")] == ["create", "update"]
    assert {row.person_id for row in events(entity_type="audittest_case_note")} == {42}
    assert only(events("create", "audittest_note_reply")).person_id == 42
    assert only(events("create", "audittest_note_reply")).changes["note_id"] == [None, note.id]


# --- explicit events --------------------------------------------------------------------------------------------


def test_views_exports_and_break_glass_are_recorded_for_the_acting_user(app, db, create_user):
    from flask import g

    officer = create_user(name="Olu Officer")
    g.ppp_actor = officer
    try:
        audit.record_view("person", 42, person_id=42)
        audit.record_export("people.list", "csv", details={"rows": 120})
        audit.record_break_glass(42, "  Safeguarding referral out of hours  ")
    finally:
        g.pop("ppp_actor")

    view = only(events("view"))
    assert (view.entity_type, view.entity_id, view.person_id) == ("person", "42", 42)
    assert (view.actor_id, view.actor_name) == (officer.id, "Olu Officer")
    export = only(events("export"))
    assert export.details == {"what": "people.list", "format": "csv", "rows": 120}
    glass = only(events("break_glass"))
    assert glass.person_id == 42
    assert glass.reason == "Safeguarding referral out of hours"
    assert glass.actor_name == "Olu Officer"


def test_break_glass_needs_a_reason(db):
    with pytest.raises(audit.AuditError, match="reason"):
        audit.record_break_glass(42, "   ")


def test_actions_are_core_actions_or_namespaced_by_a_module(db):
    row = audit.record("attendance.register_printed", "attendance_register", 7, details={"copies": 2})
    assert row.action == "attendance.register_printed" and row.entity_id == "7"
    with pytest.raises(audit.AuditError, match="Unknown audit action"):
        audit.record("printed")


def test_the_actor_name_is_kept_as_it_was_when_the_user_is_renamed(app, db, create_user):
    from flask import g

    officer = create_user(name="Sam Smith")
    g.ppp_actor = officer
    try:
        audit.record_view("person", 1, person_id=1)
    finally:
        g.pop("ppp_actor")
    officer.name = "Sam Jones"
    db.session.flush()

    assert only(events("view")).actor_name == "Sam Smith"


def test_a_change_made_on_screen_records_the_signed_in_user_address_and_path(client, login_as, db):
    admin = login_as("admin.roles.manage", name="Ada Admin")
    response = client.post(
        "/admin/roles/new",
        data={"name": "Night shift", "code": "night_shift", "description": "", "permissions": ["admin.jobs.view"]},
    )
    assert response.status_code == 302

    role = db.session.scalar(select(Role).where(Role.code == "night_shift"))
    row = only(events("create", "security_role", role.id))
    assert (row.actor_id, row.actor_name) == (admin.id, "Ada Admin")
    assert row.path == "/admin/roles/new"
    assert row.ip_address == "127.0.0.1"
    assert row.changes["name"] == [None, "Night shift"]


# --- append-only --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET action = 'view', reason = 'tidied' WHERE id = :id", "DELETE FROM audit_event WHERE id = :id"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_remove_audit_rows(db, statement):
    row = audit.record("export", details={"what": "people.list", "format": "csv"})
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement), {"id": row.id})

    db.session.expire_all()
    kept = db.session.get(AuditEvent, row.id)
    assert kept.action == "export" and kept.reason is None


def test_the_database_refuses_an_orm_edit_of_an_audit_row(db):
    row = audit.record("export", details={"what": "people.list", "format": "csv"})
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        row.reason = "changed my mind"
        db.session.flush()


def test_postgresql_refuses_to_truncate_the_audit_table(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only; set TEST_DATABASE_URL to run it")
    audit.record("export", details={"what": "people.list", "format": "csv"})
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("TRUNCATE audit_event"))


# --- jobs -------------------------------------------------------------------------------------------------------


def rename_users(old: str = "Before Job", new: str = "After Job") -> dict:
    """A job that changes records, as an import or a nightly rule would."""
    users = list(_db.session.scalars(select(User).where(User.name == old)))
    for user in users:
        user.name = new
    _db.session.flush()
    return {"renamed": len(users)}


def renaming_module() -> types.ModuleType:
    module = types.ModuleType("auditjob_plugin")
    module.MODULE = ModuleInfo(name="auditjob", label="Audit job")

    @hookimpl
    def register_permissions():
        return [Permission("auditjob.run", "Run the renaming job")]

    @hookimpl
    def register_jobs():
        return [JobSpec("auditjob.rename", rename_users, "Rename users", permission="auditjob.run")]

    module.register_permissions = register_permissions
    module.register_jobs = register_jobs
    return module


def test_a_workers_changes_are_attributed_to_the_user_who_started_the_job(make_app, create_user):
    from core.jobs import services as jobs
    from core.jobs.models import JobRun

    make_app(modules=["auditjob"], extra={"auditjob": renaming_module()})
    starter = create_user("auditjob.run", name="Jo Starter")
    subject = create_user(name="Before Job")
    run = JobRun(job_name="auditjob.rename", queue="default", status="queued", triggered_by_id=starter.id)
    _db.session.add(run)
    _db.session.flush()

    jobs.perform(run.id)  # what the worker calls, with no request and no one signed in

    assert _db.session.get(JobRun, run.id).status == "finished"
    row = only(events("update", "user_account", subject.id))
    assert row.changes == {"name": ["Before Job", "After Job"]}
    assert (row.actor_id, row.actor_name) == (starter.id, "Jo Starter")
    assert row.path is None


def test_a_scheduled_jobs_changes_are_attributed_to_the_system(make_app, create_user):
    from core.jobs import services as jobs
    from core.jobs.models import JobRun

    make_app(modules=["auditjob"], extra={"auditjob": renaming_module()})
    subject = create_user(name="Before Job")
    run = JobRun(job_name="auditjob.rename", queue="default", status="queued")
    _db.session.add(run)
    _db.session.flush()

    jobs.perform(run.id)

    row = only(events("update", "user_account", subject.id))
    assert (row.actor_id, row.actor_name) == (None, None)
    assert not events(entity_type="job_run")  # the run log is its own record


@pytest.mark.redis
@pytest.mark.modules("auditjob")
@pytest.mark.app_config(PPP_EXTRA_MODULES={"auditjob": renaming_module()})
def test_a_job_started_on_screen_and_run_by_a_worker_is_attributed_to_its_starter(client, create_user, run_jobs):
    starter = create_user("auditjob.run", "admin.jobs.view", name="Jo Starter")
    subject = create_user(name="Before Job")
    with client.session_transaction() as session:
        session["_user_id"] = str(starter.id)

    assert client.post("/admin/jobs/auditjob.rename/start").status_code == 302
    assert not events("update", "user_account", subject.id)  # queued, not yet run
    run_jobs()

    _db.session.expire_all()
    row = only(events("update", "user_account", subject.id))
    assert (row.actor_id, row.actor_name) == (starter.id, "Jo Starter")


# --- reading the trail ------------------------------------------------------------------------------------------


def add_event(action: str, when: datetime, actor=None, **fields) -> AuditEvent:
    """An audit row at a chosen time, as past activity would have left it."""
    event = AuditEvent(
        occurred_at=when, action=action, actor_id=actor.id if actor else None, actor_name=actor.name if actor else None,
        **fields,
    )
    _db.session.add(event)
    _db.session.flush()
    return event


def march(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def history(db, create_user):
    ann = create_user(name="Ann Archer")
    ben = create_user(name="Ben Baker")
    add_event("view", march(3), ann, entity_type="person", entity_id="7", person_id=7)
    add_event("export", march(5), ben, details={"what": "people.list", "format": "csv"})
    add_event("update", march(10), ann, entity_type="person", entity_id="7", person_id=7,
              changes={"last_name": ["Smith", "Jones"], "password_hash": None})
    return ann, ben


def test_the_search_screen_needs_the_audit_permission(client, login_as):
    login_as("admin.jobs.view")
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/break-glass").status_code == 403


def test_the_search_screen_is_on_the_administration_page_for_auditors(client, login_as):
    login_as("admin.audit.view")
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)
    page = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'href="/admin/audit/">\s*Audit\s*<', page)


def test_searching_by_user_shows_only_their_actions(client, login_as, history):
    ann, _ben = history
    login_as("admin.audit.view")
    page = client.get(f"/admin/audit/?actor_id={ann.id}").get_data(as_text=True)
    assert "2 events" in page
    assert "Ben Baker" not in page.split("<table")[1]
    assert "Smith → Jones" in page
    assert "password_hash:</dt>" in page and "changed (values not recorded)" in page


def test_searching_by_action_and_dates(client, login_as, history):
    login_as("admin.audit.view")
    page = client.get("/admin/audit/?action=view").get_data(as_text=True)
    assert "1 event" in page and "Ann Archer" in page and "Viewed" in page

    page = client.get(
        "/admin/audit/?date_from=4&date_from=3&date_from=2026&date_to=6&date_to=3&date_to=2026"
    ).get_data(as_text=True)
    assert "1 event" in page
    assert "Ben Baker" in page and "Exported" in page and "format: csv" in page
    assert "Ann Archer" not in page.split("<table")[1]


def test_a_date_to_is_inclusive_of_its_whole_uk_day(client, login_as, history):
    ann, _ben = history
    add_event("view", datetime(2026, 7, 1, 22, 30, tzinfo=UTC), ann, entity_type="person", entity_id="8", person_id=8)
    login_as("admin.audit.view")
    # 22:30 UTC on 1 July is 11:30pm on 1 July in London, but already 2 July outside it
    page = client.get(
        "/admin/audit/?person_id=8&date_from=1&date_from=7&date_from=2026&date_to=1&date_to=7&date_to=2026"
    ).get_data(as_text=True)
    assert "1 event" in page
    assert "1 July 2026 at 11:30pm" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=31&date_from=2&date_from=2026", "Date from must be a real date"),
        ("date_from=&date_from=2&date_from=2026", "Date from must include a day"),
        ("date_from=10&date_from=3&date_from=2026&date_to=1&date_to=3&date_to=2026",
         "Date to must be the same as or after date from"),
        ("person_id=seven", "Person ID must be a whole number, like 1024"),
    ],
    ids=["impossible date", "missing day", "date to before date from", "person id not a number"],
)
def test_invalid_searches_show_the_error_summary(client, login_as, history, query, message):
    login_as("admin.audit.view")
    response = client.get(f"/admin/audit/?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert "<title>Error:" in page


def test_results_are_paged_fifty_at_a_time_newest_first(client, login_as, create_user, db):
    viewer = create_user(name="Val Viewer")
    for minute in range(55):
        add_event("view", march(20) + timedelta(minutes=minute), viewer, entity_type="person", entity_id="9",
                  person_id=9)
    login_as("admin.audit.view")

    first = client.get("/admin/audit/?person_id=9").get_data(as_text=True)
    assert "55 events" in first and "page 1 of 2" in first
    assert first.count("Val Viewer</a>") == 50
    assert first.index("20 March 2026 at 10:54am") < first.index("20 March 2026 at 10:53am")
    assert 'href="/admin/audit/?person_id=9&amp;page=2"' in first

    second = client.get("/admin/audit/?person_id=9&page=2").get_data(as_text=True)
    assert second.count("Val Viewer</a>") == 5
    assert "20 March 2026 at 10:00am" in second and "20 March 2026 at 10:54am" not in second


def test_the_break_glass_review_lists_recent_accesses_and_reasons(client, login_as, create_user, db):
    from flask import g

    nurse = create_user(name="Nia Nurse")
    g.ppp_actor = nurse
    try:
        audit.record_break_glass(31, "Hospital discharge at the weekend")
    finally:
        g.pop("ppp_actor")
    add_event("break_glass", march(1), nurse, person_id=32, reason="Long ago")  # older than the review period
    login_as("admin.audit.view")

    page = client.get("/admin/audit/break-glass").get_data(as_text=True)
    assert "Nia Nurse" in page and "Hospital discharge at the weekend" in page
    assert 'href="/admin/audit/?person_id=31"' in page
    assert "Long ago" not in page


def test_who_accessed_a_person_needs_the_person_audit_permission(app, db, create_user, history):
    from flask import g

    from core.permissions import PermissionDenied

    manager = create_user(roles=("section_manager",))
    g.ppp_actor = manager
    try:
        rows = audit.accesses_for_person(7)
    finally:
        g.pop("ppp_actor")
    assert [row.action for row in rows] == ["update", "view"]

    g.ppp_actor = create_user(roles=("caseworker",))
    try:
        with pytest.raises(PermissionDenied):
            audit.accesses_for_person(7)
        with pytest.raises(PermissionDenied):
            audit.search(person_id=7)
    finally:
        g.pop("ppp_actor")
