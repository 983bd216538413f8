"""Places: UPRNs (up to 12 digits, never reused), logical status, parent UPRN, places entered by hand without a UPRN,
stale edits, and address search by postcode, UPRN and free text on screen and through the service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.permissions import PermissionDenied
from core.places import services
from core.places.models import Place

EDITOR = ("places.view", "places.edit")


def gazetteer_place(db, uprn: int | None, address: str, postcode: str | None, status: str = "approved",
                    parent_uprn: int | None = None) -> Place:
    place = Place(uprn=uprn, display_address=address, postcode=postcode, logical_status=status,
                  parent_uprn=parent_uprn, source="gazetteer")
    db.session.add(place)
    db.session.flush()
    return place


def form(**values) -> dict[str, str]:
    data = {name: "" for name in (*services.TEXT_FIELDS, "uprn", "postcode", "parent_uprn", "easting", "northing",
                                  "latitude", "longitude")}
    data["logical_status"] = "approved"
    data.update(values)
    return data


# --- places entered by hand ----------------------------------------------------------------------------------------


def test_a_place_without_a_uprn_is_added_on_screen(client, login_as, db):
    login_as(*EDITOR)
    response = client.post("/places/new", data=form(
        sub_building="Pitch 4", building_name="Meadow Lane Travellers' Site", street=" meadow   lane ",
        town="Testtown", postcode="te1 9zz", easting="451000", northing="206500.5",
    ))
    assert response.status_code == 302
    place = db.session.scalar(select(Place))
    assert response.headers["Location"].endswith(f"/places/{place.id}")
    assert place.uprn is None and place.source == "manual" and place.logical_status == "approved"
    assert place.display_address == "Pitch 4, Meadow Lane Travellers' Site, meadow lane, Testtown, TE1 9ZZ"
    assert (place.easting, place.northing) == (Decimal("451000.00"), Decimal("206500.50"))

    page = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert "No UPRN" in page and "Entered by hand" in page and "451000.00, 206500.50" in page


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"uprn": "1234567890123"}, "uprn", "UPRN must be a whole number of up to 12 digits"),
    ({"uprn": "12AB"}, "uprn", "UPRN must be a whole number of up to 12 digits"),
    ({"uprn": "0"}, "uprn", "UPRN must be a whole number of up to 12 digits"),
    ({"parent_uprn": "-5"}, "parent_uprn", "Parent UPRN must be a whole number of up to 12 digits"),
    ({"uprn": "100", "parent_uprn": "100"}, "parent_uprn", "A place cannot be its own parent"),
    ({"postcode": "TE1"}, "postcode", "Enter a real postcode, like TE1 2AB"),
    ({"logical_status": "alternative"}, "logical_status", "Select a status"),
    ({"street": "", "building_number": ""}, "building_name", "Enter a building name or number, or a street"),
    ({"northing": "1300001", "easting": "1"}, "northing", "Northing must be between 0 and 1300000"),
    ({"easting": "451000"}, "northing", "Enter both the easting and the northing, or neither"),
    ({"latitude": "north"}, "latitude", "Latitude must be a number"),
])
def test_each_mistake_is_shown_against_its_field_and_nothing_is_saved(client, login_as, db, values, field, message):
    login_as(*EDITOR)
    response = client.post("/places/new", data=form(**{"building_number": "3", "street": "Mill Road", **values}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert f'href="#{field}"' in page and message.replace("'", "&#39;") in page
    assert db.session.scalar(select(Place)) is None


def test_a_uprn_is_never_reused(client, login_as, db):
    held = gazetteer_place(db, 100023336956, "10 DOWNING STREET, LONDON, SW1A 2AA", "SW1A 2AA")
    login_as(*EDITOR)
    response = client.post("/places/new", data=form(uprn="100023336956", building_number="10", street="Other Road"))
    assert response.status_code == 400
    assert "UPRN 100023336956 already belongs to 10 DOWNING STREET, LONDON, SW1A 2AA: UPRNs are never reused" in (
        response.get_data(as_text=True))

    # even once the property is historical, its UPRN stays with it
    held.logical_status = "historical"
    db.session.flush()
    assert client.post("/places/new", data=form(uprn="100023336956", street="Other Road")).status_code == 400
    assert db.session.scalar(select(Place).where(Place.source == "manual")) is None


def test_a_place_may_gain_a_uprn_once_but_never_change_it(client, login_as, db, act_as):
    act_as(*EDITOR)
    place = services.create_place(form(building_name="The Old Forge", town="Testtown"))
    login_as(*EDITOR)

    added = client.post(f"/places/{place.id}/edit", data=form(
        uprn="990000000123", building_name="The Old Forge", town="Testtown", version=str(place.version)))
    assert added.status_code == 302
    db.session.refresh(place)
    assert place.uprn == 990000000123

    changed = client.post(f"/places/{place.id}/edit", data=form(
        uprn="990000000124", building_name="The Old Forge", town="Testtown", version=str(place.version)))
    assert changed.status_code == 400
    assert ("The UPRN 990000000123 cannot be changed: a UPRN identifies this property for good"
            in changed.get_data(as_text=True))
    # the edit form no longer offers the UPRN as a field
    assert 'name="uprn" value="990000000123"' in client.get(f"/places/{place.id}/edit").get_data(as_text=True)
    db.session.refresh(place)
    assert place.uprn == 990000000123


def test_logical_status_and_parent_uprn_show_on_the_place_page(client, login_as, db, act_as):
    block = gazetteer_place(db, 990000000200, "ORCHARD HOUSE, HIGH STREET, TE1 1AB", "TE1 1AB")
    act_as(*EDITOR)
    flat = services.create_place(form(uprn="990000000201", sub_building="Flat 3", building_name="Orchard House",
                                      street="High Street", postcode="TE1 1AB", parent_uprn="990000000200",
                                      logical_status="provisional"))
    orphan = services.create_place(form(building_name="Annexe", parent_uprn="990000000999",
                                        logical_status="historical"))
    login_as("places.view")

    flat_page = client.get(f"/places/{flat.id}").get_data(as_text=True)
    assert "Provisional" in flat_page
    assert f'href="/places/{block.id}">ORCHARD HOUSE, HIGH STREET, TE1 1AB</a> (UPRN 990000000200)' in flat_page
    block_page = client.get(f"/places/{block.id}").get_data(as_text=True)
    assert "Places within this one" in block_page and "Flat 3, Orchard House, High Street, TE1 1AB" in block_page
    orphan_page = client.get(f"/places/{orphan.id}").get_data(as_text=True)
    assert "UPRN 990000000999 (not in the gazetteer here)" in orphan_page and "Historical" in orphan_page
    assert services.related_places(flat) == (block, [])
    assert services.related_places(block) == (None, [flat])


def test_a_stale_edit_shows_both_values_instead_of_overwriting(client, login_as, db, act_as):
    act_as(*EDITOR)
    place = services.create_place(form(building_number="7", street="Mill Road", postcode="TE1 2AB"))
    login_as(*EDITOR)
    opened_on = str(place.version)
    # someone else saves first
    first = client.post(f"/places/{place.id}/edit", data=form(
        building_number="7", street="Mill Lane", postcode="TE1 2AB", version=opened_on))
    assert first.status_code == 302

    second = client.post(f"/places/{place.id}/edit", data=form(
        building_number="7", street="Mill Close", postcode="TE1 2AB", version=opened_on))
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Someone else changed the place 7 Mill Lane, TE1 2AB while you were editing" in page
    assert "Mill Close" in page and "Mill Lane" in page
    db.session.refresh(place)
    assert (place.street, place.display_address) == ("Mill Lane", "7 Mill Lane, TE1 2AB")


def test_place_screens_and_services_need_their_permissions(client, login_as, db, act_as):
    place = gazetteer_place(db, 990000000300, "1 HIGH STREET, TE1 1AA", "TE1 1AA")
    login_as("places.view")
    assert client.get("/places/?q=TE1 1AA").status_code == 200
    assert client.get("/places/new").status_code == 403
    assert client.post(f"/places/{place.id}/edit", data=form(street="X")).status_code == 403
    login_as("people.view")
    assert client.get("/places/").status_code == 403
    assert client.get(f"/places/{place.id}").status_code == 403
    act_as("places.view")
    with pytest.raises(PermissionDenied):
        services.create_place(form(street="Mill Road"))
    act_as("people.view")
    with pytest.raises(PermissionDenied):
        services.search_places(postcode="TE1 1AA")


# --- search --------------------------------------------------------------------------------------------------------


@pytest.fixture
def street(db):
    """Five places in TE1 and one in TE12, one of them historical."""
    rows = [
        (990000000401, "1 HIGH STREET, TESTTOWN, TE1 1AA", "TE1 1AA", "approved"),
        (990000000402, "2 HIGH STREET, TESTTOWN, TE1 1AA", "TE1 1AA", "approved"),
        (990000000403, "3 HIGH STREET, TESTTOWN, TE1 1AA", "TE1 1AA", "historical"),
        (990000000404, "4 HIGH STREET, TESTTOWN, TE1 1AA", "TE1 1AA", "provisional"),
        (990000000405, "THE MILL, LOW ROAD, TESTTOWN, TE1 2AB", "TE1 2AB", "approved"),
        (990000000406, "5 HIGH STREET, OTHERTON, TE12 3CD", "TE12 3CD", "approved"),
    ]
    return {uprn: gazetteer_place(db, uprn, address, postcode, status) for uprn, address, postcode, status in rows}


def addresses(page: services.Page) -> list[str]:
    return [place.display_address for place in page.items]


def test_search_by_postcode_however_it_is_typed_with_historical_places_last(db, act_as, street):
    act_as("places.view")
    found = services.search_places(postcode=" te11aa ")
    assert addresses(found) == [
        "1 HIGH STREET, TESTTOWN, TE1 1AA", "2 HIGH STREET, TESTTOWN, TE1 1AA", "4 HIGH STREET, TESTTOWN, TE1 1AA",
        "3 HIGH STREET, TESTTOWN, TE1 1AA",
    ]
    # an outward code lists the district, and TE1 is not TE12
    assert found.total == 4 and services.search_places(postcode="TE1").total == 5
    assert services.search_places(postcode="TE12").total == 1
    assert services.search_places(postcode="not a postcode").total == 0


def test_search_by_uprn_and_by_words_anywhere_in_the_address(db, act_as, street):
    act_as("places.view")
    assert addresses(services.search_places(uprn="990000000405")) == ["THE MILL, LOW ROAD, TESTTOWN, TE1 2AB"]
    assert services.search_places(uprn="9900000004051").total == 0
    assert services.search_places(uprn="99x").total == 0
    assert addresses(services.search_places(text="otherton high")) == ["5 HIGH STREET, OTHERTON, TE12 3CD"]
    assert services.search_places(text="high street").total == 5
    # LIKE wildcards are taken literally
    assert services.search_places(text="%").total == 0
    # criteria combine
    assert services.search_places(text="high", postcode="TE1").total == 4


def test_one_search_box_reads_a_uprn_a_postcode_or_words(client, login_as, db, street):
    login_as("places.view")
    by_uprn = client.get("/places/?q=990000000405").get_data(as_text=True)
    assert "1 place with UPRN 990000000405" in by_uprn and "THE MILL, LOW ROAD" in by_uprn

    by_postcode = client.get("/places/?q=te1 1aa").get_data(as_text=True)
    assert "4 places in TE1 1AA" in by_postcode
    assert by_postcode.index("4 HIGH STREET") < by_postcode.index("3 HIGH STREET")

    by_text = client.get("/places/?q=Low Road").get_data(as_text=True)
    assert "1 place matching “Low Road”" in by_text and f"/places/{street[990000000405].id}" in by_text

    nothing = client.get("/places/?q=Nowhere Lane").get_data(as_text=True)
    assert "0 places matching" in nothing and "Check the spelling" in nothing
    assert services.interpret_query("  ") == {}


def test_search_results_are_paginated(client, login_as, db):
    for number in range(1, 31):
        gazetteer_place(db, 990000000500 + number, f"{number:02d} LONG ROAD, TESTTOWN, TE5 5AA", "TE5 5AA")
    login_as("places.view")
    first = client.get("/places/?q=TE5 5AA").get_data(as_text=True)
    assert "30 places in TE5 5AA" in first and "25 LONG ROAD" in first and "26 LONG ROAD" not in first
    second = client.get("/places/?q=TE5 5AA&page=2").get_data(as_text=True)
    assert "26 LONG ROAD" in second and "30 LONG ROAD" in second and "01 LONG ROAD" not in second
