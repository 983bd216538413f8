"""Administrators find, invite, edit, deactivate and reactivate users; users are never deleted."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core.extensions import db
from core.permissions import require_permission
from core.security import services
from core.security.blueprint import bp
from core.security.forms import ActionForm, UserForm
from core.security.models import User
from core.web.conflict import StaleEdit, conflict_page, ensure_current

MANAGE = services.MANAGE_USERS

STATUSES = {"active": "Active", "inactive": "Deactivated", "all": "All"}


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    form.roles.choices = [(role.code, role.name) for role in services.assignable_roles()]
    return form


def _show_error(form: UserForm, error: services.UserError) -> None:
    field = getattr(form, error.field, None) or form.email
    field.errors.append(str(error))


@bp.route("/admin/users/")
@require_permission(MANAGE)
def users():
    search = request.args.get("q", "")[:200]
    status = request.args.get("status", "active")
    if status not in STATUSES:
        status = "active"
    rows = services.find_users(search, status)
    return render_template("security/users/index.html", rows=rows, search=search, status=status, statuses=STATUSES)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def user_new():
    form = _user_form()
    if form.validate_on_submit():
        try:
            user = services.invite_user(form.email.data, form.name.data, tuple(form.roles.data or ()))
        except services.UserError as exc:
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(f"{user.name} has been added and sent an email to set their password.", "success")
            return redirect(url_for("security.user_show", user_id=user.id))
    return render_template("security/users/new.html", form=form), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>")
@require_permission(MANAGE)
def user_show(user_id: int):
    user = _user_or_404(user_id)
    return render_template("security/users/show.html", user=user, action_form=ActionForm())


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    form = _user_form(obj=user)
    if request.method == "GET":
        form.roles.data = [role.code for role in user.roles]
        form.version.data = str(user.version)
    if form.validate_on_submit():
        try:
            ensure_current(
                user,
                form.version.data,
                user.name,
                {
                    "name": ("Full name", (form.name.data or "").strip()),
                    "email": ("Email address", services.normalise_email(form.email.data or "")),
                },
            )
        except StaleEdit as exc:
            return conflict_page(exc, url_for("security.user_edit", user_id=user.id))
        try:
            services.update_user(user, form.email.data, form.name.data, tuple(form.roles.data or ()))
        except services.UserError as exc:
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(f"{user.name}'s details have been saved.", "success")
            return redirect(url_for("security.user_show", user_id=user.id))
    return render_template("security/users/edit.html", user=user, form=form), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@require_permission(MANAGE)
def user_set_active(user_id: int, action: str):
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            services.set_user_active(user, action == "reactivate")
        except services.UserError as exc:
            flash(str(exc))
        else:
            db.session.commit()
            if user.active:
                flash(f"{user.name} can sign in again.", "success")
            else:
                flash(f"{user.name} has been deactivated and signed out. Their history is kept.", "success")
    return redirect(url_for("security.user_show", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/invite", methods=["POST"])
@require_permission(MANAGE)
def user_invite(user_id: int):
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            services.send_invitation(user)
        except services.UserError as exc:
            flash(str(exc))
        else:
            db.session.commit()
            flash(f"A new link to set their password has been sent to {user.email}.", "success")
    return redirect(url_for("security.user_show", user_id=user.id))
