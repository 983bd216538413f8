"""Case types as data: demand categories and types, task categories and types, intention and condition types.

Every type belongs to a department (a module's name, or "general"), has a stable code within it, and is retired
rather than deleted. Administrators set them up on screen; modules contribute defaults with the
``register_case_types`` hook, which :func:`sync` inserts when missing without undoing administrators' edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import func, select

from core.errors import StartupError
from core.extensions import db
from core.permissions import acting_user, authorize
from core.plugins import (
    ConditionTypeSeed,
    DemandCategorySeed,
    DemandTypeSeed,
    IntentionTypeSeed,
    TaskCategorySeed,
    TaskTypeSeed,
)
from core.types import utcnow

MANAGE = "admin.case_types.manage"
GENERAL = "general"
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
DEMAND_KIND_HINTS = {
    "value": "What the customer wants from the service, such as reporting a missed bin or applying for a permit.",
    "failure": (
        "Demand caused by a failure to do something or to do it right for the customer, such as chasing a missed "
        "bin, asking again for a call back, or complaining about work done badly."
    ),
}


class TypeChangeError(ValueError):
    """A change to a case type was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Kind:
    """One configurable list of case types, as the admin screens and the sync see it."""

    #: the URL part, e.g. "demand-types"
    slug: str
    label: str
    singular: str
    model: type
    #: what the list is for, shown to administrators
    description: str
    #: the seed dataclass modules use for this list
    seed: type
    #: the slug of the list that groups this one (types within categories), if any
    category: str | None = None


@cache
def kinds() -> dict[str, Kind]:
    """Every configurable list, in the order administrators set a department up."""
    from core.activities.models import TaskCategory, TaskType
    from core.cases.models import DemandCategory, DemandType
    from core.conditions.models import ConditionType
    from core.intentions.models import IntentionType

    found = [
        Kind("demand-categories", "Demand categories", "demand category", DemandCategory,
             "Groups of demand types, such as “Waste and recycling”.", DemandCategorySeed),
        Kind("demand-types", "Demand types", "demand type", DemandType,
             "What customers contact the department about, each classed as value or failure demand.",
             DemandTypeSeed, category="demand-categories"),
        Kind("task-categories", "Task categories", "task category", TaskCategory,
             "Groups of task types, such as “Visits” or “Calls”.", TaskCategorySeed),
        Kind("task-types", "Task types", "task type", TaskType,
             "The work staff record in activities, such as a home visit or a phone call.",
             TaskTypeSeed, category="task-categories"),
        Kind("intention-types", "Intention types", "intention type", IntentionType,
             "Follow-ups that need doing by a date; each can be created automatically when a case opens.",
             IntentionTypeSeed),
        Kind("condition-types", "System condition types", "system condition type", ConditionType,
             "Things that get in the way of doing the job, such as “IT system down”.", ConditionTypeSeed),
    ]
    return {kind.slug: kind for kind in found}


def kind(slug: str) -> Kind:
    """One list by its URL part; KeyError for an unknown one."""
    return kinds()[slug]


def kind_of(row) -> Kind:
    return next(candidate for candidate in kinds().values() if isinstance(row, candidate.model))


# --- departments -------------------------------------------------------------------------------------------------


def departments() -> list[tuple[str, str]]:
    """(code, label) of every department a type or case can belong to: "general" and each enabled module."""
    system = current_app.extensions["ppp"]
    return [(GENERAL, "General")] + [(module.name, module.info.label) for module in system.modules]


def department_label(code: str) -> str:
    """A department's name; a disabled module's code is shown as it is, so old records still read."""
    return dict(departments()).get(code, code)


# --- reading -----------------------------------------------------------------------------------------------------


def list_types(slug: str, department: str | None = None, include_inactive: bool = True) -> list:
    """A list's types ordered by department and position; retired ones only when asked."""
    model = kind(slug).model
    query = select(model)
    if department:
        query = query.where(model.department == department)
    if not include_inactive:
        query = query.where(model.active.is_(True))
    return list(db.session.scalars(query.order_by(model.department, model.sort_order, model.label)))


def choices(slug: str, department: str, current: int | None = None) -> list[tuple[int, str]]:
    """(id, label) pairs for a form: active types of the department and of "general", plus a retired current one."""
    model = kind(slug).model
    rows = list(
        db.session.scalars(
            select(model)
            .where(model.department.in_({department, GENERAL}), model.active.is_(True))
            .order_by(model.department != department, model.sort_order, model.label)
        )
    )
    if current is not None and all(row.id != current for row in rows):
        kept = db.session.get(model, current)
        if kept is not None:
            rows.append(kept)
    return [(row.id, _choice_text(row)) for row in rows]


def _choice_text(row) -> str:
    category = getattr(row, "category", None)
    text = f"{category.label}: {row.choice_label}" if category is not None else row.choice_label
    if getattr(row, "kind", None) in DEMAND_KIND_HINTS:
        text += f" ({row.kind_label.lower()})"
    return text


def get_type(slug: str, type_id: int):
    """One type of a list by id, or None."""
    return db.session.get(kind(slug).model, type_id)


def usable(slug: str, type_id: int | None, department: str, field: str):
    """The active type a record of the department may use, or TypeChangeError naming the form field."""
    row = db.session.get(kind(slug).model, type_id) if type_id else None
    if row is None or not row.active or row.department not in {department, GENERAL}:
        singular = kind(slug).singular
        raise TypeChangeError(field, f"Select {'an' if singular[0] in 'aeiou' else 'a'} {singular} from the list")
    return row


# --- administrators' changes -------------------------------------------------------------------------------------


def add_type(
    slug: str,
    *,
    code: str,
    label: str,
    description: str = "",
    department: str | None = None,
    category_id: int | None = None,
    demand_kind: str | None = None,
):
    """Add a type at the end of its department's list; a type in a category takes the category's department."""
    authorize(MANAGE)
    found = kind(slug)
    code, label = (code or "").strip().lower(), (label or "").strip()
    if not label:
        raise TypeChangeError("label", "Enter a label")
    if not CODE_PATTERN.match(code):
        raise TypeChangeError("code", "Code must start with a letter or number and use only a-z, 0-9 and _")
    fields = {}
    if found.category:
        category = db.session.get(kind(found.category).model, category_id) if category_id else None
        if category is None or not category.active:
            raise TypeChangeError("category_id", f"Select a {kind(found.category).singular}")
        department = category.department
        fields["category_id"] = category.id
    elif department not in dict(departments()):
        raise TypeChangeError("department", "Select a department")
    if found.slug == "demand-types":
        fields["kind"] = _demand_kind(demand_kind)
    model = found.model
    duplicate = db.session.scalar(select(model).where(model.department == department, model.code == code))
    if duplicate is not None:
        raise TypeChangeError("code", f"{department_label(department)} already has a {found.singular} with the code “{code}”")
    last = db.session.scalar(select(func.max(model.sort_order)).where(model.department == department)) or 0
    row = model(
        department=department,
        code=code,
        label=label,
        description=(description or "").strip(),
        sort_order=last + 10,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _demand_kind(value: str | None) -> str:
    if value not in DEMAND_KIND_HINTS:
        raise TypeChangeError("kind", "Select whether this is value demand or failure demand")
    return value


def update_type(row, *, label: str, description: str = "", category_id: int | None = None,
                demand_kind: str | None = None) -> None:
    """Rename a type, change its guidance, move it to another category of its department (None keeps it), or
    reclassify it.

    Reclassifying a demand type changes new demands only: each demand keeps the kind it was recorded with.
    """
    authorize(MANAGE)
    found = kind_of(row)
    label = (label or "").strip()
    if not label:
        raise TypeChangeError("label", "Enter a label")
    if found.category and category_id is not None and category_id != row.category_id:
        category = db.session.get(kind(found.category).model, category_id) if category_id else None
        if category is None or category.department != row.department or not category.active:
            raise TypeChangeError("category_id", f"Select a {kind(found.category).singular}")
        row.category_id = category.id
    if found.slug == "demand-types":
        row.kind = _demand_kind(demand_kind)
    row.label = label
    row.description = (description or "").strip()
    db.session.flush()


def set_active(row, active: bool) -> None:
    """Retire a type, so it is no longer offered for new records, or bring it back; old records keep it."""
    authorize(MANAGE)
    row.active = active
    row.retired_at = None if active else utcnow()
    actor = acting_user()
    row.retired_by_id = None if active or actor is None else actor.id
    db.session.flush()


def move_type(row, direction: int) -> None:
    """Swap a type with its neighbour above (-1) or below (+1) within its department's list."""
    authorize(MANAGE)
    rows = list_types(kind_of(row).slug, department=row.department)
    index = next(i for i, candidate in enumerate(rows) if candidate.id == row.id)
    other = index + direction
    if 0 <= other < len(rows):
        # renumber the whole list so equal sort orders cannot make the swap a no-op
        rows[index], rows[other] = rows[other], rows[index]
        for position, candidate in enumerate(rows):
            candidate.sort_order = (position + 1) * 10
    db.session.flush()


# --- defaults from modules' code ---------------------------------------------------------------------------------

SEED_ORDER = (DemandCategorySeed, DemandTypeSeed, TaskCategorySeed, TaskTypeSeed, IntentionTypeSeed,
              ConditionTypeSeed)


def seeds_by_department(system) -> dict[str, list]:
    """Every register_case_types result by department, checked: a bad seed stops start-up naming its module."""
    found: dict[str, list] = {}
    core_names = {module.name for module in system.loaded if module.is_core}
    for owner, seeds in system.collect("register_case_types"):
        department = GENERAL if owner in core_names else owner
        seeds = list(seeds or [])
        _check_seeds(owner, seeds)
        found.setdefault(department, []).extend(seeds)
    return found


def _check_seeds(owner: str, seeds: list) -> None:
    seen: set[tuple[type, str]] = set()
    for seed in seeds:
        if type(seed) not in SEED_ORDER:
            raise StartupError(
                f'Module "{owner}" register_case_types returned {seed!r}: return DemandTypeSeed, TaskTypeSeed, '
                f"IntentionTypeSeed, ConditionTypeSeed or a category seed from core.plugins."
            )
        if not CODE_PATTERN.match(seed.code):
            raise StartupError(f'Module "{owner}" case type code "{seed.code}" must use only a-z, 0-9 and _: rename it.')
        if (type(seed), seed.code) in seen:
            raise StartupError(f'Module "{owner}" registers the {type(seed).__name__} "{seed.code}" twice: remove one.')
        seen.add((type(seed), seed.code))
    codes = {(type(seed), seed.code) for seed in seeds}
    for seed in seeds:
        if isinstance(seed, DemandTypeSeed):
            if seed.kind not in DEMAND_KIND_HINTS:
                raise StartupError(
                    f'Module "{owner}" demand type "{seed.code}" has kind "{seed.kind}": use "value" or "failure".'
                )
            if (DemandCategorySeed, seed.category) not in codes:
                raise StartupError(
                    f'Module "{owner}" demand type "{seed.code}" names category "{seed.category}", which it does '
                    f"not register: add a DemandCategorySeed."
                )
        if isinstance(seed, TaskTypeSeed) and (TaskCategorySeed, seed.category) not in codes:
            raise StartupError(
                f'Module "{owner}" task type "{seed.code}" names category "{seed.category}", which it does not '
                f"register: add a TaskCategorySeed."
            )
        if isinstance(seed, IntentionTypeSeed):
            for code in seed.created_for:
                if (DemandTypeSeed, code) not in codes:
                    raise StartupError(
                        f'Module "{owner}" intention type "{seed.code}" is created for demand type "{code}", which '
                        f"it does not register: fix the code."
                    )
            if seed.due_days < 0:
                raise StartupError(f'Module "{owner}" intention type "{seed.code}" has negative due_days: use 0 or more.')


def sync() -> dict[str, int]:
    """Insert modules' missing default types, follow their new labels unless an administrator renamed them, never
    delete; return counts."""
    from core.intentions.models import IntentionRule

    counts = {"added": 0, "relabelled": 0}
    by_seed = {found.seed: found for found in kinds().values()}
    for department, seeds in current_app.extensions["ppp_case_types"].items():
        rows: dict[tuple[type, str], object] = {}
        for seed_class in SEED_ORDER:
            found = by_seed[seed_class]
            model = found.model
            existing = {
                row.code: row for row in db.session.scalars(select(model).where(model.department == department))
            }
            next_order = max((row.sort_order for row in existing.values()), default=0)
            for seed in (s for s in seeds if type(s) is seed_class):
                row = existing.get(seed.code)
                if row is None:
                    next_order += 10
                    fields = {}
                    if isinstance(seed, DemandTypeSeed | TaskTypeSeed):
                        fields["category_id"] = rows[(by_seed[seed_class].category, seed.category)].id
                    if isinstance(seed, DemandTypeSeed):
                        fields["kind"] = seed.kind
                    row = model(department=department, code=seed.code, label=seed.label, seeded_label=seed.label,
                                description=seed.description, sort_order=next_order, **fields)
                    db.session.add(row)
                    db.session.flush()
                    counts["added"] += 1
                elif row.seeded_label != seed.label:
                    if row.label == row.seeded_label:  # nobody renamed it, so follow the code's new label
                        row.label = seed.label
                        counts["relabelled"] += 1
                    row.seeded_label = seed.label
                rows[(found.slug, seed.code)] = row
                if isinstance(seed, IntentionTypeSeed):
                    ruled = {rule.demand_type_id for rule in row.rules}
                    for code in seed.created_for:
                        demand_type = rows[("demand-types", code)]
                        if demand_type.id not in ruled:
                            db.session.add(IntentionRule(intention_type=row, demand_type_id=demand_type.id,
                                                         due_days=seed.due_days))
    db.session.flush()
    return counts
