"""The form for writing a note."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length


class NoteForm(FlaskForm):
    about = StringField(
        "Who or what is the note about?",
        widget=GovTextInput(),
        description="For example, a person's name and address, or a property.",
        validators=[
            InputRequired(message="Enter who or what the note is about"),
            Length(max=200, message="Who or what the note is about must be 200 characters or fewer"),
        ],
    )
    #: choices come from the notes.note_type lookup list, set by the view
    note_type = RadioField(
        "How did the contact take place?",
        widget=GovRadioInput(),
        coerce=int,
        validate_choice=False,  # the service checks the value, including one retired since the form was shown
        validators=[InputRequired(message="Select how the contact took place")],
    )
    body = TextAreaField("Note", widget=GovTextArea(), validators=[InputRequired(message="Enter the note")])
    submit = SubmitField("Save note", widget=GovSubmitInput())
