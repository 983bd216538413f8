"""URL rules for the reports screens."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
