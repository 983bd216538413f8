"""Administrators edit roles and teams; staff state a reason to open a restricted record."""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.access import services
from core.access.blueprint import bp
from core.access.forms import ActionForm, BreakGlassForm, MemberForm, RoleForm, TeamForm
from core.access.models import Team
from core.extensions import db
from core.permissions import require_login, require_permission
from core.security.models import Role, User
from core.web.conflict import StaleEdit, conflict_page, ensure_current


def _permission_groups():
    permissions = services.registered_permissions()
    return [
        (owner, list(items))
        for owner, items in groupby(permissions, key=lambda p: services.permission_owner(p.name))
    ]


def _role_form(role: Role | None = None) -> RoleForm:
    form = RoleForm(obj=role)
    form.permissions.choices = [
        (p.name, f"{p.description} ({p.name})") for p in services.registered_permissions()
    ]
    if role is not None and request.method == "GET":
        form.permissions.data = [g.permission for g in role.grants]
        form.version.data = str(role.version)
    return form


@bp.route("/admin/roles/")
@require_permission(services.MANAGE_ROLES)
def roles():
    return render_template("access/roles.html", roles=services.list_roles())


@bp.route("/admin/roles/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_ROLES)
def new_role():
    form = _role_form()
    if form.validate_on_submit():
        try:
            role = services.create_role(
                form.code.data or "", form.name.data, form.description.data or "", form.permissions.data or []
            )
        except services.AccessError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Created the role {role.name}.", "success")
            return redirect(url_for("access.roles"))
    return render_template(
        "access/role_form.html", form=form, role=None, groups=_permission_groups()
    ), 400 if form.errors else 200


@bp.route("/admin/roles/<int:role_id>", methods=["GET", "POST"])
@require_permission(services.MANAGE_ROLES)
def edit_role(role_id: int):
    role = db.session.get(Role, role_id) or abort(404)
    form = _role_form(role)
    if form.validate_on_submit():
        try:
            ensure_current(
                role,
                form.version.data,
                f"the role {role.name}",
                {
                    "name": ("Name", form.name.data),
                    "description": ("Description", form.description.data or ""),
                },
            )
            services.update_role(
                role, form.name.data, form.description.data or "", form.permissions.data or []
            )
        except StaleEdit as stale:
            return conflict_page(stale, url_for("access.edit_role", role_id=role.id))
        except services.AccessError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Saved the role {role.name}.", "success")
            return redirect(url_for("access.roles"))
    return render_template(
        "access/role_form.html", form=form, role=role, groups=_permission_groups()
    ), 400 if form.errors else 200


@bp.route("/admin/teams/")
@require_permission(services.MANAGE_TEAMS)
def teams():
    return render_template(
        "access/teams.html",
        teams=services.list_teams(),
        team_types={t.code: t for t in services.team_types()},
    )


def _team_form(team: Team | None = None) -> TeamForm:
    form = TeamForm(obj=team)
    form.team_type.choices = [("", "Select a team type")] + [(t.code, t.label) for t in services.team_types()]
    if team is not None and request.method == "GET":
        form.version.data = str(team.version)
    return form


@bp.route("/admin/teams/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_TEAMS)
def new_team():
    form = _team_form()
    if form.validate_on_submit():
        try:
            team = services.create_team(
                form.code.data or "", form.name.data, form.team_type.data or "", form.description.data or ""
            )
        except services.AccessError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Created the team {team.name}.", "success")
            return redirect(url_for("access.team", team_id=team.id))
    return render_template("access/team_form.html", form=form, team=None), 400 if form.errors else 200


@bp.route("/admin/teams/<int:team_id>", methods=["GET", "POST"])
@require_permission(services.MANAGE_TEAMS)
def team(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    form = _team_form(team)
    member_form = MemberForm(prefix="member")
    member_ids = {m.user_id for m in team.members}
    member_form.user_id.choices = [
        (u.id, f"{u.name} ({u.email})")
        for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
        if u.id not in member_ids
    ]
    if form.submit.data and form.validate_on_submit():
        try:
            ensure_current(
                team,
                form.version.data,
                f"the team {team.name}",
                {
                    "name": ("Name", form.name.data),
                    "description": ("Description", form.description.data or ""),
                    "active": ("Active", form.active.data),
                },
            )
            services.update_team(team, form.name.data, form.description.data or "", form.active.data)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("access.team", team_id=team.id))
        except services.AccessError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Saved the team {team.name}.", "success")
            return redirect(url_for("access.team", team_id=team.id))
    team_type = services.team_types()
    return render_template(
        "access/team.html",
        team=team,
        form=form,
        member_form=member_form,
        action_form=ActionForm(),
        team_type={t.code: t for t in team_type}.get(team.team_type),
    ), 400 if form.errors else 200


@bp.route("/admin/teams/<int:team_id>/members", methods=["POST"])
@require_permission(services.MANAGE_TEAMS)
def add_member(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    form = MemberForm(prefix="member")
    form.user_id.choices = [
        (u.id, u.name) for u in db.session.scalars(select(User).where(User.active.is_(True)))
    ]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data) or abort(404)
        try:
            services.add_member(team, user, form.is_manager.data)
        except services.AccessError as exc:
            flash(str(exc))
        else:
            db.session.commit()
            flash(f"Added {user.name} to {team.name}.", "success")
    else:
        flash("Select a staff member to add")
    return redirect(url_for("access.team", team_id=team.id))


@bp.route("/admin/teams/<int:team_id>/members/<int:user_id>/remove", methods=["POST"])
@require_permission(services.MANAGE_TEAMS)
def remove_member(team_id: int, user_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    if ActionForm().validate_on_submit():
        services.remove_member(team, user_id)
        db.session.commit()
        flash("Removed from the team.", "success")
    return redirect(url_for("access.team", team_id=team.id))


def _local(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.home")


@bp.route("/access/break-glass/<int:person_id>", methods=["GET", "POST"])
@require_login
def break_glass(person_id: int):
    form = BreakGlassForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            services.break_glass(person_id, form.reason.data)
        except services.AccessError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(_local(form.next.data))
    return render_template("access/break_glass.html", form=form), 400 if form.errors else 200
