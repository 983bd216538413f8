"""Forms for service users, meetings, sections, patterns, registers and non-attendance reasons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .models import HALVES, WEEKDAY_NAMES


def optional_int(value):
    """A select's value as an id, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


class GovDateField(DateField):
    """A date typed into GOV.UK's three boxes; all three empty means no date."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not any(value.strip() for value in valuelist):
            # the widget unpacks three boxes, so a missing date shows as three empty boxes; a date left out of the
            # post altogether has no boxes to unpack
            self.data = None
            if not valuelist:
                self.raw_data = None
            return
        try:
            super().process_formdata([" ".join(value.strip() for value in valuelist)])
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026") from None


def _select(label: str, **kwargs) -> SelectField:
    return SelectField(label, widget=GovSelect(), choices=[], coerce=optional_int, validate_choice=False, **kwargs)


def with_blank(choices: list[tuple[int, str]], blank: str = "Select") -> list[tuple[str | int, str]]:
    return [("", blank), *choices]


#: the ten half-days of a working week, as "<weekday>-<half>" codes for checkboxes
SLOT_CHOICES = [(f"{day}-{half}", f"{WEEKDAY_NAMES[day]} {'morning' if half == 'AM' else 'afternoon'}")
                for day in range(7) for half in HALVES]


class ServiceUserForm(FlaskForm):
    version = HiddenField()
    referral_date = GovDateField("Date of referral", validators=[InputRequired(message="Enter the date of referral")],
                                 description="For example, 14 9 2026")
    start_date = GovDateField("Start date", validators=[Optional()],
                              description="The first day they attend. Leave empty until they start.")
    funder_id = _select("Funder")
    contract_reference = StringField("Contract reference", widget=GovTextInput(),
                                     validators=[Length(max=100, message="Contract reference must be 100 characters "
                                                                         "or fewer")])
    key_worker_id = _select("Key worker")
    payment_method = RadioField("How are they paid?", widget=GovRadioInput(),
                                choices=[("cash", "Cash"), ("bacs", "BACS (into a bank account)")],
                                validators=[InputRequired(message="Select how they are paid")])
    bank_account_name = StringField("Name on the account", widget=GovTextInput(),
                                    description="Only for BACS payments")
    bank_sort_code = StringField("Sort code", widget=GovTextInput(), description="Must be 6 digits long")
    bank_account_number = StringField("Account number", widget=GovTextInput(),
                                      description="Must be 8 digits long")
    submit = SubmitField("Save", widget=GovSubmitInput())


class NeedsForm(FlaskForm):
    medical_conditions = TextAreaField("Medical conditions", widget=GovTextArea())
    special_needs = TextAreaField("Special needs", widget=GovTextArea())
    submit = SubmitField("Save", widget=GovSubmitInput())


class EmergencyContactForm(FlaskForm):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired(message="Enter the contact's name"),
                                                                   Length(max=200)])
    relationship_to = StringField("Relationship", widget=GovTextInput(), description="For example, mother or neighbour",
                                  validators=[Length(max=100)])
    phone = StringField("Phone number", widget=GovTextInput(),
                        validators=[InputRequired(message="Enter a phone number")])
    submit = SubmitField("Add contact", widget=GovSubmitInput())


class MoveOnForm(FlaskForm):
    end_date = GovDateField("Date they left", validators=[InputRequired(message="Enter the date they left")])
    move_on_outcome_id = _select("Where did they move on to?")
    move_on_date = GovDateField("Date the outcome began", validators=[Optional()],
                                description="For example, the first day of a new job")
    submit = SubmitField("Record leaving", widget=GovSubmitInput())


class ActionForm(Form):
    """One agreed action; the meeting form offers three."""

    description = StringField("Action", widget=GovTextInput())
    assigned_user_id = _select("Who will do it")
    due_on = GovDateField("Due by", validators=[Optional()])


class MeetingForm(FlaskForm):
    version = HiddenField()
    kind = RadioField("Kind of meeting", widget=GovRadioInput(),
                      choices=[("consultation", "Consultation (before they join)"), ("review", "Review")],
                      validators=[InputRequired(message="Select consultation or review")])
    held_on = GovDateField("Date of the meeting", validators=[InputRequired(message="Enter the date of the meeting")])
    attendees = TextAreaField("Who attended", widget=GovTextArea())
    notes = TextAreaField("Notes", widget=GovTextArea())
    next_review_on = GovDateField("Next review", validators=[Optional()])
    actions = FieldList(FormField(ActionForm), min_entries=3, max_entries=3)
    submit = SubmitField("Save meeting", widget=GovSubmitInput())


class PremisesForm(FlaskForm):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired(message="Enter the name of the premises"),
                                                                   Length(max=200)])
    assembly_point = StringField("Fire assembly point", widget=GovTextInput(), validators=[Length(max=200)],
                                 description="Printed on fire registers, for example 'Car park by the main gate'")
    active = BooleanField("In use", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())


class SectionForm(FlaskForm):
    version = HiddenField()
    premises_id = _select("Premises")
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired(message="Enter the name of the section"),
                                                                   Length(max=200)])
    capacity = IntegerField("Places per half-day", widget=GovTextInput(),
                            validators=[InputRequired(message="Enter how many service users the section takes"),
                                        NumberRange(min=1, message="Places per half-day must be 1 or more")])
    manager_id = _select("Section manager")
    staff_team_id = _select("Staff team", description="A team of type 'Section staff'; its members are on the fire "
                                                      "register and work with the section's service users")
    opening_days = SelectMultipleField("Opening days", widget=GovCheckboxesInput(), coerce=int,
                                       choices=list(enumerate(WEEKDAY_NAMES)), default=[0, 1, 2, 3, 4])
    active = BooleanField("Open for new programmes", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())


class ClosureForm(FlaskForm):
    start_date = GovDateField("First day closed", validators=[InputRequired(message="Enter the first day closed")])
    end_date = GovDateField("Last day closed", validators=[Optional()],
                            description="Leave empty for a one-day closure")
    reason = StringField("Reason", widget=GovTextInput(), validators=[InputRequired(message="Enter why it is closed"),
                                                                       Length(max=200)])
    submit = SubmitField("Add closure", widget=GovSubmitInput())


class PatternForm(FlaskForm):
    version = HiddenField()
    section_id = _select("Section")
    start_date = GovDateField("First day", validators=[InputRequired(message="Enter the first day of the programme")])
    end_date = GovDateField("Last day", validators=[InputRequired(message="Enter the last day of the programme")])
    slots = SelectMultipleField("Half-days they attend", widget=GovCheckboxesInput(), choices=SLOT_CHOICES)
    submit = SubmitField("Save pattern", widget=GovSubmitInput())

    def slot_pairs(self) -> list[tuple[int, str]]:
        pairs = []
        for code in self.slots.data or []:
            day, _, half = code.partition("-")
            if day.isdigit():
                pairs.append((int(day), half))
        return pairs


class CsrfForm(FlaskForm):
    """A form with only its CSRF token, for buttons and hand-built registers."""


class RemoveMeetingForm(FlaskForm):
    """The confirmation of a meeting's removal, carrying the version of the meeting it showed."""

    version = HiddenField()


class UnplannedForm(FlaskForm):
    service_user_id = _select("Service user")
    note = StringField("Note", widget=GovTextInput(), validators=[Length(max=200)])
    submit = SubmitField("Add to the register", widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    code = StringField("Code", widget=GovTextInput(), description="Lower-case letters, digits and underscores; it "
                                                                  "never changes", validators=[Length(max=80)])
    label = StringField("Reason", widget=GovTextInput(), validators=[InputRequired(message="Enter the reason"),
                                                                      Length(max=200)])
    paid = BooleanField("The half-day is still paid", widget=GovCheckboxInput())
    active = BooleanField("Offered on registers", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())
