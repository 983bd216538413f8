"""Writing, listing and archiving notes; each checks the same permission as the screen that calls it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core import module_system
from core.extensions import db
from core.lookups.models import LookupValue
from core.permissions import acting_user, authorize
from core.types import utcnow

from .models import Note

VIEW = "notes.note.view"
WRITE = "notes.note.write"
NOTE_TYPES = "notes.note_type"


class NoteError(ValueError):
    """A note was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def current_notes(limit: int = 100) -> list[Note]:
    """The newest notes that are not archived."""
    authorize(VIEW)
    query = (
        select(Note)
        .where(Note.archived_at.is_(None))
        .order_by(Note.written_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def write_note(about: str, note_type_id: int, body: str) -> Note:
    """Record a note written now by the acting user."""
    authorize(WRITE)
    note_type = db.session.get(LookupValue, note_type_id)
    # a value retired after the form was shown, or one from another list, must not be saved
    if note_type is None or note_type.list_code != NOTE_TYPES or not note_type.active:
        raise NoteError("note_type", "Select how the contact took place")
    note = Note(about=about.strip(), note_type=note_type, body=body.strip(), written_by=acting_user())
    db.session.add(note)
    db.session.flush()
    return note


def archive_old_notes(now: datetime | None = None) -> int:
    """Archive the notes older than the module's retention period; return how many were archived."""
    now = now or utcnow()
    cutoff = now - timedelta(days=module_system().settings("notes").archive_after_days)
    notes = db.session.scalars(select(Note).where(Note.archived_at.is_(None), Note.written_at < cutoff))
    archived = 0
    for note in notes:
        note.archived_at = now
        archived += 1
    db.session.flush()
    return archived
