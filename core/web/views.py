"""The home dashboard and a health check for load balancers."""

from __future__ import annotations

from flask import render_template

from core import module_system
from core.permissions import can, public, require_login
from core.web.blueprint import bp


@bp.route("/")
@require_login
def home():
    widgets = [widget for widget in module_system().widgets if can(widget.permission)]
    return render_template("web/home.html", widgets=widgets)


@bp.route("/healthz")
@public
def health():
    return {"status": "ok"}
