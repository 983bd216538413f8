"""Automatic change capture: every flush writes who created, changed or deleted which record, field by field.

The diffs are read in ``after_flush``, when new rows have their ids and the foreign keys the flush filled in from
relationships show in each attribute's history; deletes, including orphans the flush finds on its own, arrive
through ``persistent_to_deleted``. All rows of one flush are written in ``after_flush_postexec`` with a single
executemany on the flush's own connection, so they commit or roll back with the change. Nothing here queries the
database: values come from what the session already holds.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session

from core.extensions import BoundSession, db

#: tables never captured: the audit itself, and the job log, which is already a record of what ran
EXCLUDED_TABLES = frozenset({"audit_event", "job_run"})

_PENDING = "ppp_audit_pending"


@dataclass(frozen=True)
class AuditedMapper:
    """What the capture needs to know about one mapped class, worked out once."""

    table: str
    #: column attribute keys recorded with their values
    columns: tuple[str, ...]
    #: column attribute keys recorded as changed without their values (info={"audit": "redact"})
    redacted: frozenset[str]
    #: primary key attribute keys, in order
    primary_key: tuple[str, ...]
    #: many-to-many collections, whose link rows have no object of their own
    links: tuple[str, ...]
    #: where the record's person id is: an attribute path such as ("person_id",) or ("case", "person_id")
    person_path: tuple[str, ...] | None


_mappers: dict[Mapper, AuditedMapper | None] = {}


def audited(mapper: Mapper) -> AuditedMapper | None:
    """The capture settings for a mapper, or None if its records are not captured."""
    try:
        return _mappers[mapper]
    except KeyError:
        pass
    cls = mapper.class_
    table = mapper.local_table.name
    if table in EXCLUDED_TABLES or getattr(cls, "__audit__", True) is False:
        _mappers[mapper] = None
        return None
    version_key = mapper.get_property_by_column(mapper.version_id_col).key if mapper.version_id_col is not None else None
    primary_key = tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
    columns, redacted = [], set()
    for prop in mapper.column_attrs:
        if prop.key == version_key or prop.key in primary_key:
            continue
        columns.append(prop.key)
        if any(column.info.get("audit") == "redact" for column in prop.columns):
            redacted.add(prop.key)
    links = tuple(
        rel.key for rel in mapper.relationships if rel.secondary is not None and not rel.viewonly
    )
    person = getattr(cls, "__audit_person__", None)
    if person is None and hasattr(cls, "person_id"):
        person = "person_id"
    settings = AuditedMapper(
        table=table,
        columns=tuple(columns),
        redacted=frozenset(redacted),
        primary_key=primary_key,
        links=links,
        person_path=tuple(person.split(".")) if person else None,
    )
    _mappers[mapper] = settings
    return settings


def json_safe(value: Any) -> Any:
    """A value as JSON can hold it: times and dates as ISO text, Decimal as text, enums by value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return str(value)


def _loaded(obj: Any, key: str) -> Any:
    # only what the session already holds: reading an expired attribute would query inside the flush
    state = inspect(obj, raiseerr=False)
    if state is not None and key in state.mapper.attrs:
        return state.dict.get(key)
    return getattr(obj, key, None)


def _person_id(obj: Any, path: tuple[str, ...] | None) -> int | None:
    if path is None:
        return None
    value = obj
    for key in path:
        value = _loaded(value, key)
        if value is None:
            return None
    if inspect(value, raiseerr=False) is not None:  # the path ended at a person object, not its id
        value = _loaded(value, "id")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _entity_id(state, settings: AuditedMapper) -> str | None:
    values = [state.dict.get(key) for key in settings.primary_key]
    if all(value is None for value in values) and state.key is not None:
        values = list(state.key[1])
    if all(value is None for value in values):
        return None
    return ",".join("" if value is None else str(value) for value in values)


def _label(obj: Any) -> Any:
    # how a linked record is named in a many-to-many change: its code or name if loaded, else its id
    state = inspect(obj)
    for key in ("code", "name"):
        if state.dict.get(key) is not None:
            return json_safe(state.dict[key])
    identity = state.key[1] if state.key is not None else (state.dict.get("id"),)
    return identity[0] if len(identity) == 1 else ",".join(str(part) for part in identity)


def _link_changes(state, settings: AuditedMapper, changes: dict[str, Any]) -> None:
    for key in settings.links:
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        unchanged = list(history.unchanged or ())
        before = sorted((_label(item) for item in unchanged + list(history.deleted or ())), key=str)
        after = sorted((_label(item) for item in unchanged + list(history.added or ())), key=str)
        changes[key] = [before, after]


def _created(state, settings: AuditedMapper) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in settings.columns:
        value = state.dict.get(key)
        if value is None:
            continue
        changes[key] = None if key in settings.redacted else [None, json_safe(value)]
    _link_changes(state, settings, changes)
    return changes


def _updated(state, settings: AuditedMapper) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    modified = state.committed_state  # the attributes changed since load: a cheap filter before history
    for key in settings.columns:
        if key not in modified:
            continue
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        changes[key] = None if key in settings.redacted else [json_safe(before), json_safe(after)]
    _link_changes(state, settings, changes)
    return changes


def _deleted(state, settings: AuditedMapper) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in settings.columns:
        value = state.dict.get(key)
        if value is None:
            continue
        changes[key] = None if key in settings.redacted else [json_safe(value), None]
    return changes


def _pending(session: Session) -> list[dict[str, Any]]:
    return session.info.setdefault(_PENDING, [])


def _entry(action: str, obj: Any, state, settings: AuditedMapper, changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": action,
        "entity_type": settings.table,
        "entity_id": _entity_id(state, settings),
        "person_id": _person_id(obj, settings.person_path),
        "changes": changes,
    }


def after_flush(session: Session, _flush_context) -> None:
    """Read the creates and updates of this flush while their history still shows what changed."""
    pending = _pending(session)
    for obj in session.new:
        state = inspect(obj)
        settings = audited(state.mapper)
        if settings is not None:
            pending.append(_entry("create", obj, state, settings, _created(state, settings)))
    for obj in session.dirty:
        state = inspect(obj)
        settings = audited(state.mapper)
        if settings is None:
            continue
        changes = _updated(state, settings)
        if changes:
            pending.append(_entry("update", obj, state, settings, changes))


def persistent_to_deleted(session: Session, obj: Any) -> None:
    """Note a deleted record, including orphans and cascades the flush found by itself."""
    state = inspect(obj)
    settings = audited(state.mapper)
    if settings is not None:
        _pending(session).append(_entry("delete", obj, state, settings, _deleted(state, settings)))


def after_flush_postexec(session: Session, _flush_context) -> None:
    """Write this flush's audit rows in one statement on the flush's own connection."""
    entries = session.info.pop(_PENDING, None)
    if not entries:
        return
    from core.audit.models import AuditEvent
    from core.audit.services import current_actor, request_origin
    from core.types import utcnow

    actor_id, actor_name = current_actor()
    ip_address, path = request_origin()
    now = utcnow()
    rows = [
        {
            **entry,
            "occurred_at": now,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "ip_address": ip_address,
            "path": path,
            "reason": None,
            "details": None,
        }
        for entry in entries
    ]
    session.connection().execute(AuditEvent.__table__.insert(), rows)


def after_soft_rollback(session: Session, _previous_transaction) -> None:
    """Forget entries of a flush that failed, so they are not written with a later one."""
    session.info.pop(_PENDING, None)


def _noop_set(target, value, oldvalue, initiator):
    return value


def keep_old_values(mapper: Mapper, cls: type) -> None:
    """Make setting a captured column load its old value first, so a change to an expired record keeps its before."""
    settings = audited(mapper)
    if settings is None:
        return
    for key in settings.columns:
        attribute = getattr(cls, key, None)
        if attribute is not None and not event.contains(attribute, "set", _noop_set):
            event.listen(attribute, "set", _noop_set, active_history=True, retval=True)


def install() -> None:
    """Attach the capture to the session class of core.extensions.db, once per process."""
    listeners = [
        ("after_flush", after_flush),
        ("persistent_to_deleted", persistent_to_deleted),
        ("after_flush_postexec", after_flush_postexec),
        ("after_soft_rollback", after_soft_rollback),
    ]
    for name, listener in listeners:
        if not event.contains(BoundSession, name, listener):
            event.listen(BoundSession, name, listener)
    if not event.contains(Mapper, "mapper_configured", keep_old_values):
        event.listen(Mapper, "mapper_configured", keep_old_values)
    for mapper in db.Model.registry.mappers:
        if mapper.configured:  # mappers configured before the capture was installed
            keep_old_values(mapper, mapper.class_)
