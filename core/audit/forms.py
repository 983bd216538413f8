"""The audit search form, read from the query string so a search can be bookmarked and shared."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Optional, ValidationError

from core.audit.services import is_module_action


class DayField(DateField):
    """A GOV.UK day, month and year, empty when all three are blank, with GOV.UK error messages."""

    widget = GovDateInput()

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        # the widget shows raw_data back as day, month and year: exactly three values, or None for none
        self.raw_data = (list(valuelist) + ["", "", ""])[:3] if valuelist else None
        parts = [part.strip() for part in self.raw_data or ()]
        if not any(parts):
            self.data = None
            return
        name = self.label.text
        missing = [unit for unit, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValueError(f"{name} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(part) for part in parts)
            if year < 1000:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{name} must be a real date") from None


class AuditSearchForm(FlaskForm):
    """Search the audit trail by person, user, record, action and date."""

    class Meta:
        csrf = False  # a search changes nothing, and its address must work as a link

    person_id = StringField("Person ID", widget=GovTextInput(), validators=[Optional()])
    actor_id = SelectField("User", widget=GovSelect(), validators=[Optional()], validate_choice=True)
    entity_type = SelectField("Record type", widget=GovSelect(), validators=[Optional()])
    entity_id = StringField("Record ID", widget=GovTextInput(), validators=[Optional()])
    action = SelectField("Action", widget=GovSelect(), validators=[Optional()])
    # no Optional() here: it looks only at the day box, and would hide "must include a day"
    date_from = DayField("Date from")
    date_to = DayField("Date to")
    submit = SubmitField("Search", widget=GovSubmitInput())

    def __init__(self, *args, users=(), entity_types=(), actions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor_id.choices = [("", "Any user")] + [(str(user.id), f"{user.name} ({user.email})") for user in users]
        self.entity_type.choices = [("", "Any record type")] + [(name, name) for name in entity_types]
        self.action.choices = [("", "Any action")] + list(actions)
        requested = self.action.data
        if requested and requested not in dict(self.action.choices) and is_module_action(requested):
            self.action.choices.append((requested, requested))  # a module's own action, e.g. from a link

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Date to must be the same as or after date from")

    def validate_person_id(self, field) -> None:
        if not field.data.strip().isdigit() or int(field.data) < 1:
            raise ValidationError("Person ID must be a whole number, like 1024")

    def filters(self) -> dict:
        """The search's filters, for core.audit.services.search."""
        return {
            "person_id": int(self.person_id.data) if (self.person_id.data or "").strip() else None,
            "actor_id": int(self.actor_id.data) if self.actor_id.data else None,
            "entity_type": self.entity_type.data or None,
            "entity_id": (self.entity_id.data or "").strip() or None,
            "action": self.action.data or None,
            "date_from": self.date_from.data,
            "date_to": self.date_to.data,
        }

