"""Service users, meetings, sections, programmes, registers and fire registers; each write checks its permission."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import phonenumbers
from sqlalchemy import Date, Integer, and_, bindparam, delete, func, or_, select, text
from sqlalchemy.orm import selectinload

from core import module_system
from core.access.models import Team, TeamMember
from core.calendar import services as calendar
from core.extensions import db
from core.lookups.models import LookupValue
from core.people.models import Person
from core.permissions import acting_user, authorize
from core.security.models import User
from core.types import LONDON, london_now, utcnow

from .models import (
    AM,
    ATTENDED,
    BACS,
    HALVES,
    MEETING_KINDS,
    NOT_ATTENDED,
    PAYMENT_METHODS,
    PLANNED,
    WEEKDAY_NAMES,
    Attendance,
    EmergencyContact,
    Meeting,
    MeetingAction,
    NonAttendanceReason,
    Pattern,
    PatternSlot,
    Premises,
    RegisterAlert,
    Section,
    SectionClosure,
    ServiceUser,
)

VIEW_USERS = "attendance.service_user.view"
MANAGE_USERS = "attendance.service_user.manage"
RECORD_MEETINGS = "attendance.meeting.record"
VIEW_SECTIONS = "attendance.section.view"
MANAGE_SECTIONS = "attendance.section.manage"
MANAGE_PROGRAMMES = "attendance.programme.manage"
VIEW_REGISTERS = "attendance.register.view"
MARK_REGISTERS = "attendance.register.mark"
FIRE_REGISTER = "attendance.fire_register.view"
MANAGE_REASONS = "attendance.reason.manage"

FUNDERS = "attendance.funder"
OUTCOMES = "attendance.move_on_outcome"
#: the intention type (department "attendance") that follows up actions agreed at meetings
MEETING_ACTION_TYPE = "meeting_action"
SECTION_STAFF = "attendance.section_staff"

#: when each half-day ends, London time; a register is due once its half-day is over
HALF_ENDS = {AM: time(13, 0), "PM": time(17, 0)}
#: the longest programme period one pattern may cover, so one form cannot plan decades of attendances
MAX_PATTERN_DAYS = 731
CODE_PATTERN = re.compile(r"^[a-z0-9_]{1,80}$")


class AttendanceError(ValueError):
    """A change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def today() -> date:
    """Today in London."""
    return london_now().date()


def half_label(half: str) -> str:
    return "morning" if half == AM else "afternoon"


def _settings():
    return module_system().settings("attendance")


def _lookup(list_code: str, value_id: int | None, field_name: str, message: str) -> LookupValue | None:
    if not value_id:
        return None
    row = db.session.get(LookupValue, value_id)
    if row is None or row.list_code != list_code or not row.active:
        raise AttendanceError(field_name, message)
    return row


def _active_user(user_id: int | None, field_name: str) -> User | None:
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise AttendanceError(field_name, "Select a member of staff from the list")
    return user


def staff_choices() -> list[tuple[int, str]]:
    """Active staff, by name, for key worker, manager and action owner lists."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [(user.id, user.name) for user in users]


# --- non-attendance reasons --------------------------------------------------------------------------------------


def reasons(include_inactive: bool = False) -> list[NonAttendanceReason]:
    """The non-attendance reasons in their order; retired ones only when asked."""
    query = select(NonAttendanceReason).order_by(NonAttendanceReason.sort_order, NonAttendanceReason.label)
    if not include_inactive:
        query = query.where(NonAttendanceReason.active.is_(True))
    return list(db.session.scalars(query))


def reason_choices() -> list[tuple[int, str]]:
    return [(reason.id, f"{reason.label} ({'paid' if reason.paid else 'unpaid'})") for reason in reasons()]


def add_reason(code: str, label: str, paid: bool) -> NonAttendanceReason:
    """Add a non-attendance reason at the end of the list."""
    authorize(MANAGE_REASONS)
    code = (code or "").strip().lower()
    label = (label or "").strip()
    if not CODE_PATTERN.match(code):
        raise AttendanceError("code", "Enter a code of lower-case letters, digits and underscores")
    if db.session.scalar(select(NonAttendanceReason.id).where(NonAttendanceReason.code == code)):
        raise AttendanceError("code", f"A reason with the code {code} already exists")
    if not label:
        raise AttendanceError("label", "Enter the reason as section managers should see it")
    last = db.session.scalar(select(func.max(NonAttendanceReason.sort_order))) or 0
    reason = NonAttendanceReason(code=code, label=label, paid=bool(paid), active=True, sort_order=last + 1)
    db.session.add(reason)
    db.session.flush()
    return reason


def update_reason(reason: NonAttendanceReason, label: str, paid: bool, active: bool) -> NonAttendanceReason:
    """Rename a reason, change whether it is paid, or retire it; registers already marked keep it."""
    authorize(MANAGE_REASONS)
    label = (label or "").strip()
    if not label:
        raise AttendanceError("label", "Enter the reason as section managers should see it")
    reason.label, reason.paid, reason.active = label, bool(paid), bool(active)
    db.session.flush()
    return reason


# --- premises, sections and closures -----------------------------------------------------------------------------


def list_premises(include_inactive: bool = True) -> list[Premises]:
    authorize(VIEW_SECTIONS)
    query = select(Premises).order_by(Premises.name)
    if not include_inactive:
        query = query.where(Premises.active.is_(True))
    return list(db.session.scalars(query))


def save_premises(name: str, assembly_point: str = "", premises: Premises | None = None,
                  active: bool = True) -> Premises:
    """Add premises, or change their name, assembly point or whether they are in use."""
    authorize(MANAGE_SECTIONS)
    name = (name or "").strip()
    if not name:
        raise AttendanceError("name", "Enter the name of the premises")
    clash = db.session.scalar(select(Premises).where(func.lower(Premises.name) == name.lower()))
    if clash is not None and clash is not premises:
        raise AttendanceError("name", f"There are already premises called {clash.name}")
    if premises is None:
        premises = Premises(name=name)
        db.session.add(premises)
    premises.name, premises.assembly_point, premises.active = name, (assembly_point or "").strip(), bool(active)
    db.session.flush()
    return premises


def list_sections(active_only: bool = False) -> list[Section]:
    authorize(VIEW_SECTIONS)
    query = select(Section).join(Premises).order_by(Premises.name, Section.name)
    if active_only:
        query = query.where(Section.active.is_(True))
    return list(db.session.scalars(query))


def section_choices() -> list[tuple[int, str]]:
    """Open sections for a form's list (names only, so no view permission is needed)."""
    query = select(Section).join(Premises).where(Section.active.is_(True)).order_by(Premises.name, Section.name)
    return [(section.id, section.full_name) for section in db.session.scalars(query)]


def premises_choices() -> list[tuple[int, str]]:
    """Premises in use, for a form's list."""
    query = select(Premises).where(Premises.active.is_(True)).order_by(Premises.name)
    return [(premises.id, premises.name) for premises in db.session.scalars(query)]


def get_section(section_id: int) -> Section | None:
    return db.session.get(Section, section_id)


@dataclass
class SectionDetails:
    """What a section manager enters for a section."""

    premises_id: int | None
    name: str
    capacity: int | None
    manager_id: int | None = None
    staff_team_id: int | None = None
    opening_days: Iterable[int] = (0, 1, 2, 3, 4)
    active: bool = True


def save_section(details: SectionDetails, section: Section | None = None) -> Section:
    """Add a section or change one; its capacity is per half-day."""
    authorize(MANAGE_SECTIONS)
    premises = db.session.get(Premises, details.premises_id) if details.premises_id else None
    if premises is None or (not premises.active and (section is None or section.premises_id != premises.id)):
        raise AttendanceError("premises_id", "Select the premises the section is in")
    name = (details.name or "").strip()
    if not name:
        raise AttendanceError("name", "Enter the name of the section")
    clash = db.session.scalar(
        select(Section).where(Section.premises_id == premises.id, func.lower(Section.name) == name.lower())
    )
    if clash is not None and clash is not section:
        raise AttendanceError("name", f"{premises.name} already has a section called {clash.name}")
    if details.capacity is None or details.capacity < 1:
        raise AttendanceError("capacity", "Enter how many service users the section takes in a half-day, 1 or more")
    days = sorted({int(day) for day in details.opening_days})
    if not days or any(day not in range(7) for day in days):
        raise AttendanceError("opening_days", "Select the days the section opens")
    manager = _active_user(details.manager_id, "manager_id")
    team = db.session.get(Team, details.staff_team_id) if details.staff_team_id else None
    if details.staff_team_id and (team is None or team.team_type != SECTION_STAFF):
        raise AttendanceError("staff_team_id", "Select a section staff team")
    if section is None:
        section = Section(premises=premises, name=name, capacity=details.capacity)
        db.session.add(section)
    section.premises, section.name, section.capacity = premises, name, details.capacity
    section.manager, section.staff_team = manager, team
    section.opening_days, section.active = "".join(str(day) for day in days), bool(details.active)
    db.session.flush()
    return section


def staff_team_choices() -> list[tuple[int, str]]:
    teams = db.session.scalars(
        select(Team).where(Team.team_type == SECTION_STAFF, Team.active.is_(True)).order_by(Team.name)
    )
    return [(team.id, team.name) for team in teams]


def closures(section: Section, from_day: date | None = None) -> list[SectionClosure]:
    query = select(SectionClosure).where(SectionClosure.section_id == section.id)
    if from_day:
        query = query.where(SectionClosure.end_date >= from_day)
    return list(db.session.scalars(query.order_by(SectionClosure.start_date)))


def add_closure(section: Section, start: date | None, end: date | None, reason: str) -> tuple[SectionClosure, int]:
    """Close a section for some days; planned (unmarked) attendances on them are removed. Returns the count removed."""
    authorize(MANAGE_SECTIONS)
    if start is None:
        raise AttendanceError("start_date", "Enter the first day the section is closed")
    end = end or start
    if end < start:
        raise AttendanceError("end_date", "The last day closed must be the same as or after the first day")
    reason = (reason or "").strip()
    if not reason:
        raise AttendanceError("reason", "Enter why the section is closed")
    closure = SectionClosure(section=section, start_date=start, end_date=end, reason=reason,
                             created_by_id=getattr(acting_user(), "id", None))
    db.session.add(closure)
    removed = db.session.execute(
        delete(Attendance).where(
            Attendance.section_id == section.id,
            Attendance.status == PLANNED,
            Attendance.day >= start,
            Attendance.day <= end,
        )
    ).rowcount
    db.session.flush()
    return closure, removed


def remove_closure(closure: SectionClosure) -> int:
    """Reopen the days of a closure; programmes are planned again on those days from today. Returns rows added."""
    authorize(MANAGE_SECTIONS)
    section, start, end = closure.section, closure.start_date, closure.end_date
    db.session.delete(closure)
    db.session.flush()
    patterns = db.session.scalars(
        select(Pattern).where(Pattern.section_id == section.id, Pattern.end_date >= start, Pattern.start_date <= end)
    ).all()
    return generate(patterns, from_day=max(start, today()), until=end)


# --- programmes: patterns and planned attendances ----------------------------------------------------------------


#: the planned half-days of some patterns, worked out and written by the database in one INSERT ... SELECT: every day
#: of each pattern's period whose weekday and half match a slot, on a day its section opens, that is not a bank
#: holiday, not in a closure of the section, and not already taken by the service user (in any section)
GENERATE_SQL = """
INSERT INTO attendance_record (service_user_id, section_id, day, half, status, pattern_id, planned, note)
SELECT p.service_user_id, p.section_id, d.day, s.half, 'planned', p.id, {true}, ''
FROM attendance_pattern p
JOIN attendance_section sec ON sec.id = p.section_id
JOIN attendance_pattern_slot s ON s.pattern_id = p.id
JOIN ({days}) d ON d.day >= p.start_date AND d.day <= p.end_date AND {weekday} = s.weekday
WHERE p.id IN :pattern_ids
  AND {opens} > 0
  AND d.day NOT IN :holidays
  AND NOT EXISTS (SELECT 1 FROM attendance_section_closure c
                  WHERE c.section_id = p.section_id AND d.day >= c.start_date AND d.day <= c.end_date)
  AND NOT EXISTS (SELECT 1 FROM attendance_record a
                  WHERE a.service_user_id = p.service_user_id AND a.day = d.day AND a.half = s.half)
"""

#: each database's way to list the days from :low to :high, name a day's weekday (0 Monday) and find it in a string
GENERATE_DIALECTS = {
    "postgresql": {
        "days": "SELECT CAST(generate_series(CAST(:low AS date), CAST(:high AS date), INTERVAL '1 day') AS date) AS day",
        "weekday": "(CAST(EXTRACT(ISODOW FROM d.day) AS integer) - 1)",
        "opens": "strpos(sec.opening_days, CAST(s.weekday AS text))",
        "true": "true",
    },
    "sqlite": {
        "days": "WITH RECURSIVE series(day) AS (SELECT date(:low) UNION ALL SELECT date(day, '+1 day') FROM series "
                "WHERE day < date(:high)) SELECT day FROM series",
        "weekday": "((CAST(strftime('%w', d.day) AS integer) + 6) % 7)",
        "opens": "instr(sec.opening_days, CAST(s.weekday AS text))",
        "true": "1",
    },
}


def generate(patterns: Iterable[Pattern], from_day: date | None = None, until: date | None = None,
             holidays: set[date] | None = None) -> int:
    """Plan the missing half-days of patterns (from ``from_day`` to ``until`` when given) in one set-based insert;
    return how many were added.

    A half-day already taken by the service user (in any section) is left alone, so marked attendances and other
    patterns are never overwritten. ``holidays`` defaults to the core calendar's bank holidays for the period.
    """
    patterns = list(patterns)
    if not patterns:
        return 0
    low = max(min(pattern.start_date for pattern in patterns), from_day or date.min)
    high = min(max(pattern.end_date for pattern in patterns), until or date.max)
    if low > high:
        return 0
    if holidays is None:
        holidays = calendar.bank_holidays_between(low, high)
    dialect = GENERATE_DIALECTS[db.session.get_bind().dialect.name]
    statement = text(GENERATE_SQL.format(**dialect)).bindparams(
        bindparam("pattern_ids", expanding=True, type_=Integer), bindparam("holidays", expanding=True, type_=Date),
        bindparam("low", type_=Date), bindparam("high", type_=Date),
    )
    result = db.session.execute(statement, {
        "low": low, "high": high, "pattern_ids": sorted({pattern.id for pattern in patterns}),
        "holidays": sorted(day for day in holidays if low <= day <= high),
    })
    return result.rowcount


@dataclass
class OverCapacity:
    """A half-day when more service users are expected in a section than it takes."""

    section: Section
    day: date
    half: str
    expected: int

    @property
    def over_by(self) -> int:
        return self.expected - self.section.capacity


def over_capacity(section: Section, start: date, end: date) -> list[OverCapacity]:
    """Half-days from start to end when the section expects more service users (planned or attended) than capacity."""
    expected = func.count(Attendance.id)
    rows = db.session.execute(
        select(Attendance.day, Attendance.half, expected)
        .where(Attendance.section_id == section.id, Attendance.day >= start, Attendance.day <= end,
               Attendance.status != NOT_ATTENDED)
        .group_by(Attendance.day, Attendance.half)
        .having(expected > section.capacity)
        .order_by(Attendance.day, Attendance.half)
    )
    return [OverCapacity(section, row.day, row.half, row[2]) for row in rows]


@dataclass
class PatternSaved:
    """What saving a pattern did: planned attendances added and removed, and half-days now over capacity."""

    pattern: Pattern
    added: int
    removed: int
    over_capacity: list[OverCapacity] = field(default_factory=list)


def _check_pattern(service_user: ServiceUser, section: Section | None, start: date | None, end: date | None,
                   slots: set[tuple[int, str]], pattern: Pattern | None) -> None:
    if section is None or (not section.active and (pattern is None or pattern.section_id != section.id)):
        raise AttendanceError("section_id", "Select the section")
    if start is None:
        raise AttendanceError("start_date", "Enter the first day of the programme")
    if end is None:
        raise AttendanceError("end_date", "Enter the last day of the programme")
    if end < start:
        raise AttendanceError("end_date", "The last day must be the same as or after the first day")
    if (end - start).days > MAX_PATTERN_DAYS:
        raise AttendanceError("end_date", "A programme can be at most two years long: agree a new one after that")
    if service_user.end_date and end > service_user.end_date:
        raise AttendanceError("end_date", f"The last day must be on or before {service_user.end_date:%-d %B %Y}, "
                                          f"when {service_user.name} left")
    if not slots:
        raise AttendanceError("slots", "Select at least one half-day")
    closed_days = sorted({weekday for weekday, _ in slots} - section.opening_weekdays)
    if closed_days:
        raise AttendanceError("slots", f"{section.name} does not open on {WEEKDAY_NAMES[closed_days[0]]}s")
    others = db.session.scalars(
        select(Pattern).where(
            Pattern.service_user_id == service_user.id,
            Pattern.id != (pattern.id if pattern is not None else -1),
            Pattern.start_date <= end,
            Pattern.end_date >= start,
        )
    )
    for other in others:
        shared = slots & {(slot.weekday, slot.half) for slot in other.slots}
        if shared:
            weekday, half = sorted(shared)[0]
            raise AttendanceError(
                "slots",
                f"{service_user.name} already has {WEEKDAY_NAMES[weekday]} {half_label(half)} in "
                f"{other.section.name} from {other.start_date:%-d %B %Y} to {other.end_date:%-d %B %Y}",
            )


def save_pattern(
    service_user: ServiceUser,
    section_id: int | None,
    start: date | None,
    end: date | None,
    slots: Iterable[tuple[int, str]],
    pattern: Pattern | None = None,
    expected_version: int | None = None,
    holidays: set[date] | None = None,
) -> PatternSaved:
    """Agree a pattern, or change one: a new pattern plans its whole period; a change re-plans from today only,
    keeping every attendance already marked. Over-capacity half-days are returned to show as a warning."""
    authorize(MANAGE_PROGRAMMES)
    section = get_section(section_id) if section_id else None
    wanted = {(int(weekday), half) for weekday, half in slots}
    if any(half not in HALVES or weekday not in range(7) for weekday, half in wanted):
        raise AttendanceError("slots", "Select half-days from the list")
    _check_pattern(service_user, section, start, end, wanted, pattern)
    if pattern is not None and expected_version is not None and pattern.version != expected_version:
        raise AttendanceError("version", "Someone else changed this pattern while you were editing it: check it and "
                                         "make your change again")
    removed, from_day = 0, None
    if pattern is None:
        pattern = Pattern(service_user=service_user, section=section, start_date=start, end_date=end)
        db.session.add(pattern)
    else:
        from_day = today()
        # only the future is re-planned: unmarked half-days from today go, marked ones and the past stay
        removed = db.session.execute(
            delete(Attendance).where(
                Attendance.pattern_id == pattern.id, Attendance.status == PLANNED, Attendance.day >= from_day
            )
        ).rowcount
        pattern.section, pattern.start_date, pattern.end_date = section, start, end
        pattern.updated_at = utcnow()
    current = {(slot.weekday, slot.half): slot for slot in pattern.slots}
    for key, slot in current.items():
        if key not in wanted:
            pattern.slots.remove(slot)
    for weekday, half in sorted(wanted - set(current)):
        pattern.slots.append(PatternSlot(weekday=weekday, half=half))
    db.session.flush()
    db.session.expire(pattern, ["slots"])
    added = generate([pattern], from_day=from_day, holidays=holidays)
    window_start = max(start, from_day) if from_day else start
    crowded = [item for item in over_capacity(section, window_start, end)
               if (item.day.weekday(), item.half) in wanted]
    return PatternSaved(pattern, added, removed, crowded)


def patterns_of(service_user: ServiceUser) -> list[Pattern]:
    return list(
        db.session.scalars(
            select(Pattern).where(Pattern.service_user_id == service_user.id).order_by(Pattern.start_date.desc())
        )
    )


def get_pattern(pattern_id: int) -> Pattern | None:
    return db.session.get(Pattern, pattern_id)


def programme(service_user: ServiceUser, start: date, end: date) -> list[Attendance]:
    """A service user's attendances from start to end, in date order."""
    authorize(VIEW_USERS)
    return list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.service_user_id == service_user.id, Attendance.day >= start, Attendance.day <= end)
            .order_by(Attendance.day, Attendance.half)
        )
    )


# --- service users -----------------------------------------------------------------------------------------------


SORT_CODE = re.compile(r"^\d{6}$")
ACCOUNT_NUMBER = re.compile(r"^\d{8}$")


@dataclass
class ServiceUserDetails:
    """The profile fields staff enter for a service user (the sensitive ones are set separately)."""

    referral_date: date | None
    start_date: date | None = None
    funder_id: int | None = None
    contract_reference: str = ""
    key_worker_id: int | None = None
    payment_method: str = "cash"
    bank_account_name: str = ""
    bank_sort_code: str = ""
    bank_account_number: str = ""


def normalise_digits(value: str | None) -> str:
    """Drop spaces and dashes, as people type sort codes ("20-00-00") and account numbers."""
    return re.sub(r"[\s-]", "", value or "")


def _apply_details(service_user: ServiceUser, details: ServiceUserDetails) -> None:
    if details.referral_date is None:
        raise AttendanceError("referral_date", "Enter the date of referral")
    if details.start_date and details.start_date < details.referral_date:
        raise AttendanceError("start_date", "The start date must be the same as or after the date of referral")
    if details.payment_method not in PAYMENT_METHODS:
        raise AttendanceError("payment_method", "Select how the service user is paid")
    sort_code = normalise_digits(details.bank_sort_code)
    account = normalise_digits(details.bank_account_number)
    name = (details.bank_account_name or "").strip()
    if details.payment_method == BACS:
        if not name:
            raise AttendanceError("bank_account_name", "Enter the name on the bank account")
        if not SORT_CODE.match(sort_code):
            raise AttendanceError("bank_sort_code", "Enter a sort code of 6 digits, like 309430")
        if not ACCOUNT_NUMBER.match(account):
            raise AttendanceError("bank_account_number", "Enter an account number of 8 digits, like 00733445")
    else:  # cash: bank details are not kept for people paid in cash
        name, sort_code, account = "", "", ""
    funder = _lookup(FUNDERS, details.funder_id, "funder_id", "Select the funder from the list")
    key_worker = _active_user(details.key_worker_id, "key_worker_id")
    service_user.referral_date, service_user.start_date = details.referral_date, details.start_date
    service_user.funder = funder
    service_user.contract_reference = (details.contract_reference or "").strip()
    service_user.key_worker = key_worker
    service_user.payment_method = details.payment_method
    service_user.bank_account_name, service_user.bank_sort_code = name, sort_code
    service_user.bank_account_number = account


def bank_details_warning(service_user: ServiceUser) -> str | None:
    """The warning to show when a BACS service user's sort code and account number fail Vocalink's modulus check."""
    from .payments import bank_details

    if service_user.payment_method != BACS:
        return None
    try:
        details = bank_details.check(service_user.bank_sort_code, service_user.bank_account_number)
    except bank_details.BankDetailsError:  # a bad format is refused when saved, so only older records get here
        return None
    if details.warning is None:
        return None
    # only the account's last four digits, as the profile page shows them: the API never sends bank details
    return (f"The sort code and the account number ending {details.account_number[-4:]} fail the bank's modulus "
            "check: check both with the service user before they are paid by BACS")


def create_service_user(person_id: int, details: ServiceUserDetails) -> ServiceUser:
    """Make a core person a service user with a profile."""
    authorize(MANAGE_USERS)
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or person.merged_into_id is not None:
        raise AttendanceError("person_id", "Select the person from the list")
    if db.session.scalar(select(ServiceUser.id).where(ServiceUser.person_id == person.id)):
        raise AttendanceError("person_id", f"{person.display_name} is already a service user")
    service_user = ServiceUser(person=person)
    _apply_details(service_user, details)
    db.session.add(service_user)
    db.session.flush()
    return service_user


def update_service_user(service_user: ServiceUser, details: ServiceUserDetails,
                        expected_version: int | None = None) -> ServiceUser:
    """Change a service user's profile."""
    authorize(MANAGE_USERS)
    if expected_version is not None and service_user.version != expected_version:
        raise AttendanceError("version", "Someone else changed this profile while you were editing it: check it and "
                                         "make your change again")
    _apply_details(service_user, details)
    db.session.flush()
    return service_user


def set_needs(service_user: ServiceUser, medical_conditions: str, special_needs: str) -> None:
    """Record medical conditions and special needs; only staff who may see them may change them."""
    from core.access.services import can_see_sensitive

    authorize(MANAGE_USERS)
    if not can_see_sensitive(service_user.person_id):
        raise AttendanceError("medical_conditions", "Only staff working with this service user can change this")
    service_user.medical_conditions = (medical_conditions or "").strip()
    service_user.special_needs = (special_needs or "").strip()
    db.session.flush()


def add_emergency_contact(service_user: ServiceUser, name: str, relationship_to: str, phone: str) -> EmergencyContact:
    """Add an emergency contact after the existing ones; the phone number is checked as a UK number."""
    authorize(MANAGE_USERS)
    name = (name or "").strip()
    if not name:
        raise AttendanceError("name", "Enter the contact's name")
    try:
        parsed = phonenumbers.parse(phone or "", "GB")
        valid = phonenumbers.is_valid_number(parsed)
    except phonenumbers.NumberParseException:
        valid = False
    if not valid:
        raise AttendanceError("phone", "Enter a phone number, like 0113 496 0001 or 07700 900 982")
    shown = phonenumbers.format_number(
        parsed,
        phonenumbers.PhoneNumberFormat.NATIONAL if parsed.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    )
    priority = max((contact.priority for contact in service_user.emergency_contacts), default=0) + 1
    contact = EmergencyContact(name=name, relationship_to=(relationship_to or "").strip(), phone=shown,
                               priority=priority)
    service_user.emergency_contacts.append(contact)
    db.session.flush()
    return contact


def remove_emergency_contact(service_user: ServiceUser, contact_id: int) -> None:
    authorize(MANAGE_USERS)
    for contact in list(service_user.emergency_contacts):
        if contact.id == contact_id:
            service_user.emergency_contacts.remove(contact)
    db.session.flush()


def record_move_on(service_user: ServiceUser, end_date: date | None, outcome_id: int | None,
                   outcome_date: date | None) -> int:
    """Record that a service user left and where they moved on to; planned half-days after they left are removed
    and their patterns end that day. Returns the planned half-days removed."""
    authorize(MANAGE_USERS)
    if end_date is None:
        raise AttendanceError("end_date", "Enter the date they left")
    if service_user.start_date and end_date < service_user.start_date:
        raise AttendanceError("end_date", "The date they left must be the same as or after their start date")
    outcome = _lookup(OUTCOMES, outcome_id, "move_on_outcome_id", "Select where they moved on to")
    if outcome is None:
        raise AttendanceError("move_on_outcome_id", "Select where they moved on to")
    service_user.end_date, service_user.move_on_outcome, service_user.move_on_date = end_date, outcome, outcome_date
    removed = db.session.execute(
        delete(Attendance).where(
            Attendance.service_user_id == service_user.id, Attendance.status == PLANNED, Attendance.day > end_date
        )
    ).rowcount
    for pattern in patterns_of(service_user):
        if pattern.start_date > end_date:
            # a pattern that never began: nothing of it is left once its future half-days are gone
            if not db.session.scalar(select(Attendance.id).where(Attendance.pattern_id == pattern.id).limit(1)):
                db.session.delete(pattern)
                continue
            pattern.start_date = end_date
        if pattern.end_date > end_date:
            pattern.end_date = end_date
    db.session.flush()
    return removed


def get_service_user(service_user_id: int) -> ServiceUser | None:
    return db.session.get(ServiceUser, service_user_id)


def service_user_for_person(person_id: int) -> ServiceUser | None:
    return db.session.scalar(select(ServiceUser).where(ServiceUser.person_id == person_id))


def list_service_users(name: str = "", current_only: bool = True, section_id: int | None = None) -> list[ServiceUser]:
    """Service users by family name, optionally only those attending now, matching a name, or in one section."""
    authorize(VIEW_USERS)
    query = select(ServiceUser).join(Person, ServiceUser.person_id == Person.id)
    if current_only:
        query = query.where(ServiceUser.end_date.is_(None))
    if name.strip():
        query = query.where(Person.search_name.contains(name.strip().lower()))
    if section_id:
        query = query.where(
            ServiceUser.id.in_(
                select(Pattern.service_user_id).where(Pattern.section_id == section_id, Pattern.end_date >= today())
            )
        )
    return list(db.session.scalars(query.order_by(Person.last_name, Person.first_names, ServiceUser.id)))


def service_user_choices() -> list[tuple[int, str]]:
    """Current service users for a form's list, by family name."""
    query = (select(ServiceUser.id, Person.first_names, Person.last_name)
             .join(Person, ServiceUser.person_id == Person.id).where(ServiceUser.end_date.is_(None))
             .order_by(Person.last_name, Person.first_names))
    return [(row.id, f"{row.first_names} {row.last_name}") for row in db.session.execute(query)]


def sections_attended(service_user: ServiceUser, on: date | None = None) -> list[Section]:
    """Sections where the service user has a pattern running now or agreed for later."""
    on = on or today()
    return list(
        db.session.scalars(
            select(Section)
            .where(Section.id.in_(select(Pattern.section_id).where(
                Pattern.service_user_id == service_user.id, Pattern.end_date >= on)))
            .order_by(Section.name)
        )
    )


def works_with(user, person_id: int, on: date | None = None) -> bool:
    """Whether the user is the key worker of the person's service-user profile, or manages or staffs a section
    they attend now or are due to attend."""
    on = on or today()
    service_user = service_user_for_person(person_id)
    if service_user is None:
        return False
    if service_user.key_worker_id == user.id:
        return True
    sections = select(Pattern.section_id).where(Pattern.service_user_id == service_user.id, Pattern.end_date >= on)
    staff = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    found = db.session.scalar(
        select(Section.id)
        .where(Section.id.in_(sections), or_(Section.manager_id == user.id, Section.staff_team_id.in_(staff)))
        .limit(1)
    )
    return found is not None


# --- meetings ----------------------------------------------------------------------------------------------------


@dataclass
class AgreedAction:
    """An action agreed at a meeting: what, by whom and by when."""

    description: str
    assigned_user_id: int | None
    due_on: date | None


def _checked_meeting(kind: str, held_on: date | None, next_review_on: date | None,
                     actions: Iterable[AgreedAction]) -> list[AgreedAction]:
    """Check a meeting's details as recorded or changed; return the agreed actions that were filled in."""
    if kind not in MEETING_KINDS:
        raise AttendanceError("kind", "Select consultation or review")
    if held_on is None:
        raise AttendanceError("held_on", "Enter the date of the meeting")
    if held_on > today():
        raise AttendanceError("held_on", "The date of the meeting must be today or in the past")
    if next_review_on is not None and next_review_on <= held_on:
        raise AttendanceError("next_review_on", "The next review must be after the meeting")
    actions = [action for action in actions if (action.description or "").strip()]
    for index, action in enumerate(actions):
        if not action.assigned_user_id:
            raise AttendanceError(f"actions-{index}-assigned_user_id", "Select who will do the action")
        if action.due_on is None:
            raise AttendanceError(f"actions-{index}-due_on", "Enter when the action is due")
    return actions


def _add_actions(meeting: Meeting, actions: list[AgreedAction]) -> None:
    """Make each agreed action a core intention for its owner, linked to the meeting."""
    from core.intentions import services as intentions
    from core.intentions.models import IntentionType

    if not actions:
        return
    action_type = db.session.scalar(
        select(IntentionType).where(IntentionType.department == "attendance",
                                    IntentionType.code == MEETING_ACTION_TYPE)
    )
    if action_type is None:  # the case types are synced by ppp db upgrade
        raise AttendanceError("actions", "The meeting action type is missing: run ppp db upgrade")
    for index, action in enumerate(actions):
        try:
            intention = intentions.add_intention(
                intention_type_id=action_type.id, due_on=action.due_on,
                assigned_user_id=action.assigned_user_id, note=action.description.strip(),
                person_id=meeting.service_user.person_id, department="attendance",
            )
        except intentions.IntentionError as exc:
            raise AttendanceError(f"actions-{index}-{exc.field}", str(exc)) from exc
        meeting.actions.append(MeetingAction(intention=intention))


def record_meeting(
    service_user: ServiceUser,
    kind: str,
    held_on: date | None,
    attendees: str,
    notes: str,
    next_review_on: date | None,
    actions: Iterable[AgreedAction] = (),
) -> Meeting:
    """Record a consultation or review meeting; each agreed action becomes a core intention for its owner."""
    authorize(RECORD_MEETINGS)
    actions = _checked_meeting(kind, held_on, next_review_on, actions)
    meeting = Meeting(
        service_user=service_user, kind=kind, held_on=held_on, attendees=(attendees or "").strip(),
        notes=(notes or "").strip(), next_review_on=next_review_on, recorded_by_id=getattr(acting_user(), "id", None),
    )
    db.session.add(meeting)
    _add_actions(meeting, actions)
    db.session.flush()
    return meeting


def change_meeting(
    meeting: Meeting,
    kind: str,
    held_on: date | None,
    attendees: str,
    notes: str,
    next_review_on: date | None,
    actions: Iterable[AgreedAction] = (),
) -> Meeting:
    """Correct a meeting or add to it; new agreed actions become further intentions, and the actions agreed before
    stay as they are (they are followed up, done or cancelled in the intentions tray)."""
    authorize(RECORD_MEETINGS)
    actions = _checked_meeting(kind, held_on, next_review_on, actions)
    meeting.kind, meeting.held_on, meeting.next_review_on = kind, held_on, next_review_on
    meeting.attendees, meeting.notes = (attendees or "").strip(), (notes or "").strip()
    _add_actions(meeting, actions)
    db.session.flush()
    return meeting


def open_actions(meeting: Meeting) -> list[MeetingAction]:
    """The meeting's agreed actions whose intentions are still open."""
    from core.intentions.models import OPEN

    return [action for action in meeting.actions if action.intention.status == OPEN]


def remove_meeting(meeting: Meeting) -> int:
    """Remove a meeting recorded in error: its agreed actions still open are cancelled (done ones stay done), and
    the meeting and its links to them are deleted. Returns how many actions were cancelled."""
    from core.intentions import services as intentions

    authorize(RECORD_MEETINGS)
    still_open = open_actions(meeting)
    for action in still_open:
        intentions.cancel(action.intention)
    db.session.delete(meeting)  # its action links go with it (delete-orphan); the intentions stay, for their history
    db.session.flush()
    return len(still_open)


def get_meeting(meeting_id: int) -> Meeting | None:
    return db.session.get(Meeting, meeting_id)


def meetings_of(service_user: ServiceUser) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.service_user_id == service_user.id)
            .options(selectinload(Meeting.actions)).order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


@dataclass
class ReviewDue:
    """A current service user whose next review is due soon or overdue."""

    service_user: ServiceUser
    due_on: date
    last_meeting: date

    def overdue(self, on: date) -> bool:
        return self.due_on < on


def reviews_due(within_days: int = 14, on: date | None = None) -> list[ReviewDue]:
    """Current service users whose latest meeting set a review due within the next days, or already overdue."""
    authorize(VIEW_USERS)
    on = on or today()
    latest = (
        select(Meeting.service_user_id, func.max(Meeting.held_on).label("held_on"))
        .group_by(Meeting.service_user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Meeting, ServiceUser)
        .join(latest, and_(Meeting.service_user_id == latest.c.service_user_id, Meeting.held_on == latest.c.held_on))
        .join(ServiceUser, ServiceUser.id == Meeting.service_user_id)
        .where(ServiceUser.end_date.is_(None), Meeting.next_review_on.is_not(None),
               Meeting.next_review_on <= on + timedelta(days=within_days))
        .order_by(Meeting.next_review_on, Meeting.id)
    ).all()
    found: dict[int, ReviewDue] = {}
    for meeting, service_user in rows:  # two meetings the same day: the later-recorded one counts
        found[service_user.id] = ReviewDue(service_user, meeting.next_review_on, meeting.held_on)
    return sorted(found.values(), key=lambda item: (item.due_on, item.service_user.id))


# --- registers ---------------------------------------------------------------------------------------------------


def register(section: Section, day: date, half: str) -> list[Attendance]:
    """The register of a section for a half-day: everyone planned or added, by family name."""
    authorize(VIEW_REGISTERS)
    return list(
        db.session.scalars(
            select(Attendance)
            .join(ServiceUser, Attendance.service_user_id == ServiceUser.id)
            .join(Person, ServiceUser.person_id == Person.id)
            .where(Attendance.section_id == section.id, Attendance.day == day, Attendance.half == half)
            .order_by(Person.last_name, Person.first_names, Attendance.id)
        )
    )


@dataclass(frozen=True)
class Mark:
    """How one attendance on a register is marked."""

    attendance_id: int
    status: str
    reason_id: int | None = None
    note: str = ""


def mark_register(section: Section, day: date, half: str, marks: Iterable[Mark]) -> int:
    """Mark attendances of one register as attended or not attended (with a reason); all are checked before any is
    saved. Returns how many changed."""
    authorize(MARK_REGISTERS)
    marks = list(marks)
    rows = {row.id: row for row in register(section, day, half)}
    active_reasons = {reason.id: reason for reason in reasons()}
    for mark in marks:
        row = rows.get(mark.attendance_id)
        if row is None:
            raise AttendanceError("marks", "The register changed while you were marking it: reload it")
        if mark.status not in (ATTENDED, NOT_ATTENDED, PLANNED):
            raise AttendanceError(f"mark-{row.id}", f"Select whether {row.service_user.name} attended")
        if mark.status == ATTENDED and day > today():
            raise AttendanceError(f"mark-{row.id}", f"{row.service_user.name} cannot have attended a day still to come")
        if mark.status == NOT_ATTENDED and (
            mark.reason_id is None or (mark.reason_id not in active_reasons and mark.reason_id != row.reason_id)
        ):  # a retired reason may stay on a row that already had it
            raise AttendanceError(f"reason-{row.id}", f"Select why {row.service_user.name} did not attend")
        if mark.status == PLANNED and not row.planned:
            raise AttendanceError(f"mark-{row.id}", f"Select whether {row.service_user.name} attended")
    changed = 0
    actor_id, now = getattr(acting_user(), "id", None), utcnow()
    for mark in marks:
        row = rows[mark.attendance_id]
        reason_id = mark.reason_id if mark.status == NOT_ATTENDED else None
        note = (mark.note or "").strip()[:200]
        if (row.status, row.reason_id, row.note) == (mark.status, reason_id, note):
            continue
        row.status, row.reason_id, row.note = mark.status, reason_id, note
        row.marked_by_id, row.marked_at = (None, None) if mark.status == PLANNED else (actor_id, now)
        changed += 1
    db.session.flush()
    _resolve_alerts(section.id, day, half)
    return changed


def add_unplanned(section: Section, day: date | None, half: str, service_user_id: int | None,
                  note: str = "") -> Attendance:
    """Add a service user who came without being planned, marked as attended."""
    authorize(MARK_REGISTERS)
    if day is None or half not in HALVES:
        raise AttendanceError("service_user_id", "Open the register of a half-day first")
    if day > today():
        raise AttendanceError("service_user_id", "Unplanned attendance can only be added once the day has come")
    if day.weekday() not in section.opening_weekdays:
        raise AttendanceError("service_user_id", f"{section.name} does not open on {WEEKDAY_NAMES[day.weekday()]}s")
    service_user = get_service_user(service_user_id) if service_user_id else None
    if service_user is None:
        raise AttendanceError("service_user_id", "Select the service user")
    if service_user.end_date and day > service_user.end_date:
        raise AttendanceError("service_user_id", f"{service_user.name} left on {service_user.end_date:%-d %B %Y}")
    existing = db.session.scalar(
        select(Attendance).where(Attendance.service_user_id == service_user.id, Attendance.day == day,
                                 Attendance.half == half)
    )
    if existing is not None:
        where = "this register" if existing.section_id == section.id else f"the register of {existing.section.name}"
        raise AttendanceError("service_user_id", f"{service_user.name} is already on {where} for this half-day")
    row = Attendance(service_user=service_user, section=section, day=day, half=half, status=ATTENDED, planned=False,
                     note=(note or "").strip()[:200], marked_by_id=getattr(acting_user(), "id", None),
                     marked_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def _resolve_alerts(section_id: int, day: date, half: str) -> None:
    alert = db.session.scalar(
        select(RegisterAlert).where(RegisterAlert.section_id == section_id, RegisterAlert.day == day,
                                    RegisterAlert.half == half, RegisterAlert.resolved_at.is_(None))
    )
    if alert is None:
        return
    unmarked = db.session.scalar(
        select(func.count(Attendance.id)).where(Attendance.section_id == section_id, Attendance.day == day,
                                                Attendance.half == half, Attendance.status == PLANNED)
    )
    if unmarked == 0:
        alert.resolved_at = utcnow()
    else:
        alert.unmarked = unmarked
    db.session.flush()


def raise_register_alerts(now: datetime | None = None) -> dict[str, int]:
    """Raise one "register not taken" alert per past half-day with unmarked attendances (never twice for the same
    register), and resolve alerts whose register has since been completed."""
    now = now or utcnow()
    settings = _settings()
    latest = (now - timedelta(hours=settings.register_grace_hours)).astimezone(LONDON)
    first_day = latest.date() - timedelta(days=settings.register_alert_days)
    unmarked = func.count(Attendance.id)
    rows = db.session.execute(
        select(Attendance.section_id, Attendance.day, Attendance.half, unmarked)
        .where(Attendance.status == PLANNED, Attendance.day >= first_day, Attendance.day <= latest.date())
        .group_by(Attendance.section_id, Attendance.day, Attendance.half)
    ).all()
    due = {
        (row.section_id, row.day, row.half): row[3]
        for row in rows
        if datetime.combine(row.day, HALF_ENDS[row.half], LONDON) <= latest
    }
    existing = {
        (alert.section_id, alert.day, alert.half): alert
        for alert in db.session.scalars(select(RegisterAlert).where(RegisterAlert.day >= first_day))
    }
    raised = resolved = 0
    for key, count in due.items():
        alert = existing.get(key)
        if alert is None:
            db.session.add(RegisterAlert(section_id=key[0], day=key[1], half=key[2], unmarked=count, raised_at=now))
            raised += 1
        else:
            alert.unmarked = count
            if alert.resolved_at is not None:  # marks were undone since: the register is open again
                alert.resolved_at = None
                raised += 1
    for key, alert in existing.items():
        if key not in due and alert.resolved_at is None:
            alert.resolved_at = now
            resolved += 1
    db.session.flush()
    return {"raised": raised, "resolved": resolved, "open": len(due)}


def open_alerts(manager: User | None = None) -> list[RegisterAlert]:
    """Unresolved "register not taken" alerts, oldest first; only those of sections the manager runs when given."""
    query = select(RegisterAlert).where(RegisterAlert.resolved_at.is_(None))
    if manager is not None:
        query = query.where(RegisterAlert.section_id.in_(select(Section.id).where(Section.manager_id == manager.id)))
    return list(db.session.scalars(query.order_by(RegisterAlert.day, RegisterAlert.half, RegisterAlert.section_id)))


# --- fire registers ----------------------------------------------------------------------------------------------


@dataclass
class FireRegister:
    """Everyone expected on site in a section for a half-day: service users and staff, for a roll call."""

    section: Section
    day: date
    half: str
    service_users: list[Attendance]
    staff: list[User]
    printed_at: datetime

    @property
    def total(self) -> int:
        return len(self.service_users) + len(self.staff)


def fire_register(section: Section, day: date, half: str, *, audit_format: str = "screen") -> FireRegister:
    """The fire register: service users planned or attended (not those marked absent), with emergency contacts,
    and the section's manager and staff. Reading it is audited as an export of personal data."""
    from core.audit import services as audit

    authorize(FIRE_REGISTER)
    rows = list(
        db.session.scalars(
            select(Attendance)
            .join(ServiceUser, Attendance.service_user_id == ServiceUser.id)
            .join(Person, ServiceUser.person_id == Person.id)
            .where(Attendance.section_id == section.id, Attendance.day == day, Attendance.half == half,
                   Attendance.status != NOT_ATTENDED)
            .options(selectinload(Attendance.service_user).selectinload(ServiceUser.emergency_contacts))
            .order_by(Person.last_name, Person.first_names, Attendance.id)
        )
    )
    staff: dict[int, User] = {}
    if section.manager is not None and section.manager.active:
        staff[section.manager.id] = section.manager
    if section.staff_team_id:
        for user in db.session.scalars(
            select(User).join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == section.staff_team_id, User.active.is_(True)).order_by(User.name)
        ):
            staff.setdefault(user.id, user)
    audit.record_export(
        "attendance.fire_register", audit_format,
        details={"section_id": section.id, "day": day.isoformat(), "half": half, "rows": len(rows)},
    )
    return FireRegister(section, day, half, rows, list(staff.values()), utcnow())


def fire_register_pdf(register_: FireRegister, html: str) -> bytes:
    """The fire register's print page as a PDF (xhtml2pdf)."""
    from io import BytesIO

    from xhtml2pdf import pisa

    out = BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:  # pragma: no cover - the template is ours; a failure is a bug worth a 500
        raise RuntimeError(f"xhtml2pdf could not build the fire register ({result.err} errors)")
    return out.getvalue()


# --- people's timelines and merges -------------------------------------------------------------------------------


def move_person(target_id: int, source_id: int) -> None:
    """Re-point a merged person's service-user profile, unless the target already has one."""
    source = service_user_for_person(source_id)
    if source is not None and service_user_for_person(target_id) is None:
        source.person_id = target_id
        db.session.flush()


def attendance_counts(service_user: ServiceUser, start: date, end: date) -> dict[str, int]:
    """How many half-days were planned, attended and missed from start to end."""
    rows = db.session.execute(
        select(Attendance.status, func.count(Attendance.id))
        .where(Attendance.service_user_id == service_user.id, Attendance.day >= start, Attendance.day <= end)
        .group_by(Attendance.status)
    )
    counts = {PLANNED: 0, ATTENDED: 0, NOT_ATTENDED: 0}
    counts.update({status: count for status, count in rows})
    return counts
