"""The migration to person absences keeps every recorded absence, and its downgrade gives them back."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text

from core import create_app, database
from core.extensions import db
from core.people.testing import make_person
from core.types import LONDON
from modules.care_contracts.models import PersonContract, PersonContractService
from modules.care_contracts.testing import make_care_setup

BEFORE = "26ad357ce858"  # the care_contracts revision before person absences


def rows(sql: str) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(sql))]


def test_service_absences_become_person_absences_linked_to_their_service_and_back(tmp_path):
    app = create_app(config={"PPP_ENV": "test", "SECRET_KEY": "migration-test-secret-" + "x" * 20,
                             "DATABASE_URL": f"sqlite:///{tmp_path / 'absences.sqlite3'}"})
    with app.app_context():
        database.upgrade(app, echo=lambda line: None)
        # configuration and the service are written at head, as the models describe it, then taken back
        setup = make_care_setup()
        person = make_person("Ada", "Lovelace")
        contract = PersonContract(person_id=person.id, establishment_id=setup.home.id,
                                  contract_scheme_id=setup.residential_scheme.id, start_date=date(2026, 4, 6))
        service = PersonContractService(
            person_contract=contract, kind="service", contract_scheme_id=setup.residential_scheme.id,
            funder_id=setup.council.id, service_id=setup.residential.id,
            contract_service_id=setup.residential_service.id, rate_unit_id=setup.residential_service.rate_unit_id,
            start_at=datetime(2026, 4, 6, 14, tzinfo=LONDON), status="completed")
        db.session.add_all([contract, service])
        db.session.commit()
        person_id, service_id = person.id, service.id
        db.session.remove()
        database.downgrade(app, "care_contracts", BEFORE)
        hospital = db.session.scalar(text("SELECT id FROM care_contracts_absence_type WHERE code = 'hospital'"))
        db.session.execute(text(
            "INSERT INTO care_contracts_service_absence (id, person_contract_service_id, absence_type_id, start_date, "
            "end_date, notes, created_at) VALUES (7, :service, :kind, '2026-05-04', '2026-06-15', 'Hip operation', "
            "'2026-05-04 09:00:00+00:00')"), {"service": service_id, "kind": hospital})
        db.session.commit()
        db.session.remove()  # the migration runs on its own connection

        database.upgrade(app, echo=lambda line: None)
        assert rows("SELECT id, person_id, absence_type_id, start_date, end_date, notes, version "
                    "FROM care_contracts_person_absence") == [
            (7, person_id, hospital, "2026-05-04", "2026-06-15", "Hip operation", 1)]
        assert rows("SELECT person_absence_id, person_contract_service_id FROM care_contracts_person_absence_service"
                    ) == [(7, service_id)]
        db.session.remove()
        assert database.pending_changes(database.lineage(app, "care_contracts")) == []

        database.downgrade(app, "care_contracts", BEFORE)
        assert rows("SELECT person_contract_service_id, absence_type_id, start_date, end_date, notes "
                    "FROM care_contracts_service_absence") == [
            (service_id, hospital, "2026-05-04", "2026-06-15", "Hip operation")]
        db.session.remove()
        db.engine.dispose()
