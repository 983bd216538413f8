"""Forms for cases, their people and demands, and for administering case types."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from core.cases.configuration import DEMAND_KIND_HINTS
from core.cases.models import DEMAND_KINDS


def optional_int(value):
    """Coerce a select's value to an int, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


class GovDateField(DateField):
    """A day, month and year in three boxes, with a GOV.UK error message when they do not make a date."""

    def __init__(self, label=None, validators=None, invalid_message="Enter a real date", **kwargs):
        kwargs.setdefault("widget", GovDateInput())
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist or not any(part.strip() for part in valuelist):
            self.data = None
            return
        try:
            self.data = datetime.strptime(" ".join(part.strip() for part in valuelist), "%d %m %Y").date()
        except ValueError as exc:
            self.data = None
            raise ValueError(self.invalid_message) from exc


class ActionForm(FlaskForm):
    """An empty form, for CSRF on buttons that change something."""


class DepartmentForm(FlaskForm):
    department = RadioField(
        "Which department is this case for?", widget=GovRadioInput(), choices=[],
        validators=[InputRequired(message="Select a department")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class OpenCaseForm(FlaskForm):
    person_id = SelectField(
        "Who is the case about?", widget=GovSelect(), coerce=optional_int, choices=[],
        description="Search above if the person is not listed.",
        validators=[InputRequired(message="Select a person")],
    )
    role = SelectField("Their role in the case", widget=GovSelect(), coerce=optional_int, choices=[],
                       validators=[InputRequired(message="Select the person's role in this case")])
    demand_type_id = SelectField(
        "What is the demand?", widget=GovSelect(), coerce=optional_int, choices=[],
        validators=[InputRequired(message="Select a demand type")],
    )
    demand_note = TextAreaField("What did they say?", widget=GovTextArea(),
                                description="In the customer's words where you can.", validators=[Length(max=5000)])
    received_on = GovDateField(
        "When was it received?", description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date the demand was received")],
    )
    summary = StringField("Summary (optional)", widget=GovTextInput(),
                          description="A line to find the case by in lists.", validators=[Length(max=200)])
    owner_id = SelectField("Case owner", widget=GovSelect(), coerce=optional_int, choices=[],
                           validators=[InputRequired(message="Select the case owner")])
    team_id = SelectField("Team (optional)", widget=GovSelect(), coerce=optional_int, choices=[])
    place_id = SelectField("Place (optional)", widget=GovSelect(), coerce=optional_int, choices=[],
                           description="Search above by postcode, UPRN or address to list places.")
    submit = SubmitField("Open case", widget=GovSubmitInput())


class AddPersonForm(FlaskForm):
    person_id = SelectField("Person", widget=GovSelect(), coerce=optional_int, choices=[],
                            validators=[InputRequired(message="Select a person")])
    role = SelectField("Their role in the case", widget=GovSelect(), coerce=optional_int, choices=[],
                       validators=[InputRequired(message="Select the person's role in this case")])
    submit = SubmitField("Add person", widget=GovSubmitInput())


class DemandForm(FlaskForm):
    demand_type_id = SelectField("What is the demand?", widget=GovSelect(), coerce=optional_int, choices=[],
                                 validators=[InputRequired(message="Select a demand type")])
    note = TextAreaField("What did they say?", widget=GovTextArea(), validators=[Length(max=5000)])
    received_on = GovDateField("When was it received?", description="For example, 27 3 2026",
                               validators=[InputRequired(message="Enter the date the demand was received")])
    submit = SubmitField("Record demand", widget=GovSubmitInput())


class EditCaseForm(FlaskForm):
    summary = StringField("Summary", widget=GovTextInput(), validators=[Length(max=200)])
    owner_id = SelectField("Case owner", widget=GovSelect(), coerce=optional_int, choices=[],
                           validators=[InputRequired(message="Select the case owner")])
    team_id = SelectField("Team (optional)", widget=GovSelect(), coerce=optional_int, choices=[])
    place_id = SelectField("Place (optional)", widget=GovSelect(), coerce=optional_int, choices=[],
                           description="Search above by postcode, UPRN or address to choose another place.")
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class CloseCaseForm(FlaskForm):
    reason_id = RadioField("Why is the case closing?", widget=GovRadioInput(), coerce=optional_int, choices=[],
                           validators=[InputRequired(message="Select why the case is closing")])
    note = TextAreaField("Anything to add (optional)", widget=GovTextArea(), validators=[Length(max=2000)])
    version = HiddenField()
    submit = SubmitField("Close case", widget=GovSubmitInput())


class ReopenCaseForm(FlaskForm):
    reason = TextAreaField(
        "Why does the case need reopening?", widget=GovTextArea(),
        description="This is kept in the case history.",
        validators=[InputRequired(message="Enter why the case is being reopened"), Length(max=2000)],
    )
    version = HiddenField()
    submit = SubmitField("Reopen case", widget=GovSubmitInput())


class CaseFilterForm(FlaskForm):
    """The filters above the case list, read from the query string."""

    class Meta:
        csrf = False

    department = SelectField("Department", widget=GovSelect(), choices=[], validate_choice=False)
    status = SelectField("Status", widget=GovSelect(), choices=[], validate_choice=False)
    owner_id = SelectField("Owner", widget=GovSelect(), coerce=optional_int, choices=[], validate_choice=False)
    submit = SubmitField("Filter", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", "Any status"), ("open", "Open"), ("closed", "Closed")]


class TypeForm(FlaskForm):
    """Add or change a case type; the view removes the fields a list does not use."""

    label = StringField("Label", widget=GovTextInput(),
                        validators=[InputRequired(message="Enter a label"), Length(max=200)])
    code = StringField(
        "Code", widget=GovTextInput(),
        description="A stable machine name, such as missed_bin. It cannot be changed later.",
        validators=[InputRequired(message="Enter a code"), Length(max=80)],
    )
    department = SelectField("Department", widget=GovSelect(), choices=[], validate_choice=False,
                             description="The department whose staff use this type, or General for everyone.")
    category_id = SelectField("Category", widget=GovSelect(), coerce=optional_int, choices=[],
                              validate_choice=False)
    kind = RadioField(
        "Is this value demand or failure demand?",
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired(message="Select whether this is value demand or failure demand")],
    )
    description = TextAreaField("Guidance for staff (optional)", widget=GovTextArea(),
                                validators=[Optional(), Length(max=2000)])
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())

    #: the hint under each demand kind, for the template
    kind_hints = DEMAND_KIND_HINTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(DEMAND_KINDS)
