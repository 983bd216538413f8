"""`ppp demo` adds a care home, a home care branch, people with Completed services, transactions and invoices, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from modules.care_contracts.demo import load_demo_care_contracts
from modules.care_contracts.models import (
    FinanceInvoice,
    FinanceTransaction,
    PersonContractService,
    ServiceRate,
)

pytestmark = pytest.mark.modules("care_contracts")

ALL = ("people.view", "people.create", "people.edit", "care_contracts.contract.view",
       "care_contracts.contract.write", "care_contracts.config.manage", "care_contracts.finance.run",
       "care_contracts.invoice.view")


def counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (PersonContractService, ServiceRate, FinanceTransaction, FinanceInvoice))


def test_demo_loads_once(create_user, db):
    create_user(*ALL, email="admin@example.org", name="Demo Administrator")

    load_demo_care_contracts()
    first = counts(db)
    load_demo_care_contracts()

    assert counts(db) == first
    services_, rates, transactions, invoices = first
    assert (services_, rates) == (6, 3)  # four services and two contributions; three home care rates
    assert transactions > 0 and invoices > 0
    held = db.session.scalar(select(func.count()).select_from(FinanceTransaction).where(
        FinanceTransaction.invoice_id.is_(None)))
    assert held > 0  # Arthur Lindqvist's contribution waits while his debtor invoices are suspended
