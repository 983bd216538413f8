"""Demo payments: two dated rates, the provider's bank account, and one confirmed payment run over the demo registers."""

from __future__ import annotations

from contextlib import contextmanager, suppress
from datetime import date, datetime

from flask import g
from sqlalchemy import func, select

from core.extensions import db
from core.security import services as security
from core.types import LONDON

from ..models import PLANNED, Attendance
from . import services
from .models import PaymentRate, PaymentRun

#: made-up details: Vocalink's own worked example account, so the modulus check passes
PROVIDER_ACCOUNT = ("089999", "66374958", "RIVERSIDE DAY SVCS")


@contextmanager
def _as(email: str):
    # services check permissions and record who acted: the demo acts as a named demo user
    previous = g.get("ppp_actor")
    g.ppp_actor = security.get_user_by_email(email)
    try:
        yield g.ppp_actor
    finally:
        g.ppp_actor = previous


def load_demo_payments() -> None:
    """Rates from April 2025 and April 2026, settings, and a confirmed run for the marked registers up to yesterday."""
    today = datetime.now(LONDON).date()
    settings = services.get_settings()
    if not settings.originator_sort_code:
        # settings are an administrator's to change; the demo writes them as a fixture would
        settings.originator_sort_code, settings.originator_account_number, settings.originator_name = PROVIDER_ACCOUNT
        db.session.flush()
    with _as("finance@example.org") as finance:
        if finance is None:
            return
        for starts, pence, note in ((date(2025, 4, 1), 400, "Agreed by the trustees"),
                                    (date(2026, 4, 1), 450, "Annual review")):
            if starts <= today and db.session.scalar(select(PaymentRate.id).where(PaymentRate.effective_from == starts)) is None:
                services.add_rate(starts, pence, note)
        if db.session.scalar(select(func.count()).select_from(PaymentRun)):
            return
        first, last = db.session.execute(
            select(func.min(Attendance.day), func.max(Attendance.day))
            .where(Attendance.status != PLANNED, Attendance.day < today)
        ).one()
        if first is None:
            return
        run = services.create_run(first, last, last)
        # e.g. a demo service user paid by BACS without bank details: the draft is kept and shows why
        with suppress(services.PaymentError):
            services.confirm(run)
