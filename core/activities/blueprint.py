"""URL rules for recording activities on cases."""

from flask import Blueprint

bp = Blueprint("activities", __name__, url_prefix="/cases")
