"""Forms for signing in, resetting a password and maintaining users."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, HiddenField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from core.security.passwords import RULES_HINT


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address")],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgottenPasswordForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="We will email you a link to set a new password. The link works for 1 hour.",
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    submit = SubmitField("Send link", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=RULES_HINT,
        validators=[InputRequired(message="Enter a new password"), Length(max=1000)],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter the new password again"),
            EqualTo("password", message="The passwords do not match: enter the same password twice"),
        ],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class UserForm(FlaskForm):
    name = StringField(
        "Full name", widget=GovTextInput(), validators=[InputRequired(message="Enter the user's full name"), Length(max=200)]
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="They sign in with this address, and their invitation is sent to it.",
        validators=[InputRequired(message="Enter the user's email address"), Length(max=254)],
    )
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), choices=[], validate_choice=False)
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An empty form, for CSRF on the deactivate, reactivate and invite buttons."""
