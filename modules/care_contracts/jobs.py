"""Background jobs of the care contracts module: module-level functions taking plain values."""

from __future__ import annotations

from datetime import date

from . import services


def make_transactions(as_of: str | None = None) -> dict[str, int]:
    """Turn pending triggers and newly ended billing periods into finance transactions; counts go to the job log."""
    return services.run_transactions(date.fromisoformat(as_of) if as_of else None)


def make_invoices() -> dict[str, int]:
    """Batch uninvoiced finance transactions into numbered invoices per debtor and billing period."""
    return services.run_invoicing()
