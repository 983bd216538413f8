"""Attendance payments: rates, payment runs (calculated set-based, reviewed, confirmed and locked) and their files.

A paid half-day is one attended, or not attended for a reason flagged paid; it is paid at the rate in force on its
day. A run pays the paid half-days of its period, plus adjustments: for every half-day of a period an earlier run
confirmed, what is due now less what was paid, so a register corrected after payment is settled in the next run.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.audit import services as audit
from core.extensions import db
from core.permissions import acting_user, authorize
from core.types import LONDON, utcnow

from ..models import ATTENDED, BACS, CASH, NOT_ATTENDED, Attendance, NonAttendanceReason, ServiceUser
from . import bacs, bank_details, cash
from .models import (
    ADJUSTMENT,
    CONFIRMED,
    DRAFT,
    DUE,
    PaidDay,
    PaymentItem,
    PaymentLine,
    PaymentRate,
    PaymentRun,
    PaymentSettings,
)

VIEW = "attendance.payment.view"
MANAGE_RATES = "attendance.payment_rate.manage"
MANAGE_SETTINGS = "attendance.payment_settings.manage"
MANAGE_RUNS = "attendance.payment_run.manage"
CONFIRM = "attendance.payment_run.confirm"
EXPORT_BANK_CSV = "attendance.payment_export.bank_csv"
EXPORT_STANDARD18 = "attendance.payment_export.standard18"
EXPORT_CASH = "attendance.payment_export.cash"

#: a run covers at most this many days, so one mistyped year cannot pay a decade
MAX_PERIOD_DAYS = 366


class PaymentError(ValueError):
    """A payment change was refused; ``field`` names the form or API field at fault."""

    def __init__(self, message: str, field: str = "_request") -> None:
        super().__init__(message)
        self.field = field


def pounds(pence: int | None) -> str:
    """Pence as money on screen: £1,234.50, and -£3.00 for a deduction."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- settings ------------------------------------------------------------------------------------------------------


def get_settings() -> PaymentSettings:
    """The provider's payment settings, created with the defaults the first time they are read."""
    settings = db.session.get(PaymentSettings, 1)
    if settings is None:
        settings = PaymentSettings(id=1)
        db.session.add(settings)
        db.session.flush()
    return settings


def update_settings(*, originator_sort_code: str, originator_account_number: str, originator_name: str,
                    reference_prefix: str, denominations: str, csv_columns: list[str], csv_header: bool
                    ) -> PaymentSettings:
    """Change the originating account, the statement reference, the cash set and the bank CSV layout."""
    authorize(MANAGE_SETTINGS)
    settings = get_settings()
    if originator_sort_code or originator_account_number:
        try:
            details = bank_details.check(originator_sort_code, originator_account_number)
        except bank_details.BankDetailsError as exc:
            raise PaymentError(str(exc), f"originator_{exc.field}") from None
        settings.originator_sort_code, settings.originator_account_number = details.sort_code, details.account_number
    else:
        settings.originator_sort_code = settings.originator_account_number = ""
    name = bacs.bacs_text(originator_name, 18).strip()
    if (settings.originator_sort_code and not name) or (originator_name.strip() and not name):
        raise PaymentError("Enter the name on the provider's account, in letters and numbers", "originator_name")
    settings.originator_name = name
    prefix = bacs.bacs_text(reference_prefix, 12).strip()
    if not prefix:
        raise PaymentError("Enter a reference, in letters and numbers, such as ATTENDANCE", "reference_prefix")
    settings.reference_prefix = prefix
    try:
        values = cash.parse_denominations(denominations)
    except cash.CashError as exc:
        raise PaymentError(str(exc), "denominations") from None
    settings.denominations = ",".join(str(value) for value in values)
    try:
        bacs.check_csv_columns(csv_columns)
    except bacs.BacsError as exc:
        raise PaymentError(str(exc), "csv_columns") from None
    settings.csv_columns = ",".join(csv_columns)
    settings.csv_header = bool(csv_header)
    db.session.flush()
    return settings


# --- rates ---------------------------------------------------------------------------------------------------------


def rates() -> list[PaymentRate]:
    """Every rate, newest first."""
    return list(db.session.scalars(select(PaymentRate).order_by(PaymentRate.effective_from.desc())))


def rate_on(day: date) -> PaymentRate | None:
    """The rate in force on a day: the latest that started on or before it."""
    return db.session.scalars(
        select(PaymentRate).where(PaymentRate.effective_from <= day).order_by(PaymentRate.effective_from.desc())
    ).first()


def rate_on_today() -> PaymentRate | None:
    """The rate in force today (Europe/London)."""
    return rate_on(datetime.now(LONDON).date())


def _paid_days_governed_by(effective_from: date, exclude_id: int | None = None) -> date | None:
    """The first already-paid day whose rate would change if a rate started (or stopped starting) on this date."""
    later = select(func.min(PaymentRate.effective_from)).where(PaymentRate.effective_from > effective_from)
    if exclude_id is not None:
        later = later.where(PaymentRate.id != exclude_id)
    next_start = db.session.scalar(later)
    query = select(func.min(PaidDay.day)).where(PaidDay.day >= effective_from)
    if next_start is not None:
        query = query.where(PaidDay.day < next_start)
    return db.session.scalar(query)


def add_rate(effective_from: date | None, amount_pence: int | None, note: str = "") -> PaymentRate:
    """A new rate from a date; it cannot reach back into days a confirmed run has paid."""
    authorize(MANAGE_RATES)
    if effective_from is None:
        raise PaymentError("Enter the date the rate applies from", "effective_from")
    if amount_pence is None or amount_pence < 0:
        raise PaymentError("Enter the rate per half-day, in pounds and pence, like 5.50", "amount")
    if amount_pence > 100_000:
        raise PaymentError("The rate per half-day must be £1,000.00 or less", "amount")
    if db.session.scalar(select(PaymentRate.id).where(PaymentRate.effective_from == effective_from)):
        raise PaymentError(f"A rate already applies from {long_date(effective_from)}: remove it first, or choose "
                           "another date", "effective_from")
    paid = _paid_days_governed_by(effective_from)
    if paid is not None:
        raise PaymentError(f"{long_date(paid)} has already been paid, so a rate from {long_date(effective_from)} "
                           "would change what was paid: choose a date after the last paid period",
                           "effective_from")
    user = acting_user()
    rate = PaymentRate(effective_from=effective_from, amount_pence=amount_pence, note=(note or "").strip()[:200],
                       created_by_id=getattr(user, "id", None))
    db.session.add(rate)
    db.session.flush()
    return rate


def remove_rate(rate: PaymentRate) -> None:
    """Remove a rate no confirmed run has used."""
    authorize(MANAGE_RATES)
    paid = db.session.scalar(
        select(func.min(PaidDay.day)).where(PaidDay.day >= rate.effective_from).where(
            or_(
                ~select(PaymentRate.id).where(PaymentRate.effective_from > rate.effective_from).exists(),
                PaidDay.day < select(func.min(PaymentRate.effective_from))
                .where(PaymentRate.effective_from > rate.effective_from).scalar_subquery(),
            )
        )
    )
    if paid is not None:
        raise PaymentError(f"The rate from {long_date(rate.effective_from)} paid {long_date(paid)} in a confirmed run, "
                           "so it cannot be removed")
    db.session.delete(rate)
    db.session.flush()


# --- what is due: set-based selects --------------------------------------------------------------------------------


def _rate_periods():
    """Each rate with the first day of the next one (NULL for the latest): one row per stretch of days."""
    return select(
        PaymentRate.effective_from.label("starts"),
        func.lead(PaymentRate.effective_from).over(order_by=PaymentRate.effective_from).label("next_starts"),
        PaymentRate.amount_pence.label("rate_pence"),
    ).subquery("rate_period")


def _is_paid():
    return or_(Attendance.status == ATTENDED,
               and_(Attendance.status == NOT_ATTENDED, NonAttendanceReason.paid.is_(True)))


def paid_half_days(where):
    """Paid half-days matching ``where``, each with the rate in force on its day."""
    periods = _rate_periods()
    return (
        select(Attendance.service_user_id, Attendance.section_id, Attendance.day, Attendance.half,
               periods.c.rate_pence)
        .select_from(Attendance)
        .outerjoin(NonAttendanceReason, NonAttendanceReason.id == Attendance.reason_id)
        .join(periods, and_(Attendance.day >= periods.c.starts,
                            or_(periods.c.next_starts.is_(None), Attendance.day < periods.c.next_starts)))
        .where(_is_paid(), where)
    )


def _in_paid_period():
    return Attendance.day.in_(select(PaidDay.day))


def _first_day_without_rate(start: date, end: date) -> date | None:
    """The first paid half-day of the period (or of a paid period) that has no rate in force."""
    first_rate = select(func.min(PaymentRate.effective_from)).scalar_subquery()
    return db.session.scalar(
        select(func.min(Attendance.day))
        .outerjoin(NonAttendanceReason, NonAttendanceReason.id == Attendance.reason_id)
        .where(_is_paid(), or_(Attendance.day.between(start, end), _in_paid_period()),
               or_(first_rate.is_(None), Attendance.day < first_rate))
    )


def _adjustments():
    """For each half-day of an already-paid period whose due amount changed: the change, in pence."""
    due_now = paid_half_days(_in_paid_period()).subquery("due_now")
    confirmed_items = (
        select(PaymentItem.service_user_id, PaymentItem.section_id, PaymentItem.day, PaymentItem.half,
               (-PaymentItem.amount_pence).label("amount_pence"), literal(None).label("rate_pence"))
        .join(PaymentRun, PaymentRun.id == PaymentItem.run_id)
        .where(PaymentRun.status == CONFIRMED)
    )
    both = select(due_now.c.service_user_id, due_now.c.section_id, due_now.c.day, due_now.c.half,
                  due_now.c.rate_pence.label("amount_pence"), due_now.c.rate_pence).union_all(confirmed_items)
    both = both.subquery("both_sides")
    return (
        select(both.c.service_user_id, func.max(both.c.section_id).label("section_id"), both.c.day, both.c.half,
               func.max(both.c.rate_pence).label("rate_pence"), func.sum(both.c.amount_pence).label("amount_pence"))
        .group_by(both.c.service_user_id, both.c.day, both.c.half)
        .having(func.sum(both.c.amount_pence) != 0)
    )


# --- runs ----------------------------------------------------------------------------------------------------------


def runs() -> list[PaymentRun]:
    """Every payment run, latest period first."""
    return list(db.session.scalars(select(PaymentRun).order_by(PaymentRun.period_start.desc(), PaymentRun.id.desc())))


def runs_query(status: str | None = None):
    """A select of runs for the API, latest period first."""
    query = select(PaymentRun).order_by(PaymentRun.period_start.desc(), PaymentRun.id.desc())
    if status:
        query = query.where(PaymentRun.status == status)
    return query


def _check_period(start: date | None, end: date | None, payment_date: date | None) -> None:
    if start is None:
        raise PaymentError("Enter the first day of the period", "period_start")
    if end is None:
        raise PaymentError("Enter the last day of the period", "period_end")
    if end < start:
        raise PaymentError("The last day of the period must be the same as or after the first day", "period_end")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PaymentError(f"A payment run can cover at most {MAX_PERIOD_DAYS} days", "period_end")
    if payment_date is None:
        raise PaymentError("Enter the day the payments are made", "payment_date")
    paid = db.session.execute(
        select(PaidDay.day, PaymentRun).join(PaymentRun, PaymentRun.id == PaidDay.run_id)
        .where(PaidDay.day.between(start, end)).order_by(PaidDay.day).limit(1)
    ).first()
    if paid is not None:
        other = paid[1]
        raise PaymentError(
            f"{long_date(paid[0])} has already been paid by the confirmed run for {long_date(other.period_start)} to "
            f"{long_date(other.period_end)}: the same period cannot be paid twice", "period_start")


def create_run(period_start: date | None, period_end: date | None, payment_date: date | None) -> PaymentRun:
    """Calculate a draft run for a period that no confirmed run has paid."""
    authorize(MANAGE_RUNS)
    _check_period(period_start, period_end, payment_date)
    settings = get_settings()
    user = acting_user()
    run = PaymentRun(
        period_start=period_start, period_end=period_end, payment_date=payment_date, status=DRAFT,
        denominations=settings.denominations,
        reference=bacs.bacs_text(f"{settings.reference_prefix} {period_end:%b%y}", 18).strip(),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(run)
    db.session.flush()
    _calculate(run)
    audit.record("attendance.payment_run_calculated", "attendance_payment_run", run.id,
                 details={"period": f"{period_start}..{period_end}", "total_pence": run.total_pence})
    return run


def _require_draft(run: PaymentRun) -> None:
    if run.status != DRAFT:
        raise PaymentError(f"The run for {long_date(run.period_start)} to {long_date(run.period_end)} was confirmed "
                           f"on {run.confirmed_at:%d/%m/%Y} and is locked: corrections go in the next run")


def recalculate(run: PaymentRun) -> PaymentRun:
    """Recalculate a draft from the registers as they are now."""
    authorize(MANAGE_RUNS)
    _require_draft(run)
    settings = get_settings()
    run.denominations = settings.denominations
    _calculate(run)
    return run


def delete_run(run: PaymentRun) -> None:
    """Throw away a draft run."""
    authorize(MANAGE_RUNS)
    _require_draft(run)
    db.session.execute(delete(PaymentItem).where(PaymentItem.run_id == run.id))
    db.session.execute(delete(PaymentLine).where(PaymentLine.run_id == run.id))
    db.session.expire(run, ["lines"])
    db.session.delete(run)
    db.session.flush()


def _calculate(run: PaymentRun) -> None:
    """(Re)write the run's items and lines from the registers, rates and earlier confirmed runs, in a few statements."""
    missing = _first_day_without_rate(run.period_start, run.period_end)
    if missing is not None:
        raise PaymentError(f"No rate applies on {long_date(missing)}, which has a paid half-day: add a rate from that "
                           "day or earlier", "period_start")
    db.session.execute(delete(PaymentItem).where(PaymentItem.run_id == run.id))
    db.session.execute(delete(PaymentLine).where(PaymentLine.run_id == run.id))
    item_columns = ["run_id", "service_user_id", "section_id", "day", "half", "kind", "rate_pence", "amount_pence"]
    due = paid_half_days(Attendance.day.between(run.period_start, run.period_end)).subquery("due")
    db.session.execute(insert(PaymentItem).from_select(item_columns, select(
        literal(run.id), due.c.service_user_id, due.c.section_id, due.c.day, due.c.half, literal(DUE),
        due.c.rate_pence, due.c.rate_pence)))
    changes = _adjustments().subquery("changes")
    db.session.execute(insert(PaymentItem).from_select(item_columns, select(
        literal(run.id), changes.c.service_user_id, changes.c.section_id, changes.c.day, changes.c.half,
        literal(ADJUSTMENT), changes.c.rate_pence, changes.c.amount_pence)))
    _write_lines(run)
    # an overpayment bigger than this period's pay is not taken from nothing: it waits for the next run
    overpaid = db.session.execute(
        select(PaymentLine.service_user_id, PaymentLine.adjustment_pence)
        .where(PaymentLine.run_id == run.id, PaymentLine.total_pence < 0)
    ).all()
    if overpaid:
        ids = [row.service_user_id for row in overpaid]
        db.session.execute(delete(PaymentItem).where(PaymentItem.run_id == run.id, PaymentItem.kind == ADJUSTMENT,
                                                     PaymentItem.service_user_id.in_(ids)))
        for row in overpaid:
            db.session.execute(
                update(PaymentLine)
                .where(PaymentLine.run_id == run.id, PaymentLine.service_user_id == row.service_user_id)
                .values(adjustment_pence=0, total_pence=PaymentLine.amount_pence,
                        note=f"{pounds(-row.adjustment_pence)} overpaid in earlier runs is more than this period's "
                             "pay: it is carried to the next run"))
    _check_bank_details(run)
    totals = db.session.execute(
        select(func.coalesce(func.sum(PaymentLine.total_pence), 0),
               func.coalesce(func.sum(case((PaymentLine.method == BACS, PaymentLine.total_pence), else_=0)), 0),
               func.coalesce(func.sum(case((PaymentLine.method == CASH, PaymentLine.total_pence), else_=0)), 0),
               func.coalesce(func.sum(PaymentLine.adjustment_pence), 0),
               func.coalesce(func.sum(PaymentLine.half_days), 0))
        .where(PaymentLine.run_id == run.id)
    ).one()
    run.total_pence, run.bacs_total_pence, run.cash_total_pence, run.adjustment_total_pence, run.half_days = totals
    run.calculated_at = utcnow()
    db.session.flush()
    db.session.expire(run, ["lines"])


def _write_lines(run: PaymentRun) -> None:
    """One line per service user with items in the run, with the profile's payment method and bank details."""
    is_due = PaymentItem.kind == DUE
    is_bacs = ServiceUser.payment_method == BACS
    query = (
        select(literal(run.id), PaymentItem.service_user_id, ServiceUser.payment_method,
               func.sum(case((is_due, 1), else_=0)),
               func.sum(case((is_due, PaymentItem.amount_pence), else_=0)),
               func.sum(case((is_due, 0), else_=PaymentItem.amount_pence)),
               func.sum(PaymentItem.amount_pence),
               case((is_bacs, ServiceUser.bank_account_name), else_=""),
               case((is_bacs, ServiceUser.bank_sort_code), else_=""),
               case((is_bacs, ServiceUser.bank_account_number), else_=""),
               literal(""), literal(""), literal(""))
        .join(ServiceUser, ServiceUser.id == PaymentItem.service_user_id)
        .where(PaymentItem.run_id == run.id)
        .group_by(PaymentItem.service_user_id, ServiceUser.payment_method, ServiceUser.bank_account_name,
                  ServiceUser.bank_sort_code, ServiceUser.bank_account_number)
    )
    db.session.execute(insert(PaymentLine).from_select(
        ["run_id", "service_user_id", "method", "half_days", "amount_pence", "adjustment_pence", "total_pence",
         "account_name", "sort_code", "account_number", "bank_problem", "bank_warning", "note"], query))


def _check_bank_details(run: PaymentRun) -> None:
    """Mark BACS lines whose details cannot be paid (a problem) or fail the modulus check (a warning)."""
    rows = db.session.execute(
        select(PaymentLine.id, PaymentLine.account_name, PaymentLine.sort_code, PaymentLine.account_number)
        .where(PaymentLine.run_id == run.id, PaymentLine.method == BACS, PaymentLine.total_pence > 0)
    ).all()
    changes = []
    for row in rows:
        problem = warning = ""
        try:
            details = bank_details.check(row.sort_code, row.account_number)
            warning = details.warning or ""
        except bank_details.BankDetailsError as exc:
            problem = f"{exc}: fix the bank details on their profile, or pay them in cash"
        if not problem and not bacs.bacs_text(row.account_name, 18).strip():
            problem = "Enter the name on their bank account on their profile, or pay them in cash"
        if problem or warning:
            changes.append({"line_id": row.id, "problem": problem, "warning": warning})
    if changes:
        from sqlalchemy import bindparam

        db.session.connection().execute(
            update(PaymentLine.__table__).where(PaymentLine.__table__.c.id == bindparam("line_id"))
            .values(bank_problem=bindparam("problem"), bank_warning=bindparam("warning")),
            changes,
        )


def _snapshot(run: PaymentRun) -> set[tuple]:
    return set(db.session.execute(
        select(PaymentLine.service_user_id, PaymentLine.method, PaymentLine.half_days, PaymentLine.amount_pence,
               PaymentLine.adjustment_pence, PaymentLine.account_name, PaymentLine.sort_code,
               PaymentLine.account_number).where(PaymentLine.run_id == run.id)
    ).all())


def confirm(run: PaymentRun) -> PaymentRun:
    """Lock a reviewed draft: nothing later changes what it pays, and no other run can pay its days."""
    authorize(CONFIRM)
    _require_draft(run)
    # one confirmation at a time, so two runs cannot both settle the same correction
    db.session.execute(select(PaymentSettings.id).where(PaymentSettings.id == get_settings().id).with_for_update())
    _check_period(run.period_start, run.period_end, run.payment_date)
    reviewed = _snapshot(run)
    _calculate(run)
    if _snapshot(run) != reviewed:
        raise PaymentError("The registers, rates or bank details changed since this run was calculated. It has been "
                           "recalculated: review it again before confirming")
    problems = db.session.scalar(
        select(func.count()).select_from(PaymentLine).where(PaymentLine.run_id == run.id, PaymentLine.bank_problem != "")
    )
    if problems:
        raise PaymentError(f"{problems} BACS payment{'s' if problems != 1 else ''} cannot be made as the bank details "
                           "stand: fix them or pay in cash, then recalculate")
    settings = get_settings()
    if run.bacs_total_pence and not (settings.originator_sort_code and settings.originator_account_number
                                     and settings.originator_name):
        raise PaymentError("Enter the provider's own sort code, account number and account name in payment settings "
                           "before confirming a run with BACS payments")
    user = acting_user()
    run.status = CONFIRMED
    run.confirmed_at = utcnow()
    run.confirmed_by_id = getattr(user, "id", None)
    days = [{"day": run.period_start + timedelta(days=offset), "run_id": run.id}
            for offset in range((run.period_end - run.period_start).days + 1)]
    try:
        with db.session.begin_nested():
            db.session.execute(insert(PaidDay), days)
    except IntegrityError:
        raise PaymentError("Another run paying some of these days was confirmed at the same time: the same period "
                           "cannot be paid twice") from None
    db.session.flush()
    audit.record("attendance.payment_run_confirmed", "attendance_payment_run", run.id,
                 details={"period": f"{run.period_start}..{run.period_end}", "total_pence": run.total_pence,
                          "bacs_total_pence": run.bacs_total_pence, "cash_total_pence": run.cash_total_pence})
    return run


# --- reading a run -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """One cash recipient's envelope: who, how much, and the notes and coins that make it up."""

    line: PaymentLine
    pieces: dict[int, int]


def lines(run: PaymentRun, method: str | None = None) -> list[PaymentLine]:
    """The run's lines in name order."""
    from core.people.models import Person

    query = (select(PaymentLine).join(ServiceUser, ServiceUser.id == PaymentLine.service_user_id)
             .join(Person, Person.id == ServiceUser.person_id)
             .where(PaymentLine.run_id == run.id)
             .order_by(Person.last_name, Person.first_names, PaymentLine.id))
    if method:
        query = query.where(PaymentLine.method == method)
    return list(db.session.scalars(query))


def confirmed_lines_of(service_user_id: int) -> list[PaymentLine]:
    """What a service user was paid in confirmed runs, latest first."""
    return list(db.session.scalars(
        select(PaymentLine).join(PaymentRun, PaymentRun.id == PaymentLine.run_id)
        .where(PaymentLine.service_user_id == service_user_id, PaymentRun.status == CONFIRMED)
        .order_by(PaymentRun.payment_date.desc())
    ))


def lines_query(run: PaymentRun):
    return select(PaymentLine).where(PaymentLine.run_id == run.id).order_by(PaymentLine.id)


def items(run: PaymentRun, service_user_id: int) -> list[PaymentItem]:
    """The half-days behind one service user's line: due ones, then adjustments, in date order."""
    return list(db.session.scalars(
        select(PaymentItem).where(PaymentItem.run_id == run.id, PaymentItem.service_user_id == service_user_id)
        .order_by(PaymentItem.kind.desc(), PaymentItem.day, PaymentItem.half)
    ))


def envelopes(run: PaymentRun) -> list[Envelope]:
    """Every cash recipient paid something, with the fewest notes and coins of the run's set."""
    paid = [line for line in lines(run, CASH) if line.total_pence > 0]
    pieces = cash.breakdowns([line.total_pence for line in paid], run.denomination_values)
    return [Envelope(line, breakdown) for line, breakdown in zip(paid, pieces, strict=True)]


def bank_order(run: PaymentRun) -> dict[int, int]:
    """How many of each note and coin to order from the bank for the run's envelopes."""
    return cash.bank_order(envelope.pieces for envelope in envelopes(run))


def _bacs_payments(run: PaymentRun) -> list[bacs.Payment]:
    return [
        bacs.Payment(sort_code=line.sort_code, account_number=line.account_number, account_name=line.account_name,
                     amount_pence=line.total_pence, reference=run.reference, payee=line.service_user.name)
        for line in lines(run, BACS) if line.total_pence > 0
    ]


def _require_confirmed(run: PaymentRun) -> None:
    if run.status != CONFIRMED:
        raise PaymentError("Confirm the run before downloading its payment files, so only locked amounts are paid")


def file_name(run: PaymentRun, kind: str, extension: str) -> str:
    return f"attendance-payments-{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}-{kind}.{extension}"


def export_bank_csv(run: PaymentRun) -> bytes:
    """The run's BACS payments as a bank-upload CSV in the settings' columns, audited."""
    authorize(EXPORT_BANK_CSV)
    _require_confirmed(run)
    settings = get_settings()
    payments = _bacs_payments(run)
    data = bacs.bank_csv(payments, settings.csv_columns.split(","), header=settings.csv_header,
                         payment_date=run.payment_date)
    audit.record_export("attendance.payment_run.bank_csv", "csv",
                        details={"run_id": run.id, "rows": len(payments), "total_pence": run.bacs_total_pence})
    return data


def export_standard18(run: PaymentRun) -> bytes:
    """The run's BACS payments as Standard 18 credit records from the provider's account, audited."""
    authorize(EXPORT_STANDARD18)
    _require_confirmed(run)
    settings = get_settings()
    originator = bacs.Originator(settings.originator_sort_code, settings.originator_account_number,
                                 settings.originator_name)
    payments = _bacs_payments(run)
    try:
        data = bacs.standard18_file(payments, originator)
    except bacs.BacsError as exc:
        raise PaymentError(f"{exc} Check payment settings.") from None
    audit.record_export("attendance.payment_run.standard18", "bacs18",
                        details={"run_id": run.id, "rows": len(payments), "total_pence": run.bacs_total_pence})
    return data


def export_cash(run: PaymentRun) -> bytes:
    """The envelopes (one row each, a column per note and coin) and the bank order as a CSV, audited."""
    authorize(EXPORT_CASH)
    _require_confirmed(run)
    values = run.denomination_values
    made_up = envelopes(run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Service user", "Amount", *(cash.label(value) for value in values)])
    for envelope in made_up:
        name = envelope.line.service_user.name
        name = "'" + name if name[:1] in ("=", "+", "-", "@") else name
        writer.writerow([name, f"{envelope.line.total_pence / 100:.2f}",
                         *(envelope.pieces.get(value, 0) for value in values)])
    order = cash.bank_order(envelope.pieces for envelope in made_up)
    writer.writerow(["Bank order", f"{run.cash_total_pence / 100:.2f}", *(order.get(value, 0) for value in values)])
    audit.record_export("attendance.payment_run.cash", "csv",
                        details={"run_id": run.id, "rows": len(made_up), "total_pence": run.cash_total_pence})
    return out.getvalue().encode("utf-8")


def record_envelopes_printed(run: PaymentRun) -> None:
    """Audit the print view of the envelopes, which shows every cash recipient and amount."""
    authorize(EXPORT_CASH)
    _require_confirmed(run)
    audit.record_export("attendance.payment_run.envelopes", "print", details={"run_id": run.id})
