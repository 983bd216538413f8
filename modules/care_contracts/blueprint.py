"""URL rules for the care contracts screens."""

from flask import Blueprint

bp = Blueprint("care_contracts", __name__, url_prefix="/care-contracts", template_folder="templates")
