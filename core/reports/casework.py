"""A core report on casework: value and failure demand, cases opened and closed, and end-to-end time per department."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from sqlalchemy import func, select
from wtforms import SelectField

from core.cases import configuration
from core.cases.models import DEMAND_KINDS, Case, Demand, DemandCategory, DemandType
from core.extensions import db
from core.plugins import ReportColumn, ReportResult, ReportSpec, ReportTable
from core.reports.forms import PeriodForm
from core.types import LONDON

PERMISSION = "cases.report.view"


class CasesByDemandForm(PeriodForm):
    department = SelectField("Department", widget=GovSelect(), choices=[], default="")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.department.choices = [("", "All departments"), *configuration.departments()]


def _london_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _period_text(start: date, end: date) -> str:
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


def cases_by_demand(parameters: dict[str, Any]) -> ReportResult:
    """Demands by type and kind, value against failure demand, and cases opened, closed and their median end-to-end."""
    start: date = parameters["start"]
    end: date = parameters["end"]
    department: str | None = parameters.get("department") or None
    kinds = dict(DEMAND_KINDS)
    label = configuration.department_label

    demand_query = (
        select(Case.department, DemandCategory.label, DemandType.label, Demand.kind, func.count(Demand.id))
        .join(Demand.case)
        .join(Demand.demand_type)
        .join(DemandType.category)
        .where(Demand.received_on >= start, Demand.received_on <= end)
        .group_by(Case.department, DemandCategory.label, DemandType.label, Demand.kind)
    )
    if department:
        demand_query = demand_query.where(Case.department == department)
    demand_rows = sorted(
        db.session.execute(demand_query).tuples(),
        key=lambda row: (label(row[0]), row[1], -row[4], row[2]),
    )
    per_department: dict[str, dict[str, int]] = defaultdict(lambda: {"value": 0, "failure": 0})
    for dept, _category, _type, kind, count in demand_rows:
        per_department[dept][kind] += count

    by_type = ReportTable(
        "Demands received by type",
        [ReportColumn("Department"), ReportColumn("Category"), ReportColumn("Demand type"),
         ReportColumn("Value or failure"), ReportColumn("Demands", "integer"),
         ReportColumn("Share of the department's demands", "percent")],
        [
            (label(dept), category, type_label, kinds[kind], count, count / sum(per_department[dept].values()))
            for dept, category, type_label, kind, count in demand_rows
        ],
        note="Demands counted by the day they were received.",
    )

    kind_rows = []
    for dept in sorted(per_department, key=label):
        counts = per_department[dept]
        total = counts["value"] + counts["failure"]
        kind_rows.append((label(dept), counts["value"], counts["failure"], total, counts["failure"] / total))
    all_value = sum(row[1] for row in kind_rows)
    all_failure = sum(row[2] for row in kind_rows)
    all_demands = all_value + all_failure
    by_kind = ReportTable(
        "Value and failure demand by department",
        [ReportColumn("Department"), ReportColumn("Value demand", "integer"), ReportColumn("Failure demand", "integer"),
         ReportColumn("All demands", "integer"), ReportColumn("Failure demand share", "percent")],
        kind_rows,
        totals=("All departments", all_value, all_failure, all_demands,
                all_failure / all_demands if all_demands else None),
        note="Failure demand is demand caused by a failure to do something or to do it right.",
    )

    period_start, period_end = _london_start(start), _london_start(end + timedelta(days=1))
    opened_query = (
        select(Case.department, func.count(Case.id))
        .where(Case.opened_at >= period_start, Case.opened_at < period_end)
        .group_by(Case.department)
    )
    closed_query = select(Case.department, Case.opened_at, Case.closed_at).where(
        Case.closed_at >= period_start, Case.closed_at < period_end
    )
    if department:
        opened_query = opened_query.where(Case.department == department)
        closed_query = closed_query.where(Case.department == department)
    opened = dict(db.session.execute(opened_query).tuples().all())
    durations: dict[str, list[float]] = defaultdict(list)
    for dept, opened_at, closed_at in db.session.execute(closed_query).tuples():
        durations[dept].append((closed_at - opened_at).total_seconds() / 86400)
    flow_rows = [
        (label(dept), opened.get(dept, 0), len(durations[dept]),
         statistics.median(durations[dept]) if durations[dept] else None)
        for dept in sorted(set(opened) | set(durations), key=label)
    ]
    every_duration = [value for values in durations.values() for value in values]
    flow = ReportTable(
        "Cases opened and closed, and end-to-end time",
        [ReportColumn("Department"), ReportColumn("Cases opened", "integer"), ReportColumn("Cases closed", "integer"),
         ReportColumn("Median end-to-end time (days)", "number")],
        flow_rows,
        totals=("All departments", sum(opened.values()), len(every_duration),
                statistics.median(every_duration) if every_duration else None),
        note="End-to-end time runs from a case opening to its closing, for cases closed in the period.",
    )

    parameters_shown = [("Period", _period_text(start, end)),
                        ("Department", label(department) if department else "All departments")]
    return ReportResult("Cases by department and demand type", [by_kind, by_type, flow], parameters_shown)


CASES_BY_DEMAND = ReportSpec(
    name="cases.demand_summary",
    label="Cases by department and demand type",
    permission=PERMISSION,
    description=(
        "Value and failure demand, demands by type, cases opened and closed and their median end-to-end time, "
        "for a period."
    ),
    form=CasesByDemandForm,
    run=cases_by_demand,
)
