"""Helpers for tests that need people, for the core's and modules' tests alike."""

from __future__ import annotations

from datetime import date

from core.extensions import db
from core.people import services
from core.people.models import Person


def make_person(
    first_names: str = "Jo", last_name: str = "Bloggs", date_of_birth: date | None = None, **fields
) -> Person:
    """A person written straight to the database, as a factory would, with their search key filled in."""
    person = Person(first_names=first_names, last_name=last_name, date_of_birth=date_of_birth, **fields)
    services.refresh_search_name(person)
    db.session.add(person)
    db.session.flush()
    return person


def seed_types() -> None:
    """The seeded reference number and relationship types, which ``ppp db upgrade`` adds outside tests."""
    services.sync_types()
