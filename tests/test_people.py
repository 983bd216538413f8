"""People: reference number checks, duplicates before save, merging, address history, relationships, sensitive fields,
restricted records, the audited person page, its timeline and tabs, and screen permissions."""

from __future__ import annotations

import types
from datetime import date, datetime, timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.access.models import Team, TeamMember
from core.access.services import BreakGlassRequired
from core.audit.models import AuditEvent
from core.lookups import services as lookups
from core.people import identifiers, services
from core.people.models import (
    Person,
    PersonAddress,
    PersonContactDetail,
    PersonIdentifier,
    PersonIdentifierType,
    PersonPreviousName,
    PersonRelationship,
    PersonRelationshipType,
    PersonTeam,
    PersonWorker,
)
from core.people.testing import make_person, seed_types
from core.places.models import Place
from core.plugins import ModuleInfo, Permission, Tab, TimelineEntry, hookimpl
from core.types import LONDON

EVERYTHING = ("people.view", "people.create", "people.edit", "people.merge", "people.workers.manage")


@pytest.fixture(autouse=True)
def types_seeded(app):
    seed_types()


def kind(code: str) -> PersonIdentifierType:
    from core.extensions import db

    return db.session.scalar(select(PersonIdentifierType).where(PersonIdentifierType.code == code))


def relationship_kind(code: str) -> PersonRelationshipType:
    from core.extensions import db

    return db.session.scalar(select(PersonRelationshipType).where(PersonRelationshipType.code == code))


def make_place(db, address: str, postcode: str) -> Place:
    place = Place(display_address=address, postcode=postcode, source="manual")
    db.session.add(place)
    db.session.flush()
    return place


def home() -> int:
    return lookups.value("people.address_type", "home").id


# --- reference numbers --------------------------------------------------------------------------------------------


def test_nhs_number_modulus_11_check():
    assert identifiers.nhs_number("943 476 5919") == "9434765919"
    assert identifiers.format_nhs_number("9434765919") == "943 476 5919"
    for wrong in ("9434765918", "943476591", "94347659190", "943-476-591X"):
        with pytest.raises(identifiers.InvalidValue, match="NHS number"):
            identifiers.nhs_number(wrong)
    # a total that leaves a check digit of 10 can never be an NHS number
    assert identifiers.nhs_check_digit("943476591") == 9


def test_national_insurance_number_format():
    assert identifiers.ni_number("ab 12 34 56 c") == "AB123456C"
    assert identifiers.format_ni_number("AB123456C") == "AB 12 34 56 C"
    # D/F/I/Q/U/V never lead; O never second; GB, NK, TN, ZZ and friends never issued; the suffix is A to D
    for wrong in ("QQ123456C", "DA123456A", "AO123456A", "GB123456A", "ZZ123456A", "AB123456E", "AB12345C"):
        with pytest.raises(identifiers.InvalidValue, match="National Insurance"):
            identifiers.ni_number(wrong)


def test_reference_number_screen_checks_and_stores_the_normal_form(client, login_as, db):
    login_as("people.view", "people.edit")
    person = make_person("Margaret", "Holloway")
    nhs = kind("nhs_number")
    refused = client.post(f"/people/{person.id}/reference-numbers/new",
                          data={"identifier_type_id": nhs.id, "value": "943 476 5918"})
    assert refused.status_code == 400
    assert "Enter a real NHS number" in refused.get_data(as_text=True)
    assert "There is a problem" in refused.get_data(as_text=True)
    saved = client.post(f"/people/{person.id}/reference-numbers/new",
                        data={"identifier_type_id": nhs.id, "value": "943 476 5919"})
    assert saved.status_code == 302
    row = db.session.scalar(select(PersonIdentifier).where(PersonIdentifier.person_id == person.id))
    assert row.value == "9434765919"
    assert "943 476 5919" in client.get(f"/people/{person.id}").get_data(as_text=True)


def test_unique_reference_numbers_cannot_be_shared_but_household_ones_can(db, act_as):
    act_as("people.edit")
    first, second = make_person("Amir", "Hussain"), make_person("Farah", "Hussain")
    services.add_identifier(first, kind("nhs_number").id, "9434765919")
    with pytest.raises(services.PeopleError, match=r"already belongs to Amir Hussain \(record"):
        services.add_identifier(second, kind("nhs_number").id, "943 476 5919")
    services.add_identifier(first, kind("ni_number").id, "AB123456C")
    with pytest.raises(services.PeopleError, match="already belongs to Amir Hussain"):
        services.add_identifier(second, kind("ni_number").id, "ab 12 34 56 c")
    # a council tax reference is the household's: both may hold it
    services.add_identifier(first, kind("council_tax_reference").id, "CT 7000113")
    services.add_identifier(second, kind("council_tax_reference").id, "CT 7000113")
    # and the database itself refuses a second holder of a unique value
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(PersonIdentifier(person_id=second.id, identifier_type_id=kind("nhs_number").id,
                                        value="9434765919", match_key="9434765919", unique_key="9434765919"))
        db.session.flush()


def test_a_type_cannot_become_unique_while_two_people_share_a_value(db, act_as):
    act_as("people.edit", "people.identifier_types.manage")
    housing = kind("housing_reference")
    first, second = make_person("Grace", "Mensah"), make_person("Kwame", "Mensah")
    services.add_identifier(first, housing.id, "HSG-0042")
    services.add_identifier(second, housing.id, "hsg 0042")
    with pytest.raises(services.PeopleError, match="2 people share"):
        services.update_identifier_type(housing, housing.label, "free_text", "", True, True)
    services.remove_identifier(second, services.identifiers_of(second.id)[0].id)
    services.update_identifier_type(housing, housing.label, "free_text", "", True, True)
    with pytest.raises(services.PeopleError, match="already belongs to Grace Mensah"):
        services.add_identifier(second, housing.id, "HSG 0042")


def test_contact_details_are_checked_for_their_type(client, login_as, db):
    login_as("people.view", "people.edit")
    person = make_person("Rhys", "Morgan")
    email = lookups.value("people.contact_type", "email").id
    phone = lookups.value("people.contact_type", "phone").id
    bad = client.post(f"/people/{person.id}/contact-details/new", data={"contact_type_id": email, "value": "rhys@"})
    assert bad.status_code == 400
    assert "Enter an email address in the correct format" in bad.get_data(as_text=True)
    bad_phone = client.post(f"/people/{person.id}/contact-details/new", data={"contact_type_id": phone, "value": "12345"})
    assert bad_phone.status_code == 400
    assert "phone number" in bad_phone.get_data(as_text=True)
    assert client.post(f"/people/{person.id}/contact-details/new",
                       data={"contact_type_id": phone, "value": "0161 496 0123"}).status_code == 302
    row = db.session.scalar(select(PersonContactDetail).where(PersonContactDetail.person_id == person.id))
    assert row.value == "+441614960123"
    assert "0161 496 0123" in client.get(f"/people/{person.id}").get_data(as_text=True)


# --- duplicates before save ----------------------------------------------------------------------------------------


def test_possible_duplicates_are_shown_before_saving_and_the_user_confirms(client, login_as, db):
    login_as("people.view", "people.create")
    existing = make_person("John", "Smith", date(1980, 5, 1))
    similar = make_person("Jon", "Smith", date(1980, 5, 1))
    form = {
        "first_names": "john ", "last_name": "SMITH", "date_of_birth": ["1", "5", "1980"],
        "identifier_type_id": "", "identifier_value": "",
    }
    first = client.post("/people/new", data=form)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Possible duplicates" in page
    assert f'href="/people/{existing.id}"' in page and "Same name and date of birth" in page
    assert f'href="/people/{similar.id}"' in page and "Similar name and same date of birth" in page
    assert db.session.scalar(select(Person).where(Person.first_names == "john")) is None
    # the page carries the confirmation for exactly these details
    confirmed = page.split('name="confirmed" type="hidden" value="')[1].split('"')[0]
    second = client.post("/people/new", data={**form, "confirmed": confirmed})
    assert second.status_code == 302
    created = db.session.scalar(select(Person).where(Person.first_names == "john"))
    assert created.last_name == "SMITH" and created.date_of_birth == date(1980, 5, 1)
    # a confirmation for other details does not carry over
    third = client.post("/people/new", data={**form, "first_names": "Jonathan", "confirmed": confirmed})
    assert "Possible duplicates" in third.get_data(as_text=True)


def test_the_same_reference_number_is_a_duplicate_and_a_unique_one_blocks_saving(client, login_as, db, act_as):
    login_as("people.view", "people.create")
    act_as("people.edit")
    holder = make_person("Derek", "Holloway", date(1939, 11, 2))
    services.add_identifier(holder, kind("nhs_number").id, "9434765919")
    form = {"first_names": "Del", "last_name": "Hollway", "identifier_type_id": kind("nhs_number").id,
            "identifier_value": "943 476 5919"}
    shown = client.post("/people/new", data=form).get_data(as_text=True)
    assert "Same NHS number (943 476 5919)" in shown
    confirmed = shown.split('name="confirmed" type="hidden" value="')[1].split('"')[0]
    blocked = client.post("/people/new", data={**form, "confirmed": confirmed})
    assert blocked.status_code == 400
    assert "already belongs to Derek Holloway" in blocked.get_data(as_text=True)


def test_a_new_person_with_no_match_is_saved_at_once_and_modules_hear(make_app, create_user, db):
    heard = []
    module = types.ModuleType("listener_plugin")
    module.MODULE = ModuleInfo(name="listener", label="Listener")
    module.person_created = hookimpl(lambda person: heard.append(("created", person.full_name)))
    module.person_updated = hookimpl(lambda person: heard.append(("updated", person.full_name)))
    app = make_app(modules=["listener"], extra={"listener": module})
    client = app.test_client()
    user = create_user(*EVERYTHING)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    response = client.post("/people/new", data={"first_names": "Mei", "last_name": "Chen",
                                                "date_of_birth": ["7", "7", "1971"]})
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.last_name == "Chen"))
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    assert person.search_name == "mei chen"
    edit = client.post(f"/people/{person.id}/edit", data={
        "first_names": "Mei", "last_name": "Wong", "version": str(person.version), "keep_old_name": "y",
        "date_of_birth": ["7", "7", "1971"],
    })
    assert edit.status_code == 302
    assert heard == [("created", "Mei Chen"), ("updated", "Mei Wong")]
    db.session.refresh(person)
    assert [row.full_name for row in services.previous_names(person.id)] == ["Mei Chen"]
    assert person.search_name == "mei wong chen"


def test_a_stale_edit_shows_both_values_instead_of_overwriting(client, login_as, db):
    login_as("people.view", "people.edit")
    person = make_person("Susan", "Carter")
    opened_on = person.version
    person.last_name = "Carter-Jones"  # someone else saves first
    db.session.flush()
    response = client.post(f"/people/{person.id}/edit", data={
        "first_names": "Susan", "last_name": "Cartwright", "version": str(opened_on),
    })
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Cartwright" in page and "Carter-Jones" in page
    db.session.refresh(person)
    assert person.last_name == "Carter-Jones"


# --- merging -------------------------------------------------------------------------------------------------------


def listener_module(heard: list) -> types.ModuleType:
    module = types.ModuleType("repointer_plugin")
    module.MODULE = ModuleInfo(name="repointer", label="Re-pointer")
    module.person_merged = hookimpl(lambda target, source: heard.append((target.id, source.id)))
    return module


def test_merge_keeps_all_history_on_the_kept_record(make_app, db, create_user):
    heard: list = []
    app = make_app(modules=["repointer"], extra={"repointer": listener_module(heard)})
    client = app.test_client()
    user = create_user(*EVERYTHING, "people.audit.view")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    from flask import g

    g.ppp_actor = user
    email = lookups.value("people.contact_type", "email").id
    phone = lookups.value("people.contact_type", "phone").id
    mill, church = make_place(db, "14 Mill Lane, Testbury", "TE1 2AB"), make_place(db, "3 Church Street, Testbury", "TE1 4HQ")
    target = make_person("Margaret Ann", "Holloway", date(1941, 3, 17))
    source = make_person("Peggy", "Holloway", date(1941, 3, 17), safeguarding_notes="Keep the door chain on.")
    daughter = make_person("Susan", "Carter")
    services.add_contact_detail(target, email, "peggy@example.org")
    services.add_contact_detail(source, email, "Peggy@example.org")  # the same address, written differently
    services.add_contact_detail(source, phone, "0113 496 0001")
    services.add_identifier(target, kind("council_tax_reference").id, "CT7000100")
    services.add_identifier(source, kind("council_tax_reference").id, "ct 7000100")
    services.add_identifier(source, kind("nhs_number").id, "9434765919")
    services.add_address(source, church.id, home(), date(1960, 1, 1), date(1978, 5, 31))
    services.add_address(target, mill.id, home(), date(1978, 6, 1))
    services.add_relationship(daughter, source.id, relationship_kind("carer").id, True, date(2021, 2, 1))
    services.add_relationship(target, source.id, relationship_kind("sibling").id)  # meaningless once merged
    services.add_previous_name(source, "Margaret", "Price", date(1941, 3, 17), date(1962, 8, 3), "Marriage")
    services.assign_worker(source, user.id, lookups.value("people.worker_role", "key_worker").id, date(2024, 1, 1))

    response = client.post(f"/people/{target.id}/merge/{source.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, source.id).merged_into_id == target.id
    assert sorted((d.contact_type.code, d.value) for d in services.contact_details(target.id)) == [
        ("email", "peggy@example.org"), ("phone", "+441134960001"),
    ]
    assert sorted((i.identifier_type.code, i.value) for i in services.identifiers_of(target.id)) == [
        ("council_tax_reference", "CT7000100"), ("nhs_number", "9434765919"),
    ]
    assert [(a.place.postcode, a.start_date) for a in services.addresses_of(target.id)] == [
        ("TE1 2AB", date(1978, 6, 1)), ("TE1 4HQ", date(1960, 1, 1)),
    ]
    assert [(line.label, line.other.id) for line in services.relationships_of(target.id)] == [
        ("cared for by", daughter.id)
    ]
    assert {row.full_name for row in services.previous_names(target.id)} == {"Margaret Price", "Peggy Holloway"}
    assert [w.user_id for w in services.workers_of(target.id)] == [user.id]
    assert "Keep the door chain on." in db.session.get(Person, target.id).safeguarding_notes
    for model in (PersonContactDetail, PersonIdentifier, PersonAddress, PersonPreviousName, PersonWorker):
        assert db.session.scalars(select(model).where(model.person_id == source.id)).all() == []
    assert heard == [(target.id, source.id)]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merge", AuditEvent.person_id == target.id))
    assert event.actor_id == user.id and event.details["source_id"] == source.id

    # the duplicate is gone from search but its page still resolves, to the kept record with a banner
    assert services.search_people(services.SearchCriteria(name="peggy")).people == [db.session.get(Person, target.id)]
    opened = client.get(f"/people/{source.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/people/{target.id}")
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert f"Record {source.id} (Peggy Holloway) was merged into this record." in page
    assert "Peggy Holloway" in page  # now a previous name


def test_a_second_current_home_is_ended_by_the_merge(db, act_as):
    act_as(*EVERYTHING)
    mill, station = make_place(db, "14 Mill Lane", "TE1 2AB"), make_place(db, "27 Station Road", "TE2 7LP")
    target, source = make_person("Leon", "Walker"), make_person("Leon", "Walker")
    services.add_address(target, mill.id, home(), date(2024, 1, 8))
    services.add_address(source, station.id, home(), date(2016, 5, 1))
    services.merge_people(target, source)
    current = [a for a in services.addresses_of(target.id) if a.current_on(services.today())]
    assert [a.place.postcode for a in current] == ["TE1 2AB"]
    moved = next(a for a in services.addresses_of(target.id) if a.place_id == station.id)
    assert moved.end_date == services.today() - timedelta(days=1)
    assert f"record {source.id} was merged" in moved.note


def test_merging_needs_its_permission(client, login_as, db):
    login_as("people.view", "people.edit")
    target, source = make_person("Tom", "Nowak"), make_person("Tomasz", "Nowak")
    assert client.get(f"/people/{target.id}/merge").status_code == 403
    assert client.post(f"/people/{target.id}/merge/{source.id}").status_code == 403
    assert db.session.get(Person, source.id).merged_into_id is None


# --- address history ------------------------------------------------------------------------------------------------


def test_an_address_cannot_end_before_it_starts(client, login_as, db):
    login_as("people.view", "people.edit")
    person = make_person("Winston", "Clarke")
    place = make_place(db, "41 High Street, Testbury", "TE1 1AA")
    response = client.post(f"/people/{person.id}/addresses/new?q=TE1+1AA", data={
        "place_id": place.id, "address_type_id": home(),
        "start_date": ["5", "5", "1995"], "end_date": ["4", "5", "1995"],
    })
    assert response.status_code == 400
    assert "The end date must be the same as or after the start date" in response.get_data(as_text=True)
    assert services.addresses_of(person.id) == []
    ok = client.post(f"/people/{person.id}/addresses/new?q=TE1+1AA", data={
        "place_id": place.id, "address_type_id": home(), "start_date": ["5", "5", "1995"],
    })
    assert ok.status_code == 302
    row = services.addresses_of(person.id)[0]
    bad_end = client.post(f"/people/{person.id}/addresses/{row.id}/end", data={"end_date": ["1", "1", "1990"]})
    assert bad_end.status_code == 400
    assert "The end date must be the same as or after the start date" in bad_end.get_data(as_text=True)


def test_address_history_lists_current_first_then_newest(db, act_as):
    act_as("people.edit")
    person = make_person("Olivia", "Bennett")
    places = [make_place(db, f"{n} Park View", f"TE3 6B{letter}") for n, letter in ((1, "A"), (2, "B"), (3, "D"), (4, "E"))]
    correspondence = lookups.value("people.address_type", "correspondence").id
    services.add_address(person, places[0].id, home(), date(2001, 4, 27), date(2010, 1, 31))
    services.add_address(person, places[1].id, home(), date(2015, 3, 1), date(2022, 7, 31))
    services.add_address(person, places[2].id, home(), date(2022, 8, 1))
    services.add_address(person, places[3].id, correspondence, date(2010, 2, 1), date(2015, 2, 28))
    assert [(a.place.display_address, a.start_date.year) for a in services.addresses_of(person.id)] == [
        ("3 Park View", 2022), ("2 Park View", 2015), ("4 Park View", 2010), ("1 Park View", 2001),
    ]


def test_one_home_address_at_a_time_or_a_clear_message(db, act_as):
    act_as("people.edit")
    person = make_person("Tomasz", "Nowak", preferred_name="Tom")
    victoria, orchard = make_place(db, "112 Victoria Road", "TE3 5DN"), make_place(db, "8 Orchard Close", "TE2 9RS")
    services.add_address(person, victoria.id, home(), date(2017, 3, 20))
    with pytest.raises(services.PeopleError) as refused:
        services.add_address(person, orchard.id, home(), date(2025, 6, 1))
    assert str(refused.value) == (
        "Tom Nowak already has a home address at 112 Victoria Road from 20 March 2017 with no end date. "
        "A person has one home address at a time: end that one first, or say this address replaces it"
    )
    services.add_address(person, orchard.id, home(), date(2025, 6, 1), replaces_home=True)
    history = services.addresses_of(person.id)
    assert [(a.place.postcode, a.end_date) for a in history] == [("TE2 9RS", None), ("TE3 5DN", date(2025, 5, 31))]
    # a correspondence address may sit alongside the home address
    services.add_address(person, victoria.id, lookups.value("people.address_type", "correspondence").id, date(2025, 6, 1))


# --- relationships -------------------------------------------------------------------------------------------------


def test_relationship_labels_read_from_each_side(client, login_as, db):
    login_as("people.view", "people.edit")
    parent, child = make_person("Grace", "Mensah"), make_person("Kwame", "Mensah")
    response = client.post(f"/people/{child.id}/relationships/new", data={
        "relationship": f"{relationship_kind('parent').id}:b", "other_id": parent.id,
        "start_date": ["21", "10", "2016"],
    })
    assert response.status_code == 302
    row = db.session.scalar(select(PersonRelationship))
    assert (row.person_a_id, row.person_b_id) == (parent.id, child.id)  # stored as "Grace is parent of Kwame"
    parent_page = client.get(f"/people/{parent.id}").get_data(as_text=True)
    child_page = client.get(f"/people/{child.id}").get_data(as_text=True)
    assert f'parent of <a class="govuk-link" href="/people/{child.id}">Kwame Mensah</a>' in parent_page
    assert f'child of <a class="govuk-link" href="/people/{parent.id}">Grace Mensah</a>' in child_page
    refused = client.post(f"/people/{child.id}/relationships/new", data={
        "relationship": f"{relationship_kind('parent').id}:a", "other_id": child.id,
    })
    assert refused.status_code == 400
    assert "A person cannot be related to themselves" in refused.get_data(as_text=True)


# --- sensitive fields, working relationships and restricted records ---------------------------------------------


def test_safeguarding_notes_are_hidden_without_a_working_relationship_and_shown_to_the_assigned_worker(
    client, login_as, create_user, db, act_as
):
    person = make_person("Bridget", "Doyle", safeguarding_notes="Doorstep callers reported twice.")
    worker = login_as("people.view")
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Doorstep callers reported twice." not in page
    assert "Hidden: only staff working with this person can see this" in page

    act_as("people.workers.manage")
    services.assign_worker(person, worker.id, lookups.value("people.worker_role", "key_worker").id, services.today())
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Doorstep callers reported twice." in page
    assert "Hidden: only staff" not in page


def test_working_relationships_come_from_current_assignments_and_active_teams(create_user, db, act_as):
    act_as("people.workers.manage")
    person = make_person("Dorota", "Kowalczyk")
    worker, member, stranger = create_user(), create_user(), create_user()
    role = lookups.value("people.worker_role", "social_worker").id
    from core.access.services import has_working_relationship

    assert not has_working_relationship(person.id, worker)
    assignment = services.assign_worker(person, worker.id, role, date(2024, 1, 1))
    assert has_working_relationship(person.id, worker)
    services.end_worker(person, assignment.id, services.today() - timedelta(days=1))
    assert not has_working_relationship(person.id, worker)

    team = Team(code="north", name="North locality team", team_type="general")
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=member.id))
    services.add_team(person, team.id, date(2024, 1, 1))
    assert has_working_relationship(person.id, member)
    assert not has_working_relationship(person.id, stranger)
    team.active = False
    db.session.flush()
    assert not has_working_relationship(person.id, member)
    assert db.session.scalar(select(PersonTeam.team_id)) == team.id


def test_a_restricted_record_sends_staff_without_a_working_relationship_to_break_glass(client, login_as, db, act_as):
    person = make_person("Olivia", "Bennett", restricted=True)
    user = login_as("people.view")
    response = client.get(f"/people/{person.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/access/break-glass/{person.id}?next=/people/{person.id}"
    # edit screens meet the same rule
    assert client.get(f"/people/{person.id}/edit").status_code == 403  # no people.edit: refused before anything
    reason = client.post(f"/access/break-glass/{person.id}",
                         data={"reason": "Duty call from the police about a missing person", "next": f"/people/{person.id}"})
    assert reason.status_code == 302
    assert client.get(f"/people/{person.id}").status_code == 200

    assigned = login_as("people.view")
    db.session.add(PersonWorker(person_id=person.id, user_id=assigned.id, start_date=date(2025, 1, 6),
                                role_id=lookups.value("people.worker_role", "key_worker").id))
    db.session.flush()
    assert client.get(f"/people/{person.id}").status_code == 200
    # changing a restricted record needs the same access as opening it
    act_as("people.workers.manage")
    with pytest.raises(BreakGlassRequired):
        services.assign_worker(person, user.id, lookups.value("people.worker_role", "key_worker").id, None)
    assert user.id != assigned.id


# --- the person page: audit, timeline, tabs ---------------------------------------------------------------------


def test_each_view_of_a_person_page_is_audited_and_listed_for_those_allowed(client, login_as, db):
    person = make_person("Siobhan", "O'Neill")
    viewer = login_as("people.view", name="Viewer Vic")
    assert client.get(f"/people/{person.id}").status_code == 200
    assert client.get(f"/people/{person.id}").status_code == 200
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.person_id == person.id)
    ).all()
    assert [(e.actor_id, e.entity_type, e.entity_id) for e in views] == [(viewer.id, "person", str(person.id))] * 2
    assert "Who has accessed this record" not in client.get(f"/people/{person.id}").get_data(as_text=True)

    login_as("people.view", "people.audit.view", name="Auditor Ann")
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Who has accessed this record" in page
    assert page.count("Viewer Vic") == 3 and "Auditor Ann" in page


def timeline_module(name: str, label: str, entries: list[tuple]) -> types.ModuleType:
    module = types.ModuleType(f"{name}_plugin")
    module.MODULE = ModuleInfo(name=name, label=label)

    @hookimpl
    def timeline_entries(person_id):
        return [TimelineEntry(when, name, "note", title, None, summary) for when, title, summary in entries]

    module.timeline_entries = timeline_entries
    return module


def test_the_timeline_merges_every_modules_entries_newest_first_and_filters_by_module(make_app, db, create_user):
    housing = timeline_module("housing", "Housing", [
        (datetime(2025, 3, 1, 9, 30, tzinfo=LONDON), "Repair reported", "Damp in the back bedroom"),
        (date(2024, 11, 20), "Tenancy started", ""),
    ])
    care = timeline_module("adult_care", "Adult care", [
        (datetime(2025, 4, 2, 14, 0, tzinfo=LONDON), "Care assessment", "Needs help with meals"),
        (datetime(2025, 1, 15, 11, 0, tzinfo=LONDON), "Referral received", ""),
    ])
    app = make_app(modules=["housing", "adult_care"], extra={"housing": housing, "adult_care": care})
    client = app.test_client()
    user = create_user("people.view")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    person = make_person("Raj", "Patel")

    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    # the record was created today, so it comes first of all
    order = ["Record created", "Care assessment", "Repair reported", "Referral received", "Tenancy started"]
    positions = [page.index(title) for title in order]
    assert positions == sorted(positions)
    assert "Damp in the back bedroom" in page
    assert "Housing (2)" in page and "Adult care (2)" in page

    filtered = client.get(f"/people/{person.id}?module=housing").get_data(as_text=True)
    assert "Repair reported" in filtered and "Tenancy started" in filtered
    assert "Care assessment" not in filtered and "Referral received" not in filtered

    timeline = services.timeline(person.id)
    assert [entry.title for entry in timeline.entries] == order
    assert [entry.module for entry in services.timeline(person.id, "adult_care").entries] == ["adult_care"] * 2


def test_module_tabs_show_only_to_holders_of_their_permission(make_app, db, create_user):
    module = types.ModuleType("benefits_plugin")
    module.MODULE = ModuleInfo(name="benefits", label="Benefits")
    module.register_permissions = hookimpl(lambda: [Permission("benefits.claims.view", "See claims")])
    module.register_tabs = hookimpl(lambda: [
        Tab("person", "benefits.claims", "Benefit claims", "benefits.claims.view",
            lambda person: Markup(f"<p>Housing Benefit claim for {person.last_name}</p>"))
    ])
    app = make_app(modules=["benefits"], extra={"benefits": module})
    person = make_person("Fatima", "Ali")
    client = app.test_client()
    for permissions, shown in ((("people.view",), False), (("people.view", "benefits.claims.view"), True)):
        user = create_user(*permissions)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
        page = client.get(f"/people/{person.id}").get_data(as_text=True)
        assert ("Benefit claims" in page) is shown
        assert ("Housing Benefit claim for Ali" in page) is shown
        assert 'class="govuk-tabs"' in page


# --- screen permissions ---------------------------------------------------------------------------------------


def test_screens_refuse_users_without_their_permission(client, login_as, db):
    person = make_person("Jack", "Price")
    login_as("people.view")
    for url in (
        "/people/new", f"/people/{person.id}/edit", f"/people/{person.id}/contact-details/new",
        f"/people/{person.id}/reference-numbers/new", f"/people/{person.id}/addresses/new",
        f"/people/{person.id}/relationships/new", f"/people/{person.id}/workers/new", f"/people/{person.id}/teams/new",
        f"/people/{person.id}/merge", "/admin/people/reference-number-types/", "/admin/people/relationship-types/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/people/new", data={"first_names": "A", "last_name": "B"}).status_code == 403
    login_as("people.edit")
    assert client.get(f"/people/{person.id}").status_code == 403
    assert client.get("/people/?name=price").status_code == 403
