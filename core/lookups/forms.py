"""Forms for administering lookup values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired, Length


class AddValueForm(FlaskForm):
    label = StringField(
        "Label", widget=GovTextInput(), validators=[InputRequired(message="Enter a label"), Length(max=200)]
    )
    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="A stable machine name, such as home_visit. It cannot be changed later.",
        validators=[InputRequired(message="Enter a code"), Length(max=80)],
    )
    submit = SubmitField("Add value", widget=GovSubmitInput())


class RenameValueForm(FlaskForm):
    label = StringField(
        "Label", widget=GovTextInput(), validators=[InputRequired(message="Enter a label"), Length(max=200)]
    )
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An empty form, for CSRF on the move and deactivate buttons."""
