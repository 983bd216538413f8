"""/api/v1/places: search by postcode, UPRN and text with pages and totals; read; add and correct with places.edit,
If-Match and 422 bodies naming each field at fault."""

from __future__ import annotations

import json

import pytest

from core.api.testing import bearer, make_token
from core.extensions import db
from core.places.models import Place


@pytest.fixture
def token_for(create_user):
    def make(*permissions: str) -> dict[str, str]:
        return bearer(make_token(create_user(*permissions)))

    return make


@pytest.fixture
def viewer(token_for):
    return token_for("places.view")


@pytest.fixture
def editor(token_for):
    return token_for("places.view", "places.edit")


def place(address: str, postcode: str, uprn: int | None = None, **fields) -> Place:
    row = Place(display_address=address, postcode=postcode, uprn=uprn, source="gazetteer", **fields)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def street(app):
    return [
        place("12 Mill Lane, Testbury", "TE1 2AB", 100012345601),
        place("14 Mill Lane, Testbury", "TE1 2AB", 100012345602),
        place("16 Mill Lane, Testbury", "TE1 2AD", 100012345603, logical_status="historical"),
        place("3 Church Street, Otherton", "TE9 4HQ", 100012345604),
    ]


def found(client, headers, query: str) -> list[int | None]:
    response = client.get(f"/api/v1/places/?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [row["uprn"] for row in response.get_json()]


def test_search_by_postcode_outward_code_uprn_and_text(client, viewer, street):
    assert found(client, viewer, "postcode=te12ab") == [100012345601, 100012345602]
    # current places first, historical last
    assert found(client, viewer, "postcode=TE1") == [100012345601, 100012345602, 100012345603]
    assert found(client, viewer, "uprn=100012345604") == [100012345604]
    assert found(client, viewer, "text=mill 14") == [100012345602]
    assert found(client, viewer, "q=church street") == [100012345604]
    assert found(client, viewer, "q=100012345601") == [100012345601]
    assert found(client, viewer, "q=TE9 4HQ") == [100012345604]
    assert found(client, viewer, "postcode=TE1 2AB&text=12") == [100012345601]


def test_search_pages_carry_the_total(client, viewer, street):
    response = client.get("/api/v1/places/?postcode=TE1&page=2&page_size=2", headers=viewer)
    assert [row["uprn"] for row in response.get_json()] == [100012345603]
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 3 and meta["total_pages"] == 2 and meta["page"] == 2


@pytest.mark.parametrize("query, field", [
    ("", "q"),
    ("postcode=not-a-postcode", "postcode"),
    ("uprn=abc", "uprn"),
    ("uprn=1000000000000", "uprn"),
    ("page_size=1000&q=mill", "page_size"),
])
def test_bad_searches_are_422_naming_the_field(client, viewer, query, field):
    response = client.get(f"/api/v1/places/?{query}", headers=viewer)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_reading_a_place(client, viewer, street):
    first = street[0]
    response = client.get(f"/api/v1/places/{first.id}", headers=viewer)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{first.version}"'
    body = response.get_json()
    assert body["address"] == "12 Mill Lane, Testbury" and body["uprn"] == 100012345601
    assert body["source"] == "gazetteer"
    assert client.get("/api/v1/places/999999", headers=viewer).status_code == 404
    assert client.get("/api/v1/places/99999999999", headers=viewer).status_code == 404


def test_places_need_places_view(client, token_for, street):
    nobody = token_for()
    assert client.get("/api/v1/places/?q=mill", headers=nobody).status_code == 403
    assert client.get(f"/api/v1/places/{street[0].id}", headers=nobody).status_code == 403


def test_adding_a_place_by_hand_needs_places_edit(client, viewer, editor):
    new = {"building_number": "7", "street": "Station Road", "town": "Testbury", "postcode": "te27lp",
           "easting": "530047.5", "northing": "180000"}
    assert client.post("/api/v1/places/", headers=viewer, json=new).status_code == 403
    response = client.post("/api/v1/places/", headers=editor, json=new)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["postcode"] == "TE2 7LP" and body["source"] == "manual" and body["uprn"] is None
    assert body["easting"] == "530047.50" and body["northing"] == "180000.00"
    assert "7 Station Road" in body["address"]
    assert response.headers["Location"] == f"/api/v1/places/{body['id']}"


def test_refused_places_name_every_field_at_fault(client, editor, street):
    response = client.post("/api/v1/places/", headers=editor, json={
        "street": "Station Road", "postcode": "ZZ99 9ZZZ", "uprn": street[0].uprn, "easting": "530047"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"postcode", "uprn", "northing"}
    assert "already belongs to 12 Mill Lane" in errors["uprn"][0]
    nothing = client.post("/api/v1/places/", headers=editor, json={"town": "Testbury"})
    assert list(nothing.get_json()["errors"]) == ["building_name"]
    typed = client.post("/api/v1/places/", headers=editor, json={"street": "x", "uprn": "12", "latitude": 51.5})
    assert set(typed.get_json()["errors"]) == {"uprn", "latitude"}


def test_correcting_a_place_needs_if_match_and_keeps_its_uprn(client, editor, street):
    target = street[1]
    url = f"/api/v1/places/{target.id}"
    assert client.patch(url, headers=editor, json={"locality": "Old Town"}).status_code == 428
    etag = client.get(url, headers=editor).headers["ETag"]
    changed = client.patch(url, headers={**editor, "If-Match": etag},
                           json={"building_number": "14", "street": "Mill Lane", "town": "Testbury",
                                 "locality": "Old Town"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["locality"] == "Old Town" and changed.get_json()["postcode"] == "TE1 2AB"
    assert changed.headers["ETag"] != etag
    stale = client.patch(url, headers={**editor, "If-Match": etag}, json={"locality": "Lost"})
    assert stale.status_code == 412
    new_uprn = client.patch(url, headers={**editor, "If-Match": changed.headers["ETag"]},
                            json={"uprn": 100099999999})
    assert new_uprn.status_code == 422 and list(new_uprn.get_json()["errors"]) == ["uprn"]
    db.session.refresh(target)
    assert target.locality == "Old Town" and target.uprn == 100012345602
