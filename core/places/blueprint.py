"""URL rules for places and gazetteer imports."""

from flask import Blueprint

bp = Blueprint("places", __name__, url_prefix="/places")
