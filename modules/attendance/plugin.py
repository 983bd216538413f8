"""Hook implementations of the attendance module: what it adds to PPP."""

from __future__ import annotations

from dataclasses import dataclass

from core.plugins import (
    DashboardWidget,
    IntentionTypeSeed,
    JobSpec,
    LookupSeed,
    MenuItem,
    ModuleInfo,
    Permission,
    Tab,
    TeamType,
    TimelineEntry,
    hookimpl,
)

# imported for its side effect: start-up checks the module's tables, and migrations compare them
from . import models  # noqa: F401
from . import reports as funder_reports
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
        *funder_reports.permissions(),
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


@hookimpl
def register_case_types():
    return [
        IntentionTypeSeed(
            "meeting_action",
            "Action agreed at a meeting",
            "Something agreed at a service user's consultation or review meeting, for the member of staff who "
            "will do it.",
        )
    ]


@hookimpl
def register_blueprints():
    from . import views  # noqa: F401  (routes attach to the blueprint on import)
    from .blueprint import bp

    return [bp, *payments.blueprints()]


@hookimpl
def register_menu_items():
    return [
        MenuItem("Attendance", "attendance.index", "attendance.service_user.view", order=40),
        MenuItem("Non-attendance reasons", "attendance.reasons", "attendance.reason.manage", order=400,
                 section="admin"),
        *payments.menu_items(),
    ]


@hookimpl
def register_jobs():
    from .jobs import raise_register_alerts

    return [
        JobSpec(
            "attendance.register_alerts",
            raise_register_alerts,
            "Raise \"register not taken\" alerts for past half-days whose registers still have unmarked attendances",
            cron="30 13,17 * * 1-5",  # after each half-day ends, London time
        )
    ]


@hookimpl
def register_tabs():
    return [Tab("person", "attendance", "Attendance", "attendance.service_user.view", _person_tab, order=40)]


def _person_tab(person):
    from flask import render_template
    from markupsafe import Markup

    from . import services

    service_user = services.service_user_for_person(person.id)
    return Markup(render_template(
        "attendance/_person_tab.html", person=person, service_user=service_user,
        sections=services.sections_attended(service_user) if service_user else [],
        meetings=services.meetings_of(service_user)[:3] if service_user else [],
    ))


@hookimpl
def register_dashboard_widgets():
    return [
        DashboardWidget("attendance.registers_not_taken", "Registers not taken", "attendance.register.mark",
                        _registers_widget, order=20)
    ]


def _registers_widget(user):
    from flask import render_template
    from markupsafe import Markup

    from . import services

    return Markup(render_template("attendance/_registers_widget.html", alerts=services.open_alerts(manager=user)))


@hookimpl
def has_working_relationship(user, person_id):
    from . import services

    return True if services.works_with(user, person_id) else None


@hookimpl
def timeline_entries(person_id):
    from flask import url_for

    from . import services

    service_user = services.service_user_for_person(person_id)
    if service_user is None:
        return []
    url = url_for("attendance.service_user", service_user_id=service_user.id)
    entries = [TimelineEntry(service_user.referral_date, "attendance", "referred", "Referred to the day service",
                             url)]
    if service_user.start_date:
        entries.append(TimelineEntry(service_user.start_date, "attendance", "started", "Started attending", url))
    for meeting in services.meetings_of(service_user):
        kind = "Review" if meeting.kind == "review" else "Consultation"
        entries.append(TimelineEntry(meeting.held_on, "attendance", f"{meeting.kind}_meeting", f"{kind} meeting",
                                     url, summary=_actions_agreed(len(meeting.actions))))
    if service_user.end_date:
        outcome = service_user.move_on_outcome.label if service_user.move_on_outcome else ""
        entries.append(TimelineEntry(service_user.end_date, "attendance", "left", "Left the day service", url,
                                     summary=f"Moved on to: {outcome}" if outcome else ""))
    entries += payments.timeline_entries(service_user)
    return entries


def _actions_agreed(count: int) -> str:
    return "No actions agreed" if not count else f"{count} action{'s' if count != 1 else ''} agreed"


@hookimpl
def person_merged(target, source):
    from . import services

    services.move_person(target.id, source.id)


@hookimpl
def register_reports():
    return funder_reports.reports()


@hookimpl
def register_api_blueprints():
    from .api import blp
    from .reports_api import blp as reports_api

    return [blp, reports_api, *payments.api_blueprints()]


@hookimpl
def load_demo_data():
    from .demo import load_demo_attendance
    from .payments.demo import load_demo_payments

    load_demo_attendance()
    # payments run over the demo registers, so they come last
    load_demo_payments()
