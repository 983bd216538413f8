"""What attendance payments add to PPP, collected by the attendance module's plugin.py hooks."""

from __future__ import annotations

from flask import url_for

from core.permissions import can
from core.plugins import MenuItem, Permission, TimelineEntry

from . import services

FINANCE = ("finance_officer",)


def permissions() -> list[Permission]:
    return [
        Permission(services.VIEW, "See payment rates and payment runs", default_roles=FINANCE),
        Permission(services.MANAGE_RATES, "Add and remove the dated rates paid per half-day", default_roles=FINANCE),
        Permission(services.MANAGE_RUNS, "Calculate, recalculate and delete draft payment runs", default_roles=FINANCE),
        Permission(services.CONFIRM, "Confirm a payment run, locking what it pays", default_roles=FINANCE),
        Permission(services.MANAGE_SETTINGS,
                   "Change the provider's bank account for BACS, the cash notes and coins, and the bank CSV layout"),
        Permission(services.EXPORT_BANK_CSV, "Download a confirmed run's bank-upload CSV", default_roles=FINANCE),
        Permission(services.EXPORT_STANDARD18, "Download a confirmed run's BACS Standard 18 file",
                   default_roles=FINANCE),
        Permission(services.EXPORT_CASH, "Download and print a confirmed run's cash envelopes and bank order",
                   default_roles=FINANCE),
    ]


def blueprints() -> list:
    from . import views  # noqa: F401  (routes attach to the blueprint on import)
    from .blueprint import bp

    return [bp]


def menu_items() -> list[MenuItem]:
    return [
        MenuItem("Attendance payments", "attendance_payments.index", services.VIEW, order=45),
        MenuItem("Attendance payment settings", "attendance_payments.settings", services.MANAGE_SETTINGS, order=410,
                 section="admin"),
    ]


def api_blueprints() -> list:
    from .api import blp

    return [blp]


def timeline_entries(service_user) -> list[TimelineEntry]:
    """Confirmed payments on the service user's timeline, for staff who may see payments."""
    if not can(services.VIEW):
        return []
    entries = []
    for line in services.confirmed_lines_of(service_user.id):
        run = line.run
        how = "by BACS" if line.method == "bacs" else "in cash"
        summary = f"{line.half_days} paid half-day{'s' if line.half_days != 1 else ''}, " \
                  f"{services.long_date(run.period_start)} to {services.long_date(run.period_end)}"
        if line.adjustment_pence:
            summary += f"; adjustments {services.pounds(line.adjustment_pence)}"
        entries.append(TimelineEntry(
            run.payment_date, "attendance", "paid", f"Paid {services.pounds(line.total_pence)} {how}",
            url_for("attendance_payments.line", run_id=run.id, line_id=line.id), summary=summary))
    return entries
