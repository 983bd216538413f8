"""Forms for API tokens and webhook subscriptions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, IntegerField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="Say what will use it, so you know which token to revoke later. For example, Rent system import.",
        validators=[InputRequired(message="Enter a name"), Length(max=100, message="Name must be 100 characters or fewer")],
    )
    days = IntegerField(
        "Days until it expires",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the number of days until the token expires")],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())

    def set_limits(self, default_days: int, max_days: int) -> None:
        """Fill in the default and the maximum the deployment allows."""
        self.days.description = f"Between 1 and {max_days}."
        self.days.validators = [
            InputRequired(message="Enter the number of days until the token expires"),
            NumberRange(min=1, max=max_days, message=f"Enter a number of days between 1 and {max_days}"),
        ]
        if self.days.data is None and not self.is_submitted():
            self.days.data = default_days


class SubscriptionForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="Who receives these events, for example Housing rent system.",
        validators=[InputRequired(message="Enter a name"), Length(max=200)],
    )
    url = StringField(
        "Address",
        widget=GovTextInput(),
        description="The full address events are POSTed to, starting https://",
        validators=[InputRequired(message="Enter the address to send events to"), Length(max=2000)],
    )
    events = SelectMultipleField("Events", widget=GovCheckboxesInput(), choices=[], validate_choice=False)
    active = BooleanField("Send events to this address", widget=GovCheckboxInput(), default=True)
    version = HiddenField()
    submit = SubmitField("Save webhook", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An empty form, for CSRF on revoke, new-secret and send-again buttons."""
