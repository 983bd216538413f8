"""Thin handlers for logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from core.extensions import db
from core.permissions import public, require_login
from core.security import services
from core.security.blueprint import bp
from core.security.forms import LoginForm


def _safe_next(target: str | None) -> str:
    # only follow local paths, so a crafted link cannot send a user elsewhere after login
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.email.errors.append("Enter a correct email address and password")
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session at login, so an earlier session id cannot be reused
            login_user(user)
            db.session.commit()
            return redirect(next_url)
    return render_template("security/login.html", form=form), 200 if not form.errors else 400


@bp.route("/logout", methods=["POST"])
@require_login
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("security.login"))
