"""Person contracts and Person Contract Services: every field of the seed's screen and its rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.lookups import services as lookups
from core.people.testing import make_person
from core.types import LONDON
from modules.care_contracts import services
from modules.care_contracts.models import (
    ChargeTrigger,
    EndReason,
    FinanceCodeMapping,
    PersonContract,
    PersonContractService,
)
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

STAFF = ("people.view", "care_contracts.contract.view", "care_contracts.contract.write")


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def details(contract_service, **changes) -> services.ServiceDetails:
    values = {"service_id": contract_service.service_id, "contract_service_id": contract_service.id,
              "start_at": at(date(2026, 4, 6)), "status": "draft", "frequency_weeks": 1}
    values.update(changes)
    return services.ServiceDetails(**values)


def triggers(service) -> list[str]:
    return [t.reason for t in services.db.session.scalars(
        select(ChargeTrigger).where(ChargeTrigger.person_contract_service_id == service.id).order_by(ChargeTrigger.id))]


def test_caseworker_records_a_contract_and_a_service_on_screen(client, login_as, db):
    setup = make_care_setup()
    ada = make_person("Ada", "Lovelace")
    login_as(*STAFF)

    response = client.post(f"/care-contracts/people/{ada.id}/contracts/new", data={
        "establishment_id": setup.home.id, "contract_scheme_id": setup.residential_scheme.id,
        "reference": "NCC/2026/0412", "start_date": ["6", "4", "2026"]})
    assert response.status_code == 302
    contract = db.session.scalar(select(PersonContract).where(PersonContract.person_id == ada.id))

    response = client.post(f"/care-contracts/contracts/{contract.id}/services/new", data={
        "service_id": setup.residential.id, "contract_service_id": setup.residential_service.id,
        "start_date": ["6", "4", "2026"], "start_time": "14:00", "status": "completed", "frequency_weeks": "1",
        "suspend_debtor_invoices": "no", "account_code": "PO 4471"})
    assert response.status_code == 302, response.get_data(as_text=True)
    service = contract.services[0]
    # the system fills what the seed says it fills
    assert service.contract_scheme_id == setup.residential_scheme.id
    assert service.funder.name == "Northshire County Council" and not service.is_private
    assert (service.rate_unit.code, service.rate_required) == ("per_week", False)
    assert service.finance_code == "RES-OAK-NCC"
    assert service.start_at == datetime(2026, 4, 6, 14, 0, tzinfo=LONDON)
    assert service.charge_per_week_pence == 84000
    assert triggers(service) == ["completed"]

    page = client.get(f"/care-contracts/services/{service.id}").get_data(as_text=True)
    assert "Northshire County Council" in page and "RES-OAK-NCC" in page and "£840.00" in page
    assert "6 April 2026 at 2:00pm" in page
    person_page = client.get(f"/people/{ada.id}").get_data(as_text=True)
    assert "Oak Lodge Care Home" in person_page and "NCC/2026/0412" in person_page


def test_the_form_marks_mandatory_fields_and_shows_the_funder_read_only(client, login_as, act_as, db):
    setup = make_care_setup(finance_code_updateable=False)
    ada = make_person("Ada", "Lovelace")
    login_as(*STAFF)
    act_as(*STAFF)
    contract = services.create_contract(ada.id, setup.home.id, setup.residential_scheme.id, "", date(2026, 4, 6), None)

    page = client.get(f"/care-contracts/contracts/{contract.id}/services/new").get_data(as_text=True)

    for label in ("Service *", "Contract service *", "Start date *", "Status *", "Frequency (in weeks) *",
                  "Suspend Debtor Invoices? *", "Person Contract *", "Contract Scheme *"):
        assert label in page
    assert "Northshire County Council" in page
    assert 'name="funder_id"' not in page
    assert "Update Finance Code" not in page  # the scheme is not updateable on services


def test_private_care_when_the_funder_is_the_establishment(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    person = make_person("Grace", "Hopper")
    contract = services.create_contract(person.id, setup.home.id, setup.private_scheme.id, "", date(2026, 4, 1), None)

    service = services.save_service(contract, None, details(setup.private_service))

    assert service.funder.name == "Oak Lodge (private)"
    assert service.is_private
    assert service.finance_code == "RES-OAK-PRIV"


def test_finance_code_override_is_kept_when_the_mapping_changes(act_as, db):
    setup = make_care_setup(finance_code_updateable=True)
    act_as(*STAFF)
    person = make_person()
    contract = services.create_contract(person.id, setup.home.id, setup.residential_scheme.id, "", date(2026, 4, 6),
                                        None)
    mapped = services.save_service(contract, None, details(setup.residential_service))
    typed = services.save_service(contract, None, details(setup.residential_service, update_finance_code=True,
                                                            finance_code="RES-OAK-SPECIAL"))
    assert (mapped.finance_code, typed.finance_code, typed.finance_code_edited) == (
        "RES-OAK-NCC", "RES-OAK-SPECIAL", True)

    # finance changes the mapping: the untouched service follows it, the typed one never does
    mapping = db.session.scalar(select(FinanceCodeMapping).where(FinanceCodeMapping.finance_code == "RES-OAK-NCC"))
    mapping.finance_code = "RES-OAK-NCC-2"
    db.session.flush()
    services.save_service(contract, mapped, details(setup.residential_service))
    services.save_service(contract, typed, details(setup.residential_service))
    assert (mapped.finance_code, typed.finance_code) == ("RES-OAK-NCC-2", "RES-OAK-SPECIAL")

    # a code typed without ticking Update Finance Code is ignored (the field is not active)
    services.save_service(contract, mapped, details(setup.residential_service, finance_code="IGNORED"))
    assert mapped.finance_code == "RES-OAK-NCC-2"


def test_finance_code_cannot_be_updated_when_the_scheme_does_not_allow_it(act_as, db):
    setup = make_care_setup(finance_code_updateable=False)
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    with pytest.raises(services.CareContractsError) as refused:
        services.save_service(contract, None, details(setup.residential_service, update_finance_code=True,
                                                      finance_code="MINE"))
    assert refused.value.field == "update_finance_code"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"end_at": at(date(2026, 5, 1))}, "end_reason_id", "mandatory when an end date is recorded"),
    ({"end_at": at(date(2026, 4, 1)), "end_reason_id": 1}, "end_at", "must be after the start"),
    ({"frequency_weeks": 10}, "frequency_weeks", "from 1 to 9"),
    ({"frequency_weeks": 0}, "frequency_weeks", "from 1 to 9"),
    ({"suspend_debtor_invoices": True}, "suspend_reason_id", "needed when Suspend Debtor Invoices is Yes"),
    ({"status": "invoiced"}, "status", "Select the status"),
    ({"start_at": None}, "start_at", "Enter the start date"),
])
def test_service_rules(act_as, db, changes, field, message):
    setup = make_care_setup()
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    if changes.get("end_reason_id"):
        changes["end_reason_id"] = db.session.scalar(select(EndReason.id).where(EndReason.code == "died"))
    with pytest.raises(services.CareContractsError) as refused:
        services.save_service(contract, None, details(setup.residential_service, **changes))
    assert refused.value.field == field
    assert message in str(refused.value)


def test_contract_service_must_be_offered_under_the_contract_scheme(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    with pytest.raises(services.CareContractsError, match="is not offered under Northshire residential framework"):
        services.save_service(contract, None, details(setup.private_service))


def test_suspended_debtor_invoices_need_a_reason_and_keep_it(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    reason = lookups.value("care_contracts.suspend_reason", "financial_assessment")
    service = services.save_service(contract, None, details(setup.residential_service, suspend_debtor_invoices=True,
                                                            suspend_reason_id=reason.id))
    assert service.suspend_reason.label == "Financial assessment in progress"


def test_triggers_only_for_completed_services_and_their_changes(act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    service = services.save_service(contract, None, details(setup.residential_service))
    services.save_service(contract, service, details(setup.residential_service, account_code="draft change"))
    assert triggers(service) == []
    services.save_service(contract, service, details(setup.residential_service, status="completed"))
    with pytest.raises(services.CareContractsError, match="cannot go back to Draft"):
        services.save_service(contract, service, details(setup.residential_service, status="draft"))
    services.save_service(contract, service, details(setup.residential_service, status="completed",
                                                      account_code="not a charging field"))
    died = db.session.scalar(select(EndReason.id).where(EndReason.code == "died"))
    services.save_service(contract, service, details(setup.residential_service, status="completed",
                                                      end_at=at(date(2026, 6, 1)), end_reason_id=died))
    services.save_service(contract, service, details(setup.residential_service, status="cancelled",
                                                      end_at=at(date(2026, 6, 1)), end_reason_id=died))
    assert triggers(service) == ["completed", "changed", "cancelled"]
    with pytest.raises(services.CareContractsError, match="cannot be reopened"):
        services.save_service(contract, service, details(setup.residential_service, status="completed"))


def test_residential_contribution_is_a_second_record(client, login_as, act_as, db):
    setup = make_care_setup(collect_contribution=True, charge_contribution=True)
    login_as(*STAFF)
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    service = services.save_service(contract, None, details(setup.residential_service, status="completed"))

    response = client.post(f"/care-contracts/services/{service.id}/contribution", data={"weekly_pence": "210.45"})

    assert response.status_code == 302
    contribution = db.session.scalar(select(PersonContractService).where(PersonContractService.kind == "contribution"))
    assert (contribution.contribution_of_id, contribution.override_rate_pence, contribution.funder_id,
            contribution.rate_unit.code, contribution.status) == (service.id, 21045, setup.council.id, "per_week",
                                                                  "completed")
    assert triggers(contribution) == ["completed"]
    assert "£210.45 a week" in client.get(f"/care-contracts/services/{service.id}").get_data(as_text=True)


def test_no_contribution_on_private_care_or_without_collection(act_as, db):
    setup = make_care_setup(collect_contribution=False, charge_contribution=False)
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    service = services.save_service(contract, None, details(setup.residential_service))
    with pytest.raises(services.CareContractsError, match="does not ask the establishment to collect"):
        services.add_contribution(service, 10000)


def test_viewer_cannot_write_and_views_are_audited(client, login_as, act_as, db):
    from core.audit.models import AuditEvent

    setup = make_care_setup()
    person = make_person()
    act_as(*STAFF)
    contract = services.create_contract(person.id, setup.home.id, setup.residential_scheme.id, "", date(2026, 4, 6),
                                        None)
    service = services.save_service(contract, None, details(setup.residential_service))
    login_as("people.view", "care_contracts.contract.view")

    assert client.get(f"/care-contracts/contracts/{contract.id}/services/new").status_code == 403
    assert client.post(f"/care-contracts/services/{service.id}/edit", data={}).status_code == 403
    assert client.get(f"/care-contracts/services/{service.id}").status_code == 200
    viewed = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.entity_type == "care_contracts.person_contract_service"))
    assert [event.person_id for event in viewed] == [person.id]
