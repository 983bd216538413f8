"""Reading and changing lookup values; sync inserts defaults, keeps administrators' labels and never deletes."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import func, select

from core.extensions import db
from core.lookups.models import LookupValue
from core.permissions import acting_user, authorize
from core.plugins import LookupSeed
from core.types import utcnow

MANAGE = "admin.lookups.manage"
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class LookupChangeError(ValueError):
    """A lookup change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def lookup_list(list_code: str) -> LookupSeed:
    """The declaration of a registered list; KeyError for lists no enabled module registers."""
    return current_app.extensions["ppp"].lookups[list_code]


def values(list_code: str, include_inactive: bool = False) -> list[LookupValue]:
    """The list's values in display order; inactive ones only when asked (for showing old records)."""
    lookup_list(list_code)
    query = select(LookupValue).where(LookupValue.list_code == list_code)
    if not include_inactive:
        query = query.where(LookupValue.active.is_(True))
    return list(db.session.scalars(query.order_by(LookupValue.sort_order, LookupValue.label)))


def value(list_code: str, code: str) -> LookupValue:
    """One value by its stable code, active or not."""
    found = db.session.scalar(
        select(LookupValue).where(LookupValue.list_code == list_code, LookupValue.code == code)
    )
    if found is None:
        raise KeyError(f'Lookup list "{list_code}" has no value "{code}": run "ppp lookups sync".')
    return found


def choices(list_code: str, current: int | None = None) -> list[tuple[int, str]]:
    """(id, label) pairs for a form: active values, plus the record's current value if it was deactivated."""
    rows = values(list_code)
    if current is not None and all(row.id != current for row in rows):
        kept = db.session.get(LookupValue, current)
        if kept is not None:
            rows.append(kept)
    return [(row.id, row.label if row.active else f"{row.label} (no longer used)") for row in rows]


def sync() -> dict[str, int]:
    """Insert missing default values, refresh labels nobody renamed, never delete; return counts."""
    counts = {"added": 0, "relabelled": 0}
    existing = {(row.list_code, row.code): row for row in db.session.scalars(select(LookupValue))}
    for seed in current_app.extensions["ppp"].lookups.values():
        next_order = max(
            (row.sort_order for (code, _), row in existing.items() if code == seed.code), default=0
        )
        for code, label in seed.values:
            row = existing.get((seed.code, code))
            if row is None:
                next_order += 10
                db.session.add(
                    LookupValue(
                        list_code=seed.code, code=code, label=label, seeded_label=label, sort_order=next_order
                    )
                )
                counts["added"] += 1
            elif row.seeded_label != label:
                if row.label == row.seeded_label:  # nobody renamed it, so follow the code's new label
                    row.label = label
                    counts["relabelled"] += 1
                row.seeded_label = label
    db.session.flush()
    return counts


def add_value(list_code: str, code: str, label: str) -> LookupValue:
    """Add a value to a list, at the end."""
    authorize(MANAGE)
    lookup_list(list_code)
    code = code.strip().lower()
    label = label.strip()
    if not CODE_PATTERN.match(code):
        raise LookupChangeError("code", "Code must start with a letter or number and use only a-z, 0-9 and _")
    if not label:
        raise LookupChangeError("label", "Enter a label")
    duplicate = db.session.scalar(
        select(LookupValue).where(LookupValue.list_code == list_code, LookupValue.code == code)
    )
    if duplicate is not None:
        raise LookupChangeError("code", f'This list already has a value with the code "{code}"')
    last = (
        db.session.scalar(select(func.max(LookupValue.sort_order)).where(LookupValue.list_code == list_code))
        or 0
    )
    row = LookupValue(list_code=list_code, code=code, label=label, sort_order=last + 10)
    db.session.add(row)
    db.session.flush()
    return row


def rename_value(row: LookupValue, label: str) -> None:
    """Change what people see; the code, and so every record using it, stays."""
    authorize(MANAGE)
    label = label.strip()
    if not label:
        raise LookupChangeError("label", "Enter a label")
    row.label = label
    db.session.flush()


def set_active(row: LookupValue, active: bool) -> None:
    """Deactivate (retire) or reactivate a value; retired values stay on old records."""
    authorize(MANAGE)
    row.active = active
    row.retired_at = None if active else utcnow()
    actor = acting_user()
    row.retired_by_id = None if active or actor is None else actor.id
    db.session.flush()


def move_value(row: LookupValue, direction: int) -> None:
    """Swap a value with its neighbour above (-1) or below (+1) in the list's order."""
    authorize(MANAGE)
    rows = values(row.list_code, include_inactive=True)
    index = next(i for i, candidate in enumerate(rows) if candidate.id == row.id)
    other = index + direction
    if 0 <= other < len(rows):
        # renumber the whole list so equal sort orders cannot make the swap a no-op
        rows[index], rows[other] = rows[other], rows[index]
        for position, candidate in enumerate(rows):
            candidate.sort_order = (position + 1) * 10
    db.session.flush()
