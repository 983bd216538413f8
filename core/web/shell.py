"""What every page needs: the login gate, navigation, error pages and security headers."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from core.errors import StartupError
from core.permissions import access_rule, can
from core.plugins import MenuItem
from core.types import LONDON

log = logging.getLogger(__name__)

ERROR_TITLES = {
    400: "There is a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "Someone else changed this record",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def init_shell(app: Flask) -> None:
    """Attach the login gate, template globals, error pages and headers to the app."""
    app.before_request(_login_gate)
    app.context_processor(_template_globals)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.add_template_filter(london_date)
    app.add_template_filter(london_datetime)
    app.add_template_global(render_slot)


def london_date(value) -> str:
    """A date, or a time shown as its Europe/London date, in GOV.UK style: 5 January 2026."""
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        value = value.astimezone(LONDON)
    return f"{value.day} {value:%B %Y}"


def london_datetime(value) -> str:
    """A time in Europe/London in GOV.UK style: 5 January 2026 at 2:05pm."""
    if value is None:
        return ""
    value = value.astimezone(LONDON)
    hour = value.hour % 12 or 12
    return f"{value.day} {value:%B %Y} at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"


def render_slot(slot: str, **context) -> Markup:
    """HTML from every module filling a named slot (see docs/ARCHITECTURE.md), joined in load order."""
    from core import module_system

    parts = module_system().collect("render_slot", slot=slot, context=context)
    # a plain string is escaped: modules return Markup for HTML they built safely
    return Markup("\n").join(html for _owner, html in parts if html is not None)


def check_access_rules(app: Flask) -> None:
    """Stop start-up if any screen forgot to say who may open it."""
    for endpoint, view in app.view_functions.items():
        if endpoint == "static" or endpoint.startswith("api-docs."):
            continue
        if access_rule(view) is None:
            raise StartupError(
                f'Route "{endpoint}" has no access rule: decorate it with @require_permission(...), '
                f"@require_login or @public from core.permissions."
            )


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _login_gate():
    if request.endpoint is None or request.endpoint == "static" or request.endpoint.startswith("api-docs."):
        return None
    view = request.url_rule and _view_for(request.endpoint)
    rule = access_rule(view) if view else None
    if rule and rule[0] == "public":
        return None
    if current_user.is_authenticated:
        return None
    if is_api_request():
        return _problem(401, "Authentication required", "Send an API token as Authorization: Bearer <token>.")
    return redirect(url_for("security.login", next=request.full_path.rstrip("?")))


def _view_for(endpoint: str):
    from flask import current_app

    return current_app.view_functions.get(endpoint)


def _template_globals():
    from core import module_system

    system = module_system()
    menu = []
    if current_user.is_authenticated:
        visible = [item for item in system.menu_items if can(item.permission)]
        menu = [item for item in visible if item.section == "main"]
        if any(item.section == "admin" for item in visible):
            menu.append(MenuItem("Administration", "web.administration", "", order=1000))
    from flask import current_app

    return {
        "service_name": current_app.config["SERVICE_NAME"],
        "organisation_name": current_app.config["ORGANISATION_NAME"],
        "menu_items": menu,
        "can": can,
    }


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    from flask import current_app

    if current_app.config["PPP_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _problem(status: int, title: str, detail: str, **extra):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _http_error(error: HTTPException):
    status = error.code or 500
    if is_api_request():
        from core.api.conventions import problem_for_http_error

        return problem_for_http_error(error)
    title = ERROR_TITLES.get(status, error.name)
    return render_template("core/error.html", status=status, title=title, detail=error.description), status


def _unexpected_error(error: Exception):
    from flask import current_app

    if current_app.config.get("PROPAGATE_EXCEPTIONS") or current_app.debug:
        raise error
    log.exception("Unexpected error on %s %s", request.method, request.path)
    if is_api_request():
        return _problem(500, "Internal Server Error", "Something went wrong; the error has been logged.")
    return render_template("core/error.html", status=500, title=ERROR_TITLES[500], detail=None), 500
