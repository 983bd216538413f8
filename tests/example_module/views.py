"""Screens for reading and writing notes: parse, check permission, call a service, render."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from core.extensions import db
from core.lookups import services as lookups
from core.permissions import require_permission

from . import services
from .blueprint import bp
from .forms import NoteForm


@bp.route("/")
@require_permission(services.VIEW)
def index():
    return render_template("notes/index.html", notes=services.current_notes())


@bp.route("/new", methods=["GET", "POST"])
@require_permission(services.WRITE)
def new():
    form = NoteForm()
    form.note_type.choices = lookups.choices(services.NOTE_TYPES)
    if form.validate_on_submit():
        try:
            note = services.write_note(form.about.data, form.note_type.data, form.body.data)
        except services.NoteError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Note about {note.about} saved.", "success")
            return redirect(url_for("notes.index"))
    return render_template("notes/new.html", form=form), 400 if form.errors else 200
