"""Forms for recording a system condition and choosing the period of the counts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from core.cases.forms import GovDateField, optional_int


class ConditionForm(FlaskForm):
    condition_type_id = SelectField("What got in the way?", widget=GovSelect(), coerce=optional_int, choices=[],
                                    validators=[InputRequired(message="Select what got in the way")])
    target = RadioField("What did it hold up?", widget=GovRadioInput(), choices=[],
                        validators=[InputRequired(message="Select the case, an activity or a task")])
    note = TextAreaField("What happened?", widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField("Record system condition", widget=GovSubmitInput())


class CountsForm(FlaskForm):
    """The period and department of the counts, read from the query string."""

    class Meta:
        csrf = False

    start = GovDateField("From", validators=[InputRequired(message="Enter the first day")])
    end = GovDateField("To", validators=[InputRequired(message="Enter the last day")])
    department = SelectField("Department", widget=GovSelect(), choices=[], validate_choice=False)
    submit = SubmitField("Show counts", widget=GovSubmitInput())
