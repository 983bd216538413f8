"""Demo payments: rates, settings and one confirmed run over the demo registers, with no duplicates on a re-run."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.security.demo import load_demo_users
from core.types import LONDON
from modules.attendance.models import BACS
from modules.attendance.payments import services, testing
from modules.attendance.payments.demo import load_demo_payments
from modules.attendance.payments.models import PaymentRate, PaymentRun

pytestmark = pytest.mark.modules("attendance")


def test_demo_confirms_one_run_over_the_marked_registers_and_runs_again_harmlessly(app, db):
    load_demo_users()
    today = datetime.now(LONDON).date()
    woodwork = testing.section()
    ada = testing.service_user("Ada", "Adeyemi")
    ben = testing.service_user("Ben", "Nwosu", method=BACS, sort_code="089999", account_number="66374958")
    for back in (9, 8, 2):
        testing.mark(ada, woodwork, today - timedelta(days=back))
    testing.mark(ben, woodwork, today - timedelta(days=8), "PM")
    testing.mark(ben, woodwork, today + timedelta(days=1), status="planned")
    load_demo_payments()
    load_demo_payments()
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentRate)) == 2
    run = db.session.scalars(db.select(PaymentRun)).one()
    assert run.status == "confirmed"
    assert (run.period_start, run.period_end) == (today - timedelta(days=9), today - timedelta(days=2))
    def rate(back):
        return services.rate_on(today - timedelta(days=back)).amount_pence

    assert run.half_days == 4 and run.total_pence == rate(9) + 2 * rate(8) + rate(2)
    assert run.bacs_total_pence == rate(8)
