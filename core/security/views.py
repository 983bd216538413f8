"""Thin handlers for signing in and out, resetting a password and accepting an invitation."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from core.extensions import db
from core.permissions import access_rule, public, require_login
from core.security import services, tokens
from core.security.blueprint import bp
from core.security.forms import ForgottenPasswordForm, LoginForm, SetPasswordForm


def _safe_next(target: str | None) -> str:
    # only follow local paths, so a crafted link cannot send a user elsewhere after login
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        next_url = _safe_next(request.args.get("next"))
        try:
            services.sign_in(form.email.data, form.password.data, request.remote_addr)
        except services.SignInRefused as exc:
            db.session.commit()  # keep the failed attempt: the throttle counts it and the audit shows it
            form.email.errors.append(str(exc))
            status = 429 if isinstance(exc, services.SignInThrottled) else 400
        else:
            db.session.commit()
            return redirect(next_url)
    elif form.errors:
        status = 400
    return render_template("security/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@require_login
def logout():
    services.sign_out()
    db.session.commit()
    flash("You have signed out.")
    return redirect(url_for("security.login"))


@bp.route("/reset-password", methods=["GET", "POST"])
@public
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # the same page whether or not the address has an account
        return render_template("security/reset_sent.html")
    return render_template("security/forgotten_password.html", form=form), 400 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password(token, tokens.RESET)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password(token, tokens.INVITE)


def _set_password(token: str, purpose: str):
    if services.user_for_token(token, purpose) is None:
        return render_template("security/link_expired.html", purpose=purpose), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_with_token(token, purpose, form.password.data)
        except services.UserError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your password has been set. Sign in with your new password.", "success")
            return redirect(url_for("security.login"))
    return render_template("security/set_password.html", form=form, purpose=purpose), 400 if form.errors else 200


def end_stale_session():
    """Sign out a deactivated user, or one idle or signed in too long, and send them to sign in again."""
    if request.endpoint in (None, "static") or "_user_id" not in session:
        return None
    # a deactivated user counts as not authenticated, so the login gate has already turned them away from
    # protected pages; their session is ended here, on the sign-in page they were sent to
    problem = services.session_problem(current_user._get_current_object())
    if problem is None:
        return None
    services.sign_out()
    db.session.commit()
    flash(problem)
    if request.path.startswith("/api/"):
        abort(401, problem)
    rule = access_rule(current_app.view_functions[request.endpoint])
    if rule is not None and rule[0] == "public":
        return None  # e.g. the sign-in page itself, which shows the message
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("security.login", next=next_url))

