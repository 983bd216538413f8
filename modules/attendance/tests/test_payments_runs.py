"""Payment runs worked through by hand, as a finance officer would check them.

Rates: £5.00 per paid half-day from 1 January 2026, £5.50 from 16 March 2026. March 2026 registers:

- Ada Adeyemi (cash): attended 2 and 3 March; off sick 4 March (unpaid); at a job interview 5 March (paid);
  attended 16 March and the afternoon of 17 March (new rate); 18 March still unmarked (not paid).
  3 x £5.00 + 2 x £5.50 = £26.00 for 5 half-days.
- Ben Nwosu (BACS): attended mornings and afternoons of 9, 10 and 11 March, and the morning of 20 March.
  6 x £5.00 + 1 x £5.50 = £35.50 for 7 half-days.
- Cara Doyle (cash): attended both halves of 13 March, on holiday 23 March (unpaid), attended 24 March.
  2 x £5.00 + 1 x £5.50 = £15.50 for 3 half-days.

The run pays £77.00: £35.50 by BACS and £41.50 in cash.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from core.permissions import PermissionDenied
from modules.attendance.models import BACS, NOT_ATTENDED, PLANNED, Attendance
from modules.attendance.payments import services, testing
from modules.attendance.payments.models import PaidDay, PaymentItem, PaymentLine, PaymentRun

pytestmark = pytest.mark.modules("attendance")

FINANCE = (services.VIEW, services.MANAGE_RATES, services.MANAGE_RUNS, services.CONFIRM, services.MANAGE_SETTINGS,
           services.EXPORT_BANK_CSV, services.EXPORT_STANDARD18, services.EXPORT_CASH)


@pytest.fixture
def march(app, db, act_as):
    """The registers and rates of the module docstring, with the provider's own account set."""
    act_as(*FINANCE)
    services.add_rate(date(2026, 1, 1), 500, "Rate agreed by trustees")
    services.add_rate(date(2026, 3, 16), 550, "Annual review")
    services.update_settings(originator_sort_code="40-20-20", originator_account_number="12345678",
                             originator_name="Mill Lane Day Services", reference_prefix="Attendance",
                             denominations="£20 £10 £5 £2 £1 50p 20p 10p 5p 2p 1p",
                             csv_columns=["sort_code", "account_number", "account_name", "amount", "reference"],
                             csv_header=True)
    woodwork = testing.section("Woodwork")
    garden = testing.section("Horticulture")
    ada = testing.service_user("Ada", "Adeyemi")
    ben = testing.service_user("Ben", "Nwosu", method=BACS, sort_code="089999", account_number="66374958")
    cara = testing.service_user("Cara", "Doyle")
    mark = testing.mark
    mark(ada, woodwork, date(2026, 3, 2))
    mark(ada, woodwork, date(2026, 3, 3))
    mark(ada, woodwork, date(2026, 3, 4), status=NOT_ATTENDED, reason_code="sick")
    mark(ada, woodwork, date(2026, 3, 5), status=NOT_ATTENDED, reason_code="job_interview")
    mark(ada, woodwork, date(2026, 3, 16))
    mark(ada, garden, date(2026, 3, 17), "PM")
    mark(ada, woodwork, date(2026, 3, 18), status=PLANNED)
    for day in (9, 10, 11):
        mark(ben, garden, date(2026, 3, day), "AM")
        mark(ben, garden, date(2026, 3, day), "PM")
    mark(ben, garden, date(2026, 3, 20))
    mark(cara, woodwork, date(2026, 3, 13), "AM")
    mark(cara, woodwork, date(2026, 3, 13), "PM")
    mark(cara, woodwork, date(2026, 3, 23), status=NOT_ATTENDED, reason_code="holiday")
    mark(cara, woodwork, date(2026, 3, 24))
    # outside the period: not in March's run
    mark(cara, woodwork, date(2026, 4, 1))
    return {"ada": ada, "ben": ben, "cara": cara, "woodwork": woodwork, "garden": garden}


def by_name(run):
    return {line.service_user.person.first_names: line for line in services.lines(run)}


def test_run_pays_paid_half_days_at_the_rate_of_each_day(march):
    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    lines = by_name(run)
    assert {name: (line.half_days, line.total_pence, line.method) for name, line in lines.items()} == {
        "Ada": (5, 2600, "cash"),
        "Ben": (7, 3550, "bacs"),
        "Cara": (3, 1550, "cash"),
    }
    assert (run.total_pence, run.bacs_total_pence, run.cash_total_pence, run.half_days) == (7700, 3550, 4150, 15)
    assert run.reference == "ATTENDANCE MAR26"
    # Ada's half-days: sick on 4 March is not paid, the job interview on 5 March is; 16 March is at the new rate
    ada_items = [(item.day.day, item.half, item.rate_pence) for item in services.items(run, march["ada"].id)]
    assert ada_items == [(2, "AM", 500), (3, "AM", 500), (5, "AM", 500), (16, "AM", 550), (17, "PM", 550)]


def test_rate_change_mid_period_splits_on_its_date(march):
    run = services.create_run(date(2026, 3, 13), date(2026, 3, 16), date(2026, 4, 3))
    lines = by_name(run)
    # Cara's 13 March (two half-days at £5.00) and Ada's 16 March (one at £5.50)
    assert lines["Cara"].total_pence == 2 * 500
    assert lines["Ada"].total_pence == 550
    assert "Ben" not in lines
    assert services.rate_on(date(2026, 3, 15)).amount_pence == 500
    assert services.rate_on(date(2026, 3, 16)).amount_pence == 550


def test_cash_envelopes_and_bank_order_for_the_run(march):
    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    envelopes = {envelope.line.service_user.person.first_names: envelope.pieces for envelope in services.envelopes(run)}
    # Ada £26.00 = £20 + £5 + £1; Cara £15.50 = £10 + £5 + 50p
    assert envelopes == {"Ada": {2000: 1, 500: 1, 100: 1}, "Cara": {1000: 1, 500: 1, 50: 1}}
    order = services.bank_order(run)
    assert order == {2000: 1, 1000: 1, 500: 2, 100: 1, 50: 1}
    assert sum(value * count for value, count in order.items()) == run.cash_total_pence == 4150


def test_coins_only_set_is_used_for_the_envelopes(march):
    services.update_settings(originator_sort_code="402020", originator_account_number="12345678",
                             originator_name="Mill Lane", reference_prefix="ATTENDANCE",
                             denominations="£2 £1 50p 20p 10p 5p 2p 1p", csv_columns=["sort_code"], csv_header=False)
    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    # £41.50 in coins: Ada 13 x £2; Cara 7 x £2, £1 and 50p
    assert services.bank_order(run) == {200: 20, 100: 1, 50: 1}


def test_no_rate_for_a_paid_day_is_refused(app, db, act_as):
    act_as(*FINANCE)
    services.add_rate(date(2026, 3, 10), 500)
    profile = testing.service_user("Dan", "Evans")
    testing.mark(profile, testing.section(), date(2026, 3, 9))
    with pytest.raises(services.PaymentError, match="No rate applies on 9 March 2026"):
        services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))


def test_confirmed_run_is_locked_and_the_period_cannot_be_paid_twice(march, db):
    run = services.confirm(services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3)))
    assert run.status == "confirmed" and run.confirmed_at is not None
    with pytest.raises(services.PaymentError, match="15 March 2026 has already been paid by the confirmed run for "
                                                    "1 March 2026 to 31 March 2026"):
        services.create_run(date(2026, 3, 15), date(2026, 4, 15), date(2026, 4, 17))
    with pytest.raises(services.PaymentError, match="is locked"):
        services.recalculate(run)
    with pytest.raises(services.PaymentError, match="is locked"):
        services.delete_run(run)
    with pytest.raises(services.PaymentError, match="is locked"):
        services.confirm(run)
    # the database refuses a second run's claim on a paid day even if the service were bypassed
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(insert(PaidDay), [{"day": date(2026, 3, 20), "run_id": run.id}])
    # and any change to the confirmed run, its lines or its items
    for statement in (
        update(PaymentLine).where(PaymentLine.run_id == run.id).values(amount_pence=PaymentLine.amount_pence + 100,
                                                                       total_pence=PaymentLine.total_pence + 100),
        delete(PaymentItem).where(PaymentItem.run_id == run.id),
        update(PaymentRun).where(PaymentRun.id == run.id).values(total_pence=1),
        delete(PaymentRun).where(PaymentRun.id == run.id),
    ):
        with pytest.raises(IntegrityError, match="confirmed and locked"), db.session.begin_nested():
            db.session.execute(statement.execution_options(synchronize_session=False))
    assert {name: line.total_pence for name, line in by_name(run).items()} == {"Ada": 2600, "Ben": 3550, "Cara": 1550}


def test_two_drafts_for_one_period_only_one_can_be_confirmed(march):
    first = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    second = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    services.confirm(first)
    with pytest.raises(services.PaymentError, match="already been paid"):
        services.confirm(second)


def test_correction_after_payment_is_an_adjustment_in_the_next_run(march, db):
    march_run = services.confirm(services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3)))
    ada, ben = march["ada"], march["ben"]
    # after March was paid: Ada's 4 March was really a medical appointment (paid, +£5.00), and Ben did not come in on
    # the morning of 20 March after all (no reason given, unpaid: -£5.50)
    records = {(record.service_user_id, record.day): record for record in db.session.scalars(
        db.select(Attendance))}
    records[(ada.id, date(2026, 3, 4))].reason_id = testing.reason("medical_appointment").id
    ben_20 = records[(ben.id, date(2026, 3, 20))]
    ben_20.status, ben_20.reason_id = NOT_ATTENDED, testing.reason("no_reason").id
    # April: Ada attends 1 April (£5.50), Ben both halves of 2 April (£11.00); Cara attended 1 April (£5.50)
    testing.mark(ada, march["woodwork"], date(2026, 4, 1))
    testing.mark(ben, march["garden"], date(2026, 4, 2), "AM")
    testing.mark(ben, march["garden"], date(2026, 4, 2), "PM")
    db.session.flush()

    # what March paid has not moved
    assert {name: line.total_pence for name, line in by_name(march_run).items()} == {
        "Ada": 2600, "Ben": 3550, "Cara": 1550}

    april = services.create_run(date(2026, 4, 1), date(2026, 4, 30), date(2026, 5, 1))
    lines = by_name(april)
    assert {name: (line.amount_pence, line.adjustment_pence, line.total_pence) for name, line in lines.items()} == {
        "Ada": (550, 500, 1050),
        "Ben": (1100, -550, 550),
        "Cara": (550, 0, 550),
    }
    assert april.adjustment_total_pence == -50
    adjustments = [(item.day, item.kind, item.amount_pence) for item in services.items(april, ada.id)]
    assert adjustments == [(date(2026, 4, 1), "due", 550), (date(2026, 3, 4), "adjustment", 500)]
    services.confirm(april)
    # settled: a run for May has no adjustments left
    may = services.create_run(date(2026, 5, 1), date(2026, 5, 31), date(2026, 6, 1))
    assert may.adjustment_total_pence == 0 and services.lines(may) == []


def test_overpayment_bigger_than_the_next_pay_is_carried_forward(march, db):
    services.confirm(services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3)))
    cara = march["cara"]
    # both halves of 13 March were really holiday: £10.00 paid that was not due
    for record in db.session.scalars(db.select(Attendance).where(
            Attendance.service_user_id == cara.id, Attendance.day == date(2026, 3, 13))):
        record.status, record.reason_id = NOT_ATTENDED, testing.reason("holiday").id
    db.session.flush()
    april = services.create_run(date(2026, 4, 1), date(2026, 4, 30), date(2026, 5, 1))
    line = by_name(april)["Cara"]
    # April pays her 1 April (£5.50) in full and leaves the £10.00 for later
    assert (line.amount_pence, line.adjustment_pence, line.total_pence) == (550, 0, 550)
    assert "£10.00 overpaid in earlier runs" in line.note
    services.confirm(april)
    may = services.create_run(date(2026, 5, 1), date(2026, 5, 31), date(2026, 6, 1))
    testing.mark(cara, march["woodwork"], date(2026, 5, 4))
    testing.mark(cara, march["woodwork"], date(2026, 5, 5))
    testing.mark(cara, march["woodwork"], date(2026, 5, 6))
    services.recalculate(may)
    # three half-days (£16.50) less the £10.00: £6.50
    line = by_name(may)["Cara"]
    assert (line.amount_pence, line.adjustment_pence, line.total_pence) == (1650, -1000, 650)


def test_confirm_refuses_a_run_whose_registers_changed_since_review(march, db):
    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    testing.mark(march["cara"], march["woodwork"], date(2026, 3, 25))
    with pytest.raises(services.PaymentError, match="changed since this run was calculated"):
        services.confirm(run)
    # it was recalculated: the second try confirms the new amount
    assert by_name(run)["Cara"].total_pence == 1550 + 550
    assert services.confirm(run).status == "confirmed"


def test_bacs_with_bad_details_blocks_confirmation_and_modulus_failure_only_warns(march, db):
    ben = march["ben"]
    ben.bank_account_number = "66374959"  # fails Vocalink's check for 08-99-99
    db.session.flush()
    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    line = by_name(run)["Ben"]
    assert "does not pass the bank's check" in line.bank_warning and line.bank_problem == ""
    ben.bank_sort_code = "0899"
    db.session.flush()
    services.recalculate(run)
    assert "must be 6 digits" in by_name(run)["Ben"].bank_problem
    with pytest.raises(services.PaymentError, match="1 BACS payment cannot be made"):
        services.confirm(run)


def test_files_only_for_confirmed_runs_each_audited(march, db):
    from core.audit.models import AuditEvent

    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    with pytest.raises(services.PaymentError, match="Confirm the run"):
        services.export_standard18(run)
    services.confirm(run)
    record = services.export_standard18(run).decode()
    assert record == ("089999" "66374958" "0" "99" "402020" "12345678" "    " "00000003550"
                      "MILL LANE DAY SERV" "ATTENDANCE MAR26  " "BEN NWOSU         " "\r\n")
    assert services.export_bank_csv(run).decode() == (
        "Sort code,Account number,Account name,Amount,Reference\r\n"
        "089999,66374958,BEN NWOSU,35.50,ATTENDANCE MAR26\r\n")
    assert services.export_cash(run).decode() == (
        "Service user,Amount,£20,£10,£5,£2,£1,50p,20p,10p,5p,2p,1p\r\n"
        "Ada Adeyemi,26.00,1,0,1,0,1,0,0,0,0,0,0\r\n"
        "Cara Doyle,15.50,0,1,1,0,0,1,0,0,0,0,0\r\n"
        "Bank order,41.50,1,1,2,0,1,1,0,0,0,0,0\r\n")
    exports = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert sorted(event.details["what"] for event in exports) == [
        "attendance.payment_run.bank_csv", "attendance.payment_run.cash", "attendance.payment_run.standard18"]


def test_rates_cannot_reach_into_paid_days(march):
    run = services.confirm(services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3)))
    with pytest.raises(services.PaymentError, match="1 March 2026 has already been paid"):
        services.add_rate(date(2026, 2, 1), 600)
    with pytest.raises(services.PaymentError, match="cannot be removed"):
        services.remove_rate(services.rate_on(date(2026, 3, 20)))
    assert services.add_rate(date(2026, 4, 1), 600).amount_pence == 600
    assert run.total_pence == 7700


def test_services_check_permissions(march, act_as):
    act_as(services.VIEW)
    with pytest.raises(PermissionDenied, match="attendance.payment_run.manage"):
        services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))


def test_confirmed_payments_on_the_person_timeline(march, app):
    from core import module_system

    services.confirm(services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3)))
    ada = march["ada"]
    with app.test_request_context():
        entries = [entry for _owner, found in module_system().collect("timeline_entries", person_id=ada.person_id)
                   for entry in found if entry.kind == "paid"]
    assert [(entry.when, entry.title, entry.summary) for entry in entries] == [
        (date(2026, 4, 3), "Paid £26.00 in cash", "5 paid half-days, 1 March 2026 to 31 March 2026")]
