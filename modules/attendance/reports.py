"""The quarterly funder report: who the service users are, who started and moved on, how well they attended.

Funders (NHS integrated care boards, councils, trusts) ask a day service each quarter for demographic breakdowns of
the service users it worked with, the numbers starting, leaving and moving on to work or training, and attendance.
``funder_quarter_figures`` works the figures out with a handful of set-based queries (never one per service user);
``funder_quarterly`` lays them out as the core report machinery's tables (screen, PDF and Excel), and the API
(``reports_api``) returns the same figures as JSON.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from core.extensions import db
from core.lookups import services as lookups
from core.lookups.models import LookupValue
from core.people.models import Person, PersonAddress
from core.places.models import Place
from core.plugins import Permission, ReportColumn, ReportResult, ReportSpec, ReportTable
from core.reports.forms import ReportForm
from core.types import LONDON

from .models import (
    ATTENDED,
    NOT_ATTENDED,
    PLANNED,
    REVIEW,
    Attendance,
    Meeting,
    NonAttendanceReason,
    Premises,
    Section,
    ServiceUser,
)

NAME = "attendance.funder_quarterly"
#: needed to run the report on screen and to read its figures through the API
PERMISSION = "attendance.funder_report.view"
FUNDER_LIST = "attendance.funder"
PAID_EMPLOYMENT, TRAINING = "paid_employment", "training_or_education"
NOT_RECORDED = "Not recorded"

#: age bands funders ask for, as (label, lowest age, highest age); ages are taken on the last day of the quarter
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("Under 16", 0, 15),
    ("16 to 24", 16, 24),
    ("25 to 34", 25, 34),
    ("35 to 49", 35, 49),
    ("50 to 64", 50, 64),
    ("65 and over", 65, None),
)

QUARTER_HINT = "For example, 2026/27 Q2 for July to September 2026 (financial year), or 2026 Q3 (calendar year)"
_FINANCIAL = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE | re.ASCII)
_CALENDAR = re.compile(r"^(?:(\d{4})\s*-?\s*Q([1-4])|Q([1-4])\s*-?\s*(\d{4}))$", re.IGNORECASE | re.ASCII)


def today() -> date:
    """Today in London; figures never count half-days or review dates still to come."""
    return datetime.now(LONDON).date()


# --- quarters ----------------------------------------------------------------------------------------------------


class QuarterError(ValueError):
    """A quarter that cannot be read, with a message saying how to write one."""


@dataclass(frozen=True)
class Quarter:
    """Three months: a quarter of a financial year (April to March, as NHS and council funders use) or a calendar year."""

    #: the calendar year, or the year a financial year starts in (2026 for 2026/27)
    year: int
    number: int
    financial: bool

    @property
    def start(self) -> date:
        month = 3 * self.number - 2 + (3 if self.financial else 0)
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        following = 3 * self.number + 1 + (3 if self.financial else 0)
        year, month = self.year + (following - 1) // 12, (following - 1) % 12 + 1
        return date.fromordinal(date(year, month, 1).toordinal() - 1)

    @property
    def code(self) -> str:
        """How it is written: "2026/27 Q2" for a financial year, "2026 Q3" for a calendar year."""
        if self.financial:
            return f"{self.year}/{(self.year + 1) % 100:02d} Q{self.number}"
        return f"{self.year} Q{self.number}"

    @property
    def description(self) -> str:
        """The quarter as people read it, with its days."""
        basis = "financial year April to March" if self.financial else "calendar year"
        return f"{self.code}: {self.start:%-d %B %Y} to {self.end:%-d %B %Y} ({basis})"


def parse_quarter(text: str | None) -> Quarter:
    """Read "2026/27 Q2" (financial year) or "2026 Q3" / "Q3 2026" (calendar year); QuarterError otherwise."""
    text = " ".join((text or "").split())
    if not text:
        raise QuarterError("Enter a quarter, like 2026/27 Q2 or 2026 Q3")
    financial = _FINANCIAL.match(text)
    if financial:
        first, second, number = int(financial.group(1)), financial.group(2), int(financial.group(3))
        if int(second) != (first + 1) % (100 if len(second) == 2 else 10000):
            raise QuarterError(f"A financial year is two years in a row, like {first}/{(first + 1) % 100:02d}")
        quarter = Quarter(first, number, True)
    else:
        calendar = _CALENDAR.match(text)
        if not calendar:
            raise QuarterError("Enter a quarter like 2026/27 Q2 (financial year) or 2026 Q3 (calendar year)")
        year = int(calendar.group(1) or calendar.group(4))
        quarter = Quarter(year, int(calendar.group(2) or calendar.group(3)), False)
    if not 2000 <= quarter.year <= 2099:
        raise QuarterError("Enter a quarter between 2000 and 2099")
    return quarter


def check_started(quarter: Quarter, on: date | None = None) -> Quarter:
    """The quarter, if it has begun by ``on`` (default today); QuarterError for one still to come."""
    if quarter.start > (on or today()):
        raise QuarterError(f"{quarter.code} has not started yet: choose a quarter that has")
    return quarter


def last_complete_quarter(day: date) -> Quarter:
    """The most recent financial-year quarter that ended before ``day``: what a funder is usually sent."""
    months = day.year * 12 + day.month - 1 - 3  # months since year 0, counted from April
    current = Quarter(months // 12, (months % 12) // 3 + 1, True)
    previous = current.number - 1 or 4
    return Quarter(current.year - (1 if previous == 4 else 0), previous, True)


# --- the figures -------------------------------------------------------------------------------------------------


@dataclass
class Breakdown:
    """Active and new service users per group of one demographic characteristic, in the order to show them."""

    title: str
    #: (group, active service users, new service users)
    groups: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class SectionAttendance:
    """Half-days in one section over the quarter (up to today), by what happened to them."""

    section: str
    planned: int = 0
    attended: int = 0
    paid_absence: int = 0
    unpaid_absence: int = 0
    not_marked: int = 0
    unplanned: int = 0

    def add(self, other: SectionAttendance) -> None:
        for name in ("planned", "attended", "paid_absence", "unpaid_absence", "not_marked", "unplanned"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def rate(self) -> float | None:
        """Attended planned half-days as a fraction of planned half-days."""
        return self.attended / self.planned if self.planned else None

    @property
    def rate_with_paid_absence(self) -> float | None:
        """As ``rate``, counting half-days missed for a paid reason as attended."""
        return (self.attended + self.paid_absence) / self.planned if self.planned else None


@dataclass
class FunderQuarterFigures:
    """Everything the quarterly funder report shows, for one quarter and one funder (or all)."""

    quarter: Quarter
    funder: LookupValue | None
    #: the last day counted: the quarter's end, or yesterday while the quarter is still running
    counted_to: date
    active: int = 0
    referred: int = 0
    new: int = 0
    left: int = 0
    #: leavers by move-on outcome: (code, label) -> number; (None, "Not recorded") for leavers without one
    outcomes: dict[tuple[str | None, str], int] = field(default_factory=dict)
    #: days from referral to start, for each service user who started in the quarter
    waits: list[int] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    #: active, new and leavers per funder (only when the report covers all funders)
    by_funder: list[tuple[str, int, int, int]] = field(default_factory=list)
    sections: list[SectionAttendance] = field(default_factory=list)
    #: (reason, paid, half-days)
    reasons: list[tuple[str, bool, int]] = field(default_factory=list)
    reviews_due: int = 0
    reviews_on_time: int = 0

    @property
    def moved_to_employment(self) -> int:
        return sum(count for (code, _label), count in self.outcomes.items() if code == PAID_EMPLOYMENT)

    @property
    def moved_to_training(self) -> int:
        return sum(count for (code, _label), count in self.outcomes.items() if code == TRAINING)

    @property
    def attendance(self) -> SectionAttendance:
        """Half-days over every section."""
        total = SectionAttendance("All sections")
        for section in self.sections:
            total.add(section)
        return total

    @property
    def average_attended(self) -> float | None:
        """Half-days attended (planned or not) per active service user."""
        attendance = self.attendance
        return (attendance.attended + attendance.unplanned) / self.active if self.active else None

    @property
    def average_wait(self) -> float | None:
        """Mean days from referral to starting, over the service users who started in the quarter."""
        return sum(self.waits) / len(self.waits) if self.waits else None


def _fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def age_band(born: date | None, on: date) -> str:
    """The age band of someone born on ``born`` on the day ``on``; "Not recorded" without a date of birth."""
    if born is None:
        return NOT_RECORDED
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for label, lowest, highest in AGE_BANDS:
        if age >= lowest and (highest is None or age <= highest):
            return label
    return NOT_RECORDED


def postcode_district(postcode: str | None) -> str:
    """The outward code of a normalised postcode ("TE1 2AB" is in TE1); "Not recorded" without one."""
    if not postcode or not postcode.strip():
        return NOT_RECORDED
    return postcode.split()[0].upper()


def _district_key(district: str) -> tuple:
    # TE1, TE2, TE10 in that order; "Not recorded" last
    match = re.match(r"^([A-Z]+)(\d+)(.*)$", district)
    if district == NOT_RECORDED or not match:
        return (1, district, 0, "")
    return (0, match.group(1), int(match.group(2)), match.group(3))


def funder_choices() -> list[tuple[str, str]]:
    """The funders to choose from, by code, including those no longer used (reports on old quarters need them)."""
    return [
        (value.code, value.label if value.active else f"{value.label} (no longer used)")
        for value in lookups.values(FUNDER_LIST, include_inactive=True)
    ]


def find_funder(code: str | None) -> LookupValue | None:
    """The funder with that code, None for all funders; KeyError for a code the funders list does not have."""
    if not code:
        return None
    return lookups.value(FUNDER_LIST, code)


def _in_scope(query, funder: LookupValue | None):
    return query.where(ServiceUser.funder_id == funder.id) if funder is not None else query


def _people_rows(quarter: Quarter, funder: LookupValue | None) -> list[Any]:
    """One row per service user referred, active, starting or leaving in the quarter, with their demographics."""
    start, end = quarter.start, quarter.end
    gender, ethnicity, disability = aliased(LookupValue), aliased(LookupValue), aliased(LookupValue)
    outcome, funder_value, address_type = aliased(LookupValue), aliased(LookupValue), aliased(LookupValue)

    # the home address on the last day the service user was with us in the quarter (its end, or the day they left)
    as_at = case((and_(ServiceUser.end_date.is_not(None), ServiceUser.end_date < end), ServiceUser.end_date),
                 else_=literal(end))
    homes = (
        select(
            ServiceUser.id.label("service_user_id"),
            Place.postcode.label("postcode"),
            func.row_number().over(
                partition_by=ServiceUser.id,
                order_by=(PersonAddress.start_date.is_(None), PersonAddress.start_date.desc(), PersonAddress.id.desc()),
            ).label("rank"),
        )
        .join(PersonAddress, PersonAddress.person_id == ServiceUser.person_id)
        .join(address_type, address_type.id == PersonAddress.address_type_id)
        .join(Place, Place.id == PersonAddress.place_id)
        .where(
            address_type.list_code == "people.address_type", address_type.code == "home",
            or_(PersonAddress.start_date.is_(None), PersonAddress.start_date <= as_at),
            or_(PersonAddress.end_date.is_(None), PersonAddress.end_date >= as_at),
        )
    )
    homes = _in_scope(homes, funder).subquery()

    query = (
        select(
            ServiceUser.referral_date, ServiceUser.start_date, ServiceUser.end_date,
            outcome.code, outcome.label, funder_value.label, funder_value.sort_order,
            Person.date_of_birth,
            gender.label, gender.sort_order, ethnicity.label, ethnicity.sort_order,
            disability.label, disability.sort_order, homes.c.postcode,
        )
        .join(Person, Person.id == ServiceUser.person_id)
        .outerjoin(gender, gender.id == Person.gender_id)
        .outerjoin(ethnicity, ethnicity.id == Person.ethnicity_id)
        .outerjoin(disability, disability.id == Person.disability_id)
        .outerjoin(outcome, outcome.id == ServiceUser.move_on_outcome_id)
        .outerjoin(funder_value, funder_value.id == ServiceUser.funder_id)
        .outerjoin(homes, and_(homes.c.service_user_id == ServiceUser.id, homes.c.rank == 1))
        .where(
            or_(
                ServiceUser.referral_date.between(start, end),
                and_(
                    ServiceUser.start_date.is_not(None), ServiceUser.start_date <= end,
                    or_(ServiceUser.end_date.is_(None), ServiceUser.end_date >= start),
                ),
            )
        )
    )
    return list(db.session.execute(_in_scope(query, funder)))


def _count_people(figures: FunderQuarterFigures, rows: list[Any]) -> None:
    start, end = figures.quarter.start, figures.quarter.end
    dimensions = {"Age band": Counter(), "Gender": Counter(), "Ethnic group": Counter(), "Disability": Counter(),
                  "Area (postcode district)": Counter()}
    new_in = {title: Counter() for title in dimensions}
    order: dict[str, dict[str, tuple]] = defaultdict(dict)
    funders: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    funder_order: dict[str, tuple] = {}
    outcomes: Counter = Counter()
    for (referred_on, started_on, left_on, outcome_code, outcome_label, funder_label, funder_sort, born,
         gender, gender_sort, ethnicity, ethnicity_sort, disability, disability_sort, postcode) in rows:
        if start <= referred_on <= end:
            figures.referred += 1
        if started_on is None or started_on > end or (left_on is not None and left_on < start):
            continue  # referred in the quarter but not (yet) attending
        figures.active += 1
        is_new = start <= started_on <= end
        funder_label = funder_label or NOT_RECORDED
        funder_order[funder_label] = (funder_sort is None, funder_sort or 0, funder_label)
        funders[funder_label][0] += 1
        if is_new:
            figures.new += 1
            figures.waits.append((started_on - referred_on).days)
            funders[funder_label][1] += 1
        if left_on is not None and left_on <= end:
            figures.left += 1
            funders[funder_label][2] += 1
            outcomes[(outcome_code, outcome_label or NOT_RECORDED)] += 1
        groups = {
            "Age band": (age_band(born, end), None),
            "Gender": (gender or NOT_RECORDED, gender_sort),
            "Ethnic group": (ethnicity or NOT_RECORDED, ethnicity_sort),
            "Disability": (disability or NOT_RECORDED, disability_sort),
            "Area (postcode district)": (postcode_district(postcode), None),
        }
        for title, (group, sort_order) in groups.items():
            dimensions[title][group] += 1
            if is_new:
                new_in[title][group] += 1
            order[title][group] = (group == NOT_RECORDED, sort_order or 0, group)

    bands = [label for label, _lowest, _highest in AGE_BANDS] + [NOT_RECORDED]
    for title, counts in dimensions.items():
        if title == "Age band":
            keys = [band for band in bands if counts[band]]
        elif title.startswith("Area"):
            keys = sorted(counts, key=_district_key)
        else:
            keys = sorted(counts, key=lambda group, title=title: order[title][group])
        figures.breakdowns.append(Breakdown(title, [(key, counts[key], new_in[title][key]) for key in keys]))
    figures.outcomes = dict(sorted(outcomes.items(), key=lambda item: (item[0][0] is None, -item[1], item[0][1])))
    if figures.funder is None:
        figures.by_funder = [(label, *funders[label]) for label in sorted(funders, key=funder_order.__getitem__)]


def _count_attendance(figures: FunderQuarterFigures) -> None:
    """Half-days in the quarter up to the last day counted, per section and per non-attendance reason."""
    query = (
        select(
            Section.id, Section.name, Premises.name, Attendance.status, Attendance.planned,
            NonAttendanceReason.label, NonAttendanceReason.paid, NonAttendanceReason.sort_order,
            func.count(Attendance.id),
        )
        .join(ServiceUser, ServiceUser.id == Attendance.service_user_id)
        .join(Section, Section.id == Attendance.section_id)
        .join(Premises, Premises.id == Section.premises_id)
        .outerjoin(NonAttendanceReason, NonAttendanceReason.id == Attendance.reason_id)
        .where(Attendance.day.between(figures.quarter.start, figures.counted_to))
        .group_by(Section.id, Section.name, Premises.name, Attendance.status, Attendance.planned,
                  NonAttendanceReason.id, NonAttendanceReason.label, NonAttendanceReason.paid,
                  NonAttendanceReason.sort_order)
    )
    sections: dict[int, SectionAttendance] = {}
    reasons: dict[tuple, int] = Counter()
    for (section_id, section, premises, status, planned, reason, paid, reason_sort,
         count) in db.session.execute(_in_scope(query, figures.funder)):
        row = sections.setdefault(section_id, SectionAttendance(f"{section}, {premises}"))
        if not planned:
            if status == ATTENDED:
                row.unplanned += count
            continue
        row.planned += count
        if status == ATTENDED:
            row.attended += count
        elif status == PLANNED:
            row.not_marked += count
        elif status == NOT_ATTENDED:
            if paid:
                row.paid_absence += count
            else:
                row.unpaid_absence += count
            reasons[(reason_sort or 0, reason or NOT_RECORDED, bool(paid))] += count
    figures.sections = sorted(sections.values(), key=lambda row: row.section)
    figures.reasons = [(label, paid, count) for (_sort, label, paid), count in sorted(reasons.items())]


def _count_reviews(figures: FunderQuarterFigures) -> None:
    """Review dates falling in the quarter (up to the last day counted), and how many a review met in time."""
    review = aliased(Meeting)
    held_in_time = exists().where(
        review.service_user_id == Meeting.service_user_id, review.kind == REVIEW,
        review.held_on > Meeting.held_on, review.held_on <= Meeting.next_review_on,
    )
    query = (
        select(func.count(Meeting.id), func.coalesce(func.sum(case((held_in_time, 1), else_=0)), 0))
        .join(ServiceUser, ServiceUser.id == Meeting.service_user_id)
        .where(
            Meeting.next_review_on.between(figures.quarter.start, figures.counted_to),
            ServiceUser.start_date.is_not(None),
            or_(ServiceUser.end_date.is_(None), ServiceUser.end_date >= Meeting.next_review_on),
        )
    )
    due, on_time = db.session.execute(_in_scope(query, figures.funder)).one()
    figures.reviews_due, figures.reviews_on_time = int(due or 0), int(on_time or 0)


def funder_quarter_figures(quarter: Quarter, funder: LookupValue | None, on: date | None = None) -> FunderQuarterFigures:
    """The report's figures for a quarter and a funder (None for all), run on the day ``on`` (default today).

    Half-days and review dates are counted up to the day before ``on`` while the quarter runs: today's registers
    may not be marked yet.
    """
    counted_to = min(quarter.end, date.fromordinal((on or today()).toordinal() - 1))
    figures = FunderQuarterFigures(quarter, funder, counted_to)
    _count_people(figures, _people_rows(quarter, funder))
    if counted_to >= quarter.start:
        _count_attendance(figures)
        _count_reviews(figures)
    return figures


# --- the report ---------------------------------------------------------------------------------------------------


class FunderField(SelectField):
    """The funders list as a select, with a GOV.UK message for a value not on it."""

    def pre_validate(self, form) -> None:
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError("Choose a funder from the list, or All funders")


class FunderQuarterlyForm(ReportForm):
    """Which quarter and which funder."""

    quarter = StringField(
        "Quarter", widget=GovTextInput(), description=QUARTER_HINT,
        default=lambda: last_complete_quarter(today()).code,
        validators=[InputRequired(message="Enter a quarter, like 2026/27 Q2 or 2026 Q3")],
    )
    funder = FunderField("Funder", widget=GovSelect(), choices=[], default="")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.funder.choices = [("", "All funders"), *funder_choices()]

    def validate_quarter(self, quarter_field) -> None:
        try:
            check_started(parse_quarter(quarter_field.data))
        except QuarterError as exc:
            raise ValidationError(str(exc)) from exc


def _breakdown_table(breakdown: Breakdown, active: int, new: int) -> ReportTable:
    return ReportTable(
        f"Service users by {breakdown.title[0].lower()}{breakdown.title[1:]}",
        [ReportColumn(breakdown.title), ReportColumn("Active service users", "integer"),
         ReportColumn("Share of active service users", "percent"), ReportColumn("New service users", "integer")],
        [(group, count, _fraction(count, active), started) for group, count, started in breakdown.groups],
        totals=("All service users", active, 1.0 if active else None, new),
    )


def build_result(figures: FunderQuarterFigures) -> ReportResult:
    """The figures as report tables, in the order a funder reads them."""
    quarter, attendance = figures.quarter, figures.attendance
    moved_on = figures.moved_to_employment + figures.moved_to_training
    count_columns = [ReportColumn("Measure"), ReportColumn("Service users", "integer"),
                     ReportColumn("Share of active service users", "percent")]
    tables = [
        ReportTable(
            "Key performance indicators",
            [ReportColumn("Indicator"), ReportColumn("Number", "integer"), ReportColumn("Out of", "integer"),
             ReportColumn("Rate", "percent")],
            [
                ("Attendance rate: planned half-days attended", attendance.attended, attendance.planned,
                 attendance.rate),
                ("Attendance rate counting paid non-attendance", attendance.attended + attendance.paid_absence,
                 attendance.planned, attendance.rate_with_paid_absence),
                ("Leavers moving on to paid employment or training", moved_on, figures.left,
                 _fraction(moved_on, figures.left)),
                ("Reviews held on time", figures.reviews_on_time, figures.reviews_due,
                 _fraction(figures.reviews_on_time, figures.reviews_due)),
            ],
            note="A review is on time when a review meeting is held after the meeting that set its date and on or "
                 "before that date; a review date counts once it has passed.",
        ),
        ReportTable(
            "Service users",
            count_columns,
            [
                ("Active in the quarter", figures.active, 1.0 if figures.active else None),
                ("New: started in the quarter", figures.new, _fraction(figures.new, figures.active)),
                ("Left in the quarter", figures.left, _fraction(figures.left, figures.active)),
                ("Moved on to paid employment", figures.moved_to_employment,
                 _fraction(figures.moved_to_employment, figures.active)),
                ("Moved on to further training or education", figures.moved_to_training,
                 _fraction(figures.moved_to_training, figures.active)),
                ("Referred in the quarter", figures.referred, None),
            ],
            note="Active: started on or before the quarter's last day and not left before its first day. Moving on "
                 "is counted by the day a service user left, with the outcome recorded when they left.",
        ),
        ReportTable(
            "Averages",
            [ReportColumn("Measure"), ReportColumn("Average", "number")],
            [
                ("Half-days attended per active service user", figures.average_attended),
                ("Days from referral to start, for new service users", figures.average_wait),
            ],
        ),
        ReportTable(
            "Move-on outcomes of leavers",
            [ReportColumn("Outcome"), ReportColumn("Leavers", "integer"), ReportColumn("Share of leavers", "percent")],
            [(label, count, _fraction(count, figures.left)) for (_code, label), count in figures.outcomes.items()],
            totals=("All leavers", figures.left, 1.0 if figures.left else None),
        ),
        ReportTable(
            "Attendance",
            [ReportColumn("Half-days"), ReportColumn("Number", "integer"),
             ReportColumn("Share of planned half-days", "percent")],
            [
                ("Planned", attendance.planned, 1.0 if attendance.planned else None),
                ("Attended", attendance.attended, attendance.rate),
                ("Not attended, for a paid reason", attendance.paid_absence,
                 _fraction(attendance.paid_absence, attendance.planned)),
                ("Not attended, for an unpaid reason", attendance.unpaid_absence,
                 _fraction(attendance.unpaid_absence, attendance.planned)),
                ("Register not yet marked", attendance.not_marked,
                 _fraction(attendance.not_marked, attendance.planned)),
                ("Attended without being planned", attendance.unplanned, None),
            ],
            note=f"Half-days of the programme from {quarter.start:%-d %B %Y} to {figures.counted_to:%-d %B %Y}. "
                 "Paid non-attendance is a planned half-day missed for a reason the provider pays.",
        ),
        ReportTable(
            "Attendance by section",
            [ReportColumn("Section"), ReportColumn("Planned", "integer"), ReportColumn("Attended", "integer"),
             ReportColumn("Paid non-attendance", "integer"), ReportColumn("Unpaid non-attendance", "integer"),
             ReportColumn("Not marked", "integer"), ReportColumn("Unplanned attended", "integer"),
             ReportColumn("Attendance rate", "percent")],
            [(row.section, row.planned, row.attended, row.paid_absence, row.unpaid_absence, row.not_marked,
              row.unplanned, row.rate) for row in figures.sections],
            totals=("All sections", attendance.planned, attendance.attended, attendance.paid_absence,
                    attendance.unpaid_absence, attendance.not_marked, attendance.unplanned, attendance.rate),
        ),
        ReportTable(
            "Non-attendance reasons",
            [ReportColumn("Reason"), ReportColumn("Paid"), ReportColumn("Half-days", "integer"),
             ReportColumn("Share of planned half-days", "percent")],
            [(label, "Yes" if paid else "No", count, _fraction(count, attendance.planned))
             for label, paid, count in figures.reasons],
            totals=("All reasons", "", attendance.paid_absence + attendance.unpaid_absence,
                    _fraction(attendance.paid_absence + attendance.unpaid_absence, attendance.planned)),
        ),
        *[_breakdown_table(breakdown, figures.active, figures.new) for breakdown in figures.breakdowns],
    ]
    if figures.funder is None:
        tables.append(ReportTable(
            "Service users by funder",
            [ReportColumn("Funder"), ReportColumn("Active service users", "integer"),
             ReportColumn("New service users", "integer"), ReportColumn("Leavers", "integer")],
            figures.by_funder,
            totals=("All funders", figures.active, figures.new, figures.left),
        ))
    shown = [
        ("Quarter", quarter.description),
        ("Funder", figures.funder.label if figures.funder else "All funders"),
        ("Ages", f"As at {quarter.end:%-d %B %Y}"),
        ("Areas", "Postcode district of the home address on the quarter's last day, or on the day they left"),
    ]
    if figures.counted_to < quarter.end:
        shown.append(("Counted to", f"{figures.counted_to:%-d %B %Y}: the quarter has not ended"))
    return ReportResult("Quarterly report to funders", tables, shown)


def funder_quarterly(parameters: dict[str, Any]) -> ReportResult:
    """The report for the form's quarter and funder."""
    quarter = check_started(parse_quarter(parameters["quarter"]))
    funder = find_funder(parameters.get("funder") or None)
    return build_result(funder_quarter_figures(quarter, funder))


FUNDER_QUARTERLY = ReportSpec(
    name=NAME,
    label="Quarterly report to funders",
    permission=PERMISSION,
    description=(
        "For a quarter and a funder: service users by age band, gender, ethnic group, disability and area; "
        "new service users, leavers and those moving on to work or training; attendance and reviews."
    ),
    form=FunderQuarterlyForm,
    run=funder_quarterly,
)

#: who runs the report and exports it: the section managers who answer to funders
MANAGERS = ("section_manager",)


def permissions() -> list[Permission]:
    """The report's permission and its exports', given to section managers."""
    return [
        Permission(PERMISSION, "Run the quarterly report to funders, on screen and through the API",
                   default_roles=MANAGERS),
        Permission(FUNDER_QUARTERLY.export_permission("pdf"), "Download the quarterly report to funders as PDF",
                   default_roles=MANAGERS),
        Permission(FUNDER_QUARTERLY.export_permission("xlsx"), "Download the quarterly report to funders as Excel",
                   default_roles=MANAGERS),
    ]


def reports() -> list[ReportSpec]:
    return [FUNDER_QUARTERLY]
