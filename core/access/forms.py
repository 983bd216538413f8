"""Forms for roles, teams and break-glass."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length


class RoleForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), validators=[InputRequired(message="Enter a name"), Length(max=120)]
    )
    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="A stable machine name such as duty_worker. It cannot be changed later.",
        validators=[Length(max=80)],
    )
    description = TextAreaField("What this role is for", widget=GovTextArea(), validators=[Length(max=500)])
    permissions = SelectMultipleField(
        "Permissions", widget=GovCheckboxesInput(), choices=[], validate_choice=False
    )
    version = HiddenField()
    submit = SubmitField("Save role", widget=GovSubmitInput())


class TeamForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), validators=[InputRequired(message="Enter a name"), Length(max=200)]
    )
    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="A stable machine name such as north_locality. It cannot be changed later.",
        validators=[Length(max=80)],
    )
    team_type = SelectField("Team type", widget=GovSelect(), choices=[], validate_choice=False)
    description = TextAreaField("Description", widget=GovTextArea(), validators=[Length(max=2000)])
    active = BooleanField("This team is active", widget=GovCheckboxInput(), default=True)
    version = HiddenField()
    submit = SubmitField("Save team", widget=GovSubmitInput())


class MemberForm(FlaskForm):
    user_id = SelectField(
        "Staff member",
        widget=GovSelect(),
        coerce=int,
        choices=[],
        validators=[InputRequired(message="Select a staff member")],
    )
    is_manager = BooleanField("Manages this team", widget=GovCheckboxInput())
    submit = SubmitField("Add to team", widget=GovSubmitInput())


class BreakGlassForm(FlaskForm):
    reason = TextAreaField(
        "Why do you need to open this record?",
        widget=GovTextArea(),
        description="You do not work with this person. Your reason is recorded and reviewed by administrators.",
        validators=[InputRequired(message="Enter why you need to open this record"), Length(max=2000)],
    )
    next = HiddenField()
    submit = SubmitField("Open the record", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An empty form, for CSRF on remove buttons."""
