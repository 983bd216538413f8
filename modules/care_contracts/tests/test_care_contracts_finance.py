"""The transactions and invoicing jobs: idempotent, adjustments for backdated changes, invoices per funder."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from core.jobs.models import JobRun
from core.lookups import services as lookups
from core.people.testing import make_person
from core.types import LONDON
from modules.care_contracts import services
from modules.care_contracts.models import (
    AbsenceType,
    ChargeTrigger,
    EndReason,
    FinanceInvoice,
    FinanceTransaction,
)
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

STAFF = ("people.view", "care_contracts.contract.view", "care_contracts.contract.write")
FINANCE = ("care_contracts.finance.run", "care_contracts.invoice.view")
MAY_4 = date(2026, 5, 4)  # the first four-weekly period (6 April to 3 May) has ended
JUNE_1 = date(2026, 6, 1)  # the second (4 May to 31 May) has too


def at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def completed(setup, contract_service, scheme, establishment, start=date(2026, 4, 9), person=None, **changes):
    person = person or make_person()
    contract = services.create_contract(person.id, establishment.id, scheme.id, "", date(2026, 4, 1), None)
    return services.save_service(contract, None, details(contract_service, start, **changes))


def details(contract_service, start=date(2026, 4, 9), **changes):
    values = {"service_id": contract_service.service_id, "contract_service_id": contract_service.id,
              "start_at": at(start, 14), "status": "completed", "frequency_weeks": 1}
    values.update(changes)
    return services.ServiceDetails(**values)


def residential(setup, **kw):
    return completed(setup, setup.residential_service, setup.residential_scheme, setup.home, **kw)


def lines(service=None):
    query = select(FinanceTransaction).order_by(FinanceTransaction.id)
    if service is not None:
        query = query.where(FinanceTransaction.person_contract_service_id == service.id)
    return [(t.kind, t.debtor_kind, t.period_start, t.amount_pence) for t in services.db.session.scalars(query)]


def test_a_completed_service_is_charged_for_each_ended_period(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = residential(setup)

    assert services.run_transactions(as_of=date(2026, 5, 3))["transactions"] == 0  # the first period has not ended
    counts = services.run_transactions(as_of=MAY_4)

    assert counts["transactions"] == 1
    # 9 April to 3 May: 25 days of £840.00 a week = 25 x £120.00
    assert lines(service) == [("charge", "funder", date(2026, 4, 6), 300000)]
    line = db.session.scalar(select(FinanceTransaction))
    assert (line.funder_id, line.finance_code, line.period_end) == (setup.council.id, "RES-OAK-NCC", MAY_4)
    assert db.session.scalar(select(func.count()).select_from(ChargeTrigger)
                             .where(ChargeTrigger.processed_at.is_(None))) == 0


def test_re_running_changes_nothing(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    residential(setup)
    services.run_transactions(as_of=JUNE_1)
    before = lines()

    again = services.run_transactions(as_of=JUNE_1)

    assert (again["transactions"], again["adjustments"]) == (0, 0)
    assert lines() == before == [("charge", "funder", date(2026, 4, 6), 300000),
                                 ("charge", "funder", MAY_4, 336000)]


def test_a_killed_worker_leaves_nothing_half_written(act_as, db, monkeypatch):
    setup = make_care_setup()
    act_as(*STAFF)
    residential(setup)
    residential(setup)
    real_insert = services.insert_transactions
    calls = []

    def dies_after_the_first_batch(rows):
        calls.append(len(rows))
        if len(calls) > 1:
            raise SystemExit("worker killed")
        real_insert(rows)

    monkeypatch.setattr(services, "insert_transactions", dies_after_the_first_batch)
    with pytest.raises(SystemExit), db.session.begin_nested():  # the job's transaction, as perform() runs it
        services.run_transactions(as_of=MAY_4, chunk_size=1)
    monkeypatch.setattr(services, "insert_transactions", real_insert)
    assert calls == [1, 1] and lines() == []

    services.run_transactions(as_of=MAY_4, chunk_size=1)

    assert lines() == [("charge", "funder", date(2026, 4, 6), 300000)] * 2


def test_backdated_end_date_makes_an_adjustment_and_never_edits(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = residential(setup)
    services.run_transactions(as_of=JUNE_1)
    originals = {t.id: t.amount_pence for t in db.session.scalars(select(FinanceTransaction))}
    moved = db.session.scalar(select(EndReason.id).where(EndReason.code == "moved_placement"))

    services.save_service(service.person_contract, service, details(
        setup.residential_service, end_at=at(date(2026, 5, 20), 11), end_reason_id=moved))
    services.run_transactions(as_of=JUNE_1)

    # 4 May up to 20 May is 16 days (£1,920.00), not the £3,360.00 charged: -£1,440.00
    assert lines(service)[-1] == ("adjustment", "funder", MAY_4, -144000)
    assert {t.id: t.amount_pence for t in db.session.scalars(select(FinanceTransaction))
            if t.id in originals} == originals
    services.run_transactions(as_of=date(2026, 8, 1))  # later periods are past the end: nothing more
    assert len(lines(service)) == 3


def test_cancelling_a_charged_service_reverses_it(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = residential(setup)
    services.run_transactions(as_of=MAY_4)
    services.save_service(service.person_contract, service, details(setup.residential_service, status="cancelled"))
    services.run_transactions(as_of=MAY_4)
    assert [amount for *_, amount in lines(service)] == [300000, -300000]


def test_stepped_absence_through_the_job(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = residential(setup, start=date(2026, 4, 6))
    hospital = db.session.scalar(select(AbsenceType.id).where(AbsenceType.code == "hospital"))
    services.save_absence(service.person_contract.person_id, None,
                          services.AbsenceDetails(hospital, date(2026, 5, 4), date(2026, 6, 15)))
    services.run_transactions(as_of=date(2026, 6, 29))
    assert [amount for *_, amount in lines(service)] == [336000, 336000, 168000]


def test_hourly_schedule_with_the_core_bank_holidays(act_as, db):
    from core.calendar import services as calendar

    setup = make_care_setup(billing_period="weekly")
    act_as(*STAFF)
    assert calendar.is_bank_holiday(MAY_4, "england-and-wales")
    service = completed(setup, setup.home_care_service, setup.home_care_scheme, setup.branch, start=date(2026, 4, 6))
    services.save_rate(service, None, services.RateDetails(date(2026, 4, 6), None, 2000, time(8), time(18), 4000,
                                                           False, (0, 1, 2, 3, 4)))
    services.save_rate(service, None, services.RateDetails(date(2026, 4, 6), None, 2500, time(18), None, 4500,
                                                           False, (0, 1, 2, 3, 4)))
    services.save_rate(service, None, services.RateDetails(date(2026, 4, 6), None, 2800, None, None, None, False,
                                                           (5, 6)))
    services.add_visit(service, 1, 0, time(17), time(19))
    services.add_visit(service, 1, 3, time(17, 50), time(18, 5))
    services.add_visit(service, 1, 5, time(10), time(11))
    assert service.charge_per_week_pence == 7842

    services.run_transactions(as_of=date(2026, 5, 11))

    by_week = {start: amount for _, _, start, amount in lines(service)}
    assert by_week[date(2026, 4, 27)] == 7842
    assert by_week[MAY_4] == 11842  # worked example 3 of docs/care-charging.md


def test_invoices_per_funder_with_net_residential_charge_and_contribution(act_as, db):
    setup = make_care_setup(collect_contribution=True, charge_contribution=True)
    act_as(*STAFF)
    first = residential(setup, start=date(2026, 4, 6), person=make_person("Ada", "Lovelace"))
    services.add_contribution(first, 21045)
    residential(setup, start=date(2026, 4, 9), person=make_person("Grace", "Hopper"))
    completed(setup, setup.private_service, setup.private_scheme, setup.home, start=date(2026, 4, 15),
              person=make_person("Mary", "Seacole"))
    services.run_transactions(as_of=MAY_4)

    counts = services.run_invoicing()

    issued = {(services.debtor_name(i), i.period_start): i for i in db.session.scalars(select(FinanceInvoice))}
    council = issued[("Northshire County Council", date(2026, 4, 6))]
    # Ada: £3,360.00 less her £841.80 contribution; Grace: 25 days, £3,000.00
    assert council.total_pence == 336000 - 84180 + 300000
    assert issued[("Ada Lovelace", date(2026, 4, 6))].total_pence == 84180
    assert issued[("Mary Seacole", date(2026, 4, 1))].total_pence == 240000  # worked example 7: April, private
    assert counts == {"invoices": 3, "cleared_without_invoice": 0, "held_for_suspended_debtors": 0}
    assert council.number.startswith("INV-") and len({i.number for i in issued.values()}) == 3
    assert services.run_invoicing() == {"invoices": 0, "cleared_without_invoice": 0, "held_for_suspended_debtors": 0}
    assert db.session.scalar(select(func.count()).select_from(FinanceTransaction)
                             .where(FinanceTransaction.invoice_id.is_(None))) == 0


def test_suspended_debtors_get_no_invoice_until_lifted(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    reason = lookups.value("care_contracts.suspend_reason", "deputyship").id
    private = completed(setup, setup.private_service, setup.private_scheme, setup.home, start=date(2026, 4, 15),
                        suspend_debtor_invoices=True, suspend_reason_id=reason)
    residential(setup)
    services.run_transactions(as_of=MAY_4)

    assert services.run_invoicing() == {"invoices": 1, "cleared_without_invoice": 0, "held_for_suspended_debtors": 1}
    assert [i.debtor_kind for i in db.session.scalars(select(FinanceInvoice))] == ["funder"]

    services.save_service(private.person_contract, private, details(setup.private_service, date(2026, 4, 15)))
    assert services.run_invoicing() == {"invoices": 1, "cleared_without_invoice": 0, "held_for_suspended_debtors": 0}


def test_invoice_numbers_run_on_without_a_gap_even_after_a_failed_run(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    residential(setup, start=date(2026, 4, 6))
    services.run_transactions(as_of=MAY_4)
    services.run_invoicing()
    residential(setup, start=date(2026, 4, 20))
    residential(setup, start=date(2026, 5, 11))
    services.run_transactions(as_of=JUNE_1)

    with pytest.raises(RuntimeError), db.session.begin_nested():  # the run fails after numbering its invoices
        services.run_invoicing()
        raise RuntimeError("worker killed")
    services.run_invoicing()

    issued = [(i.number, i.period_start) for i in db.session.scalars(select(FinanceInvoice)
                                                                     .order_by(FinanceInvoice.serial))]
    # the first run's April invoice; then the part of April for the service started 20 April, and May for both
    # later services: the failed run's numbers were never given away
    assert issued == [("INV-000001", date(2026, 4, 6)), ("INV-000002", date(2026, 4, 6)),
                      ("INV-000003", MAY_4)]


def test_a_charge_cancelled_before_it_is_invoiced_gets_no_invoice(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = residential(setup)
    services.run_transactions(as_of=MAY_4)
    services.save_service(service.person_contract, service, details(setup.residential_service, status="cancelled"))
    services.run_transactions(as_of=MAY_4)

    counts = services.run_invoicing()

    assert counts == {"invoices": 0, "cleared_without_invoice": 1, "held_for_suspended_debtors": 0}
    assert db.session.scalar(select(func.count()).select_from(FinanceInvoice)) == 0
    assert [t.cleared_at is not None for t in db.session.scalars(select(FinanceTransaction))] == [True, True]
    act_as(*FINANCE)
    assert services.finance_summary()["uninvoiced"] == 0


def test_the_contribution_follows_its_service_to_a_later_end_and_a_cancellation(act_as, db):
    setup = make_care_setup(collect_contribution=True, charge_contribution=True)
    act_as(*STAFF)
    service = residential(setup, start=date(2026, 4, 6))
    contribution = services.add_contribution(service, 21045)
    moved = db.session.scalar(select(EndReason.id).where(EndReason.code == "moved_placement"))

    services.save_service(service.person_contract, service, details(
        setup.residential_service, date(2026, 4, 6), end_at=at(date(2026, 5, 20), 11), end_reason_id=moved))
    assert (contribution.end_at, contribution.end_reason_id) == (at(date(2026, 5, 20), 11), moved)
    services.save_service(service.person_contract, service, details(
        setup.residential_service, date(2026, 4, 6), end_at=at(date(2026, 6, 3), 11), end_reason_id=moved))
    assert contribution.end_at == at(date(2026, 6, 3), 11)  # it shared the old end, so it follows the new one
    services.run_transactions(as_of=JUNE_1)
    # May's period: four weeks of the £210.45 weekly contribution, £841.80, off the funder's bill and on the person's
    assert lines(contribution)[-2:] == [("charge", "funder", MAY_4, -84180), ("charge", "person", MAY_4, 84180)]

    services.save_service(service.person_contract, service, details(
        setup.residential_service, date(2026, 4, 6), status="cancelled", end_at=at(date(2026, 6, 3), 11),
        end_reason_id=moved))
    services.run_transactions(as_of=JUNE_1)

    assert contribution.status == "cancelled"
    totals = {}
    for _, debtor, _, amount in lines(contribution):
        totals[debtor] = totals.get(debtor, 0) + amount
    assert totals == {"funder": 0, "person": 0}  # both sides of the contribution reversed with the service


def test_finance_officer_runs_the_jobs_from_the_screen_and_downloads_invoices(client, login_as, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    residential(setup, start=date(2025, 4, 7), person=make_person("Ada", "Lovelace"))
    login_as(*FINANCE)

    assert client.post("/care-contracts/finance/run/transactions").status_code == 302
    assert client.post("/care-contracts/finance/run/invoicing").status_code == 302

    runs = {run.job_name: run for run in db.session.scalars(select(JobRun))}
    assert runs["care_contracts.transactions"].status == "finished"
    assert runs["care_contracts.transactions"].result["transactions"] > 0
    assert runs["care_contracts.invoicing"].result["invoices"] > 0
    invoice = db.session.scalars(select(FinanceInvoice).order_by(FinanceInvoice.id)).first()
    page = client.get(f"/care-contracts/invoices/{invoice.id}").get_data(as_text=True)
    assert invoice.number in page and "Northshire County Council" in page
    assert "Ada Lovelace" in page  # a funder's invoice says whose care each line is for
    pdf = client.get(f"/care-contracts/invoices/{invoice.id}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "Ada Lovelace" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    csv_text = client.get(f"/care-contracts/invoices/ledger.csv?invoice={invoice.id}").get_data(as_text=True)
    header, first_line = csv_text.splitlines()[:2]
    assert header.startswith("invoice_number,issued,debtor")
    assert first_line.startswith(f"{invoice.number},") and "RES-OAK-NCC" in first_line
    assert ",Northshire County Council,funder," in first_line and ",Ada Lovelace," in first_line


def test_finance_screens_need_their_permissions(client, login_as):
    login_as("care_contracts.contract.view")
    assert client.get("/care-contracts/finance/").status_code == 403
    assert client.post("/care-contracts/finance/run/transactions").status_code == 403
    assert client.get("/care-contracts/invoices/").status_code == 403


def test_ledger_text_cannot_run_as_a_formula():
    assert services._safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert services._safe("RES-OAK") == "RES-OAK"


@pytest.mark.redis
def test_jobs_run_on_a_real_worker(act_as, db, run_jobs):
    setup = make_care_setup()
    act_as(*STAFF)
    residential(setup, start=date(2025, 4, 7))
    act_as(*FINANCE)
    run = services.start_finance_job(services.TRANSACTIONS_JOB)
    db.session.commit()  # the worker only sees committed runs

    run_jobs()

    db.session.expire_all()
    assert db.session.get(JobRun, run.id).status == "finished"
    assert db.session.scalar(select(func.count()).select_from(FinanceTransaction)) > 0
