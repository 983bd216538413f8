"""Background jobs of the notes module: module-level functions taking plain values."""

from __future__ import annotations

from . import services


def archive_old_notes() -> dict[str, int]:
    """Archive notes past the retention period; the count appears in the job log."""
    return {"archived": services.archive_old_notes()}
