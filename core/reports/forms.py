"""Base forms for report parameters; a module's report form subclasses ReportForm (or PeriodForm)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired

from core.cases.forms import GovDateField

__all__ = ["GovDateField", "PeriodForm", "ReportForm"]


class ReportForm(FlaskForm):
    """Parameters of a report, sent in the query string so a result can be bookmarked and exported."""

    class Meta:
        csrf = False  # a GET form that only reads

    submit = SubmitField("Run report", widget=GovSubmitInput())

    def parameters(self) -> dict:
        """Each field's data by name, without the button: what the report's run function receives."""
        return {name: field.data for name, field in self._fields.items() if name != "submit"}


class PeriodForm(ReportForm):
    """A period from one day to another, both included."""

    start = GovDateField("From", description="For example, 1 4 2026",
                         validators=[InputRequired(message="Enter the first day of the period")])
    end = GovDateField("To", description="For example, 30 6 2026",
                       validators=[InputRequired(message="Enter the last day of the period")])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors.append("The last day must be the same as or after the first day")
            return False
        return valid
