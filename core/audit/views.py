"""The audit screens: search the trail, and review break-glass access to restricted records."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request, url_for

from core.audit import services
from core.audit.blueprint import bp
from core.audit.forms import AuditSearchForm
from core.audit.models import ACTIONS
from core.permissions import require_permission
from core.types import utcnow

#: how far back the break-glass review looks
BREAK_GLASS_DAYS = 90


def _page_number() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


def _pagination(page: services.AuditPage) -> dict | None:
    # govukPagination items: first, last and the pages either side of this one, with ellipses between
    if page.pages <= 1:
        return None
    # the date inputs repeat one name for day, month and year: keep every value in the page links
    args = {key: request.args.getlist(key) for key in request.args if key != "page"}

    def link(number: int) -> str:
        return url_for("audit.search", **args, page=number)

    items, previous = [], 0
    for number in range(1, page.pages + 1):
        if number in (1, page.pages) or abs(number - page.page) <= 2:
            if previous and number - previous > 1:
                items.append({"ellipsis": True})
            items.append({"number": number, "href": link(number), "current": number == page.page})
            previous = number
    result = {"items": items}
    if page.has_previous:
        result["previous"] = {"href": link(page.page - 1)}
    if page.has_next:
        result["next"] = {"href": link(page.page + 1)}
    return result


@bp.route("/")
@require_permission(services.VIEW)
def search():
    form = AuditSearchForm(
        formdata=request.args if request.args else None,
        users=services.users_to_search_by(),
        entity_types=services.entity_types(),
        actions=[(action, services.action_label(action)) for action in ACTIONS],
    )
    if request.args and not form.validate():
        return render_template(
            "audit/search.html", form=form, results=None, pagination=None, action_label=services.action_label
        ), 400
    results = services.search(**form.filters(), page=_page_number())
    return render_template(
        "audit/search.html", form=form, results=results, pagination=_pagination(results),
        action_label=services.action_label,
    )


@bp.route("/break-glass")
@require_permission(services.VIEW)
def break_glass():
    since = utcnow() - timedelta(days=BREAK_GLASS_DAYS)
    return render_template(
        "audit/break_glass.html", events=services.break_glass_events(since=since), days=BREAK_GLASS_DAYS
    )
