"""An administrator sets up what a department records about people on screen only — contact-detail types (a lookup
list), reference number types with their own checks, relationship types with both sides' labels — and staff then
use them; and the person page's one timeline mixes a core case with a module's records, newest first, by module.

Demand categories and types, task categories and types, intention types with an automatic rule, and condition
types are set up on screen in tests/test_cases.py."""

from __future__ import annotations

import types
from datetime import datetime, timedelta

from sqlalchemy import select

from core.lookups import services as lookups
from core.lookups.models import LookupValue
from core.people.models import (
    PersonContactDetail,
    PersonIdentifier,
    PersonIdentifierType,
    PersonRelationshipType,
)
from core.people.testing import make_person, seed_types
from core.plugins import ModuleInfo, TimelineEntry, hookimpl
from core.types import LONDON, utcnow
from tests.casework import general_setup, open_case

ADMIN = ("admin.lookups.manage", "people.identifier_types.manage", "people.relationship_types.manage")
STAFF = ("people.view", "people.edit")


def posted(client, url: str, **data) -> None:
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_an_administrator_sets_up_contact_reference_and_relationship_types_on_screen(client, login_as, db):
    seed_types()
    login_as(*ADMIN, *STAFF)

    # contact-detail types are a lookup list: the code decides how values are checked
    listing = client.get("/admin/lookups/people.contact_type").get_data(as_text=True)
    assert "Contact type" in listing and "Mobile phone" in listing
    posted(client, "/admin/lookups/people.contact_type/add", label="Carer's mobile", code="carer_mobile")
    posted(client, "/admin/lookups/people.contact_type/add", label="Social worker email", code="sw_email")
    posted(client, "/admin/lookups/people.contact_type/add", label="Key safe code", code="key_safe")
    fax = db.session.scalar(select(LookupValue).where(LookupValue.list_code == "people.contact_type",
                                                      LookupValue.code == "work_phone"))
    posted(client, f"/admin/lookups/people.contact_type/{fax.id}/deactivate")

    # a reference number type with a pattern of the department's own, and one that must be unique
    form = client.get("/admin/people/reference-number-types/new").get_data(as_text=True)
    assert "NHS number (10 digits with a modulus 11 check digit)" in form
    broken = client.post("/admin/people/reference-number-types/new", data={
        "label": "Blue badge number", "code": "blue_badge", "validation": "regex", "pattern": "BB[0-9{6}",
        "active": "y"})
    assert broken.status_code == 400
    assert "The pattern is not a valid regular expression" in broken.get_data(as_text=True)
    posted(client, "/admin/people/reference-number-types/new", label="Blue badge number", code="blue_badge",
           validation="regex", pattern="BB[0-9]{6}", unique="y", active="y")
    posted(client, "/admin/people/reference-number-types/new", label="Library card", code="library_card",
           validation="free_text", active="y")
    assert "Blue badge number" in client.get("/admin/people/reference-number-types/").get_data(as_text=True)

    # a relationship type reads from each side
    posted(client, "/admin/people/relationship-types/new", label_a="appointee for", label_b="has appointee",
           code="appointee", active="y")
    assert "appointee for" in client.get("/admin/people/relationship-types/").get_data(as_text=True)

    # staff now use them all
    person, appointee = make_person("Dolores", "Quinn"), make_person("Patrick", "Quinn")
    carer_mobile = lookups.value("people.contact_type", "carer_mobile")
    new_contact = client.get(f"/people/{person.id}/contact-details/new").get_data(as_text=True)
    assert "Carer&#39;s mobile" in new_contact and "Key safe code" in new_contact
    assert "Work phone" not in new_contact
    refused = client.post(f"/people/{person.id}/contact-details/new",
                          data={"contact_type_id": carer_mobile.id, "value": "not a number"})
    assert refused.status_code == 400 and "phone number" in refused.get_data(as_text=True)
    posted(client, f"/people/{person.id}/contact-details/new", contact_type_id=carer_mobile.id,
           value="07400 123456")
    posted(client, f"/people/{person.id}/contact-details/new",
           contact_type_id=lookups.value("people.contact_type", "sw_email").id, value="Sam.Worker@Example.org")
    posted(client, f"/people/{person.id}/contact-details/new",
           contact_type_id=lookups.value("people.contact_type", "key_safe").id, value="  4 7 1 9 ")
    stored = sorted(db.session.scalars(select(PersonContactDetail.value)))
    assert stored == ["+447400123456", "4 7 1 9", "sam.worker@example.org"]

    badge = db.session.scalar(select(PersonIdentifierType).where(PersonIdentifierType.code == "blue_badge"))
    wrong = client.post(f"/people/{person.id}/reference-numbers/new",
                        data={"identifier_type_id": badge.id, "value": "BB12345"})
    assert wrong.status_code == 400
    assert "Enter a reference in the format this type uses" in wrong.get_data(as_text=True)
    posted(client, f"/people/{person.id}/reference-numbers/new", identifier_type_id=badge.id, value="bb123456")
    assert db.session.scalar(select(PersonIdentifier.value)) == "BB123456"
    shared = client.post(f"/people/{appointee.id}/reference-numbers/new",
                         data={"identifier_type_id": badge.id, "value": "BB123456"})
    assert shared.status_code == 400 and "already belongs to Dolores Quinn" in shared.get_data(as_text=True)

    appointee_type = db.session.scalar(select(PersonRelationshipType).where(PersonRelationshipType.code == "appointee"))
    posted(client, f"/people/{person.id}/relationships/new", relationship=f"{appointee_type.id}:b",
           other_id=appointee.id, start_date=["1", "3", "2024"])
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f'has appointee <a class="govuk-link" href="/people/{appointee.id}">Patrick Quinn</a>' in page
    assert "07400 123456" in page and "BB123456" in page


def test_type_screens_need_their_permissions(client, login_as, db):
    login_as(*STAFF)
    for url in ("/admin/lookups/people.contact_type", "/admin/people/reference-number-types/",
                "/admin/people/relationship-types/new"):
        assert client.get(url).status_code == 403, url


# --- one timeline across modules -------------------------------------------------------------------------------------


def housing_module(entries: list[tuple]) -> types.ModuleType:
    """A throwaway department module whose records show on the person's timeline."""
    module = types.ModuleType("housing_plugin")
    module.MODULE = ModuleInfo(name="housing", label="Housing")

    @hookimpl
    def timeline_entries(person_id):
        return [TimelineEntry(when, "housing", "repair", title, None, summary) for when, title, summary in entries]

    module.timeline_entries = timeline_entries
    return module


def test_the_person_timeline_mixes_a_case_with_a_modules_records_newest_first_and_filters(make_app, create_user, db):
    from flask import g

    now = utcnow().astimezone(LONDON)
    housing = housing_module([
        (now - timedelta(days=1), "Repair completed", "Boiler replaced"),
        (datetime(2025, 11, 3, 9, 0, tzinfo=LONDON), "Repair reported", "No heating"),
    ])
    app = make_app(modules=["housing"], extra={"housing": housing})
    client = app.test_client()
    user = create_user("people.view", "cases.view", "cases.edit")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    g.ppp_actor = user
    setup = general_setup()
    person = make_person("Bridget", "Walsh")
    case = open_case(setup.missed_bin, person)
    opened = f"Case {case.reference} opened: Report a missed bin collection"

    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    order = [opened, "Repair completed", "Repair reported"]
    positions = [page.index(title) for title in order]
    assert positions == sorted(positions)
    assert "Boiler replaced" in page and "Housing (2)" in page
    assert f'href="/cases/{case.id}"' in page

    only_housing = client.get(f"/people/{person.id}?module=housing").get_data(as_text=True)
    assert "Repair completed" in only_housing and "Repair reported" in only_housing
    assert opened not in only_housing
    only_cases = client.get(f"/people/{person.id}?module=cases").get_data(as_text=True)
    assert opened in only_cases and "Repair completed" not in only_cases
