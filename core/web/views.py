"""The home dashboard, the administration page and a health check for load balancers."""

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


@bp.route("/admin/")
@require_login
def administration():
    items = [item for item in module_system().menu_items if item.section == "admin" and can(item.permission)]
    return render_template("web/administration.html", items=items)


@bp.route("/healthz")
@public
def health():
    return {"status": "ok"}
