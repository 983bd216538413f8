"""Forms for people's records, searching, merging and the people area's administration screens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
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
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange

from core.people.models import VALIDATION_KINDS


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
        if not valuelist:
            # the widget unpacks three boxes, so a date missing from the submission shows as three empty boxes
            self.raw_data = None
            self.data = None
            return
        if not any(value.strip() for value in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(value.strip() for value in valuelist)])
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 1985") from None


def _select(label: str, **kwargs) -> SelectField:
    return SelectField(label, widget=GovSelect(), choices=[], coerce=optional_int, validate_choice=False, **kwargs)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search reads, and its address can be shared

    name = StringField(
        "Name", widget=GovTextInput(), description="Any part of a first, last, preferred or previous name",
        validators=[Length(max=200)],
    )
    date_of_birth = GovDateField("Date of birth", description="For example, 27 3 1985")
    identifier = StringField(
        "Reference number", widget=GovTextInput(),
        description="NHS number, National Insurance number, housing or council tax reference",
        validators=[Length(max=120)],
    )
    postcode = StringField("Postcode", widget=GovTextInput(), description="Of any address, current or past",
                           validators=[Length(max=10)])
    submit = SubmitField("Search", widget=GovSubmitInput())


class PersonForm(FlaskForm):
    title = StringField("Title (optional)", widget=GovTextInput(), validators=[Length(max=40)])
    first_names = StringField(
        "First names", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's first names"), Length(max=200)],
    )
    last_name = StringField(
        "Last name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's last name"), Length(max=200)],
    )
    preferred_name = StringField(
        "Preferred name (optional)", widget=GovTextInput(), description="What they like to be called",
        validators=[Length(max=200)],
    )
    date_of_birth = GovDateField("Date of birth (optional)", description="For example, 27 3 1985")
    date_of_death = GovDateField("Date of death (optional)")
    gender_id = _select("Gender (optional)")
    ethnicity_id = _select("Ethnic group (optional)")
    disability_id = _select("Disability (optional)")
    religion_id = _select("Religion (optional)")
    sexual_orientation_id = _select("Sexual orientation (optional)")
    preferred_language_id = _select("Preferred language (optional)")
    interpreter_required = BooleanField("Needs an interpreter", widget=GovCheckboxInput())
    restricted = BooleanField(
        "Restricted record", widget=GovCheckboxInput(),
        description="Only staff working with this person can open it without giving a reason",
    )
    safeguarding_notes = TextAreaField(
        "Safeguarding notes (optional)", widget=GovTextArea(),
        description="Sensitive: shown only to staff working with this person", validators=[Length(max=10000)],
    )


class NewPersonForm(PersonForm):
    identifier_type_id = _select("Reference number type (optional)")
    identifier_value = StringField("Reference number (optional)", widget=GovTextInput(), validators=[Length(max=120)])
    #: set once the user has seen the possible duplicates and says this is someone else
    confirmed = HiddenField()
    submit = SubmitField("Add person", widget=GovSubmitInput())


class EditPersonForm(PersonForm):
    keep_old_name = BooleanField(
        "This is a change of name: keep the old name as a previous name", widget=GovCheckboxInput()
    )
    version = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class SafeguardingForm(FlaskForm):
    safeguarding_notes = TextAreaField(
        "Safeguarding notes", widget=GovTextArea(), validators=[Length(max=10000)],
        description="Sensitive: shown only to staff working with this person",
    )
    version = HiddenField()
    submit = SubmitField("Save notes", widget=GovSubmitInput())


class PreviousNameForm(FlaskForm):
    first_names = StringField("Previous first names", widget=GovTextInput(), validators=[Length(max=200)])
    last_name = StringField("Previous last name", widget=GovTextInput(), validators=[Length(max=200)])
    used_from = GovDateField("Used from (optional)")
    used_until = GovDateField("Used until (optional)")
    reason = StringField("Why it changed (optional)", widget=GovTextInput(), description="For example, marriage",
                         validators=[Length(max=200)])
    submit = SubmitField("Add previous name", widget=GovSubmitInput())


class ContactDetailForm(FlaskForm):
    contact_type_id = _select("Type")
    value = StringField(
        "Phone number, email address or other detail", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the contact detail"), Length(max=320)],
    )
    preferred = BooleanField("Try this first", widget=GovCheckboxInput())
    note = StringField("Note (optional)", widget=GovTextInput(), description="For example, evenings only",
                       validators=[Length(max=200)])
    submit = SubmitField("Add contact detail", widget=GovSubmitInput())


class IdentifierForm(FlaskForm):
    identifier_type_id = _select("Type")
    value = StringField(
        "Reference number", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the reference number"), Length(max=120)],
    )
    submit = SubmitField("Add reference number", widget=GovSubmitInput())


class AddressForm(FlaskForm):
    place_id = RadioField("Address", widget=GovRadioInput(), choices=[], coerce=optional_int, validate_choice=False)
    address_type_id = _select("Type of address")
    start_date = GovDateField("Start date (optional)", description="For example, 1 4 2024")
    end_date = GovDateField("End date (optional)", description="Leave empty while the address is current")
    replaces_home = BooleanField(
        "This replaces the current home address", widget=GovCheckboxInput(),
        description="The current home address ends the day before this one starts",
    )
    note = StringField("Note (optional)", widget=GovTextInput(), validators=[Length(max=200)])
    submit = SubmitField("Add address", widget=GovSubmitInput())


class EndDateForm(FlaskForm):
    end_date = GovDateField("End date", description="For example, 31 3 2026")
    submit = SubmitField("Save end date", widget=GovSubmitInput())


class RelationshipForm(FlaskForm):
    relationship = SelectField("This person is", widget=GovSelect(), choices=[], validate_choice=False)
    other_id = IntegerField(
        "Record number of the other person", widget=GovTextInput(),
        description="Shown on their page; find them with Search people",
        validators=[InputRequired(message="Enter the record number of the other person"), NumberRange(min=1)],
    )
    start_date = GovDateField("Start date (optional)")
    end_date = GovDateField("End date (optional)")
    note = StringField("Note (optional)", widget=GovTextInput(), validators=[Length(max=200)])
    submit = SubmitField("Add relationship", widget=GovSubmitInput())


class WorkerForm(FlaskForm):
    user_id = _select("Member of staff")
    role_id = _select("Role")
    start_date = GovDateField("Start date", description="Leave empty for today")
    end_date = GovDateField("End date (optional)")
    submit = SubmitField("Assign", widget=GovSubmitInput())


class TeamLinkForm(FlaskForm):
    team_id = _select("Team")
    start_date = GovDateField("Start date", description="Leave empty for today")
    end_date = GovDateField("End date (optional)")
    submit = SubmitField("Add team", widget=GovSubmitInput())


class MergeForm(FlaskForm):
    source_id = IntegerField(
        "Record number of the duplicate", widget=GovTextInput(),
        description="Its history moves to this record, and it stops appearing in searches",
        validators=[InputRequired(message="Enter the record number of the duplicate"), NumberRange(min=1)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An empty form, for CSRF on buttons that change something."""


class IdentifierTypeForm(FlaskForm):
    label = StringField(
        "Name", widget=GovTextInput(), validators=[InputRequired(message="Enter a name"), Length(max=200)]
    )
    code = StringField(
        "Code", widget=GovTextInput(), description="A stable machine name such as case_number. It cannot be changed.",
        validators=[Length(max=80)],
    )
    validation = RadioField(
        "How values are checked", widget=GovRadioInput(), choices=list(VALIDATION_KINDS.items()),
        default="free_text", validators=[InputRequired(message="Select how values are checked")],
    )
    pattern = StringField(
        "Pattern", widget=GovTextInput(),
        description="Only for the pattern check: a regular expression the whole value must match, e.g. HSG[0-9]{6}",
        validators=[Length(max=500)],
    )
    unique = BooleanField("No two people can have the same value", widget=GovCheckboxInput())
    active = BooleanField("Offered for new reference numbers", widget=GovCheckboxInput(), default=True)
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class RelationshipTypeForm(FlaskForm):
    label_a = StringField(
        "How the first person relates to the second", widget=GovTextInput(), description='For example, "parent of"',
        validators=[InputRequired(message="Enter how the first person relates to the second"), Length(max=200)],
    )
    label_b = StringField(
        "How the second person relates to the first", widget=GovTextInput(), description='For example, "child of"',
        validators=[InputRequired(message="Enter how the second person relates to the first"), Length(max=200)],
    )
    code = StringField(
        "Code", widget=GovTextInput(), description="A stable machine name such as parent. It cannot be changed.",
        validators=[Length(max=80)],
    )
    active = BooleanField("Offered for new relationships", widget=GovCheckboxInput(), default=True)
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())
