"""Hook implementations of the attendance module: what it adds to PPP."""

from __future__ import annotations

from dataclasses import dataclass

from core.plugins import LookupSeed, ModuleInfo, Permission, TeamType, hookimpl

# imported for its side effect: start-up checks the module's tables, and migrations compare them
from . import models  # noqa: F401
from .payments import models as payment_models  # noqa: F401
from .payments import plugin as payments


@dataclass(frozen=True)
class AttendanceSettings:
    """Options read from the [attendance] table in plugins.toml."""

    #: how many days back the "register not taken" job looks for half-days with unmarked attendances
    register_alert_days: int = 28
    #: a half-day's register counts as not taken once this many hours have passed since the half-day ended
    register_grace_hours: int = 2


MODULE = ModuleInfo(
    name="attendance",
    label="Attendance",
    description=(
        "Service users of a day-service provider: their profiles and review meetings, half-day programmes in "
        "sections, registers and fire registers."
    ),
    version="1.0.0",
    settings=AttendanceSettings,
)

MANAGERS = ("section_manager",)
STAFF = ("caseworker", "section_manager")
READERS = ("caseworker", "section_manager", "read_only")


@hookimpl
def register_permissions():
    return [
        Permission("attendance.service_user.view", "See service users and their programmes", default_roles=READERS),
        Permission("attendance.service_user.manage", "Add and change service users' profiles", default_roles=STAFF),
        Permission("attendance.meeting.record", "Record consultation and review meetings", default_roles=STAFF),
        Permission("attendance.section.view", "See premises, sections and closures", default_roles=READERS),
        Permission("attendance.section.manage", "Set up premises, sections and closure dates", default_roles=MANAGERS),
        Permission("attendance.programme.manage", "Agree service users' half-day patterns", default_roles=STAFF),
        Permission("attendance.register.view", "See registers", default_roles=READERS),
        Permission("attendance.register.mark", "Mark registers and add unplanned attendance", default_roles=MANAGERS),
        Permission("attendance.fire_register.view", "Print fire registers", default_roles=STAFF),
        Permission("attendance.reason.manage", "Change the list of non-attendance reasons and whether each is paid"),
        *payments.permissions(),
    ]


@hookimpl
def register_lookups():
    return [
        LookupSeed(
            "attendance.funder",
            "Funders",
            [
                ("nhs_icb", "NHS integrated care board"),
                ("local_authority", "Local authority adult social care"),
                ("self_funded", "Self-funded"),
                ("charitable_trust", "Charitable trust"),
            ],
            description="Who pays for a service user's place; quarterly reports are made per funder.",
        ),
        LookupSeed(
            "attendance.move_on_outcome",
            "Move-on outcomes",
            [
                ("paid_employment", "Paid employment"),
                ("training_or_education", "Further training or education"),
                ("volunteering", "Volunteering"),
                ("other", "Other"),
            ],
            description="Where a service user went when they left.",
        ),
    ]


@hookimpl
def register_team_types():
    return [
        TeamType(
            "attendance.section_staff",
            "Section staff",
            "The staff of one section; they work with the section's service users and appear on its fire register.",
        )
    ]
