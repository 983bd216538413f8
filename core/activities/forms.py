"""The form for recording an activity with its tasks."""

from __future__ import annotations

import re
from datetime import datetime, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from core.cases.forms import GovDateField, optional_int
from core.types import LONDON

TIME_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class MinutesField(IntegerField):
    """Whole minutes, with a GOV.UK message when the answer is not a number."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter how many minutes the task took, as a whole number such as 45") from exc


def start_time(value: str | None) -> time | None:
    """A 24-hour time typed as 14:30 or 9.05, or None when it is not one."""
    match = TIME_PATTERN.match(value or "")
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def london_start(day, value: str | None) -> datetime | None:
    """The aware start time of a task on the activity's day, read as Europe/London time."""
    clock = start_time(value)
    return datetime.combine(day, clock, tzinfo=LONDON) if day and clock else None


class TaskForm(Form):
    """One task within the activity form (no CSRF field of its own)."""

    task_type_id = SelectField("Task", widget=GovSelect(), coerce=optional_int, choices=[],
                               validators=[InputRequired(message="Select the task")])
    staff_id = SelectField("Done by", widget=GovSelect(), coerce=optional_int, choices=[],
                           validators=[InputRequired(message="Select who did the task")])
    person_id = SelectField("Person involved", widget=GovSelect(), coerce=optional_int, choices=[],
                            validators=[InputRequired(message="Select the person involved")])
    start_time = StringField("Start time", widget=GovTextInput(), description="24-hour clock, for example 14:30",
                             validators=[InputRequired(message="Enter the time the task started, such as 14:30")])
    minutes = MinutesField(
        "How long it took, in minutes", widget=GovTextInput(),
        validators=[InputRequired(message="Enter how many minutes the task took"),
                    NumberRange(min=1, message="Enter how many minutes the task took, as a whole number above 0")],
    )
    note = TextAreaField("Note (optional)", widget=GovTextArea(), validators=[Length(max=2000)])

    def validate_start_time(self, field):
        if field.data and start_time(field.data) is None:
            raise ValidationError("Enter a real time on the 24-hour clock, such as 14:30")


class ActivityForm(FlaskForm):
    title = StringField("What was the activity?", widget=GovTextInput(),
                        description="For example, home visit about the missed collections",
                        validators=[InputRequired(message="Enter what the activity was"), Length(max=200)])
    occurred_on = GovDateField("Date of the activity", description="For example, 27 3 2026",
                               validators=[InputRequired(message="Enter the date of the activity")])
    tasks = FieldList(FormField(TaskForm), min_entries=1, max_entries=20)
    add_task = SubmitField("Add another task", widget=GovSubmitInput())
    submit = SubmitField("Record activity", widget=GovSubmitInput())
