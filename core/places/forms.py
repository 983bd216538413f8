"""Forms for searching places and entering a place by hand; the services check the values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField, SubmitField


class PlaceForm(FlaskForm):
    uprn = StringField(
        "UPRN (optional)",
        widget=GovTextInput(),
        description="The Unique Property Reference Number, up to 12 digits. Leave it empty if the place has none.",
    )
    organisation = StringField("Organisation (optional)", widget=GovTextInput())
    sub_building = StringField("Flat or unit (optional)", widget=GovTextInput())
    building_name = StringField("Building name (optional)", widget=GovTextInput())
    building_number = StringField("Building number (optional)", widget=GovTextInput())
    street = StringField("Street", widget=GovTextInput())
    locality = StringField("Locality (optional)", widget=GovTextInput())
    town = StringField("Town or city", widget=GovTextInput())
    postcode = StringField("Postcode", widget=GovTextInput())
    logical_status = RadioField("Status", widget=GovRadioInput(), choices=[], validate_choice=False)
    parent_uprn = StringField(
        "Parent UPRN (optional)",
        widget=GovTextInput(),
        description="The UPRN of the building or site this place is part of, such as the block a flat is in.",
    )
    easting = StringField("Easting (optional)", widget=GovTextInput(), description="British National Grid, metres")
    northing = StringField("Northing (optional)", widget=GovTextInput(), description="British National Grid, metres")
    latitude = StringField("Latitude (optional)", widget=GovTextInput())
    longitude = StringField("Longitude (optional)", widget=GovTextInput())
    version = HiddenField()
    submit = SubmitField("Save place", widget=GovSubmitInput())

    def values(self) -> dict[str, str]:
        """What was typed, by field name, for the services to check."""
        return {
            name: (field.data or "")
            for name, field in self._fields.items()
            if name not in {"csrf_token", "submit", "version"}
        }
