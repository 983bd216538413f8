"""Person absences linked to Person Contract Services, and bed allocations corrected or removed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, select

from core.api.testing import ApiCaller
from core.extensions import db as _db
from core.people.testing import make_person
from core.types import LONDON
from modules.care_contracts import services
from modules.care_contracts.models import (
    AbsenceType,
    Bed,
    ChargeTrigger,
    FinanceTransaction,
    Location,
    PersonAbsence,
    Room,
    SubLocation,
)
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

STAFF = ("people.view", "care_contracts.contract.view", "care_contracts.contract.write")
VIEWER = ("people.view", "care_contracts.contract.view")
MAY_4 = date(2026, 5, 4)
JUNE_1 = date(2026, 6, 1)


def at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def hospital() -> AbsenceType:
    """The seeded hospital stay: 100% of the charge for days 1 to 28, then 0%."""
    return _db.session.scalar(select(AbsenceType).where(AbsenceType.code == "hospital"))


def service_of(person, scheme, contract_service, establishment, start=date(2026, 4, 6), status="completed"):
    contract = services.create_contract(person.id, establishment.id, scheme.id, "", start, None)
    return services.save_service(contract, None, services.ServiceDetails(
        service_id=contract_service.service_id, contract_service_id=contract_service.id, start_at=at(start, 14),
        status=status, frequency_weeks=1))


def residential(setup, person, **kw):
    return service_of(person, setup.residential_scheme, setup.residential_service, setup.home, **kw)


def private(setup, person, **kw):
    return service_of(person, setup.private_scheme, setup.private_service, setup.home, **kw)


def lines(service):
    return [(t.kind, t.debtor_kind, t.period_start, t.amount_pence) for t in _db.session.scalars(
        select(FinanceTransaction).where(FinanceTransaction.person_contract_service_id == service.id)
        .order_by(FinanceTransaction.id))]


def triggers(service):
    return [t.reason for t in _db.session.scalars(select(ChargeTrigger).where(
        ChargeTrigger.person_contract_service_id == service.id).order_by(ChargeTrigger.id))]


def stay(start=date(2026, 4, 6), end=date(2026, 5, 18), service_ids=None, notes=""):
    return services.AbsenceDetails(hospital().id, start, end, notes, service_ids)


def test_one_absence_reduces_both_linked_services_by_the_type_steps(act_as, db):
    """Worked example: a hospital stay from Monday 6 April 2026, back on Monday 18 May, 42 days away.

    Days 1 to 28 (6 April to 3 May) are charged in full, days 29 to 42 (4 to 17 May) not at all.
    - Residential care at £840.00 a week (£120.00 a day), four-weekly: 6 April to 3 May is 28 x £120.00 =
      £3,360.00; 4 to 31 May has 14 days away at 0% and 14 days back: 14 x £120.00 = £1,680.00.
    - Private residential care at £1,050.00 a week (£150.00 a day), monthly: 6 to 30 April is 25 x £150.00 =
      £3,750.00; May has 1 to 3 May at 100%, 4 to 17 May at 0% and 18 to 31 May back: 17 x £150.00 = £2,550.00.
    """
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    council, own = residential(setup, ada), private(setup, ada)

    absence = services.save_absence(ada.id, None, stay())

    assert absence.services == [council, own]  # both run during the stay, so both are linked by default
    assert triggers(council) == ["completed", "absence recorded"] and triggers(own) == ["completed", "absence recorded"]
    services.run_transactions(as_of=JUNE_1)
    assert lines(council) == [("charge", "funder", date(2026, 4, 6), 336000), ("charge", "funder", MAY_4, 168000)]
    assert lines(own) == [("charge", "person", date(2026, 4, 1), 375000), ("charge", "person", date(2026, 5, 1), 255000)]


def test_the_job_reads_linked_absences_in_one_query_for_many_services(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    people = [make_person("Resident", str(n)) for n in range(4)]
    for person in people:
        residential(setup, person)
        services.save_absence(person.id, None, stay())
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        services.run_transactions(as_of=JUNE_1)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert sum("care_contracts_person_absence" in statement for statement in statements) == 1
    assert _db.session.scalar(select(FinanceTransaction.amount_pence).where(
        FinanceTransaction.period_start == MAY_4).limit(1)) == 168000


def test_changing_the_end_date_after_charging_writes_an_adjustment(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    council = residential(setup, ada)
    absence = services.save_absence(ada.id, None, stay())
    services.run_transactions(as_of=JUNE_1)

    # back a week earlier, on 11 May: 4 to 10 May are the only days at 0%, so May is 21 x £120.00 = £2,520.00,
    # £840.00 more than the £1,680.00 already charged
    services.save_absence(ada.id, absence, stay(end=date(2026, 5, 11)))
    services.run_transactions(as_of=JUNE_1)

    assert triggers(council)[-1] == "absence changed"
    assert lines(council)[-1] == ("adjustment", "funder", MAY_4, 84000)
    assert absence.version == 2


def test_unlinking_and_removing_charge_the_services_again(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    council, own = residential(setup, ada), private(setup, ada)
    absence = services.save_absence(ada.id, None, stay())

    services.save_absence(ada.id, absence, stay(service_ids=[council.id]))
    assert absence.services == [council] and absence.version == 2
    assert triggers(own)[-1] == "absence changed"
    assert triggers(council) == ["completed", "absence recorded"]  # its charge did not change

    services.remove_absence(absence)
    assert triggers(council)[-1] == "absence removed"
    assert services.person_absences(ada.id) == [] and services.absences_of(council) == []


def test_defaults_leave_out_contributions_and_other_people_cannot_be_linked(act_as, db):
    setup = make_care_setup(collect_contribution=True)
    act_as(*STAFF)
    ada, grace = make_person("Ada", "Lovelace"), make_person("Grace", "Hopper")
    council = residential(setup, ada)
    contribution = services.add_contribution(council, 21045)
    later = residential(setup, ada, start=date(2026, 7, 1))
    other = residential(setup, grace)

    absence = services.save_absence(ada.id, None, stay())
    assert absence.services == [council]  # not the contribution, nor the service starting after the stay
    with pytest.raises(services.CareContractsError) as refused:
        services.save_absence(ada.id, absence, stay(service_ids=[council.id, other.id]))
    assert refused.value.field == "service_ids"
    services.save_absence(ada.id, absence, stay(service_ids=[council.id, contribution.id]))
    assert absence.services == [council, contribution]
    assert later not in absence.services


def test_a_person_cannot_have_two_absences_at_once(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    residential(setup, ada)
    services.save_absence(ada.id, None, stay(start=date(2026, 5, 1), end=date(2026, 6, 15)))

    with pytest.raises(services.CareContractsError) as refused:
        services.save_absence(ada.id, None, stay(start=date(2026, 6, 14), end=None))
    assert refused.value.field == "start_date"
    assert "This overlaps the hospital stay from 1 May 2026 (back on 15 June 2026)" in str(refused.value)
    services.save_absence(ada.id, None, stay(start=date(2026, 6, 15), end=None))  # the day she came back is free


def test_record_change_and_remove_an_absence_on_screen(client, login_as, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    login_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    council, own = residential(setup, ada), private(setup, ada)

    form = client.get(f"/care-contracts/people/{ada.id}/absences/new").get_data(as_text=True)
    assert "Residential care at Oak Lodge, from 6 April 2026 (Completed)" in form
    response = client.post(f"/care-contracts/people/{ada.id}/absences/new", data={
        "absence_type_id": hospital().id, "start_date": ["6", "4", "2026"], "end_date": ["18", "5", "2026"],
        "service_ids": [str(council.id)], "notes": "Hip operation"})
    assert response.status_code == 302
    absence = _db.session.scalar(select(PersonAbsence).where(PersonAbsence.person_id == ada.id))
    assert absence.services == [council]

    tab = client.get(f"/people/{ada.id}?module=care_contracts").get_data(as_text=True)
    assert "Record an absence" in tab and "Hip operation" in tab
    linked = client.get(f"/care-contracts/services/{council.id}?tab=absences").get_data(as_text=True)
    assert "Hospital stay" in linked and "100% for days 1 to 28, then 0%" in linked
    assert f"/care-contracts/absences/{absence.id}/edit" in linked
    assert "No absences linked to this service." in client.get(
        f"/care-contracts/services/{own.id}?tab=absences").get_data(as_text=True)

    clash = client.post(f"/care-contracts/people/{ada.id}/absences/new", data={
        "absence_type_id": hospital().id, "start_date": ["1", "5", "2026"]})
    assert clash.status_code == 400
    page = clash.get_data(as_text=True)
    assert "govuk-error-summary" in page and "This overlaps the hospital stay from 6 April 2026" in page

    edit = client.get(f"/care-contracts/absences/{absence.id}/edit").get_data(as_text=True)
    assert f'value="{council.id}" checked' in edit and f'value="{own.id}">' in edit
    changed = client.post(f"/care-contracts/absences/{absence.id}/edit", data={
        "absence_type_id": hospital().id, "start_date": ["6", "4", "2026"], "end_date": ["11", "5", "2026"],
        "service_ids": [str(council.id), str(own.id)], "version": "1"})
    assert changed.status_code == 302
    assert (absence.end_date, absence.services) == (date(2026, 5, 11), [council, own])
    assert triggers(own)[-1] == "absence changed"
    stale = client.post(f"/care-contracts/absences/{absence.id}/edit", data={
        "absence_type_id": hospital().id, "start_date": ["6", "4", "2026"], "end_date": ["25", "5", "2026"],
        "service_ids": [str(council.id)], "version": "1"})
    assert stale.status_code == 409 and absence.end_date == date(2026, 5, 11)

    confirm = client.get(f"/care-contracts/absences/{absence.id}/remove").get_data(as_text=True)
    assert "Remove this absence?" in confirm and "Hospital stay from 6 April 2026 to 11 May 2026" in confirm
    assert client.post(f"/care-contracts/absences/{absence.id}/remove").status_code == 302
    assert services.person_absences(ada.id) == []
    assert triggers(council)[-1] == "absence removed" and triggers(own)[-1] == "absence removed"


def test_a_view_only_user_sees_absences_but_cannot_change_them(client, login_as, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    residential(setup, ada)
    absence = services.save_absence(ada.id, None, stay(notes="Hip operation"))
    login_as(*VIEWER)

    tab = client.get(f"/people/{ada.id}?module=care_contracts").get_data(as_text=True)
    assert "Hip operation" in tab and "Record an absence" not in tab
    assert client.get(f"/care-contracts/people/{ada.id}/absences/new").status_code == 403
    assert client.post(f"/care-contracts/absences/{absence.id}/edit", data={}).status_code == 403
    assert client.post(f"/care-contracts/absences/{absence.id}/remove").status_code == 403
    assert services.person_absences(ada.id) == [absence]


# --- bed allocations ---------------------------------------------------------------------------------------------


def beds(setup):
    location = Location(code="main_house", name="Main house", establishment_id=setup.home.id)
    _db.session.add(location)
    _db.session.flush()
    floor = SubLocation(code="first_floor", name="First floor", location_id=location.id)
    _db.session.add(floor)
    _db.session.flush()
    room = Room(code="room_12", name="Room 12", sub_location_id=floor.id)
    _db.session.add(room)
    _db.session.flush()
    made = [Bed(code=f"oak_12_{n}", name=f"Bed {n}", room_id=room.id) for n in ("A", "B")]
    _db.session.add_all(made)
    _db.session.flush()
    return made


def test_changing_a_bed_allocation_into_a_clash_is_refused_naming_it(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    bed_a, bed_b = beds(setup)
    ada = residential(setup, make_person("Ada", "Lovelace"))
    grace = residential(setup, make_person("Grace", "Hopper"))
    services.allocate_bed(ada, bed_a.id, at(date(2026, 4, 6), 14), at(date(2026, 5, 1), 10))
    allocation = services.allocate_bed(grace, bed_b.id, at(date(2026, 4, 6), 14), None)

    with pytest.raises(services.CareContractsError) as refused:
        services.change_bed_allocation(grace, allocation, bed_a.id, at(date(2026, 4, 20)), None)
    assert refused.value.field == "bed_id"
    assert "Room 12, Bed A is allocated from 6 April 2026 14:00 to 1 May 2026 10:00" in str(refused.value)

    services.change_bed_allocation(grace, allocation, bed_a.id, at(date(2026, 5, 1), 10), None)  # as Ada leaves
    assert (allocation.bed.name, allocation.start_at, allocation.version) == ("Bed A", at(date(2026, 5, 1), 10), 2)
    assert grace.charge_per_week_pence == 84000 and triggers(grace) == ["completed"]  # no charge change
    services.remove_bed_allocation(grace, allocation)
    assert services.beds_of(grace) == [] and triggers(grace) == ["completed"]


def test_change_and_remove_a_bed_allocation_on_screen(client, login_as, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    login_as(*STAFF)
    bed_a, bed_b = beds(setup)
    ada = residential(setup, make_person("Ada", "Lovelace"))
    grace = residential(setup, make_person("Grace", "Hopper"))
    services.allocate_bed(ada, bed_a.id, at(date(2026, 4, 6), 14), None)
    allocation = services.allocate_bed(grace, bed_b.id, at(date(2026, 4, 6), 14), None)

    tab = client.get(f"/care-contracts/services/{grace.id}?tab=beds").get_data(as_text=True)
    edit = f"/care-contracts/services/{grace.id}/beds/{allocation.id}/edit"
    assert edit in tab
    refused = client.post(edit, data={"bed_id": bed_a.id, "start_date": ["1", "5", "2026"], "start_time": "10:00"})
    assert refused.status_code == 400
    assert "Room 12, Bed A is allocated from 6 April 2026 14:00 then" in refused.get_data(as_text=True)
    moved = client.post(edit, data={"bed_id": bed_b.id, "start_date": ["7", "4", "2026"], "start_time": "09:00"})
    assert moved.status_code == 302 and allocation.start_at == at(date(2026, 4, 7), 9)

    remove = f"/care-contracts/services/{grace.id}/beds/{allocation.id}/remove"
    assert "Remove this bed allocation?" in client.get(remove).get_data(as_text=True)
    assert client.post(remove).status_code == 302
    assert services.beds_of(grace) == []
    login_as(*VIEWER)
    assert client.get(f"/care-contracts/services/{ada.id}/beds/1/edit").status_code == 403


# --- the API -----------------------------------------------------------------------------------------------------


def test_absences_over_the_api(client, create_user, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    ada, grace = make_person("Ada", "Lovelace"), make_person("Grace", "Hopper")
    council, own, other = residential(setup, ada), private(setup, ada), residential(setup, grace)
    api = ApiCaller(client, create_user, *STAFF)
    url = f"/api/v1/care_contracts/people/{ada.id}/absences"

    created = api.post(url, json={"absence_type_id": hospital().id, "start_date": "2026-04-06",
                                  "end_date": "2026-05-18", "service_ids": [council.id]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["service_ids"], body["charging"], created.headers["ETag"]) == (
        [council.id], "100% for days 1 to 28, then 0%", '"1"')
    one = f"/api/v1/care_contracts/absences/{body['id']}"
    assert api.get(one).get_json()["end_date"] == "2026-05-18"
    assert [a["id"] for a in api.get(url).get_json()] == [body["id"]]
    assert [a["id"] for a in api.get(f"/api/v1/care_contracts/services/{council.id}/absences").get_json()] == [
        body["id"]]
    assert api.get(f"/api/v1/care_contracts/services/{own.id}/absences").get_json() == []

    clash = api.post(url, json={"absence_type_id": hospital().id, "start_date": "2026-05-01"})
    assert clash.status_code == 422 and clash.mimetype == "application/problem+json"
    assert "overlaps the hospital stay from 6 April 2026" in clash.get_json()["errors"]["start_date"][0]
    bad = api.post(url, json={"absence_type_id": hospital().id, "start_date": "2026-08-01", "end_date": "2026-07-01"})
    assert bad.status_code == 422 and "end_date" in bad.get_json()["errors"]

    change = {"absence_type_id": hospital().id, "start_date": "2026-04-06", "end_date": "2026-05-11",
              "service_ids": [council.id, own.id]}
    assert api.put(one, json=change).status_code == 428
    assert api.put(one, json=change, headers={"If-Match": '"7"'}).status_code == 412
    foreign = api.put(one, json={**change, "service_ids": [other.id]}, headers={"If-Match": '"1"'})
    assert foreign.status_code == 422 and "service_ids" in foreign.get_json()["errors"]
    changed = api.put(one, json=change, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    assert (changed.get_json()["service_ids"], changed.headers["ETag"]) == ([council.id, own.id], '"2"')
    assert triggers(own)[-1] == "absence changed"

    assert api.delete(one).status_code == 428
    assert api.delete(one, headers={"If-Match": '"2"'}).status_code == 204
    assert api.get(one).status_code == 404
    assert triggers(council)[-1] == "absence removed"


def test_bed_allocations_over_the_api(client, create_user, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    bed_a, bed_b = beds(setup)
    ada = residential(setup, make_person("Ada", "Lovelace"))
    grace = residential(setup, make_person("Grace", "Hopper"))
    services.allocate_bed(ada, bed_a.id, at(date(2026, 4, 6), 14), None)
    api = ApiCaller(client, create_user, *STAFF)
    url = f"/api/v1/care_contracts/services/{grace.id}/beds"

    taken = api.post(url, json={"bed_id": bed_a.id, "start_at": "2026-04-06T14:00:00+01:00"})
    assert taken.status_code == 422
    assert "Room 12, Bed A is allocated from 6 April 2026 14:00" in taken.get_json()["errors"]["bed_id"][0]
    created = api.post(url, json={"bed_id": bed_b.id, "start_at": "2026-04-06T14:00:00+01:00"})
    assert created.status_code == 201, created.get_json()
    one = f"/api/v1/care_contracts/beds/{created.get_json()['id']}"
    assert [a["bed_id"] for a in api.get(url).get_json()] == [bed_b.id]

    change = {"bed_id": bed_a.id, "start_at": "2026-04-06T14:00:00+01:00"}
    assert api.put(one, json=change).status_code == 428
    clash = api.put(one, json=change, headers={"If-Match": '"1"'})
    assert clash.status_code == 422 and "bed_id" in clash.get_json()["errors"]
    moved = api.put(one, json={**change, "bed_id": bed_b.id, "end_at": "2026-06-01T10:00:00+01:00"},
                    headers={"If-Match": '"1"'})
    assert moved.status_code == 200 and moved.get_json()["end_at"] == "2026-06-01T09:00:00+00:00"
    assert api.get(one).headers["ETag"] == '"2"'
    assert api.delete(one, headers={"If-Match": '"2"'}).status_code == 204
    assert api.get(one).status_code == 404
    assert api.get("/api/v1/care_contracts/beds/99999999999999").status_code == 404


def test_view_only_api_callers_read_but_cannot_change(client, create_user, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    residential(setup, ada)
    absence = services.save_absence(ada.id, None, stay())
    api = ApiCaller(client, create_user, *VIEWER)
    assert api.get(f"/api/v1/care_contracts/people/{ada.id}/absences").status_code == 200
    assert api.post(f"/api/v1/care_contracts/people/{ada.id}/absences",
                    json={"absence_type_id": hospital().id, "start_date": "2026-09-01"}).status_code == 403
    assert api.delete(f"/api/v1/care_contracts/absences/{absence.id}",
                      headers={"If-Match": '"1"'}).status_code == 403
    assert services.person_absences(ada.id) == [absence]


def test_absences_are_audited_against_the_person_with_their_linked_services(act_as, db):
    from core.audit.models import AuditEvent

    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    council, own = residential(setup, ada), private(setup, ada)
    absence = services.save_absence(ada.id, None, stay(service_ids=[council.id]))
    services.save_absence(ada.id, absence, stay(service_ids=[council.id, own.id]))

    events = list(_db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "care_contracts_person_absence", AuditEvent.entity_id == str(absence.id))
        .order_by(AuditEvent.id)))
    assert [event.person_id for event in events] == [ada.id, ada.id]
    assert "services" in events[-1].changes
