"""URL rules for the attendance screens."""

from flask import Blueprint

bp = Blueprint("attendance", __name__, url_prefix="/attendance", template_folder="templates")
