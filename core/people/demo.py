"""Made-up people for demonstrations: households in the fictional town of Testbury, with contacts, reference numbers,
addresses and relationships. Every NHS number is in the 999 range the NHS keeps for testing."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from flask import g
from sqlalchemy import select

from core.extensions import db
from core.lookups import services as lookups
from core.people import identifiers, services
from core.people.models import Person, PersonIdentifierType, PersonRelationship, PersonRelationshipType
from core.places.models import Place

#: hand-entered demo places: (key, building number, street, postcode)
PLACES = (
    ("mill", "14", "Mill Lane", "TE1 2AB"),
    ("church", "3", "Church Street", "TE1 4HQ"),
    ("station", "27", "Station Road", "TE2 7LP"),
    ("orchard", "8", "Orchard Close", "TE2 9RS"),
    ("victoria", "112", "Victoria Road", "TE3 5DN"),
    ("park", "5", "Park View", "TE3 6BW"),
    ("high", "41", "High Street", "TE1 1AA"),
)

#: (key, first names, last name, preferred name, date of birth, gender, ethnicity, language, home, moved in)
PEOPLE = (
    ("margaret", "Margaret Ann", "Holloway", "Peggy", date(1941, 3, 17), "female", "white_british", "english", "mill", date(1978, 6, 1)),
    ("derek", "Derek", "Holloway", "", date(1939, 11, 2), "male", "white_british", "english", "mill", date(1978, 6, 1)),
    ("susan", "Susan", "Carter", "Sue", date(1968, 7, 9), "female", "white_british", "english", "church", date(2001, 9, 14)),
    ("amir", "Amir", "Hussain", "", date(1975, 1, 23), "male", "asian_pakistani", "urdu", "station", date(2010, 4, 1)),
    ("farah", "Farah", "Hussain", "", date(1979, 5, 30), "female", "asian_pakistani", "urdu", "station", date(2010, 4, 1)),
    ("zain", "Zain", "Hussain", "", date(2009, 12, 12), "male", "asian_pakistani", "english", "station", date(2010, 4, 1)),
    ("aisha", "Aisha", "Hussain", "", date(2013, 8, 4), "female", "asian_pakistani", "english", "station", date(2013, 8, 4)),
    ("grace", "Grace", "Mensah", "", date(1986, 2, 14), "female", "black_african", "english", "orchard", date(2019, 1, 7)),
    ("kwame", "Kwame", "Mensah", "", date(2016, 10, 21), "male", "black_african", "english", "orchard", date(2019, 1, 7)),
    ("tomasz", "Tomasz", "Nowak", "Tom", date(1990, 6, 3), "male", "white_other", "polish", "victoria", date(2017, 3, 20)),
    ("agnieszka", "Agnieszka", "Nowak", "Aga", date(1992, 9, 18), "female", "white_other", "polish", "victoria", date(2017, 3, 20)),
    ("olivia", "Olivia", "Bennett", "Liv", date(2001, 4, 27), "female", "mixed_white_black_caribbean", "english", "park", date(2022, 8, 1)),
    ("winston", "Winston", "Clarke", "", date(1952, 8, 8), "male", "black_caribbean", "english", "high", date(1995, 5, 5)),
    ("siobhan", "Siobhan", "O'Neill", "", date(1983, 11, 30), "female", "white_irish", "english", "church", date(2015, 2, 2)),
    ("rhys", "Rhys", "Morgan", "", date(1997, 1, 5), "male", "white_british", "welsh", "park", date(2021, 10, 11)),
    ("priya", "Priya", "Patel", "", date(1988, 3, 3), "female", "asian_indian", "gujarati", "high", date(2020, 6, 15)),
    ("raj", "Rajesh", "Patel", "Raj", date(1958, 12, 25), "male", "asian_indian", "gujarati", "high", date(2020, 6, 15)),
    ("mei", "Mei", "Chen", "", date(1971, 7, 7), "female", "asian_chinese", "cantonese", "mill", date(2012, 11, 1)),
    ("ellie", "Eleanor", "Price", "Ellie", date(2006, 5, 19), "female", "white_british", "english", "church", date(2006, 5, 19)),
    ("jack", "Jack", "Price", "", date(1964, 10, 10), "male", "white_british", "english", "church", date(1999, 3, 1)),
    ("fatima", "Fatima", "Ali", "", date(1995, 2, 28), "female", "other_arab", "arabic", "orchard", date(2023, 4, 3)),
    ("dorota", "Dorota", "Kowalczyk", "", date(1949, 4, 1), "female", "white_other", "polish", "victoria", date(2005, 7, 1)),
    ("leon", "Leon", "Walker", "", date(1979, 9, 9), "male", "mixed_white_black_african", "english", "station", date(2024, 1, 8)),
    ("bridget", "Bridget", "Doyle", "", date(1936, 6, 6), "female", "white_gypsy_irish_traveller", "english", "park", date(2018, 9, 9)),
)

#: (key of person A, relationship type code, key of person B, since)
RELATIONSHIPS = (
    ("margaret", "spouse", "derek", date(1962, 8, 4)),
    ("susan", "carer", "margaret", date(2021, 2, 1)),
    ("amir", "spouse", "farah", date(2006, 7, 15)),
    ("amir", "parent", "zain", date(2009, 12, 12)),
    ("farah", "parent", "zain", date(2009, 12, 12)),
    ("amir", "parent", "aisha", date(2013, 8, 4)),
    ("farah", "parent", "aisha", date(2013, 8, 4)),
    ("zain", "sibling", "aisha", date(2013, 8, 4)),
    ("grace", "parent", "kwame", date(2016, 10, 21)),
    ("tomasz", "partner", "agnieszka", date(2015, 5, 1)),
    ("raj", "parent", "priya", date(1988, 3, 3)),
    ("priya", "carer", "raj", date(2020, 6, 15)),
    ("jack", "parent", "ellie", date(2006, 5, 19)),
    ("siobhan", "emergency_contact", "bridget", date(2019, 3, 1)),
    ("agnieszka", "carer", "dorota", date(2022, 1, 10)),
)

#: people who moved: (key, earlier place key, from, to)
EARLIER_HOMES = (
    ("susan", "high", date(1990, 1, 1), date(2001, 9, 13)),
    ("leon", "victoria", date(2016, 5, 1), date(2024, 1, 7)),
    ("olivia", "church", date(2001, 4, 27), date(2022, 7, 31)),
)


def demo_nhs_number(index: int) -> str:
    """The index-th NHS number of the 999 test range whose check digit exists."""
    number = 999_000_000 + index * 37
    while True:
        first_nine = f"{number:09d}"
        check = identifiers.nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
        number += 1


def demo_ni_number(index: int) -> str:
    letters = "ABCEGHJKLMNPRSTWXYZ"
    return f"J{letters[index % len(letters)]}{(index * 104729) % 1_000_000:06d}{'ABCD'[index % 4]}"


@contextmanager
def _as_demo_administrator():
    # services check permissions; the demo is loaded on the administrator's behalf, so the audit names them
    from core.security.services import get_user_by_email

    previous = g.get("ppp_actor")
    g.ppp_actor = get_user_by_email("admin@example.org")
    try:
        yield
    finally:
        g.ppp_actor = previous


def _demo_places() -> dict[str, Place]:
    from core.places import services as places

    found: dict[str, Place] = {}
    for key, number, street, postcode in PLACES:
        place = db.session.scalar(
            select(Place).where(Place.postcode == postcode, Place.building_number == number, Place.street == street)
        )
        if place is None:
            place = places.create_place(
                {"building_number": number, "street": street, "town": "Testbury", "postcode": postcode}
            )
        found[key] = place
    return found


def load_demo_people() -> None:
    """Add the demo households that are missing; people already there (same name and date of birth) are kept."""
    services.sync_types()
    with _as_demo_administrator():
        places = _demo_places()
        kinds = {kind.code: kind for kind in db.session.scalars(select(PersonIdentifierType))}
        home = lookups.value("people.address_type", "home").id
        email = lookups.value("people.contact_type", "email").id
        phone = lookups.value("people.contact_type", "phone").id
        people: dict[str, Person] = {}
        for index, row in enumerate(PEOPLE):
            key, first, last, preferred, born, gender, ethnicity, language, place, since = row
            person = db.session.scalar(
                select(Person).where(Person.first_names == first, Person.last_name == last, Person.date_of_birth == born)
            )
            if person is None:
                person = services.create_person(
                    services.PersonDetails(
                        first_names=first,
                        last_name=last,
                        preferred_name=preferred,
                        date_of_birth=born,
                        gender_id=lookups.value("people.gender", gender).id,
                        ethnicity_id=lookups.value("people.ethnicity", ethnicity).id,
                        preferred_language_id=lookups.value("people.language", language).id,
                        interpreter_required=language not in ("english", "welsh"),
                    ),
                    (kinds["nhs_number"].id, demo_nhs_number(index)),
                    confirmed=True,
                )
                if born <= date(2008, 1, 1):
                    services.add_identifier(person, kinds["ni_number"].id, demo_ni_number(index))
                    mailbox = services.normalise_name(f"{first.split()[0]}.{last}").replace(" ", ".")
                    services.add_contact_detail(person, email, f"{mailbox}@example.org", preferred=True)
                services.add_contact_detail(person, phone, f"0113 496 0{index:03d}")
                services.add_identifier(person, kinds["council_tax_reference"].id, f"CT{7_000_100 + index * 13}")
                for earlier_key, earlier, start, end in EARLIER_HOMES:
                    if earlier_key == key:
                        services.add_address(person, places[earlier].id, home, start, end)
                services.add_address(person, places[place].id, home, since)
                # restricted last: once restricted, only staff working with her can change the record
                person.restricted = key == "olivia"
            people[key] = person
        if "bridget" in people and not people["bridget"].safeguarding_notes:
            people["bridget"].safeguarding_notes = "Lives alone; a neighbour has twice reported doorstep callers."
        kinds_by_code = {kind.code: kind for kind in db.session.scalars(select(PersonRelationshipType))}
        for a, code, b, since in RELATIONSHIPS:
            kind = kinds_by_code[code]
            exists = db.session.scalar(
                select(PersonRelationship.id).where(
                    PersonRelationship.person_a_id == people[a].id,
                    PersonRelationship.person_b_id == people[b].id,
                    PersonRelationship.relationship_type_id == kind.id,
                )
            )
            if exists is None:
                services.add_relationship(people[a], people[b].id, kind.id, True, since)
        db.session.flush()
