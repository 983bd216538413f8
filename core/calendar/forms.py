"""Forms for administering bank holidays."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from core.calendar.services import DIVISIONS
from core.cases.forms import GovDateField


class AddBankHolidayForm(FlaskForm):
    division = RadioField(
        "Which nation is it a bank holiday in?", widget=GovRadioInput(), choices=list(DIVISIONS.items()),
        validators=[InputRequired(message="Select which nation the bank holiday is in")],
    )
    day = GovDateField(
        "Date", description="For example, 8 5 2023",
        validators=[InputRequired(message="Enter the date of the bank holiday")],
    )
    title = StringField(
        "Name", widget=GovTextInput(), description="As GOV.UK names it, for example Coronation of King Charles III",
        validators=[InputRequired(message="Enter the name of the bank holiday"), Length(max=200)],
    )
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), description="For example, where it was announced.",
                          validators=[Length(max=2000)])
    submit = SubmitField("Add bank holiday", widget=GovSubmitInput())


class DeactivateForm(FlaskForm):
    reason = TextAreaField(
        "Why is this not a bank holiday?", widget=GovTextArea(),
        validators=[InputRequired(message="Enter why this is not a bank holiday"), Length(max=2000)],
    )
    submit = SubmitField("Mark as not a bank holiday", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An empty form, for CSRF on the reactivate button."""
