"""Hook implementations of the care contracts module: what it adds to PPP."""

from __future__ import annotations

from dataclasses import dataclass

from core.plugins import JobSpec, LookupSeed, MenuItem, ModuleInfo, Permission, Tab, TimelineEntry, hookimpl

# imported for its side effect: start-up checks the module's tables, and migrations compare them
from . import models  # noqa: F401


@dataclass(frozen=True)
class CareContractsSettings:
    """Options read from the [care_contracts] table in plugins.toml."""

    #: the GOV.UK bank holiday division whose holidays get bank holiday rates
    bank_holiday_division: str = "england-and-wales"
    #: printed before the number of every funder invoice, e.g. "INV-" gives INV-000123
    invoice_prefix: str = "INV-"


MODULE = ModuleInfo(
    name="care_contracts",
    label="Care contracts",
    description=(
        "The services provided under people's care contracts, their rates, funders and finance codes, bed "
        "allocation and absences, and the finance transactions and funder invoices made from them."
    ),
    version="0.1.0",
    settings=CareContractsSettings,
)


@hookimpl
def register_permissions():
    return [
        Permission("care_contracts.contract.view", "See people's care contracts, their services, rates and charges",
                   default_roles=("caseworker", "section_manager", "finance_officer", "read_only")),
        Permission("care_contracts.contract.write",
                   "Record and change people's care contracts, services, rates, bed allocations and absences",
                   default_roles=("section_manager", "finance_officer")),
        Permission("care_contracts.config.manage",
                   "Configure establishments, funders, schemes, services, rates units, charging rules and finance codes"),
        Permission("care_contracts.finance.run", "Run the care finance transactions and invoicing jobs",
                   default_roles=("finance_officer",)),
        Permission("care_contracts.invoice.view", "See and download care funder invoices and ledger exports",
                   default_roles=("finance_officer",)),
    ]


@hookimpl
def register_lookups():
    return [
        LookupSeed(
            "care_contracts.suspend_reason",
            "Reasons for suspending debtor invoices",
            [
                ("financial_assessment", "Financial assessment in progress"),
                ("deputyship", "Deputyship or appointeeship being arranged"),
                ("dispute", "Charge disputed"),
                ("bereavement", "Bereavement"),
            ],
            description="Why a service user's invoices for a contract service are held back.",
        )
    ]


@hookimpl
def register_blueprints():
    from . import views  # noqa: F401  (routes attach to the blueprint on import)
    from .blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [
        MenuItem("Care finance", "care_contracts.finance", "care_contracts.finance.run", order=79),
        MenuItem("Care invoices", "care_contracts.invoice_list", "care_contracts.invoice.view", order=79),
        MenuItem("Care configuration", "care_contracts.configuration", "care_contracts.config.manage", order=80,
                 section="admin"),
    ]


@hookimpl
def register_tabs():
    from .views import person_tab

    return [Tab("person", "care_contracts", "Care contracts", "care_contracts.contract.view", person_tab, order=60)]


@hookimpl
def register_jobs():
    from .jobs import make_invoices, make_transactions

    return [
        JobSpec("care_contracts.transactions", make_transactions,
                "Care finance: charge ended billing periods of Completed services and adjust changed ones",
                queue="finance", cron="30 1 * * *", permission="care_contracts.finance.run"),
        JobSpec("care_contracts.invoicing", make_invoices,
                "Care finance: batch uninvoiced transactions into numbered invoices per funder and billing period",
                queue="finance", cron="30 2 * * *", permission="care_contracts.finance.run"),
    ]


@hookimpl
def register_api_blueprints():
    from .api import blp

    return [blp]


@hookimpl
def timeline_entries(person_id):
    from flask import url_for

    from . import services

    def link(event) -> str:
        if event.absence_id is not None:  # absences are listed on the person's care contracts tab
            return url_for("people.show", person_id=person_id, _anchor="care_contracts")
        if event.service_id is not None:
            return url_for("care_contracts.service", service_id=event.service_id)
        return url_for("care_contracts.contract", contract_id=event.contract_id)

    return [TimelineEntry(event.when, "care_contracts", event.kind, event.title, link(event), event.summary)
            for event in services.timeline_of(person_id)]


@hookimpl
def person_merged(target, source):
    from . import services

    services.move_person(target.id, source.id)


@hookimpl
def load_demo_data():
    from .demo import load_demo_care_contracts

    load_demo_care_contracts()
