"""Forms for the care contracts configuration screens and person contract records."""

from __future__ import annotations

import re
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from .models import BILLING_PERIODS, FUNDER_KINDS, RATE_UNIT_KINDS


def optional_int(value):
    """A select's value as an id, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


def pence_from_text(text: str) -> int:
    """"£1,234.50" or "1234.5" as 123450 pence; ValueError for anything that is not pounds and pence."""
    cleaned = text.strip().replace(",", "").removeprefix("£").strip()
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValueError("not an amount")
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already refuses these
        raise ValueError("not an amount") from exc


def pounds(pence: int | None) -> str:
    """123450 as "1234.50", for a money box."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


class MoneyField(StringField):
    """An amount in pounds and pence typed as "1234.50"; data is integer pence or None when left empty."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)

    def _value(self):
        return self.raw_data[0] if self.raw_data else pounds(self.data)

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = pence_from_text(text)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be an amount in pounds and pence, like 845.50") from None


class GovDateField(DateField):
    """A date typed into GOV.UK's three boxes; all three empty means no date."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            # the widget unpacks three boxes, so a date missing from the submission shows as three empty boxes
            self.raw_data = None
            self.data = None
            return
        if not any(value.strip() for value in valuelist):
            self.data = None
            return
        try:
            self.data = datetime.strptime(" ".join(value.strip() for value in valuelist), "%d %m %Y").date()
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026") from None


class TimeField(StringField):
    """A time of day typed as "14:30" (24-hour clock); data is a time or None when left empty."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
        if not match or int(match[1]) > 24 or int(match[2]) > 59 or (int(match[1]) == 24 and int(match[2])):
            self.data = None
            raise ValueError(f"{self.label.text} must be a time on the 24-hour clock, like 14:30")
        hour, minute = int(match[1]), int(match[2])
        # 24:00 is the end of the day, kept as midnight; band ends treat midnight as the day's end
        self.data = time(0, 0) if hour == 24 else time(hour, minute)


def _code():
    return StringField(
        "Code", widget=GovTextInput(),
        description="A short machine name of lower-case letters, digits and _, e.g. oak_lodge. It cannot change later.",
        validators=[InputRequired(message="Enter a code"), Length(max=40, message="Code must be 40 characters or fewer"),
                    Regexp(r"^[a-z0-9_]+$", message="Code must use only lower-case letters, digits and _")],
    )


def _name(label="Name"):
    return StringField(label, widget=GovTextInput(), validators=[
        InputRequired(message=f"Enter the {label.lower()}"), Length(max=200, message=f"{label} must be 200 characters or fewer")])


def _active():
    return BooleanField("In use (offered for new contracts)", widget=GovCheckboxInput(), default=True)


def _select(label, message):
    return SelectField(label, widget=GovSelect(), coerce=optional_int, choices=[], validate_choice=False,
                       validators=[InputRequired(message=message)])


def _flag(label, hint=None):
    return BooleanField(label, widget=GovCheckboxInput(), description=hint or "")


class ConfigForm(FlaskForm):
    """Fields every configuration record has."""

    code = _code()
    name = _name()
    active = _active()
    submit = SubmitField("Save", widget=GovSubmitInput())


class EstablishmentForm(ConfigForm):
    """An establishment: its code and name are all the configuration form asks."""


class LocationForm(ConfigForm):
    establishment_id = _select("Establishment", "Select the establishment")


class SubLocationForm(ConfigForm):
    location_id = _select("Location", "Select the location")


class RoomForm(ConfigForm):
    sub_location_id = _select("Sub-location", "Select the sub-location")


class BedForm(ConfigForm):
    room_id = _select("Room", "Select the room")


class FunderForm(ConfigForm):
    kind = RadioField("Kind of funder", widget=GovRadioInput(), choices=list(FUNDER_KINDS),
                      validators=[InputRequired(message="Select the kind of funder")])
    establishment_id = SelectField(
        "Establishment (private funders only)", widget=GovSelect(), coerce=optional_int, choices=[],
        validate_choice=False, description="For private care, the establishment that charges its service users.",
    )


class ContractSchemeForm(ConfigForm):
    establishment_id = _select("Establishment", "Select the establishment")
    funder_id = _select("Funder", "Select the funder")
    billing_period = RadioField("Billing period", widget=GovRadioInput(), choices=list(BILLING_PERIODS),
                                validators=[InputRequired(message="Select the billing period")])
    period_anchor = GovDateField(
        "First day of a billing period", description="Weekly and four-weekly periods are counted from this day.",
        validators=[InputRequired(message="Enter the first day of a billing period")])
    finance_code_updateable = _flag("Updateable on Person Contract Service?",
                                    "Services under this scheme may replace the mapped finance code.")
    collect_contribution = _flag("The funder asks the establishment to collect the service user's contribution")
    charge_contribution = _flag("Charge the collected contribution to the service user automatically")


class ServiceForm(ConfigForm):
    """A service: its code and name are all the configuration form asks."""


class ServiceDetailForm(ConfigForm):
    service_id = _select("Service", "Select the service")


class RateUnitForm(ConfigForm):
    kind = RadioField("How it charges", widget=GovRadioInput(), choices=list(RATE_UNIT_KINDS),
                      validators=[InputRequired(message="Select how the rate unit charges")])
    time_and_days = _flag("Time and Days?", "Rates in this unit have time bands and days of the week.")


class ContractServiceForm(ConfigForm):
    contract_scheme_id = _select("Contract scheme", "Select the contract scheme")
    service_id = _select("Service", "Select the service")
    service_detail_id = SelectField("Service detail", widget=GovSelect(), coerce=optional_int, choices=[],
                                    validate_choice=False)
    rate_unit_id = _select("Rate unit", "Select the rate unit")
    negotiated_rates_apply = _flag("Negotiated Rates Apply?", "Each person's service records its own rates.")
    rooms_apply = _flag("Rooms Apply?", "Residential: the service user is allocated a bed.")
    standard_rate_pence = MoneyField("Standard rate (£ per rate unit)",
                                     validators=[InputRequired(message="Enter the standard rate")])


class EndReasonForm(ConfigForm):
    extra_days_charged = IntegerField(
        "Days still charged after the end date", widget=GovTextInput(), default=0,
        description="For example 3 after a death, while the room is cleared. 0 for none.",
        validators=[InputRequired(message="Enter the days still charged, or 0"),
                    NumberRange(min=0, max=90, message="Days still charged must be between 0 and 90")],
    )


class AbsenceTypeForm(ConfigForm):
    first_percent = IntegerField(
        "Percentage charged from the first day away", widget=GovTextInput(), default=100,
        validators=[InputRequired(message="Enter the percentage charged from the first day"),
                    NumberRange(min=0, max=100, message="Percentages must be between 0 and 100")])
    second_from_day = IntegerField(
        "Then from day", widget=GovTextInput(), validators=[Optional(), NumberRange(min=2, max=3650,
                                                           message="Days must be between 2 and 3650")],
        description="For example 29, when only the first 28 days in hospital are charged. Leave empty for one rate.")
    second_percent = IntegerField(
        "Percentage charged from that day", widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=100, message="Percentages must be between 0 and 100")])
    third_from_day = IntegerField(
        "And from day", widget=GovTextInput(), validators=[Optional(), NumberRange(min=3, max=3650,
                                                          message="Days must be between 3 and 3650")])
    third_percent = IntegerField(
        "Percentage charged from that day ", widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=100, message="Percentages must be between 0 and 100")])


class FinanceCodeMappingForm(FlaskForm):
    establishment_id = _select("Establishment", "Select the establishment")
    service_id = _select("Service", "Select the service")
    funder_id = _select("Funder", "Select the funder")
    finance_code = StringField("Finance code", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the finance code"), Length(max=40, message="Finance code must be 40 characters or fewer")])
    active = BooleanField("In use (given to new services)", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())



def _mandatory(label: str) -> str:
    """The seed marks mandatory fields with an asterisk."""
    return f"{label} *"


class PersonContractForm(FlaskForm):
    establishment_id = _select(_mandatory("Establishment"), "Select the establishment")
    contract_scheme_id = _select(_mandatory("Contract scheme"), "Select the contract scheme")
    reference = StringField("Contract reference", widget=GovTextInput(),
                            validators=[Length(max=60, message="Reference must be 60 characters or fewer")])
    start_date = GovDateField(_mandatory("Start date"), validators=[InputRequired(message="Enter the start date")])
    end_date = GovDateField("End date")
    submit = SubmitField("Save contract", widget=GovSubmitInput())


YES_NO = [("yes", "Yes"), ("no", "No")]
FREQUENCIES = [(str(weeks), "Every week" if weeks == 1 else f"Every {weeks} weeks") for weeks in range(1, 10)]


class PersonContractServiceForm(FlaskForm):
    """The seed's Person Contract Service screen; person contract, scheme, funder, rate unit and rate required are
    filled by the system and shown, not typed."""

    service_id = _select(_mandatory("Service"), "Select the service")
    service_detail_id = SelectField("Service detail", widget=GovSelect(), coerce=optional_int, choices=[],
                                    validate_choice=False)
    contract_service_id = _select(_mandatory("Contract service"), "Select the contract service")
    update_finance_code = _flag("Update Finance Code", "Replace the finance code from the mapping with the one below. "
                                "Once replaced, it is never updated from the mapping again.")
    finance_code = StringField("Finance code", widget=GovTextInput(),
                               validators=[Length(max=40, message="Finance code must be 40 characters or fewer")])
    account_code = StringField("Account code", widget=GovTextInput(),
                               validators=[Length(max=60, message="Account code must be 60 characters or fewer")])
    start_date = GovDateField(_mandatory("Start date"), validators=[InputRequired(message="Enter the start date")])
    start_time = TimeField("Start time", description="24-hour clock, e.g. 14:00. Leave empty for the start of the day.")
    end_date = GovDateField("End date", description="Only when it is known. Charged up to, not including, this day.")
    end_time = TimeField("End time")
    expected_end_date = GovDateField("Expected end date")
    expected_end_time = TimeField("Expected end time")
    end_reason_id = SelectField("End reason", widget=GovSelect(), coerce=optional_int, choices=[],
                                validate_choice=False, description="Mandatory when an end date is recorded.")
    status = RadioField(_mandatory("Status"), widget=GovRadioInput(), choices=[],
                        validators=[InputRequired(message="Select the status")])
    frequency_weeks = SelectField(_mandatory("Frequency (in weeks)"), widget=GovSelect(), choices=FREQUENCIES,
                                  coerce=int, default=1,
                                  description="How often the planned weekly schedule repeats: 1 to 9 weeks.",
                                  validators=[InputRequired(message="Select the frequency")])
    override_rate_pence = MoneyField("Override rate (£)", description="Replaces every other rate when set.")
    rate_verified = _flag("Rate verified")
    suspend_debtor_invoices = RadioField(_mandatory("Suspend Debtor Invoices?"), widget=GovRadioInput(),
                                         choices=YES_NO, default="no",
                                         validators=[InputRequired(message="Select whether to suspend debtor invoices")])
    suspend_reason_id = SelectField("Suspend Debtor Invoices reason", widget=GovSelect(), coerce=optional_int,
                                    choices=[], validate_choice=False)
    submit = SubmitField("Save", widget=GovSubmitInput())


class ContributionForm(FlaskForm):
    weekly_pence = MoneyField(_mandatory("Service user's contribution per week (£)"),
                              validators=[InputRequired(message="Enter the contribution per week")])
    submit = SubmitField("Record contribution", widget=GovSubmitInput())


WEEKDAY_CHOICES = [(str(index), name) for index, name in enumerate(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))]


class RateForm(FlaskForm):
    """The seed's Rates tab; Bank Holiday Type is for future use and left out."""

    start_date = GovDateField(_mandatory("Start date"), validators=[InputRequired(message="Enter the start date")])
    end_date = GovDateField("End date", description="The last day the rate applies. Leave empty while it is open.")
    rate_pence = MoneyField(_mandatory("Rate (£)"), validators=[InputRequired(message="Enter the rate")])
    time_band_start = TimeField("Time band start", description="24-hour clock, e.g. 08:00. Empty means midnight.")
    time_band_end = TimeField("Time band end", description="Empty or 00:00 means the end of the day.")
    bank_holiday_rate_pence = MoneyField("Bank holiday rate (£)",
                                         description="Charged instead on bank holidays. Leave empty for the same rate.")
    all_days = RadioField(_mandatory("Select All Days"), widget=GovRadioInput(), choices=YES_NO, default="yes",
                          validators=[InputRequired(message="Select whether the rate applies on all days")])
    weekdays = SelectMultipleField("Days of the week (when not all days)", widget=GovCheckboxesInput(),
                                   choices=WEEKDAY_CHOICES, coerce=int, validate_choice=False)
    submit = SubmitField("Save rate", widget=GovSubmitInput())


class VisitForm(FlaskForm):
    week_number = SelectField(_mandatory("Week of the cycle"), widget=GovSelect(), coerce=int, choices=[],
                              validate_choice=False)
    weekday = SelectField(_mandatory("Day"), widget=GovSelect(), coerce=int, choices=WEEKDAY_CHOICES,
                          validate_choice=False)
    start_time = TimeField(_mandatory("Starts"), validators=[InputRequired(message="Enter the time the visit starts")])
    end_time = TimeField(_mandatory("Ends"), validators=[InputRequired(message="Enter the time the visit ends")])
    submit = SubmitField("Add visit", widget=GovSubmitInput())


class BedAllocationForm(FlaskForm):
    bed_id = _select(_mandatory("Sub location, room and bed"), "Select the bed")
    start_date = GovDateField(_mandatory("Start date"), validators=[InputRequired(message="Enter the start date")])
    start_time = TimeField("Start time")
    end_date = GovDateField("End date")
    end_time = TimeField("End time")
    submit = SubmitField("Allocate bed", widget=GovSubmitInput())


class EndAllocationForm(FlaskForm):
    end_date = GovDateField(_mandatory("End date"), validators=[InputRequired(message="Enter the end date")])
    end_time = TimeField("End time")
    submit = SubmitField("End allocation", widget=GovSubmitInput())


class AbsenceForm(FlaskForm):
    """A person absence and the Person Contract Services it affects."""

    absence_type_id = _select(_mandatory("Kind of absence"), "Select the kind of absence")
    start_date = GovDateField(_mandatory("First day away"), validators=[InputRequired(message="Enter the first day away")])
    end_date = GovDateField("Day they came back", description="Not a day away. Leave empty while they are away.")
    service_ids = SelectMultipleField(
        "Services the absence affects", widget=GovCheckboxesInput(), coerce=int, choices=[], validate_choice=False,
        description="Leave them all unticked to link every service running during the absence. A residential "
                    "contribution is only linked when ticked.")
    notes = StringField("Notes", widget=GovTextInput(),
                        validators=[Length(max=500, message="Notes must be 500 characters or fewer")])
    version = HiddenField()
    submit = SubmitField("Save absence", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An empty form, for CSRF on buttons that change something."""
