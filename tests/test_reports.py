"""The report machinery: the reports screen, parameters with an error summary, the result table, PDF and Excel
exports each behind its own permission, audit of every run and export; and the core casework report."""

from __future__ import annotations

import io
import types
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core import module_system
from core.audit.models import AuditEvent
from core.cases import services as cases
from core.errors import StartupError
from core.extensions import hookimpl
from core.permissions import PermissionDenied
from core.plugins import ModuleInfo, Permission, ReportColumn, ReportResult, ReportSpec, ReportTable
from core.reports import exports, services
from core.reports.forms import PeriodForm
from core.types import LONDON
from tests.casework import general_setup, make_person, open_case

RUN = "cases.report.view"
SCREEN = "reports.view"
PDF = "cases.demand_summary.export.pdf"
XLSX = "cases.demand_summary.export.xlsx"
NOVEMBER = {"start": ["1", "11", "2026"], "end": ["30", "11", "2026"], "department": "general"}
QUERY = "start=1&start=11&start=2026&end=30&end=11&end=2026&department=general"


def london(day: int, month: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


@pytest.fixture
def casework(act_as, db):
    """November 2026 in the general department: three value demands and one failure demand; three cases closed
    in November after 2, 4 and 18 days (median 4), one still open."""
    act_as("cases.edit", "cases.close")
    setup = general_setup()
    person = make_person()

    def case(demand_type, received: date, opened: datetime, closed: datetime | None = None, chased: date | None = None):
        opened_case = open_case(demand_type, person, received_on=received)
        opened_case.opened_at = opened
        if chased is not None:
            cases.add_demand(opened_case, setup.chasing_bin.id, "Still not collected", chased)
        if closed is not None:
            opened_case.status, opened_case.closed_at = "closed", closed
        db.session.flush()
        return opened_case

    case(setup.missed_bin, date(2026, 11, 3), london(3, 11, 9), london(5, 11, 9), chased=date(2026, 11, 4))
    case(setup.missed_bin, date(2026, 11, 10), london(10, 11, 10), london(14, 11, 10))
    case(setup.new_bin, date(2026, 11, 20), london(20, 11, 11))
    case(setup.missed_bin, date(2026, 10, 15), london(15, 10, 9), london(2, 11, 9))  # opened in October
    return setup


def audit_rows(db, what="cases.demand_summary"):
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id))
    return [event for event in events if event.details["what"] == what]


# --- the screen ---------------------------------------------------------------------------------------------------


def test_reports_screen_lists_only_reports_the_user_may_run(client, login_as):
    login_as(SCREEN)
    assert "Cases by department and demand type" not in client.get("/reports/").get_data(as_text=True)

    login_as(SCREEN, RUN)
    page = client.get("/reports/").get_data(as_text=True)
    assert "Cases by department and demand type" in page
    assert "/reports/cases.demand_summary" in page


def test_report_shows_its_tables_with_worked_figures(client, login_as, casework):
    login_as(SCREEN, RUN)

    page = client.get(f"/reports/cases.demand_summary?{QUERY}").get_data(as_text=True)

    assert "1 November 2026 to 30 November 2026" in page
    assert "Value and failure demand by department" in page
    # 3 value and 1 failure demand received in November: 25% failure demand
    assert "25.0%" in page
    assert "Report a missed bin collection" in page and "50.0%" in page
    # 3 opened in November; 3 closed in November after 2, 4 and 18 days: median 4.0
    assert "Median end-to-end time (days)" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">4.0</td>' in page
    assert "Download as PDF" not in page and "Download as Excel" not in page


def test_export_links_follow_the_format_permissions(client, login_as, casework):
    login_as(SCREEN, RUN, PDF)

    page = client.get(f"/reports/cases.demand_summary?{QUERY}").get_data(as_text=True)

    assert "Download as PDF" in page
    assert "Download as Excel" not in page


def test_bad_parameters_show_an_error_summary(client, login_as):
    login_as(SCREEN, RUN)

    response = client.get("/reports/cases.demand_summary?start=31&start=2&start=2026&end=&end=&end=&department=")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "Enter a real date" in page
    assert "Enter the last day of the period" in page


def test_end_before_start_is_refused(client, login_as):
    login_as(SCREEN, RUN)

    response = client.get("/reports/cases.demand_summary?start=30&start=11&start=2026&end=1&end=11&end=2026")

    assert response.status_code == 400
    assert "The last day must be the same as or after the first day" in response.get_data(as_text=True)


def test_first_visit_shows_the_form_without_running(client, login_as, db):
    login_as(SCREEN, RUN)

    page = client.get("/reports/cases.demand_summary").get_data(as_text=True)

    assert "Run report" in page and "Value and failure demand by department" not in page
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">' in page
    assert "From" in page and "To" in page and "All departments" in page
    assert audit_rows(db) == []


def test_running_needs_the_reports_permission(client, login_as):
    login_as(SCREEN)
    assert client.get(f"/reports/cases.demand_summary?{QUERY}").status_code == 403
    assert client.get(f"/reports/cases.demand_summary/export.pdf?{QUERY}").status_code == 403


# --- exports -------------------------------------------------------------------------------------------------------


def test_pdf_export(client, login_as, casework):
    login_as(SCREEN, RUN, PDF, name="Priya Shah")

    response = client.get(f"/reports/cases.demand_summary/export.pdf?{QUERY}")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Cases by department and demand type" in text
    assert "25.0%" in text
    assert "Priya Shah" in text


def test_pdf_needs_its_own_permission(client, login_as, casework):
    login_as(SCREEN, RUN, XLSX)

    assert client.get(f"/reports/cases.demand_summary/export.pdf?{QUERY}").status_code == 403
    assert client.get(f"/reports/cases.demand_summary/export.xlsx?{QUERY}").status_code == 200


def test_excel_export(client, login_as, casework):
    login_as(SCREEN, RUN, XLSX)

    response = client.get(f"/reports/cases.demand_summary/export.xlsx?{QUERY}")

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[0] == "About"
    assert workbook["About"]["A1"].value == "Cases by department and demand type"
    sheet = workbook["Value and failure demand by dep"]
    assert [cell.value for cell in sheet[1]] == [
        "Department", "Value demand", "Failure demand", "All demands", "Failure demand share"
    ]
    assert [cell.value for cell in sheet[2]] == ["General", 3, 1, 4, 0.25]
    assert sheet["E2"].number_format == "0.0%"
    flow = workbook["Cases opened and closed, and en"]
    assert [cell.value for cell in flow[2]] == ["General", 3, 3, 4.0]


def test_excel_needs_its_own_permission(client, login_as):
    login_as(SCREEN, RUN, PDF)

    assert client.get(f"/reports/cases.demand_summary/export.xlsx?{QUERY}").status_code == 403


def test_export_with_bad_parameters_goes_back_to_the_form(client, login_as):
    login_as(SCREEN, RUN, PDF)

    response = client.get("/reports/cases.demand_summary/export.pdf?start=1&start=13&start=2026")

    assert response.status_code == 302
    assert "/reports/cases.demand_summary?" in response.headers["Location"]


def test_unknown_report_or_format_is_404(client, login_as):
    login_as(SCREEN, RUN, PDF)
    assert client.get("/reports/cases.nothing").status_code == 404
    assert client.get(f"/reports/cases.demand_summary/export.csv?{QUERY}").status_code == 404


# --- audit --------------------------------------------------------------------------------------------------------


def test_every_run_and_export_is_audited(client, login_as, casework, db):
    priya = login_as(SCREEN, RUN, PDF, XLSX, name="Priya Shah")

    client.get(f"/reports/cases.demand_summary?{QUERY}")
    client.get(f"/reports/cases.demand_summary/export.pdf?{QUERY}")
    client.get(f"/reports/cases.demand_summary/export.xlsx?{QUERY}")

    events = audit_rows(db)
    assert [event.details["format"] for event in events] == ["screen", "pdf", "xlsx"]
    assert {event.actor_id for event in events} == {priya.id}
    assert events[0].details["parameters"] == {"start": "2026-11-01", "end": "2026-11-30", "department": "general"}
    assert events[0].details["rows"] == 1 + 3 + 1


def test_refused_export_is_not_audited(client, login_as, db):
    login_as(SCREEN, RUN)
    client.get(f"/reports/cases.demand_summary/export.pdf?{QUERY}")
    assert audit_rows(db) == []


# --- the machinery for a module's report ------------------------------------------------------------------------


def _payments(parameters):
    return ReportResult(
        "Payments",
        [ReportTable(
            "Paid in the period",
            [ReportColumn("Name"), ReportColumn("Paid on", "date"), ReportColumn("Amount", "money")],
            [("=HYPERLINK(\"http://evil.example\",\"Click\")", date(2026, 4, 3), 123456),
             ("-2+3", date(2026, 4, 10), -250),
             ("Ada Jones", None, 0)],
            totals=("Total", None, 123206),
        )],
        [("Period", f"{parameters['start']:%-d %B %Y} to {parameters['end']:%-d %B %Y}")],
    )


FINANCE = types.ModuleType("throwaway_finance.plugin")
FINANCE.MODULE = ModuleInfo(name="finance", label="Finance", description="Payments to people.")
FINANCE.register_permissions = hookimpl(lambda: [
    Permission("finance.payments.view", "See payments"),
    Permission("finance.payments.export.pdf", "Print payments", default_roles=("finance_officer",)),
])
FINANCE.register_reports = hookimpl(lambda: [
    ReportSpec("finance.payments", "Payments", "finance.payments.view", form=PeriodForm, run=_payments),
])


@pytest.mark.app_config(PPP_EXTRA_MODULES={"finance": FINANCE})
@pytest.mark.modules("finance")
def test_export_permissions_are_generated_unless_declared(app):
    permissions = module_system().permissions

    assert permissions["finance.payments.export.xlsx"].description == 'Export the "Payments" report as Excel'
    assert module_system().permissions.owner("finance.payments.export.xlsx") == "finance"
    assert permissions["finance.payments.export.pdf"].default_roles == ("finance_officer",)


@pytest.mark.app_config(PPP_EXTRA_MODULES={"finance": FINANCE})
@pytest.mark.modules("finance")
def test_module_report_money_on_screen_and_in_excel_with_formulas_kept_as_text(client, login_as):
    login_as(SCREEN, "finance.payments.view", "finance.payments.export.xlsx")
    query = "start=1&start=4&start=2026&end=30&end=4&end=2026"

    page = client.get(f"/reports/finance.payments?{query}").get_data(as_text=True)
    assert "£1,234.56" in page and "-£2.50" in page and "£0.00" in page and "£1,232.06" in page
    assert "3 April 2026" in page

    workbook = load_workbook(io.BytesIO(client.get(f"/reports/finance.payments/export.xlsx?{query}").data))
    sheet = workbook["Paid in the period"]
    assert sheet["A2"].value == '=HYPERLINK("http://evil.example","Click")'
    assert sheet["A2"].data_type == "s"  # text, not a formula
    assert sheet["A2"].quotePrefix
    assert sheet["A3"].value == "-2+3" and sheet["A3"].data_type == "s"
    assert sheet["C2"].value == 1234.56 and sheet["C3"].value == -2.5
    assert sheet["B2"].value.date() == date(2026, 4, 3)
    assert [cell.value for cell in sheet[5]] == ["Total", None, 1232.06]


def test_pdf_columns_give_text_more_room_than_numbers():
    widths = exports.column_widths([ReportColumn("Name"), ReportColumn("Paid on", "date"), ReportColumn("Amount", "money")])

    assert widths == [46, 31, 23]


def test_excel_guard_leaves_ordinary_text_alone():
    from openpyxl import Workbook

    sheet = Workbook().active
    exports.write_cell(sheet, 1, 1, "=1+1")
    exports.write_cell(sheet, 2, 1, "Ada Jones")
    exports.write_cell(sheet, 3, 1, "@SUM(A1)")

    assert (sheet["A1"].data_type, sheet["A2"].data_type, sheet["A3"].data_type) == ("s", "s", "s")
    assert (sheet["A1"].quotePrefix, sheet["A2"].quotePrefix, sheet["A3"].quotePrefix) == (True, False, True)


@pytest.mark.parametrize(("pence", "shown"), [(0, "£0.00"), (5, "£0.05"), (123456, "£1,234.56"), (-250, "-£2.50")])
def test_money_is_formatted_from_integer_pence(pence, shown):
    assert exports.format_value(pence, "money") == shown


def test_service_checks_permissions_as_the_screen_does(app, act_as):
    act_as(RUN)
    with pytest.raises(PermissionDenied):
        services.export_report("cases.demand_summary", {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}, "pdf")


def test_a_report_needs_run_or_endpoint(make_app):
    broken = types.ModuleType("throwaway_broken.plugin")
    broken.MODULE = ModuleInfo(name="broken", label="Broken")
    broken.register_permissions = hookimpl(lambda: [Permission("broken.view", "See")])
    broken.register_reports = hookimpl(lambda: [ReportSpec("broken.report", "Broken", "broken.view")])

    with pytest.raises(StartupError, match='report "broken.report" needs either run'):
        make_app(modules=["broken"], extra={"broken": broken})


def test_a_report_outside_its_namespace_stops_start_up(make_app):
    stray = types.ModuleType("throwaway_stray.plugin")
    stray.MODULE = ModuleInfo(name="stray", label="Stray")
    stray.register_permissions = hookimpl(lambda: [Permission("stray.view", "See")])
    stray.register_reports = hookimpl(lambda: [ReportSpec("cases.stray", "Stray", "stray.view", run=_payments)])

    with pytest.raises(StartupError, match='must start with "stray."'):
        make_app(modules=["stray"], extra={"stray": stray})


@pytest.mark.app_config(PPP_EXTRA_MODULES={"finance": FINANCE})
@pytest.mark.modules("finance")
def test_reports_are_grouped_by_the_module_they_belong_to(client, login_as):
    login_as(SCREEN, RUN, "finance.payments.view")

    page = client.get("/reports/").get_data(as_text=True)

    assert page.index("Cases by department and demand type") < page.index(">Finance<") < page.index(">Payments<")


ROTA = types.ModuleType("throwaway_rota.plugin")
ROTA.MODULE = ModuleInfo(name="rota", label="Rota")
ROTA.register_permissions = hookimpl(lambda: [Permission("rota.view", "See the rota")])
ROTA.register_reports = hookimpl(lambda: [ReportSpec("rota.hours", "Hours worked", "rota.view", "web.home")])


@pytest.mark.app_config(PPP_EXTRA_MODULES={"rota": ROTA})
@pytest.mark.modules("rota")
def test_a_report_with_a_screen_of_its_own_is_a_link(client, login_as):
    login_as(SCREEN, "rota.view")

    assert 'href="/"' in client.get("/reports/").get_data(as_text=True).split("Hours worked")[0].rsplit("<a", 1)[1]
    assert client.get("/reports/rota.hours").headers["Location"].endswith("/")
    assert client.get("/reports/rota.hours/export.pdf").status_code == 404
    assert "rota.hours.export.pdf" not in module_system().permissions
