"""No lost edits: a form carries the version it was opened on, and a stale save shows both values side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template


@dataclass
class StaleEdit(Exception):
    """A save was based on an older version of the record than the one now stored."""

    record_label: str
    #: (field label, value the user submitted, value now stored) for each field that differs
    differences: list[tuple[str, Any, Any]]
    current_version: int


def ensure_current(
    record: Any, submitted_version: Any, record_label: str, submitted: dict[str, tuple[str, Any]]
) -> None:
    """Raise StaleEdit if the record changed since the form was opened.

    :param submitted: attribute name -> (field label, submitted value), compared with the record's current values
    """
    try:
        opened_on = int(submitted_version)
    except (TypeError, ValueError):
        opened_on = -1
    if opened_on == record.version:
        return
    differences = [
        (label, value, getattr(record, attribute))
        for attribute, (label, value) in submitted.items()
        if value != getattr(record, attribute)
    ]
    raise StaleEdit(record_label, differences, record.version)


def conflict_page(error: StaleEdit, back_url: str):
    """The 409 page shown for a stale save: what the user entered, what is stored now, and a way back."""
    return render_template("core/conflict.html", error=error, back_url=back_url), 409
