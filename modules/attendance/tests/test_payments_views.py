"""Payment screens: rates, creating, reviewing and confirming a run, and each download behind its own permission."""

from __future__ import annotations

from datetime import date

import pytest

from core.audit.models import AuditEvent
from modules.attendance.models import BACS, NOT_ATTENDED
from modules.attendance.payments import services, testing
from modules.attendance.payments.models import PaymentRun

pytestmark = pytest.mark.modules("attendance")

FINANCE = (services.VIEW, services.MANAGE_RATES, services.MANAGE_RUNS, services.CONFIRM)


@pytest.fixture
def registers(app, db, act_as):
    """Ada (cash) and Ben (BACS) attend in March 2026 at £5.00 a half-day; the provider's account is set."""
    act_as(services.MANAGE_SETTINGS, services.MANAGE_RATES)
    services.update_settings(originator_sort_code="402020", originator_account_number="12345678",
                             originator_name="Mill Lane Day Services", reference_prefix="ATTENDANCE",
                             denominations="£20 £10 £5 £2 £1 50p 20p 10p 5p 2p 1p",
                             csv_columns=["sort_code", "account_number", "account_name", "amount", "reference"],
                             csv_header=True)
    services.add_rate(date(2026, 1, 1), 500)
    woodwork = testing.section()
    ada = testing.service_user("Ada", "Adeyemi")
    ben = testing.service_user("Ben", "Nwosu", method=BACS, sort_code="089999", account_number="66374959")
    testing.mark(ada, woodwork, date(2026, 3, 2))
    testing.mark(ada, woodwork, date(2026, 3, 3), status=NOT_ATTENDED, reason_code="sick")
    testing.mark(ben, woodwork, date(2026, 3, 2))
    testing.mark(ben, woodwork, date(2026, 3, 2), "PM")
    db.session.flush()
    from flask import g

    g.ppp_actor = None
    return {"ada": ada, "ben": ben}


def follow(client, response):
    """The page a redirect leads to (the test client's own follow_redirects loses the app context)."""
    assert response.status_code == 302, response.text
    return client.get(response.headers["Location"])


def date_fields(name: str, day: date) -> dict[str, list[str]]:
    """GOV.UK's three date boxes share the field's name."""
    return {name: [str(day.day), str(day.month), str(day.year)]}


def test_rate_screen_adds_a_rate_and_shows_errors(client, login_as, db):
    login_as(services.VIEW, services.MANAGE_RATES)
    response = client.post("/attendance/payments/rates/new",
                           data={**date_fields("effective_from", date(2026, 4, 1)), "amount": "five pounds"})
    assert response.status_code == 400
    assert "There is a problem" in response.text and "Enter the rate in pounds and pence, like 5.50" in response.text
    response = follow(client, client.post("/attendance/payments/rates/new",
                                          data={**date_fields("effective_from", date(2026, 4, 1)), "amount": "£5.50",
                                                "note": "Annual review"}))
    assert response.status_code == 200
    assert "£5.50 per half-day applies from 1 April 2026" in response.text
    assert services.rate_on(date(2026, 4, 2)).amount_pence == 550


def test_create_review_confirm_and_download(client, login_as, registers, db):
    login_as(*FINANCE, services.EXPORT_BANK_CSV, services.EXPORT_STANDARD18, services.EXPORT_CASH)
    response = client.post("/attendance/payments/runs/new", data={
        **date_fields("period_start", date(2026, 3, 1)), **date_fields("period_end", date(2026, 3, 31)),
        **date_fields("payment_date", date(2026, 4, 3))})
    assert response.status_code == 302
    run = db.session.scalars(db.select(PaymentRun)).one()
    page = client.get(f"/attendance/payments/runs/{run.id}").text
    assert "Draft" in page and "£15.00" in page and "Ada Adeyemi" in page and "£10.00" in page
    # Ben's account number fails the modulus check: a warning, not a block
    assert "1 account number failed the bank's modulus check" in page
    # Ada's envelope: one £5 note
    assert "Cash: bank order" in page

    # downloads wait for confirmation
    response = follow(client, client.get(f"/attendance/payments/runs/{run.id}/standard18.txt"))
    assert "Confirm the run before downloading" in response.text

    assert "Once confirmed, the run is locked" in client.get(f"/attendance/payments/runs/{run.id}/confirm").text
    response = follow(client, client.post(f"/attendance/payments/runs/{run.id}/confirm"))
    assert "The run is confirmed and locked" in response.text
    db.session.refresh(run)
    assert run.status == "confirmed"

    response = client.get(f"/attendance/payments/runs/{run.id}/standard18.txt")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="attendance-payments-20260301-20260331-bacs-standard18.txt"'
    assert response.data == (b"089999" b"66374959" b"0" b"99" b"402020" b"12345678" b"    " b"00000001000" b"MILL LANE DAY SERV"
                             b"ATTENDANCE MAR26  " b"BEN NWOSU         \r\n")
    response = client.get(f"/attendance/payments/runs/{run.id}/bank-upload.csv")
    assert response.data.decode().splitlines()[1] == "089999,66374959,BEN NWOSU,10.00,ATTENDANCE MAR26"
    response = client.get(f"/attendance/payments/runs/{run.id}/cash.csv")
    assert response.data.decode().splitlines()[-1] == "Bank order,5.00,0,0,1,0,0,0,0,0,0,0,0"
    page = client.get(f"/attendance/payments/runs/{run.id}/envelopes").text
    assert "Ada Adeyemi" in page and "Bank order" in page
    exports = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert sorted(event.details["what"] for event in exports) == [
        "attendance.payment_run.bank_csv", "attendance.payment_run.cash", "attendance.payment_run.envelopes",
        "attendance.payment_run.standard18"]

    # the same period again is refused on the form, naming the field
    response = client.post("/attendance/payments/runs/new", data={
        **date_fields("period_start", date(2026, 3, 31)), **date_fields("period_end", date(2026, 4, 30)),
        **date_fields("payment_date", date(2026, 5, 1))})
    assert response.status_code == 400
    assert "31 March 2026 has already been paid" in response.text


@pytest.mark.parametrize(("path", "permission"), [
    ("bank-upload.csv", services.EXPORT_BANK_CSV),
    ("standard18.txt", services.EXPORT_STANDARD18),
    ("cash.csv", services.EXPORT_CASH),
    ("envelopes", services.EXPORT_CASH),
])
def test_each_download_needs_its_own_permission(client, login_as, registers, db, path, permission, act_as):
    act_as(*FINANCE)
    run = services.confirm(services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3)))
    db.session.flush()
    from flask import g

    g.ppp_actor = None
    others = {services.EXPORT_BANK_CSV, services.EXPORT_STANDARD18, services.EXPORT_CASH} - {permission}
    login_as(services.VIEW, *others)
    assert client.get(f"/attendance/payments/runs/{run.id}/{path}").status_code == 403


def test_draft_can_be_recalculated_and_deleted(client, login_as, registers, db, act_as):
    act_as(*FINANCE)
    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    run_id = run.id
    from flask import g

    g.ppp_actor = None
    testing.mark(registers["ada"], testing.section(), date(2026, 3, 4))
    db.session.flush()
    login_as(*FINANCE)
    response = follow(client, client.post(f"/attendance/payments/runs/{run.id}/recalculate"))
    assert "recalculated" in response.text and "£20.00" in response.text
    response = follow(client, client.post(f"/attendance/payments/runs/{run_id}/delete"))
    assert "The draft run has been deleted" in response.text
    assert db.session.scalar(db.select(PaymentRun.id).where(PaymentRun.id == run_id)) is None


def test_settings_screen_saves_a_coins_only_set_and_refuses_a_bad_sort_code(client, login_as, db):
    login_as(services.MANAGE_SETTINGS)
    page = client.get("/attendance/payments/settings").text
    assert "Notes and coins for cash envelopes" in page
    data = {"originator_sort_code": "40-20-2", "originator_account_number": "12345678", "originator_name": "Mill Lane",
            "reference_prefix": "ATTENDANCE", "denominations": ["200", "100", "50", "20", "10", "5", "2", "1"],
            "csv_columns": "sort_code, account_number, amount", "csv_header": "y"}
    response = client.post("/attendance/payments/settings", data=data)
    assert response.status_code == 400 and "must be 6 digits" in response.text
    response = follow(client, client.post("/attendance/payments/settings",
                                          data={**data, "originator_sort_code": "40-20-20"}))
    assert "Payment settings saved" in response.text
    settings = services.get_settings()
    assert settings.denomination_values == (200, 100, 50, 20, 10, 5, 2, 1)
    assert settings.csv_columns == "sort_code,account_number,amount"
