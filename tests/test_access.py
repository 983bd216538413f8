"""Roles, teams, working relationships, sensitive fields, break-glass and stale edits."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import select

from core.access import services
from core.access.models import BreakGlassAccess, Team
from core.plugins import ModuleInfo, Permission, TeamType, hookimpl
from core.security.models import Role, RolePermission
from core.security.services import sync_roles


def caseload_module(worker_ids_by_person: dict[int, set[int]]) -> types.ModuleType:
    """A throwaway module that says which users work with which people, as the people area and modules will."""
    module = types.ModuleType("caseload_plugin")
    module.MODULE = ModuleInfo(name="caseload", label="Caseload")

    @hookimpl
    def has_working_relationship(user, person_id):
        return user.id in worker_ids_by_person.get(person_id, set()) or None

    @hookimpl
    def register_team_types():
        return [TeamType("caseload.duty", "Duty team", scopes_records=True)]

    @hookimpl
    def register_permissions():
        return [Permission("caseload.cases.view", "View caseload cases", default_roles=("caseworker",))]

    module.has_working_relationship = has_working_relationship
    module.register_team_types = register_team_types
    module.register_permissions = register_permissions
    return module


def test_admin_creates_a_role_on_screen(client, login_as, db):
    login_as("admin.roles.manage")
    response = client.post("/admin/roles/new", data={
        "name": "Duty worker", "code": "duty_worker", "description": "Covers the duty desk",
        "permissions": ["admin.jobs.view", "admin.lookups.manage"],
    })
    assert response.status_code == 302
    role = db.session.scalar(select(Role).where(Role.code == "duty_worker"))
    assert sorted(g.permission for g in role.grants) == ["admin.jobs.view", "admin.lookups.manage"]


def test_role_form_errors_use_the_error_summary(client, login_as):
    login_as("admin.roles.manage")
    response = client.post("/admin/roles/new", data={"name": "", "code": "Bad Code!"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter a name" in page


def test_role_screens_need_the_permission(client, login_as):
    login_as("admin.jobs.view")
    assert client.get("/admin/roles/").status_code == 403
    assert client.post("/admin/roles/new", data={"name": "x", "code": "x"}).status_code == 403


def test_a_user_gains_a_permission_when_their_role_gets_it(client, login_as, db):
    user = login_as("admin.roles.manage")
    role = Role(code="clerk", name="Clerk", grants=[])
    db.session.add(role)
    user.roles = [*user.roles, role]
    db.session.flush()
    assert client.get("/admin/jobs/").status_code == 403
    response = client.post(f"/admin/roles/{role.id}", data={
        "name": "Clerk", "description": "", "permissions": ["admin.jobs.view"], "version": str(role.version),
    })
    assert response.status_code == 302
    assert client.get("/admin/jobs/").status_code == 200


def test_stale_role_edit_shows_both_values_instead_of_overwriting(client, login_as, db):
    login_as("admin.roles.manage")
    role = Role(code="clerk", name="Clerk", description="Front desk")
    db.session.add(role)
    db.session.flush()
    opened_on = role.version
    role.name = "Senior clerk"  # someone else saves first
    db.session.flush()
    response = client.post(f"/admin/roles/{role.id}", data={
        "name": "Junior clerk", "description": "Front desk", "permissions": [], "version": str(opened_on),
    })
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Junior clerk" in page and "Senior clerk" in page
    db.session.refresh(role)
    assert role.name == "Senior clerk"


def test_editing_a_role_keeps_grants_of_disabled_modules(db, act_as):
    act_as("admin.roles.manage")
    role = Role(code="clerk", name="Clerk",
                grants=[RolePermission(permission="attendance.register.mark"), RolePermission(permission="admin.jobs.view")])
    db.session.add(role)
    db.session.flush()
    services.update_role(role, "Clerk", "", ["admin.lookups.manage"])
    assert sorted(g.permission for g in role.grants) == ["admin.lookups.manage", "attendance.register.mark"]


def test_new_permissions_reach_seeded_roles_once_and_removals_stick(make_app, db):
    make_app(modules=["caseload"], extra={"caseload": caseload_module({})})
    sync_roles()
    caseworker = db.session.scalar(select(Role).where(Role.code == "caseworker"))
    assert "caseload.cases.view" in {g.permission for g in caseworker.grants}
    caseworker.grants = [g for g in caseworker.grants if g.permission != "caseload.cases.view"]
    db.session.flush()
    sync_roles()
    assert "caseload.cases.view" not in {g.permission for g in caseworker.grants}


def test_teams_of_module_types_and_their_members(make_app, create_user, db):
    app = make_app(modules=["caseload"], extra={"caseload": caseload_module({})})
    admin = create_user("admin.teams.manage")
    worker = create_user(name="Dee Worker")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
    response = client.post("/admin/teams/new", data={"name": "North duty", "code": "north_duty",
                                                      "team_type": "caseload.duty"})
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.code == "north_duty"))
    client.post(f"/admin/teams/{team.id}/members", data={"member-user_id": worker.id, "member-is_manager": "y"})
    db.session.refresh(team)
    assert [(m.user.name, m.is_manager) for m in team.members] == [("Dee Worker", True)]
    assert services.team_ids_of(worker, "caseload.duty") == {team.id}
    assert services.team_ids_of(worker, "general") == set()
    page = client.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert "Members of this team see the records of people the team works with" in page


def test_team_type_must_be_registered(act_as):
    act_as("admin.teams.manage")
    with pytest.raises(services.AccessError, match="Select a team type"):
        services.create_team("x_team", "X", "nonexistent.type")


def test_sensitive_fields_need_a_working_relationship_or_the_permission(make_app, create_user):
    worker = create_user(name="Key Worker")
    stranger = create_user(name="Other Worker")
    manager = create_user("people.sensitive.view", name="Safeguarding Lead")
    make_app(modules=["caseload"], extra={"caseload": caseload_module({42: {worker.id}})})
    assert services.can_see_sensitive(42, worker) is True
    assert services.can_see_sensitive(42, stranger) is False
    assert services.can_see_sensitive(42, manager) is True
    assert services.can_see_sensitive(43, worker) is False


def test_restricted_record_needs_a_reason_and_the_reason_is_recorded(make_app, create_user, db):
    app = make_app(modules=["caseload"], extra={"caseload": caseload_module({7: set()})})
    stranger = create_user(name="Other Worker")
    with pytest.raises(services.BreakGlassRequired):
        services.check_record_access(7, restricted=True, user=stranger)
    services.check_record_access(7, restricted=False, user=stranger)  # unrestricted records open freely

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(stranger.id)
    short = client.post("/access/break-glass/7", data={"reason": "need it", "next": "/"})
    assert short.status_code == 400
    assert "Give a reason of at least 10 characters" in short.get_data(as_text=True)
    response = client.post("/access/break-glass/7", data={"reason": "Police request about a missing person", "next": "/"})
    assert response.status_code == 302
    grant = db.session.scalar(select(BreakGlassAccess).where(BreakGlassAccess.person_id == 7))
    assert grant.user_id == stranger.id and grant.reason == "Police request about a missing person"
    services.check_record_access(7, restricted=True, user=stranger)  # the live grant lets them in

    from core.audit.models import AuditEvent

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "break_glass", AuditEvent.person_id == 7))
    assert event.actor_id == stranger.id and event.reason == "Police request about a missing person"


def test_break_glass_redirect_stays_on_this_site(client, login_as):
    login_as()
    response = client.post("/access/break-glass/9", data={"reason": "Urgent safeguarding call", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]
