"""URL rules for recording system conditions and counting them."""

from flask import Blueprint

bp = Blueprint("conditions", __name__)
