"""Factories for care contracts tests: configuration written straight to the database, as a fixture would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.extensions import db

from .models import (
    ContractScheme,
    ContractService,
    Establishment,
    FinanceCodeMapping,
    Funder,
    RateUnit,
    Service,
)


def rate_unit(code: str) -> RateUnit:
    """A seeded rate unit: per_week, per_day, per_hour or per_session."""
    return db.session.scalar(select(RateUnit).where(RateUnit.code == code))


@dataclass
class CareSetup:
    """A care home (Oak Lodge) and a domiciliary branch (Home Support) with their funders, schemes and services."""

    home: Establishment
    branch: Establishment
    council: Funder
    nhs: Funder
    home_private: Funder
    residential_scheme: ContractScheme
    private_scheme: ContractScheme
    home_care_scheme: ContractScheme
    residential: Service
    home_care: Service
    residential_service: ContractService
    private_service: ContractService
    home_care_service: ContractService


def make_care_setup(billing_period: str = "four_weekly", collect_contribution: bool = True,
                    charge_contribution: bool = True, finance_code_updateable: bool = True) -> CareSetup:
    """Configuration most tests need; weekly and four-weekly periods start on Monday 6 April 2026."""

    def add(record):
        db.session.add(record)
        return record

    home = add(Establishment(code="oak_lodge", name="Oak Lodge Care Home"))
    branch = add(Establishment(code="home_support", name="Home Support North"))
    council = add(Funder(code="northshire", name="Northshire County Council", kind="council"))
    nhs = add(Funder(code="north_icb", name="North Integrated Care Board", kind="nhs"))
    db.session.flush()
    home_private = add(Funder(code="oak_lodge_private", name="Oak Lodge (private)", kind="private",
                              establishment_id=home.id))
    residential = add(Service(code="residential", name="Residential care"))
    home_care = add(Service(code="home_care", name="Home care"))
    db.session.flush()
    anchor = date(2026, 4, 6)
    residential_scheme = add(ContractScheme(
        code="northshire_residential", name="Northshire residential framework", establishment_id=home.id,
        funder_id=council.id, billing_period=billing_period, period_anchor=anchor,
        finance_code_updateable=finance_code_updateable, collect_contribution=collect_contribution,
        charge_contribution=charge_contribution))
    private_scheme = add(ContractScheme(
        code="oak_private", name="Oak Lodge private residents", establishment_id=home.id, funder_id=home_private.id,
        billing_period="monthly", period_anchor=date(2026, 4, 1)))
    home_care_scheme = add(ContractScheme(
        code="northshire_home_care", name="Northshire home care framework", establishment_id=branch.id,
        funder_id=council.id, billing_period=billing_period, period_anchor=anchor))
    db.session.flush()
    residential_service = add(ContractService(
        code="oak_residential", name="Residential care at Oak Lodge", contract_scheme_id=residential_scheme.id,
        service_id=residential.id, rate_unit_id=rate_unit("per_week").id, rooms_apply=True,
        standard_rate_pence=84000))
    private_service = add(ContractService(
        code="oak_private_residential", name="Private residential care at Oak Lodge",
        contract_scheme_id=private_scheme.id, service_id=residential.id, rate_unit_id=rate_unit("per_week").id,
        rooms_apply=True, standard_rate_pence=105000))
    home_care_service = add(ContractService(
        code="home_care_hourly", name="Home care visits", contract_scheme_id=home_care_scheme.id,
        service_id=home_care.id, rate_unit_id=rate_unit("per_hour").id, negotiated_rates_apply=True,
        standard_rate_pence=2400))
    db.session.flush()
    for establishment, service, funder, code in (
        (home, residential, council, "RES-OAK-NCC"),
        (home, residential, home_private, "RES-OAK-PRIV"),
        (branch, home_care, council, "DOM-HSN-NCC"),
    ):
        add(FinanceCodeMapping(establishment_id=establishment.id, service_id=service.id, funder_id=funder.id,
                               finance_code=code))
    db.session.flush()
    return CareSetup(home, branch, council, nhs, home_private, residential_scheme, private_scheme, home_care_scheme,
                     residential, home_care, residential_service, private_service, home_care_service)
