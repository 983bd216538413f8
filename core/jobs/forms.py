"""Forms for the job log."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """An empty form, for CSRF on the retry and run-now buttons."""
