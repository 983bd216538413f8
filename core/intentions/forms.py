"""Forms for adding intentions and for the rules that create them when a case opens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from core.cases.forms import GovDateField, optional_int


class DaysField(IntegerField):
    """A whole number of days, with a GOV.UK message when the answer is not a number."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter the number of days as a whole number, such as 5") from exc


class IntentionForm(FlaskForm):
    intention_type_id = SelectField("What needs doing?", widget=GovSelect(), coerce=optional_int, choices=[],
                                    validators=[InputRequired(message="Select what needs doing")])
    due_on = GovDateField("When is it due?", description="For example, 27 3 2026",
                          validators=[InputRequired(message="Enter the date it is due")])
    assigned_user_id = SelectField("Member of staff", widget=GovSelect(), coerce=optional_int, choices=[],
                                   description="Choose a member of staff, a team, or both.")
    team_id = SelectField("Team", widget=GovSelect(), coerce=optional_int, choices=[])
    person_id = SelectField("About which person (optional)", widget=GovSelect(), coerce=optional_int, choices=[])
    note = TextAreaField("Note (optional)", widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField("Add intention", widget=GovSubmitInput())


class RuleForm(FlaskForm):
    demand_type_id = SelectField("When a case opens with this demand type", widget=GovSelect(), coerce=optional_int,
                                 choices=[], validators=[InputRequired(message="Select a demand type")])
    due_days = DaysField(
        "Due how many days after the case opens?", widget=GovTextInput(),
        description="Calendar days, counted from the day the case opened. 0 means the same day.",
        validators=[InputRequired(message="Enter the number of days, 0 or more"),
                    NumberRange(min=0, max=3650, message="Enter the number of days, between 0 and 3650")],
    )
    team_id = SelectField("Who should it go to?", widget=GovSelect(), coerce=optional_int, choices=[])
    version = HiddenField()
    submit = SubmitField("Save rule", widget=GovSubmitInput())


class TrayActionForm(FlaskForm):
    """Done and cancel buttons; ``back`` says which page to return to."""

    back = HiddenField()
