"""The plain data that modules declare and hooks return: everything an integrator imports to write a module."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.extensions import hookimpl

__all__ = [
    "ConditionTypeSeed",
    "DashboardWidget",
    "DemandCategorySeed",
    "DemandTypeSeed",
    "IntentionTypeSeed",
    "JobSpec",
    "LookupSeed",
    "MenuItem",
    "ModuleInfo",
    "Permission",
    "ReportColumn",
    "ReportResult",
    "ReportSpec",
    "ReportTable",
    "Tab",
    "TaskCategorySeed",
    "TaskTypeSeed",
    "TeamType",
    "TimelineEntry",
    "hookimpl",
]


@dataclass(frozen=True)
class ModuleInfo:
    """What a module says about itself in its plugin.py as ``MODULE = ModuleInfo(...)``."""

    #: machine name; also the table prefix, blueprint name, permission and lookup namespace
    name: str
    #: name shown to people
    label: str
    #: one or two sentences on what the module is for, in council words
    description: str = ""
    version: str = "0.1.0"
    #: other modules that must be enabled and loaded first
    requires: tuple[str, ...] = ()
    #: a dataclass of typed options read from this module's [name] table in plugins.toml
    settings: type | None = None


@dataclass(frozen=True)
class Permission:
    """A named right, e.g. ``attendance.register.mark``; roles are sets of these names."""

    name: str
    description: str
    #: codes of the seeded roles that receive this permission when it first appears
    default_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class LookupSeed:
    """A configurable list with its default values, e.g. ``people.contact_type``."""

    #: stable code, namespaced ``<module>.<list>``
    code: str
    label: str
    #: (value code, label) pairs inserted by ``ppp lookups sync``
    values: Sequence[tuple[str, str]] = ()
    description: str = ""


@dataclass(frozen=True)
class MenuItem:
    """A link in the main navigation, shown only to users holding its permission."""

    label: str
    endpoint: str
    permission: str
    order: int = 100
    #: "main" for the navigation bar; "admin" for the Administration page, which the bar links to once
    section: str = "main"


@dataclass(frozen=True)
class JobSpec:
    """A background job: a module-level function taking plain values, optionally run on a cron schedule."""

    #: unique name, namespaced ``<module>.<job>``
    name: str
    func: Callable[..., Any]
    description: str
    queue: str = "default"
    #: five-field cron expression in Europe/London time, e.g. ``"0 6 * * 1"``; None for on-demand jobs
    cron: str | None = None
    #: permission a user needs to start the job from a screen
    permission: str = "admin.jobs.manage"


#: the export formats the report machinery offers, each behind its own permission
REPORT_FORMATS: dict[str, str] = {"pdf": "PDF", "xlsx": "Excel"}

#: how report columns are shown and exported; money is integer pence
REPORT_COLUMN_TYPES = ("text", "integer", "number", "percent", "money", "date")


@dataclass(frozen=True)
class ReportSpec:
    """A report on the reports screen: run by the core's machinery (``form`` and ``run``) or a screen of its own."""

    #: unique name, namespaced ``<module>.<report>``
    name: str
    label: str
    #: needed to run the report and see its result on screen
    permission: str
    #: a screen of the module's own that shows the report; None when ``run`` produces it
    endpoint: str | None = None
    description: str = ""
    #: the parameters: a subclass of ``core.reports.forms.ReportForm`` (GOV.UK widgets); None for no parameters
    form: type | None = None
    #: ``run(parameters)`` returns a ReportResult; ``parameters`` maps each form field's name to its data
    run: Callable[[dict[str, Any]], ReportResult] | None = None
    #: export formats offered (keys of REPORT_FORMATS); each needs the permission ``export_permission(format)``
    formats: tuple[str, ...] = ("pdf", "xlsx")

    def export_permission(self, format: str) -> str:
        """The permission an export needs, e.g. ``attendance.funder_quarterly.export.pdf``."""
        return f"{self.name}.export.{format}"


@dataclass(frozen=True)
class ReportColumn:
    """A column of a report table; ``type`` is one of REPORT_COLUMN_TYPES (money in integer pence)."""

    label: str
    type: str = "text"


@dataclass(frozen=True)
class ReportTable:
    """One titled table of a report: rows are sequences of values in column order; totals an optional last row."""

    title: str
    columns: Sequence[ReportColumn]
    rows: Sequence[Sequence[Any]]
    totals: Sequence[Any] | None = None
    #: a sentence under the table, e.g. how a figure is worked out
    note: str = ""


@dataclass(frozen=True)
class ReportResult:
    """What a report's ``run`` returns: its tables, and the parameters as people read them."""

    title: str
    tables: Sequence[ReportTable]
    #: (label, value) pairs shown above the tables and in exports, e.g. ("Period", "1 April to 30 June 2026")
    parameters: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class Tab:
    """A tab on a core record's page, e.g. ``record="person"``; render returns HTML for the record."""

    record: str
    name: str
    label: str
    permission: str
    render: Callable[[Any], Any]
    order: int = 100


@dataclass(frozen=True)
class TimelineEntry:
    """One event on a person's timeline, returned by ``timeline_entries``, e.g. a case opened or a visit made."""

    #: when it happened: an aware time, or a date for things known only to the day
    when: datetime | date
    #: the module (or core area) it comes from, e.g. "cases"; the page filters by this
    module: str
    #: a stable machine name for the kind of entry, e.g. "case_opened"
    kind: str
    title: str
    #: where to read more, or None
    url: str | None = None
    summary: str = ""


@dataclass(frozen=True)
class DashboardWidget:
    """A panel on the home dashboard; render takes the user and returns HTML."""

    name: str
    label: str
    permission: str
    render: Callable[[Any], Any]
    order: int = 100


@dataclass(frozen=True)
class TeamType:
    """A kind of team a module needs, e.g. ``attendance.section_staff``; administrators create the teams."""

    #: stable code, namespaced ``<module>.<type>``
    code: str
    label: str
    description: str = ""
    #: when True, the module shows its records only to members of teams of this type working with them
    scopes_records: bool = False


# --- default case types a module contributes through register_case_types ---------------------------------------
# each is inserted into the contributing module's department by ``ppp db upgrade`` when missing; administrators'
# later edits are kept and nothing is ever deleted (see docs/plugins.md, "Case types")


@dataclass(frozen=True)
class DemandCategorySeed:
    """A group of demand types, e.g. ``DemandCategorySeed("waste", "Waste and recycling")``."""

    #: stable code within the module's department
    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class DemandTypeSeed:
    """A kind of demand, classed as value demand or failure demand, within a category of the same module."""

    code: str
    label: str
    #: code of a DemandCategorySeed the same module registers
    category: str
    #: "value": what the customer wants from the service; "failure": demand caused by a failure to do something
    #: or to do it right
    kind: str
    description: str = ""


@dataclass(frozen=True)
class TaskCategorySeed:
    """A group of task types, e.g. ``TaskCategorySeed("visits", "Visits")``."""

    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class TaskTypeSeed:
    """A kind of task within a category of the same module, e.g. a home visit or a phone call."""

    code: str
    label: str
    #: code of a TaskCategorySeed the same module registers
    category: str
    description: str = ""


@dataclass(frozen=True)
class IntentionTypeSeed:
    """A kind of follow-up, optionally created by itself when a case with one of the given demand types opens."""

    code: str
    label: str
    description: str = ""
    #: codes of the same module's demand types whose new cases get one of these, assigned to the case owner
    created_for: tuple[str, ...] = ()
    #: calendar days after the case opens that the automatic intention is due
    due_days: int = 0


@dataclass(frozen=True)
class ConditionTypeSeed:
    """A kind of system condition: something that gets in the way of doing the job, e.g. "IT system down"."""

    code: str
    label: str
    description: str = ""
