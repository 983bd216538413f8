"""URL rules for administering bank holidays."""

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/admin/bank-holidays")
