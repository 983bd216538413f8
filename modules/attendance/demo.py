"""Demo records for a working day-service provider: two premises, three sections, eight service users drawn from the
core demo people, their programmes, meetings and six weeks of marked registers."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from flask import g
from sqlalchemy import select

from core.access import services as access
from core.extensions import db
from core.lookups import services as lookups
from core.people.models import Person
from core.security import services as security

from . import services
from .models import ATTENDED, NOT_ATTENDED, PLANNED, Attendance, Premises

#: (first names, last name, funder, paid by, bank (name, sort code, account), key worker?, weeks since start,
#:  medical conditions, special needs, emergency contact (name, relationship, phone), slots (section, weekday, half))
SERVICE_USERS = [
    ("Susan", "Carter", "local_authority", "cash", None, True, 40,
     "Depression; takes sertraline each morning", "Prefers written instructions",
     ("Jack Price", "Friend", "0113 496 0101"), [("Woodwork", 0, "AM"), ("Woodwork", 2, "AM")]),
    ("Tomasz", "Nowak", "nhs_icb", "bacs", ("T NOWAK", "089999", "66374958"), True, 30,
     "Anxiety disorder", "", ("Agnieszka Nowak", "Wife", "0113 496 0102"),
     [("Woodwork", 1, "AM"), ("Woodwork", 1, "PM"), ("Horticulture", 3, "AM")]),
    ("Olivia", "Bennett", "nhs_icb", "cash", None, False, 12,
     "Bipolar disorder", "Needs a quiet space to take breaks", ("Rhys Morgan", "Partner", "020 7946 0103"),
     [("Horticulture", 0, "PM"), ("Horticulture", 3, "PM")]),
    ("Siobhan", "O'Neill", "local_authority", "bacs", ("S O'NEILL", "107999", "88837491"), True, 52,
     "", "Dyslexia: read documents aloud", ("Bridget Doyle", "Aunt", "0113 496 0104"),
     [("Catering", 1, "AM"), ("Catering", 4, "AM")]),
    ("Rhys", "Morgan", "charitable_trust", "cash", None, False, 8,
     "Psychosis, stable on medication", "", ("Olivia Bennett", "Partner", "020 7946 0105"),
     [("Woodwork", 0, "PM"), ("Catering", 2, "PM")]),
    ("Leon", "Walker", "nhs_icb", "bacs", ("L WALKER", "202959", "63748472"), True, 20,
     "Post-traumatic stress disorder", "Sits near a door", ("Winston Clarke", "Uncle", "0113 496 0106"),
     [("Horticulture", 1, "AM"), ("Horticulture", 2, "AM"), ("Horticulture", 4, "AM")]),
    ("Fatima", "Ali", "self_funded", "cash", None, False, 6,
     "", "Arabic interpreter for review meetings", ("Amir Hussain", "Neighbour", "020 7946 0107"),
     [("Catering", 0, "AM"), ("Catering", 3, "AM")]),
    ("Grace", "Mensah", "local_authority", "cash", None, True, 16,
     "Generalised anxiety", "", ("Kwame Mensah's school office", "Family contact", "0113 496 0108"),
     [("Woodwork", 3, "PM"), ("Woodwork", 4, "PM")]),
]

#: (premises, assembly point, section, places per half-day, managed by the section manager?)
SECTIONS = [
    ("Riverside Centre", "Car park by the main gate", "Woodwork", 8, True),
    ("Riverside Centre", "Car park by the main gate", "Horticulture", 10, True),
    ("Hillside Workshop", "Front lawn, by the flagpole", "Catering", 6, False),
]

#: reasons used on the demo registers, in turn, when a half-day was missed
MISSED = ["sick", "medical_appointment", "holiday", "job_interview", "no_reason"]


@contextmanager
def _as(email: str):
    # services check permissions and record who acted: the demo acts as a named demo user
    previous = g.get("ppp_actor")
    g.ppp_actor = security.get_user_by_email(email)
    try:
        yield g.ppp_actor
    finally:
        g.ppp_actor = previous


def _person(first: str, last: str) -> Person | None:
    return db.session.scalar(
        select(Person).where(Person.first_names == first, Person.last_name == last, Person.merged_into_id.is_(None))
    )


def load_demo_attendance() -> None:
    """Add the demo provider once; a second run finds Riverside Centre and adds nothing."""
    if db.session.scalar(select(Premises.id).where(Premises.name == "Riverside Centre")) is not None:
        return
    with _as("admin@example.org") as admin:
        if admin is None:  # the core demo users are missing: nothing to act as
            return
        manager = security.get_user_by_email("manager@example.org")
        worker = security.get_user_by_email("caseworker@example.org")
        today = services.today()
        monday = today - timedelta(days=today.weekday())
        first_day = monday - timedelta(weeks=6)
        last_day = monday + timedelta(weeks=26) - timedelta(days=3)

        team = access.create_team("woodwork_staff", "Woodwork staff", "attendance.section_staff")
        if worker is not None:
            access.add_member(team, worker)
        premises: dict[str, Premises] = {}
        sections = {}
        for place, assembly, name, capacity, managed in SECTIONS:
            if place not in premises:
                premises[place] = services.save_premises(place, assembly)
            sections[name] = services.save_section(services.SectionDetails(
                premises_id=premises[place].id, name=name, capacity=capacity,
                manager_id=manager.id if managed and manager else None,
                staff_team_id=team.id if name == "Woodwork" else None,
            ))
        services.add_closure(sections["Horticulture"], monday + timedelta(weeks=3, days=2),
                             monday + timedelta(weeks=3, days=2), "Staff first-aid training")

        people = []
        for (first, last, funder, method, bank, keyed, weeks, medical, needs, contact, slots) in SERVICE_USERS:
            person = _person(first, last)
            if person is None:
                continue
            started = monday - timedelta(weeks=weeks)
            name, sort_code, account = bank or ("", "", "")
            service_user = services.create_service_user(person.id, services.ServiceUserDetails(
                referral_date=started - timedelta(weeks=4), start_date=started,
                funder_id=lookups.value("attendance.funder", funder).id, contract_reference=f"DS-{person.id:04d}",
                key_worker_id=worker.id if keyed and worker else None, payment_method=method,
                bank_account_name=name, bank_sort_code=sort_code, bank_account_number=account,
            ))
            services.set_needs(service_user, medical, needs)
            services.add_emergency_contact(service_user, *contact)
            by_section: dict[str, list[tuple[int, str]]] = {}
            for section, weekday, half in slots:
                by_section.setdefault(section, []).append((weekday, half))
            for section, wanted in by_section.items():
                services.save_pattern(service_user, sections[section].id, max(first_day, started), last_day, wanted)
            services.record_meeting(
                service_user, "consultation", started - timedelta(weeks=2), f"{first}, {worker.name if worker else ''}",
                "Talked through the sections and agreed a first programme.", started + timedelta(weeks=12),
            )
            people.append(service_user)

        # a review for the longest-standing service users, with an action for the key worker
        for service_user in people[:4]:
            held = monday - timedelta(weeks=2, days=-1)
            services.record_meeting(
                service_user, "review", held, f"{service_user.person.first_names}, Priya Shah (key worker)",
                "Attending well; interested in a work trial.",
                held + timedelta(weeks=12) if service_user is not people[0] else today - timedelta(days=3),
                [services.AgreedAction("Look for a work-trial placement", worker.id, today + timedelta(weeks=3))]
                if worker else [],
            )

    _mark_demo_registers(first_day, today)


def _mark_demo_registers(first_day: date, today: date) -> None:
    """Mark every past register, one half-day in ten missed for a reason; the last Catering register stays
    unmarked so a "register not taken" alert shows."""
    reasons = {reason.code: reason for reason in services.reasons()}
    with _as("manager@example.org") as manager:
        if manager is None:
            return
        rows = db.session.scalars(
            select(Attendance).where(Attendance.day >= first_day, Attendance.day < today, Attendance.status == PLANNED)
            .order_by(Attendance.day, Attendance.half, Attendance.section_id, Attendance.id)
        ).all()
        registers: dict[tuple, list[Attendance]] = {}
        for row in rows:
            registers.setdefault((row.section_id, row.day, row.half), []).append(row)
        catering = [key for key in registers if registers[key][0].section.name == "Catering"]
        left_open = catering[-1] if catering else None
        missed = 0
        for number, (key, register_rows) in enumerate(registers.items()):
            if key == left_open:
                continue
            section = register_rows[0].section
            marks = []
            for index, row in enumerate(register_rows):
                if (number + index) % 10 == 3:
                    # each missed half-day takes the next reason in turn, so paid and unpaid reasons both show
                    code = MISSED[missed % len(MISSED)]
                    missed += 1
                    marks.append(services.Mark(row.id, NOT_ATTENDED, reasons[code].id))
                else:
                    marks.append(services.Mark(row.id, ATTENDED))
            services.mark_register(section, key[1], key[2], marks)
        services.raise_register_alerts()
