"""Finding people: any part of a name, near misses on PostgreSQL, date of birth, any reference number, postcode;
paginated, permission-checked and audited, with merged records left out."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.lookups import services as lookups
from core.people import services
from core.people.models import PersonIdentifierType, PersonNameEntry, PersonNameWord
from core.people.testing import make_person, seed_types
from core.places.models import Place

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")


@pytest.fixture(autouse=True)
def types_seeded(app):
    seed_types()


@pytest.fixture
def household(db):
    """A few people in Testbury, with reference numbers and address history."""
    people = {
        "margaret": make_person("Margaret Ann", "Holloway", date(1941, 3, 17), preferred_name="Peggy"),
        "derek": make_person("Derek", "Holloway", date(1939, 11, 2)),
        "john": make_person("John", "Smith", date(1980, 5, 1)),
        "jane": make_person("Jane", "Johnson", date(1980, 5, 1)),
        "siobhan": make_person("Siobhan", "O'Neill", date(1983, 11, 30)),
        "zoe": make_person("Zoë", "Brontë", date(1999, 1, 9)),
    }
    return people


def results(client, **params) -> str:
    response = client.get("/people/", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def names(page: str) -> list[str]:
    """The names in the results table, in order."""
    rows = page.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0] if "<tbody" in page else ""
    return [cell.split(">", 1)[1].split("</a>")[0] for cell in rows.split('href="/people/')[1:]]


def test_search_by_any_part_of_a_name_ignoring_case(client, login_as, household):
    login_as("people.view")
    assert names(results(client, name="HOLL")) == ["Holloway, Derek", "Holloway, Margaret Ann"]
    assert names(results(client, name="ann holloway")) == ["Holloway, Margaret Ann"]
    assert names(results(client, name="peggy")) == ["Holloway, Margaret Ann"]  # preferred name
    assert names(results(client, name="oneill")) == ["O&#39;Neill, Siobhan"]  # apostrophes do not matter
    assert names(results(client, name="zoe bronte")) == ["Brontë, Zoë"]  # nor do accents
    assert "No one found" in results(client, name="Quartermaine")
    if not ON_POSTGRESQL:  # PostgreSQL tolerates the misspelling (test below); SQLite matches exactly
        assert "No one found" in results(client, name="Hollowax Derex")


def test_previous_names_are_found_too(client, login_as, household, act_as):
    act_as("people.edit")
    services.add_previous_name(household["margaret"], "Margaret", "Price", None, date(1962, 8, 3), "Marriage")
    login_as("people.view")
    assert names(results(client, name="price")) == ["Holloway, Margaret Ann"]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="tolerance of misspellings uses pg_trgm: set TEST_DATABASE_URL to PostgreSQL")
def test_small_misspellings_still_match_on_postgresql(client, login_as, household):
    login_as("people.view")
    assert "Smith, John" in names(results(client, name="Smyth"))
    assert "Johnson, Jane" in names(results(client, name="Jonson"))
    assert names(results(client, name="Holowey")) == ["Holloway, Derek", "Holloway, Margaret Ann"]
    assert "No one found" in results(client, name="Okonkwo")


def test_search_by_date_of_birth(client, login_as, household):
    login_as("people.view")
    page = results(client, date_of_birth=["1", "5", "1980"])
    assert names(page) == ["Johnson, Jane", "Smith, John"]
    assert names(results(client, name="smith", date_of_birth=["1", "5", "1980"])) == ["Smith, John"]
    bad = client.get("/people/", query_string={"date_of_birth": ["31", "2", "1980"]})
    assert bad.status_code == 400
    assert "Date of birth must be a real date" in bad.get_data(as_text=True)


def test_search_by_any_reference_number_however_it_is_typed(client, login_as, household, act_as, db):
    act_as("people.edit")
    nhs = db.session.scalar(select(PersonIdentifierType).where(PersonIdentifierType.code == "nhs_number"))
    ni = db.session.scalar(select(PersonIdentifierType).where(PersonIdentifierType.code == "ni_number"))
    services.add_identifier(household["derek"], nhs.id, "9434765919")
    services.add_identifier(household["john"], ni.id, "AB123456C")
    login_as("people.view")
    assert names(results(client, identifier="943 476 5919")) == ["Holloway, Derek"]
    assert names(results(client, identifier="ab 12 34 56 c")) == ["Smith, John"]
    assert "No one found" in results(client, identifier="9434765918")


def test_search_by_postcode_of_any_address_past_or_present(client, login_as, household, act_as, db):
    act_as("people.edit")
    home = lookups.value("people.address_type", "home").id
    mill = Place(display_address="14 Mill Lane, Testbury", postcode="TE1 2AB", source="manual")
    church = Place(display_address="3 Church Street, Testbury", postcode="TE1 4HQ", source="manual")
    db.session.add_all([mill, church])
    db.session.flush()
    services.add_address(household["derek"], church.id, home, date(1960, 1, 1), date(1978, 5, 31))
    services.add_address(household["derek"], mill.id, home, date(1978, 6, 1))
    services.add_address(household["margaret"], mill.id, home, date(1978, 6, 1))
    login_as("people.view")
    page = results(client, postcode="te12ab")
    assert names(page) == ["Holloway, Derek", "Holloway, Margaret Ann"]
    assert "14 Mill Lane, Testbury" in page  # the current home shows beside each name
    assert names(results(client, postcode="TE1 4HQ")) == ["Holloway, Derek"]


def test_results_come_a_page_at_a_time(client, login_as, db):
    for number in range(25):
        make_person(f"Person{number:02d}", "Pagewood")
    login_as("people.view")
    first = results(client, name="pagewood")
    assert len(names(first)) == 20 and names(first)[0] == "Pagewood, Person00"
    assert "Results 1 to 20" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = results(client, name="pagewood", page=2)
    assert names(second) == [f"Pagewood, Person{n}" for n in range(20, 25)]
    assert "Results 21 to 25" in second and 'rel="prev"' in second and 'rel="next"' not in second


def test_merged_records_are_left_out(client, login_as, household, act_as):
    act_as("people.merge")
    services.merge_people(household["john"], make_person("Jon", "Smith", date(1980, 5, 1)))
    login_as("people.view")
    assert names(results(client, name="smith")) == ["Smith, John"]


def test_each_search_is_audited_with_its_criteria(client, login_as, household, db):
    user = login_as("people.view")
    results(client, name="holloway", postcode="TE1 2AB")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "search"))
    assert event.actor_id == user.id and event.entity_type == "person"
    # on PostgreSQL the audit also says the search tolerated misspellings
    assert event.details == {"name": "holloway", "postcode": "TE1 2AB", "page": 1, **({"similar": True} if ON_POSTGRESQL else {})}


def test_search_needs_a_criterion_and_the_permission(client, login_as, household):
    login_as("people.view")
    page = client.get("/people/?name=+")
    assert page.status_code == 400
    assert "Enter a name, date of birth, reference number or postcode" in page.get_data(as_text=True)
    # the empty form is just the form
    assert client.get("/people/").status_code == 200
    login_as("people.create")
    assert client.get("/people/?name=holloway").status_code == 403


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the word tables answer search on PostgreSQL: set TEST_DATABASE_URL")
def test_name_search_pages_are_the_same_whichever_way_postgresql_finds_them(db, act_as, monkeypatch):
    """A single word typed is answered from each matching word's people in name order (person_name_entry), words of
    one or two letters from the first people in name order, anything else by search_query; all give the same pages,
    in the same order, similar names included."""
    for number, last in enumerate(("Abbott", "Baker", "Carter", "Dixon", "Evans", "Fisher", "Grant", "Hughes")):
        make_person(f"Joanne {number}", last)
        make_person(f"Hannah {number}", last)
    for number in range(7):
        make_person(f"Ruth {number}", "Smith")
    make_person("Ada", "Williams")
    make_person("Ann", "Wilson")
    make_person("Bea", "Wilson")
    # found by "willis" (less like "wilsen") near the top of its list, but closest through "wilson"
    make_person("Willis", "Wilson")
    make_person("Cy", "Wilsenby")
    act_as("people.view")

    def pages(name: str, similar: bool = False, per_page: int = 4) -> list[list[str]]:
        found = []
        for page in range(1, 5):
            result = services.search_people(services.SearchCriteria(name=name, similar=similar), page, per_page)
            assert result.similar == similar
            found.append([f"{person.last_name}, {person.first_names}" for person in result.people])
        return found

    def expected(name: str, similar: bool = False, per_page: int = 4) -> list[list[str]]:
        db.session.execute(select(func.set_config("pg_trgm.word_similarity_threshold", "0.3", True)))
        every = [f"{p.last_name}, {p.first_names}"
                 for p in db.session.scalars(services.search_query(services.SearchCriteria(name=name), similar))]
        return [every[start:start + per_page] for start in range(0, 4 * per_page, per_page)]

    assert pages("ann") == expected("ann")
    assert pages("ann")[0] == ["Abbott, Hannah 0", "Abbott, Joanne 0", "Baker, Hannah 1", "Baker, Joanne 1"]
    assert pages("smith") == expected("smith") == [
        ["Smith, Ruth 0", "Smith, Ruth 1", "Smith, Ruth 2", "Smith, Ruth 3"],
        ["Smith, Ruth 4", "Smith, Ruth 5", "Smith, Ruth 6"], [], [],
    ]
    # closest first: Wilsenby (0.86 like "wilsen"), the Wilsons (0.57), then Williams and Willis (0.43)
    assert pages("wilsen", similar=True, per_page=1) == expected("wilsen", similar=True, per_page=1) == [
        ["Wilsenby, Cy"], ["Wilson, Ann"], ["Wilson, Bea"], ["Wilson, Willis"],
    ]
    assert pages("wilsen", similar=True, per_page=2)[2] == ["Williams, Ada"]
    # words of one or two letters are looked for among the first people in name order, then the word tables
    assert services._first_in_name_order("h a", 5) is not None
    assert pages("h a") == expected("h a")
    assert pages("h a")[0] == ["Abbott, Hannah 0", "Baker, Hannah 1", "Carter, Hannah 2", "Dixon, Hannah 3"]
    monkeypatch.setattr(services, "NAME_ORDER_WINDOW", 3)
    assert services._first_in_name_order("ru", 1) is None  # the Smiths come after the first three
    assert pages("ru") == expected("ru") == [
        ["Smith, Ruth 0", "Smith, Ruth 1", "Smith, Ruth 2", "Smith, Ruth 3"],
        ["Smith, Ruth 4", "Smith, Ruth 5", "Smith, Ruth 6"], [], [],
    ]
    # two words, each matching some word of the name
    assert pages("wil son", per_page=2) == expected("wil son", per_page=2) == [
        ["Wilson, Ann", "Wilson, Bea"], ["Wilson, Willis"], [], [],
    ]


def test_word_tables_follow_names_as_they_change_and_merge(db, act_as):
    """Search reads person_name_word and person_name_entry first: every name change, previous name and merge
    updates them, and merged records have no entries."""
    act_as("people.view", "people.create", "people.edit", "people.merge")

    def entries(person) -> set[str]:
        return set(db.session.scalars(select(PersonNameEntry.word).where(PersonNameEntry.person_id == person.id)))

    def known(word: str) -> bool:
        return db.session.get(PersonNameWord, word) is not None

    person = services.create_person(services.PersonDetails(first_names="Mary-Jane", last_name="Quigley"))
    assert entries(person) == {"mary", "jane", "quigley"} and known("quigley")
    services.update_person(person, services.PersonDetails(first_names="Mary-Jane", last_name="Ó Dálaigh"),
                           keep_old_name=True)
    assert entries(person) == {"mary", "jane", "o", "dalaigh", "quigley"}  # the old name is kept as a previous one
    services.update_person(person, services.PersonDetails(first_names="Mary", last_name="Dalaigh"))
    assert entries(person) == {"mary", "dalaigh", "jane", "quigley"}  # "jane" and "quigley" are previous names
    row = db.session.scalars(select(PersonNameEntry).where(PersonNameEntry.person_id == person.id)).first()
    assert (row.last_name, row.first_names) == ("Dalaigh", "Mary")  # the name-order key follows too
    services.add_previous_name(person, "Mary", "Featherstonehaugh")
    assert "featherstonehaugh" in entries(person) and known("featherstonehaugh")

    other = services.create_person(services.PersonDetails(first_names="Maire", last_name="Daly"), confirmed=True)
    services.merge_people(person, other)
    assert entries(other) == set()  # merged records are left out of search
    assert {"maire", "daly"} <= entries(person)  # the merged record's name is now one of the target's
    assert [p.id for p in services.search_people(services.SearchCriteria(name="daly")).people] == [person.id]
    assert [p.id for p in services.search_people(services.SearchCriteria(name="featherstone")).people] == [person.id]
