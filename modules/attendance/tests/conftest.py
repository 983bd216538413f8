"""Factories for the attendance tests: premises, sections, service users and patterns with real values."""

from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db as _db
from core.people.models import Person
from modules.attendance import services
from modules.attendance.models import Premises, Section, ServiceUser

ALL = (
    "attendance.service_user.view", "attendance.service_user.manage", "attendance.meeting.record",
    "attendance.section.view", "attendance.section.manage", "attendance.programme.manage",
    "attendance.register.view", "attendance.register.mark", "attendance.fire_register.view",
    "attendance.reason.manage",
)


@pytest.fixture
def make_section(db):
    """A section of "Riverside Centre" (created once per test) with a capacity per half-day."""

    def factory(name: str = "Woodwork", capacity: int = 12, manager=None, opening_days: str = "01234",
                staff_team=None) -> Section:
        premises = _db.session.query(Premises).filter_by(name="Riverside Centre").one_or_none()
        if premises is None:
            premises = Premises(name="Riverside Centre", assembly_point="Car park by the main gate")
            _db.session.add(premises)
        section = Section(premises=premises, name=name, capacity=capacity, manager=manager,
                          opening_days=opening_days, staff_team=staff_team)
        _db.session.add(section)
        _db.session.flush()
        return section

    return factory


@pytest.fixture
def make_service_user(db):
    """A person with a service-user profile, referred on 1 September 2026."""

    def factory(first: str = "Ada", last: str = "Jones", **fields) -> ServiceUser:
        person = Person(first_names=first, last_name=last, search_name=f"{first} {last}".lower())
        fields.setdefault("referral_date", date(2026, 9, 1))
        fields.setdefault("start_date", date(2026, 9, 14))
        service_user = ServiceUser(person=person, **fields)
        _db.session.add(service_user)
        _db.session.flush()
        return service_user

    return factory


@pytest.fixture
def reason(db):
    """A default non-attendance reason by code."""
    from sqlalchemy import select

    from modules.attendance.models import NonAttendanceReason

    def find(code: str) -> NonAttendanceReason:
        return _db.session.scalars(select(NonAttendanceReason).where(NonAttendanceReason.code == code)).one()

    return find


@pytest.fixture
def on_day(monkeypatch):
    """Make the module's "today" a fixed day, so worked examples do not depend on the clock."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(services, "today", lambda: day)

    return set_today


@pytest.fixture
def all_permissions() -> tuple[str, ...]:
    """Every attendance permission: a section manager who also runs the programme and the lists."""
    return ALL
