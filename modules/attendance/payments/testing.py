"""Factories for payment tests and demo data: rows written straight to the database, as a fixture would."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.people.models import Person
from core.people.services import refresh_search_name

from ..models import (
    ATTENDED,
    BACS,
    CASH,
    NOT_ATTENDED,
    Attendance,
    NonAttendanceReason,
    Premises,
    Section,
    ServiceUser,
)


def section(name: str = "Woodwork", premises: str = "Riverside Centre", capacity: int = 12) -> Section:
    """A section of a premises, creating the premises the first time."""
    building = db.session.scalar(select(Premises).where(Premises.name == premises))
    if building is None:
        building = Premises(name=premises, assembly_point="Front car park")
        db.session.add(building)
        db.session.flush()
    found = db.session.scalar(select(Section).where(Section.premises_id == building.id, Section.name == name))
    if found is None:
        found = Section(premises=building, name=name, capacity=capacity)
        db.session.add(found)
        db.session.flush()
    return found


def service_user(first: str, last: str, *, method: str = CASH, sort_code: str = "", account_number: str = "",
                 account_name: str = "", referral: date = date(2025, 1, 6)) -> ServiceUser:
    """A person with a service-user profile paid by cash or BACS."""
    person = Person(first_names=first, last_name=last)
    refresh_search_name(person)
    db.session.add(person)
    db.session.flush()
    profile = ServiceUser(person=person, referral_date=referral, start_date=referral, payment_method=method,
                          bank_account_name=account_name or (f"{first} {last}" if method == BACS else ""),
                          bank_sort_code=sort_code, bank_account_number=account_number)
    db.session.add(profile)
    db.session.flush()
    return profile


def reason(code: str) -> NonAttendanceReason:
    """A non-attendance reason seeded by the attendance migration, e.g. "sick" (unpaid) or "job_interview" (paid)."""
    return db.session.scalar(select(NonAttendanceReason).where(NonAttendanceReason.code == code))


def mark(profile: ServiceUser, where: Section, day: date, half: str = "AM", status: str = ATTENDED,
         reason_code: str | None = None) -> Attendance:
    """A marked (or, with status "planned", unmarked) half-day on the register."""
    record = Attendance(service_user_id=profile.id, section_id=where.id, day=day, half=half, status=status,
                        reason_id=reason(reason_code).id if status == NOT_ATTENDED and reason_code else None)
    db.session.add(record)
    db.session.flush()
    return record
