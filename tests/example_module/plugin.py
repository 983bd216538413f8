"""Hook implementations of the notes module: what it adds to PPP."""

from __future__ import annotations

from dataclasses import dataclass

from core.plugins import JobSpec, LookupSeed, MenuItem, ModuleInfo, Permission, hookimpl

# imported for its side effect: start-up checks the module's tables, and migrations compare them
from . import models  # noqa: F401


@dataclass(frozen=True)
class NotesSettings:
    """Options read from the [notes] table in plugins.toml."""

    #: notes older than this many days are archived by the nightly job (six years is a common retention period)
    archive_after_days: int = 2190


MODULE = ModuleInfo(
    name="notes",
    label="Notes",
    description="Short, dated notes that caseworkers keep about the people and places they work with.",
    version="1.0.0",
    settings=NotesSettings,
)


@hookimpl
def register_permissions():
    return [
        Permission(
            "notes.note.view", "See notes", default_roles=("caseworker", "section_manager", "read_only")
        ),
        Permission("notes.note.write", "Write notes", default_roles=("caseworker", "section_manager")),
    ]


@hookimpl
def register_lookups():
    return [
        LookupSeed(
            "notes.note_type",
            "Note types",
            [
                ("phone_call", "Phone call"),
                ("home_visit", "Home visit"),
                ("office_visit", "Office visit"),
                ("email_or_letter", "Email or letter"),
            ],
            description="How the contact a note records took place.",
        )
    ]


@hookimpl
def register_blueprints():
    from . import views  # noqa: F401  (routes attach to the blueprint on import)
    from .blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [MenuItem("Notes", "notes.index", "notes.note.view", order=50)]


@hookimpl
def register_jobs():
    from .jobs import archive_old_notes

    return [
        JobSpec(
            "notes.archive",
            archive_old_notes,
            "Archive notes older than the retention period set in plugins.toml",
            cron="30 2 * * *",  # every night at 2:30am, London time
        )
    ]
