"""/api/v1/people: create, read, change with If-Match, search with pages, contact details, reference numbers,
addresses and relationships; restricted records the caller may not open answer 404; every read is audited."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.api.testing import bearer, make_token
from core.audit.models import AuditEvent
from core.extensions import db
from core.lookups import services as lookups
from core.people import services
from core.people.models import Person, PersonWorker
from core.people.testing import make_person, seed_types
from core.places.models import Place

READ = ("people.view",)
WRITE = ("people.view", "people.create", "people.edit")


@pytest.fixture(autouse=True)
def _types(app):
    seed_types()


@pytest.fixture
def token_for(create_user):
    def make(*permissions: str):
        user = create_user(*permissions)
        return user, bearer(make_token(user))

    return make


@pytest.fixture
def writer(token_for):
    return token_for(*WRITE)[1]


def make_place(_db, address: str, postcode: str, uprn: int | None = None) -> Place:
    place = Place(display_address=address, postcode=postcode, uprn=uprn, source="manual")
    db.session.add(place)
    db.session.flush()
    return place


def works_with(user, person: Person) -> None:
    role = lookups.value("people.worker_role", "key_worker").id
    db.session.add(PersonWorker(person_id=person.id, user_id=user.id, role_id=role,
                                start_date=services.today() - timedelta(days=1)))
    db.session.flush()


# --- create ------------------------------------------------------------------------------------------------------


def test_creating_a_person_with_a_reference_number(client, writer):
    response = client.post("/api/v1/people/", headers=writer, json={
        "first_names": "Amara", "last_name": "Okafor", "date_of_birth": "1984-03-09", "gender": "female",
        "preferred_language": "english", "identifier": {"type": "nhs_number", "value": "943 476 5919"},
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/people/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["full_name"] == "Amara Okafor" and body["date_of_birth"] == "1984-03-09"
    assert body["gender"]["code"] == "female" and body["gender"]["label"] == "Female"
    assert [(row["type"]["code"], row["value"], row["display"]) for row in body["identifiers"]] == [
        ("nhs_number", "9434765919", "943 476 5919")]
    assert body["created_at"].endswith("+00:00")


def test_creating_needs_people_create(client, token_for):
    _, reader = token_for(*READ)
    response = client.post("/api/v1/people/", headers=reader, json={"first_names": "A", "last_name": "B"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "people.create" in response.get_json()["detail"]
    assert client.get("/api/v1/people/", headers=token_for("people.create")[1]).status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"first_names": "Amara"}, "last_name"),
    ({"first_names": "Amara", "last_name": "Okafor", "date_of_birth": "9/3/1984"}, "date_of_birth"),
    ({"first_names": "Amara", "last_name": "Okafor", "date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"first_names": "Amara", "last_name": "Okafor", "gender": "martian"}, "gender"),
    ({"first_names": "Amara", "last_name": "  "}, "last_name"),
    ({"first_names": "Amara", "last_name": "Okafor", "identifier": {"type": "nhs_number", "value": "123"}},
     "identifier.value"),
    ({"first_names": "Amara", "last_name": "Okafor", "identifier": {"type": "shoe_size", "value": "9"}},
     "identifier.type"),
    ({"first_names": "Amara", "last_name": "Okafor", "star_sign": "Leo"}, "star_sign"),
])
def test_bad_input_is_a_422_naming_the_field(client, writer, body, field):
    response = client.post("/api/v1/people/", headers=writer, json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]


def test_possible_duplicates_get_409_until_confirmed(client, writer):
    existing = make_person("Amara", "Okafor", date(1984, 3, 9))
    new = {"first_names": "Amara", "last_name": "Okafor", "date_of_birth": "1984-03-09"}
    response = client.post("/api/v1/people/", headers=writer, json=new)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["duplicates"] == [{"id": existing.id, "name": "Amara Okafor", "date_of_birth": "1984-03-09",
                                   "reasons": ["Same name and date of birth"]}]
    assert '"confirmed": true' in body["detail"]
    confirmed = client.post("/api/v1/people/", headers=writer, json={**new, "confirmed": True})
    assert confirmed.status_code == 201 and confirmed.get_json()["id"] != existing.id


def test_a_restricted_duplicate_is_counted_but_not_named(client, writer):
    make_person("Amara", "Okafor", date(1984, 3, 9), restricted=True)
    response = client.post("/api/v1/people/", headers=writer,
                           json={"first_names": "Amara", "last_name": "Okafor", "date_of_birth": "1984-03-09"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["duplicates"] == [] and "1 possible duplicate(s) are restricted" in body["detail"]


def test_a_unique_number_held_by_a_hidden_record_is_refused_without_naming_it(client, writer, db):
    holder = make_person("Hidden", "Holder", restricted=True)
    kind = next(kind for kind in services.identifier_types() if kind.code == "nhs_number")
    services._add_identifier(holder, kind, "9434765919")
    response = client.post("/api/v1/people/", headers=writer, json={
        "first_names": "Amara", "last_name": "Okafor", "identifier": {"type": "nhs_number", "value": "9434765919"}})
    assert response.status_code == 422
    message = response.get_json()["errors"]["identifier.value"][0]
    assert "another person's record" in message and "Hidden" not in message


# --- read ----------------------------------------------------------------------------------------------------------


def test_reading_a_person_shows_contacts_numbers_addresses_and_relationships_and_is_audited(client, db, token_for):
    user, reader = token_for(*READ)
    person, child = make_person("Amara", "Okafor", date(1984, 3, 9)), make_person("Tobi", "Okafor", date(2015, 6, 1))
    from core.people.models import PersonAddress, PersonContactDetail, PersonRelationship

    place = make_place(db, "14 Mill Lane, Testbury", "TE1 2AB", uprn=100012345678)
    db.session.add_all([
        PersonContactDetail(person_id=person.id, contact_type_id=lookups.value("people.contact_type", "phone").id,
                            value="+441614960123", preferred=True),
        PersonAddress(person_id=person.id, place_id=place.id,
                      address_type_id=lookups.value("people.address_type", "home").id, start_date=date(2020, 1, 6)),
        PersonRelationship(person_a_id=person.id, person_b_id=child.id,
                           relationship_type_id=next(t.id for t in services.relationship_types() if t.code == "parent")),
    ])
    db.session.flush()

    response = client.get(f"/api/v1/people/{person.id}", headers=reader)
    assert response.status_code == 200
    body = response.get_json()
    assert response.headers["ETag"] == f'"{person.version}"'
    assert [(row["type"]["code"], row["value"], row["display"], row["preferred"]) for row in body["contact_details"]] == [
        ("phone", "+441614960123", "0161 496 0123", True)]
    [address] = body["addresses"]
    assert address["place"] == {"id": place.id, "uprn": 100012345678, "address": "14 Mill Lane, Testbury",
                                "postcode": "TE1 2AB"}
    assert address["type"]["code"] == "home" and address["current"] is True and address["start_date"] == "2020-01-06"
    [relationship] = body["relationships"]
    assert relationship["label"] == "parent of"
    assert relationship["other_person"] == {"id": child.id, "name": "Tobi Okafor"}
    assert relationship["type"]["code"] == "parent" and relationship["current"] is True

    views = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.entity_type == "person", AuditEvent.entity_id == str(person.id))).all()
    assert [event.actor_id for event in views] == [user.id]


def test_unknown_and_out_of_range_ids_are_404(client, writer):
    for url in ("/api/v1/people/999999", "/api/v1/people/99999999999", "/api/v1/people/999999/contact-details"):
        response = client.get(url, headers=writer)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"


def test_a_merged_record_points_to_where_it_went(client, db, writer):
    target = make_person("Amara", "Okafor")
    source = make_person("Amara", "Okafor", merged_into_id=target.id)
    response = client.get(f"/api/v1/people/{source.id}", headers=writer)
    assert response.status_code == 404
    assert f"/api/v1/people/{target.id}" in response.get_json()["detail"]


# --- restricted records --------------------------------------------------------------------------------------------


def test_restricted_people_the_caller_may_not_open_answer_404_everywhere(client, db, token_for):
    user, token = token_for(*WRITE)
    hidden = make_person("Sasha", "Hidden", date(1990, 1, 1), restricted=True)
    visible = make_person("Sasha", "Seen", date(1990, 1, 1))
    missing = client.get("/api/v1/people/999999", headers=token).get_json()
    for method, url, body in [
        ("GET", f"/api/v1/people/{hidden.id}", None),
        ("PATCH", f"/api/v1/people/{hidden.id}", {"first_names": "Changed"}),
        ("GET", f"/api/v1/people/{hidden.id}/contact-details", None),
        ("POST", f"/api/v1/people/{hidden.id}/contact-details", {"type": "phone", "value": "0161 496 0123"}),
        ("GET", f"/api/v1/people/{hidden.id}/identifiers", None),
        ("GET", f"/api/v1/people/{hidden.id}/addresses", None),
        ("GET", f"/api/v1/people/{hidden.id}/relationships", None),
    ]:
        response = client.open(url, method=method, json=body, headers={**token, "If-Match": '"1"'})
        assert response.status_code == 404, (method, url)
        assert response.get_json()["detail"] == missing["detail"]  # the same words as for no record at all
    db.session.refresh(hidden)
    assert hidden.first_names == "Sasha"

    listed = client.get("/api/v1/people/?name=sasha", headers=token)
    assert [row["id"] for row in listed.get_json()] == [visible.id]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert client.post(f"/api/v1/people/{visible.id}/relationships", headers=token, json={
        "other_person_id": hidden.id, "type": "sibling"}).get_json()["errors"] == {
        "other_person_id": ["Enter the record number of another person you can open"]}

    works_with(user, hidden)
    assert client.get(f"/api/v1/people/{hidden.id}", headers=token).status_code == 200
    assert {row["id"] for row in client.get("/api/v1/people/?name=sasha", headers=token).get_json()} == {
        hidden.id, visible.id}


# --- change --------------------------------------------------------------------------------------------------------


def test_a_change_needs_if_match_and_a_stale_one_gets_412(client, db, writer):
    person = make_person("Amara", "Okafor", date(1984, 3, 9))
    url = f"/api/v1/people/{person.id}"
    assert client.patch(url, headers=writer, json={"preferred_name": "Mara"}).status_code == 428
    etag = client.get(url, headers=writer).headers["ETag"]
    changed = client.patch(url, headers={**writer, "If-Match": etag},
                           json={"last_name": "Bello", "keep_old_name": True, "religion": "christian"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["last_name"] == "Bello" and body["first_names"] == "Amara" and body["date_of_birth"] == "1984-03-09"
    assert body["religion"]["code"] == "christian"
    assert [(row["first_names"], row["last_name"]) for row in body["previous_names"]] == [("Amara", "Okafor")]
    assert changed.headers["ETag"] != etag

    stale = client.patch(url, headers={**writer, "If-Match": etag}, json={"last_name": "Lost"})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == changed.headers["ETag"]
    db.session.refresh(person)
    assert person.last_name == "Bello"
    # the old name still finds them
    found = client.get("/api/v1/people/?name=okafor", headers=writer).get_json()
    assert [row["id"] for row in found] == [person.id]


def test_a_change_refused_by_the_rules_names_the_field(client, writer):
    person = make_person("Amara", "Okafor", date(1984, 3, 9))
    response = client.patch(f"/api/v1/people/{person.id}", headers={**writer, "If-Match": '"1"'},
                            json={"date_of_death": "1980-01-01"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["date_of_death"]


def test_changing_needs_people_edit(client, token_for):
    person = make_person()
    _, token = token_for("people.view", "people.create")
    response = client.patch(f"/api/v1/people/{person.id}", headers={**token, "If-Match": '"1"'}, json={"title": "Dr"})
    assert response.status_code == 403


# --- search and lists ----------------------------------------------------------------------------------------------


def test_search_by_name_date_of_birth_reference_number_and_postcode(client, db, writer, token_for):
    user, reader = token_for(*READ)
    amara = make_person("Amara", "Okafor", date(1984, 3, 9))
    tobi = make_person("Tobi", "Okafor", date(2015, 6, 1))
    make_person("Leon", "Walker", date(1984, 3, 9))
    kind = next(kind for kind in services.identifier_types() if kind.code == "ni_number")
    services._add_identifier(tobi, kind, "AB123456C")
    place = make_place(db, "14 Mill Lane, Testbury", "TE1 2AB")
    from core.people.models import PersonAddress

    db.session.add(PersonAddress(person_id=amara.id, place_id=place.id,
                                 address_type_id=lookups.value("people.address_type", "home").id))
    db.session.flush()

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/people/?{query}", headers=reader)
        assert response.status_code == 200, response.get_json()
        return [row["id"] for row in response.get_json()]

    assert ids("name=okafor") == [amara.id, tobi.id]
    assert ids("name=OKAFOR&date_of_birth=1984-03-09") == [amara.id]
    assert ids("identifier=ab 12 34 56 c") == [tobi.id]
    assert ids("postcode=te12ab") == [amara.id]
    assert ids("name=okafor&sort=-date_of_birth") == [tobi.id, amara.id]
    assert client.get("/api/v1/people/?date_of_birth=1984-13-01", headers=reader).get_json()["errors"] == {
        "date_of_birth": ["Not a valid date."]}
    assert list(client.get("/api/v1/people/?sort=shoe_size", headers=reader).get_json()["errors"]) == ["sort"]
    assert list(client.get("/api/v1/people/?name=%21%21", headers=reader).get_json()["errors"]) == ["name"]

    searches = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search",
                                                           AuditEvent.actor_id == user.id)).all()
    assert {"name": "okafor"}.items() <= searches[0].details.items()


def test_lists_page_with_totals(client, writer):
    for index in range(5):
        make_person(f"Person{index}", "Pager")
    response = client.get("/api/v1/people/?name=pager&page=2&page_size=2&sort=first_names", headers=writer)
    assert [row["first_names"] for row in response.get_json()] == ["Person2", "Person3"]
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 5 and meta["total_pages"] == 3 and meta["page"] == 2


def test_merged_records_are_left_out_of_lists(client, writer):
    target = make_person("Merge", "Kept")
    make_person("Merge", "Gone", merged_into_id=target.id)
    assert [row["id"] for row in client.get("/api/v1/people/?name=merge", headers=writer).get_json()] == [target.id]


# --- contact details, reference numbers, addresses, relationships -------------------------------------------------


def test_contact_details_are_checked_added_and_removed(client, writer):
    person = make_person()
    url = f"/api/v1/people/{person.id}/contact-details"
    added = client.post(url, headers=writer, json={"type": "phone", "value": "0161 496 0123", "preferred": True})
    assert added.status_code == 201
    assert added.get_json()["value"] == "+441614960123" and added.get_json()["display"] == "0161 496 0123"
    bad = client.post(url, headers=writer, json={"type": "email", "value": "not an address"})
    assert bad.status_code == 422 and list(bad.get_json()["errors"]) == ["value"]
    wrong_type = client.post(url, headers=writer, json={"type": "pigeon", "value": "x"})
    assert list(wrong_type.get_json()["errors"]) == ["type"]
    assert [row["value"] for row in client.get(url, headers=writer).get_json()] == ["+441614960123"]
    detail_id = added.get_json()["id"]
    assert client.delete(f"{url}/{detail_id}", headers=writer).status_code == 204
    assert client.get(url, headers=writer).get_json() == []
    assert client.delete(f"{url}/{detail_id}", headers=writer).status_code == 404


def test_reference_numbers_are_checked_and_kept_unique(client, writer):
    first, second = make_person("Ann", "First"), make_person("Bob", "Second")
    response = client.post(f"/api/v1/people/{first.id}/identifiers", headers=writer,
                           json={"type": "ni_number", "value": "ab 12 34 56 c"})
    assert response.status_code == 201 and response.get_json()["value"] == "AB123456C"
    taken = client.post(f"/api/v1/people/{second.id}/identifiers", headers=writer,
                        json={"type": "ni_number", "value": "AB123456C"})
    assert taken.status_code == 422
    assert "already belongs to Ann First" in taken.get_json()["errors"]["value"][0]
    types = client.get("/api/v1/people/identifier-types", headers=writer).get_json()
    assert {"nhs_number", "ni_number"} <= {row["code"] for row in types}


def test_addresses_are_added_and_ended_with_if_match(client, db, writer):
    person = make_person()
    mill, station = make_place(db, "14 Mill Lane", "TE1 2AB"), make_place(db, "27 Station Road", "TE2 7LP")
    url = f"/api/v1/people/{person.id}/addresses"
    first = client.post(url, headers=writer, json={"place_id": mill.id, "type": "home", "start_date": "2020-01-06"})
    assert first.status_code == 201, first.get_json()
    clash = client.post(url, headers=writer, json={"place_id": station.id, "type": "home", "start_date": "2024-05-01"})
    assert clash.status_code == 422 and list(clash.get_json()["errors"]) == ["start_date"]
    assert list(client.post(url, headers=writer, json={"place_id": 999999, "type": "home"}).get_json()["errors"]) == [
        "place_id"]
    moved = client.post(url, headers=writer, json={"place_id": station.id, "type": "home", "start_date": "2024-05-01",
                                                   "replaces_home": True})
    assert moved.status_code == 201
    history = client.get(url, headers=writer).get_json()
    assert [(row["place"]["postcode"], row["end_date"]) for row in history] == [("TE2 7LP", None),
                                                                               ("TE1 2AB", "2024-04-30")]
    address = history[0]
    end_url = f"{url}/{address['id']}"
    stale = client.patch(end_url, headers={**writer, "If-Match": f'"{address["version"] - 1}"'},
                         json={"end_date": "2025-01-01"})
    assert stale.status_code == 412
    ended = client.patch(end_url, headers={**writer, "If-Match": f'"{address["version"]}"'},
                         json={"end_date": "2025-01-01"})
    assert ended.status_code == 200 and ended.get_json()["end_date"] == "2025-01-01"


def test_relationships_are_recorded_from_either_side_and_ended(client, writer):
    parent, child = make_person("Amara", "Okafor"), make_person("Tobi", "Okafor")
    response = client.post(f"/api/v1/people/{child.id}/relationships", headers=writer,
                           json={"other_person_id": parent.id, "type": "parent", "reverse": True,
                                 "start_date": "2015-06-01"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["label"] == "child of"
    assert response.get_json()["other_person"] == {"id": parent.id, "name": "Amara Okafor"}
    [line] = client.get(f"/api/v1/people/{parent.id}/relationships", headers=writer).get_json()
    assert line["label"] == "parent of" and line["other_person"]["id"] == child.id
    themselves = client.post(f"/api/v1/people/{child.id}/relationships", headers=writer,
                             json={"other_person_id": child.id, "type": "sibling"})
    assert list(themselves.get_json()["errors"]) == ["other_person_id"]
    ended = client.post(f"/api/v1/people/{parent.id}/relationships/{line['id']}/end", headers=writer,
                        json={"end_date": "2014-01-01"})
    assert ended.status_code == 422 and list(ended.get_json()["errors"]) == ["end_date"]
    ended = client.post(f"/api/v1/people/{parent.id}/relationships/{line['id']}/end", headers=writer,
                        json={"end_date": "2020-01-01"})
    assert ended.status_code == 200 and ended.get_json()["current"] is False


def test_filters_on_restriction_and_last_change(client, db, token_for):
    user, token = token_for(*READ)
    old, new = make_person("Filter", "Old"), make_person("Filter", "New", restricted=True)
    works_with(user, new)
    old.updated_at = services.london_now() - timedelta(days=10)
    db.session.flush()
    since = (services.london_now() - timedelta(days=1)).isoformat()

    def ids(**query) -> list[int]:
        response = client.get("/api/v1/people/", headers=token, query_string={"name": "filter", **query})
        assert response.status_code == 200, response.get_json()
        return [row["id"] for row in response.get_json()]

    assert ids() == [new.id, old.id]
    assert ids(restricted="true") == [new.id]
    assert ids(restricted="false") == [old.id]
    assert ids(updated_since=since) == [new.id]
    naive = client.get("/api/v1/people/", headers=token, query_string={"updated_since": "2026-01-01T00:00:00"})
    assert list(naive.get_json()["errors"]) == ["updated_since"]


def test_similar_names_on_postgresql(client, writer):
    if not services.supports_similar_names():
        pytest.skip("near-miss names need PostgreSQL with pg_trgm")
    smith = make_person("Joan", "Smith")
    assert client.get("/api/v1/people/?name=smyth", headers=writer).get_json() == []
    assert [row["id"] for row in client.get("/api/v1/people/?name=smyth&similar=true", headers=writer).get_json()] == [
        smith.id]


def test_a_previous_name_is_recorded_and_found_by_search(client, writer):
    person = make_person("Amara", "Bello")
    url = f"/api/v1/people/{person.id}/previous-names"
    response = client.post(url, headers=writer, json={"first_names": "Amara", "last_name": "Okafor",
                                                      "used_until": "2019-07-06", "reason": "Marriage"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["reason"] == "Marriage" and response.get_json()["used_until"] == "2019-07-06"
    assert [row["id"] for row in client.get("/api/v1/people/?name=okafor", headers=writer).get_json()] == [person.id]
    empty = client.post(url, headers=writer, json={"reason": "Nothing"})
    assert empty.status_code == 422 and list(empty.get_json()["errors"]) == ["first_names"]
    backwards = client.post(url, headers=writer, json={"last_name": "X", "used_from": "2020-01-01",
                                                       "used_until": "2019-01-01"})
    assert list(backwards.get_json()["errors"]) == ["used_until"]
