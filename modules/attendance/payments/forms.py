"""Forms for payment rates, payment runs and payment settings."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, DateField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from . import bacs, cash

_POUNDS = re.compile(r"^£?\s*(\d{1,7})(?:\.(\d{1,2}))?$")


def parse_pounds(text: str | None) -> int | None:
    """Pounds and pence as typed ("5.50", "£5", "5.5") in pence, or None if it is not an amount."""
    match = _POUNDS.match((text or "").strip().replace(",", ""))
    if not match:
        return None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class GovDateField(DateField):
    """A date typed into GOV.UK's three boxes; all three empty means no date."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not any(value.strip() for value in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(value.strip() for value in valuelist)])
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 31 3 2026") from None


class ActionForm(FlaskForm):
    """An empty form, for CSRF on buttons that change something."""


class RunForm(FlaskForm):
    period_start = GovDateField("First day of the period", description="For example, 1 3 2026",
                                validators=[InputRequired(message="Enter the first day of the period")])
    period_end = GovDateField("Last day of the period", description="For example, 31 3 2026",
                              validators=[InputRequired(message="Enter the last day of the period")])
    payment_date = GovDateField("Payment date", description="The day the BACS payments arrive and the envelopes "
                                "are handed out", validators=[InputRequired(message="Enter the payment date")])
    submit = SubmitField("Calculate the run", widget=GovSubmitInput())


class RateForm(FlaskForm):
    effective_from = GovDateField("Applies from", description="Paid half-days on and after this date get this rate",
                                  validators=[InputRequired(message="Enter the date the rate applies from")])
    amount = StringField("Rate per paid half-day, in pounds", widget=GovTextInput(), description="For example, 5.50",
                         validators=[InputRequired(message="Enter the rate per half-day")])
    note = StringField("Why the rate changed (optional)", widget=GovTextInput(),
                       validators=[Optional(), Length(max=200, message="The note must be 200 characters or fewer")])
    submit = SubmitField("Add rate", widget=GovSubmitInput())


class SettingsForm(FlaskForm):
    originator_sort_code = StringField("Sort code", widget=GovTextInput(), description="6 digits, like 30-94-57")
    originator_account_number = StringField("Account number", widget=GovTextInput(), description="8 digits")
    originator_name = StringField("Name on the account", widget=GovTextInput(),
                                  description="Up to 18 letters and numbers appear on BACS records")
    reference_prefix = StringField(
        "Payment reference", widget=GovTextInput(),
        description="What service users' bank statements show before the month, for example ATTENDANCE",
        validators=[InputRequired(message="Enter a payment reference")])
    denominations = SelectMultipleField(
        "Notes and coins for cash envelopes", widget=GovCheckboxesInput(), coerce=int, validate_choice=False,
        choices=[(value, f"{cash.label(value)} {cash.kind(value)}") for value in cash.ALL_DENOMINATIONS],
        description="Clear the notes to pay in coins only. The 1p coin is needed so every amount can be paid.")
    csv_columns = StringField(
        "Bank-upload CSV columns", widget=GovTextInput(),
        description="In order, separated by commas, from: " + ", ".join(bacs.CSV_COLUMNS),
        validators=[InputRequired(message="Enter the bank-upload CSV columns")])
    csv_header = BooleanField("Start the CSV with a row of column headings", widget=GovCheckboxInput())
    submit = SubmitField("Save payment settings", widget=GovSubmitInput())
