"""Web hardening: CSRF on every form, security headers, no inline script, quiet error pages, no passwords in logs."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import types
from pathlib import Path

import pytest
from flask import Blueprint
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.permissions import public
from core.plugins import ModuleInfo, hookimpl
from core.security.models import LoginAttempt
from core.testing.fixtures import builtin_modules

PASSWORD = "a long and unusual passphrase"
NEW_PASSWORD = "another quite unusual passphrase"


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


# --- CSRF --------------------------------------------------------------------------------------------------------------


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_sign_in_without_a_csrf_token_is_refused(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD)
    refused = client.post("/login", data={"email": "jo@example.org", "password": PASSWORD})
    assert refused.status_code == 400
    assert "There is a problem with your request" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in
    token = csrf_token(client.get("/login").get_data(as_text=True))
    accepted = client.post("/login", data={"email": "jo@example.org", "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_signed_in_user_cannot_be_made_to_post_without_a_token(app, client, login_as, db):
    login_as("admin.users.manage")
    assert client.post("/admin/users/new", data={"name": "Eve", "email": "eve@example.org"}).status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    token = csrf_token(client.get("/admin/users/new").get_data(as_text=True))
    created = client.post("/admin/users/new", data={"name": "Eve", "email": "eve@example.org", "csrf_token": token})
    assert created.status_code == 302


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_every_form_route_refuses_a_post_without_a_token(make_app):
    app = make_app(modules=builtin_modules())
    client = app.test_client()
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", rule.rule)
        path = re.sub(r"<[^>]+>", "1", path)
        response = client.post(path, data={"anything": "x"})
        assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        checked.append(rule.rule)
    assert "/login" in checked and "/reset-password" in checked and "/admin/users/new" in checked


# --- headers and markup ------------------------------------------------------------------------------------------------


def test_pages_carry_the_security_headers(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # not over plain http in development and tests


def test_production_adds_hsts_and_secure_cookies(make_app):
    app = make_app(PPP_ENV="production")
    response = app.test_client().get("/login", base_url="https://ppp.test")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_pages_have_no_inline_script(client, login_as):
    pages = [client.get(path).get_data(as_text=True) for path in ("/login", "/reset-password")]
    login_as("admin.users.manage")
    pages += [client.get(path).get_data(as_text=True) for path in ("/", "/admin/users/", "/admin/users/new")]
    for page in pages:
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts, "the GOV.UK script should load from a file"
        assert all(" src=" in tag for tag in scripts), scripts
        assert not re.search(r"\son[a-z]+\s*=", page), "inline event handler"


# --- error pages -------------------------------------------------------------------------------------------------------


def boom_module() -> types.ModuleType:
    """A throwaway module with a page that fails."""
    module = types.ModuleType("boom_plugin")
    module.MODULE = ModuleInfo(name="boom", label="Boom")
    blueprint = Blueprint("boom", __name__, url_prefix="/boom")

    @blueprint.route("/")
    @public
    def explode():
        raise RuntimeError("database password is hunter2-secret")

    @hookimpl
    def register_blueprints():
        return [blueprint]

    module.register_blueprints = register_blueprints
    return module


@pytest.mark.parametrize("env", ["test", "production"])
def test_an_unexpected_error_shows_a_plain_page_and_logs_the_detail(make_app, caplog, env):
    app = make_app(modules=["boom"], extra={"boom": boom_module()}, PPP_ENV=env)
    assert not app.debug
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom/", base_url="https://ppp.test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    for leak in ("Traceback", "RuntimeError", "hunter2-secret", "explode", ".py"):
        assert leak not in page
    assert "Unexpected error on GET /boom/" in caplog.text
    assert "hunter2-secret" in caplog.text  # the detail goes to the log, for the people who run the service


def test_a_record_number_beyond_the_databases_ids_is_not_found(client, login_as, app, db):
    # PostgreSQL refuses to compare an integer column with 99999999999: without the route converter's limit such a
    # URL reached the query and answered 500
    login_as("people.view")
    assert client.get("/people/99999999999").status_code == 404
    assert client.get("/api/v1/people/99999999999").status_code == 404
    assert client.get(f"/people/{2**31 - 1}").status_code == 404  # the largest id there could be: simply not found
    with app.test_request_context():
        spec = app.extensions["ppp_api"].spec.to_dict()
    person = spec["paths"]["/api/v1/people/{person_id}"]
    parameters = person.get("parameters") or person["get"]["parameters"]
    assert parameters[0]["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


# --- passwords stay out of logs and records ----------------------------------------------------------------------------


def test_no_password_reaches_the_log_the_audit_or_the_attempts_table(app, client, login_as, create_user, db, caplog):
    caplog.set_level(logging.DEBUG)
    create_user(email="jo@example.org", password=PASSWORD)
    client.post("/login", data={"email": "jo@example.org", "password": NEW_PASSWORD})
    client.post("/login", data={"email": "jo@example.org", "password": PASSWORD})
    client.post("/logout")
    client.post("/reset-password", data={"email": "jo@example.org"})
    [eml] = sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    link = re.search(r"http://\S+", message.get_content()).group(0)
    token = link.rsplit("/", 1)[1]
    client.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/login", data={"email": "jo@example.org", "password": NEW_PASSWORD})

    # the log points at the message without repeating the link
    assert f"written to {eml}" in caplog.text
    assert token not in caplog.text
    for secret in (PASSWORD, NEW_PASSWORD):
        assert secret not in caplog.text
        assert secret not in message.get_content()
    stored = json.dumps(
        [[event.action, event.changes, event.details, event.path] for event in db.session.scalars(select(AuditEvent))]
        + [[attempt.email, attempt.outcome] for attempt in db.session.scalars(select(LoginAttempt))],
        default=str,
    )
    assert "login_failed" in stored and "password_changed" in stored
    for secret in (PASSWORD, NEW_PASSWORD, "$argon2id$"):
        assert secret not in stored
