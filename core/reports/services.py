"""Finding, running and exporting reports; every run and export checks its permission and is audited.

A module never calls these for its own report: it declares a ReportSpec and the reports screens do the rest. Other
code (a job, the API) may run a report with ``run_report`` and export it with ``export_report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

from core.audit import services as audit
from core.permissions import acting_user, authorize, can
from core.plugins import REPORT_FORMATS, ReportResult, ReportSpec
from core.reports import exports
from core.types import utcnow

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Export:
    """A finished export: the file's bytes, name and media type."""

    content: bytes
    filename: str
    media_type: str


def get_report(name: str) -> ReportSpec:
    """A registered report by name; KeyError when no enabled module registers it."""
    return current_app.extensions["ppp"].reports[name]


def available_reports() -> list[tuple[str, list[ReportSpec]]]:
    """The reports the acting user may run, grouped under the module (or core area) their name starts with."""
    system = current_app.extensions["ppp"]
    labels = {module.name: module.info.label for module in system.loaded}
    order = {module.name: index for index, module in enumerate(system.loaded)}
    grouped: dict[str, list[ReportSpec]] = {}
    for report in system.reports.values():
        if can(report.permission):
            # a core report such as "cases.demand_summary" sits under Cases, though the reports area registers it
            prefix = report.name.partition(".")[0]
            grouped.setdefault(prefix if prefix in labels else system.reports.owner(report.name), []).append(report)
    return [
        (labels[owner], sorted(reports, key=lambda report: report.label))
        for owner, reports in sorted(grouped.items(), key=lambda item: order[item[0]])
    ]


def export_formats(report: ReportSpec) -> list[str]:
    """The export formats the acting user may use for the report."""
    return [format for format in report.formats if can(report.export_permission(format))]


def _plain(value: Any) -> Any:
    # audit details are JSON: dates as ISO text, anything else unusual as its text
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return str(value)


def _produce(report: ReportSpec, parameters: dict[str, Any]) -> ReportResult:
    if report.run is None:
        raise ValueError(f'Report "{report.name}" has a screen of its own ({report.endpoint}), not a run function.')
    result = report.run(dict(parameters))
    exports.check_result(result)
    return result


def _audit(report: ReportSpec, format: str, parameters: dict[str, Any], result: ReportResult) -> None:
    audit.record_export(
        report.name,
        format,
        details={
            "parameters": {key: _plain(value) for key, value in parameters.items()},
            "rows": sum(len(table.rows) for table in result.tables),
        },
    )


def run_report(name: str, parameters: dict[str, Any]) -> ReportResult:
    """Run a report for the screen: needs the report's permission; recorded in the audit trail as format "screen"."""
    report = get_report(name)
    authorize(report.permission)
    result = _produce(report, parameters)
    _audit(report, "screen", parameters, result)
    return result


def export_report(name: str, parameters: dict[str, Any], format: str) -> Export:
    """Run a report and export it as "pdf" or "xlsx": needs the report's permission and the format's own; audited."""
    report = get_report(name)
    if format not in REPORT_FORMATS or format not in report.formats:
        raise KeyError(f'Report "{name}" is not offered as "{format}".')
    authorize(report.permission)
    authorize(report.export_permission(format))
    result = _produce(report, parameters)
    user = acting_user()
    produced_by = getattr(user, "name", None) or "PPP"
    now = utcnow()
    if format == "pdf":
        content = exports.render_pdf(result, produced_by, now)
    else:
        content = exports.render_xlsx(result, produced_by, now)
    _audit(report, format, parameters, result)
    filename = f"{report.name.replace('.', '-').replace('_', '-')}-{now:%Y%m%d-%H%M}.{format}"
    return Export(content, filename, MEDIA_TYPES[format])
