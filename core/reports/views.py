"""The reports screens: the list a user may run, a report's parameters and result, and its exports."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for

from core.extensions import db
from core.permissions import authorize, require_permission
from core.plugins import REPORT_FORMATS
from core.reports import exports, services
from core.reports.blueprint import bp


def _report_or_404(name: str):
    try:
        return services.get_report(name)
    except KeyError:
        abort(404)


def _form(report):
    """The report's parameters form, filled from the query string once the user has asked for a result."""
    if report.form is None:
        return None
    return report.form(formdata=request.args if request.args else None)


def _parameters(form) -> dict:
    return {} if form is None else form.parameters()


@bp.route("/")
@require_permission("reports.view")
def index():
    return render_template("reports/index.html", groups=services.available_reports())


@bp.route("/<name>")
@require_permission("reports.view")
def show(name: str):
    report = _report_or_404(name)
    authorize(report.permission)
    if report.run is None:
        return redirect(url_for(report.endpoint))
    form = _form(report)
    result = None
    status = 200
    if form is None or (request.args and form.validate()):
        result = services.run_report(name, _parameters(form))
        db.session.commit()  # the audit event of the run
    elif request.args:
        status = 400
    return render_template(
        "reports/show.html", report=report, form=form, result=result, formats=services.export_formats(report),
        format_labels=REPORT_FORMATS, format_value=exports.format_value, is_numeric=exports.is_numeric,
        query=request.args.to_dict(flat=False),
    ), status


@bp.route("/<name>/export.<format>")
@require_permission("reports.view")
def export(name: str, format: str):
    report = _report_or_404(name)
    if report.run is None or format not in report.formats:
        abort(404)
    authorize(report.permission)
    authorize(report.export_permission(format))
    form = _form(report)
    if form is not None and not form.validate():
        # bad or missing parameters: show them on the report's screen, with the error summary
        return redirect(url_for("reports.show", name=name, **request.args.to_dict(flat=False)))
    exported = services.export_report(name, _parameters(form), format)
    db.session.commit()  # the audit event of the export
    return Response(
        exported.content,
        mimetype=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )
