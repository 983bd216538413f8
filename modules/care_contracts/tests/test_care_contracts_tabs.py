"""The tabs of a saved service: Rates (no two rates at one moment), planned schedule, Bed Allocation, Absences."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from core.extensions import db as _db
from core.people.testing import make_person
from core.types import LONDON
from modules.care_contracts import services
from modules.care_contracts.models import (
    Bed,
    ChargeTrigger,
    Location,
    Room,
    SubLocation,
)
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

STAFF = ("people.view", "care_contracts.contract.view", "care_contracts.contract.write")
MON_FRI = (0, 1, 2, 3, 4)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def home_care(setup, status="draft", frequency=1):
    contract = services.create_contract(make_person("Edith", "Cavell").id, setup.branch.id,
                                        setup.home_care_scheme.id, "", date(2026, 4, 6), None)
    return services.save_service(contract, None, services.ServiceDetails(
        service_id=setup.home_care.id, contract_service_id=setup.home_care_service.id,
        start_at=at(date(2026, 4, 6)), status=status, frequency_weeks=frequency))


def residential(setup, person=None):
    contract = services.create_contract((person or make_person()).id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    return services.save_service(contract, None, services.ServiceDetails(
        service_id=setup.residential.id, contract_service_id=setup.residential_service.id,
        start_at=at(date(2026, 4, 6)), status="completed", frequency_weeks=1))


def rate(start=date(2026, 4, 6), end=None, pence=2000, band=(None, None), days=None, bank_holiday=None):
    return services.RateDetails(start_date=start, end_date=end, rate_pence=pence, time_band_start=band[0],
                                time_band_end=band[1], bank_holiday_rate_pence=bank_holiday, all_days=days is None,
                                weekdays=days or ())


def test_rates_may_share_a_day_in_different_time_bands(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = home_care(setup)
    services.save_rate(service, None, rate(pence=2000, band=(time(8), time(18)), days=MON_FRI))
    services.save_rate(service, None, rate(pence=2500, band=(time(18), None), days=MON_FRI))
    services.save_rate(service, None, rate(pence=2800, days=(5, 6), bank_holiday=4000))
    assert [r.rate_pence for r in services.rates_of(service)] == [2800, 2000, 2500]


@pytest.mark.parametrize(("clashing", "named"), [
    (rate(pence=2200, band=(time(17), time(20)), days=(4,)), "£20.00 from 6 April 2026, Monday to Friday, 08:00 to 18:00"),
    (rate(start=date(2026, 1, 1), end=date(2026, 4, 6), pence=1900, band=(time(7), time(9))), "£20.00 from 6 April"),
    (rate(start=date(2026, 5, 1), pence=2100), "£20.00 from 6 April 2026, Monday to Friday, 08:00 to 18:00"),
])
def test_overlapping_rates_are_refused_naming_the_clashing_rate(act_as, db, clashing, named):
    setup = make_care_setup()
    act_as(*STAFF)
    service = home_care(setup)
    services.save_rate(service, None, rate(pence=2000, band=(time(8), time(18)), days=MON_FRI))

    with pytest.raises(services.CareContractsError) as refused:
        services.save_rate(service, None, clashing)

    assert named in str(refused.value)
    assert "only one rate can apply at any time of any day" in str(refused.value)
    assert len(services.rates_of(service)) == 1


def test_rates_that_touch_but_do_not_overlap_are_accepted(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = home_care(setup)
    services.save_rate(service, None, rate(end=date(2026, 6, 30), pence=2000))
    services.save_rate(service, None, rate(start=date(2026, 7, 1), pence=2100))  # the next day
    first = services.rates_of(service)[0]
    # changing a rate is checked against the others, not against itself
    services.save_rate(service, first, rate(end=date(2026, 6, 30), pence=1950))
    assert [r.rate_pence for r in services.rates_of(service)] == [1950, 2100]


def test_rate_screen_refuses_a_clash_with_an_error_summary(client, login_as, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    login_as(*STAFF)
    service = home_care(setup)
    services.save_rate(service, None, rate(pence=2000, band=(time(8), time(18)), days=MON_FRI))

    response = client.post(f"/care-contracts/services/{service.id}/rates/new", data={
        "start_date": ["1", "5", "2026"], "rate_pence": "22.00", "time_band_start": "17:30", "time_band_end": "19:00",
        "all_days": "no", "weekdays": ["0"]})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "This rate overlaps the rate of £20.00 from 6 April 2026, Monday to Friday, 08:00 to 18:00" in page
    response = client.post(f"/care-contracts/services/{service.id}/rates/new", data={
        "start_date": ["1", "5", "2026"], "rate_pence": "22.00", "time_band_start": "18:00", "all_days": "no",
        "weekdays": ["0", "1"]})
    assert response.status_code == 302
    page = client.get(f"/care-contracts/services/{service.id}?tab=rates").get_data(as_text=True)
    assert "£22.00" in page and "18:00 to 24:00" in page and "Monday and Tuesday" in page


def test_time_bands_only_for_time_and_days_units(act_as, db):
    setup = make_care_setup()
    setup.residential_service.negotiated_rates_apply = True
    act_as(*STAFF)
    service = residential(setup)
    with pytest.raises(services.CareContractsError, match="Per week rates have no time bands"):
        services.save_rate(service, None, rate(pence=90000, band=(time(8), time(18))))


def test_rates_change_the_charge_per_week_and_trigger_charging(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = home_care(setup, status="completed")
    services.add_visit(service, 1, 0, time(9), time(10))
    services.add_visit(service, 1, 3, time(9), time(10, 30))
    assert service.charge_per_week_pence == 6000  # 2.5 hours at the standard £24.00
    services.save_rate(service, None, rate(start=date(2026, 1, 1), pence=2000))
    assert service.charge_per_week_pence == 5000
    reasons = [t.reason for t in db.session.scalars(select(ChargeTrigger).where(
        ChargeTrigger.person_contract_service_id == service.id).order_by(ChargeTrigger.id))]
    assert reasons == ["completed", "schedule changed", "schedule changed", "rates changed"]
    history = services.charge_history(service)
    assert [h.charge_per_week_pence for h in history][:2] == [5000, 6000]


def test_planned_visits_within_the_cycle_and_not_overlapping(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    service = home_care(setup, frequency=2)
    services.add_visit(service, 2, 4, time(9), time(10))
    with pytest.raises(services.CareContractsError, match="from 1 to 2"):
        services.add_visit(service, 3, 4, time(9), time(10))
    with pytest.raises(services.CareContractsError, match="overlaps another visit"):
        services.add_visit(service, 2, 4, time(9, 30), time(11))
    with pytest.raises(services.CareContractsError, match="end after it starts"):
        services.add_visit(service, 1, 4, time(11), time(10))
    services.add_visit(service, 1, 4, time(9, 30), time(11))  # the other week of the cycle
    assert len(services.visits_of(service)) == 2


def _beds(setup):
    location = Location(code="oak_main", name="Main house", establishment_id=setup.home.id)
    _db.session.add(location)
    _db.session.flush()
    floor = SubLocation(code="oak_first", name="First floor", location_id=location.id)
    _db.session.add(floor)
    _db.session.flush()
    room = Room(code="oak_12", name="Room 12", sub_location_id=floor.id)
    _db.session.add(room)
    _db.session.flush()
    beds = [Bed(code=f"oak_12_{n}", name=f"Bed {n}", room_id=room.id) for n in ("A", "B")]
    _db.session.add_all(beds)
    _db.session.flush()
    return beds


def test_a_bed_never_holds_two_people_at_once(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    bed_a, bed_b = _beds(setup)
    ada, grace = residential(setup, make_person("Ada", "Lovelace")), residential(setup, make_person("Grace", "Hopper"))
    services.allocate_bed(ada, bed_a.id, at(date(2026, 4, 6), 14), at(date(2026, 5, 1), 10))

    with pytest.raises(services.CareContractsError) as refused:
        services.allocate_bed(grace, bed_a.id, at(date(2026, 4, 30)), None)
    assert "Room 12, Bed A is allocated from 6 April 2026 14:00 to 1 May 2026 10:00" in str(refused.value)

    services.allocate_bed(grace, bed_a.id, at(date(2026, 5, 1), 10), None)  # as Ada leaves
    with pytest.raises(services.CareContractsError, match="end that allocation first"):
        services.allocate_bed(grace, bed_b.id, at(date(2026, 6, 1)), None)
    assert [(a.bed.name, a.end_at) for a in services.beds_of(grace)] == [("Bed A", None)]
    # moving rooms does not change the charge
    allocation = services.beds_of(grace)[0]
    services.end_bed_allocation(grace, allocation.id, at(date(2026, 6, 1)))
    services.allocate_bed(grace, bed_b.id, at(date(2026, 6, 1)), None)
    assert grace.charge_per_week_pence == 84000


def test_beds_only_where_rooms_apply_and_at_the_establishment(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    bed_a, _ = _beds(setup)
    with pytest.raises(services.CareContractsError, match="does not have rooms"):
        services.allocate_bed(home_care(setup), bed_a.id, at(date(2026, 4, 6)), None)


def test_bed_allocation_screen(client, login_as, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    login_as(*STAFF)
    bed_a, _ = _beds(setup)
    service = residential(setup)
    response = client.post(f"/care-contracts/services/{service.id}/beds", data={
        "bed_id": bed_a.id, "start_date": ["6", "4", "2026"], "start_time": "14:00"})
    assert response.status_code == 302
    page = client.get(f"/care-contracts/services/{service.id}?tab=beds").get_data(as_text=True)
    assert "Room 12" in page and "6 April 2026 at 2:00pm" in page and "Oak Lodge Care Home" in page
