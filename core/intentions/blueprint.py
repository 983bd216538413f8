"""URL rules for the "my work" tray, adding intentions, and the rules that create them."""

from flask import Blueprint

bp = Blueprint("intentions", __name__)
