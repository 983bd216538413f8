"""URL rules for roles, teams and break-glass."""

from flask import Blueprint

bp = Blueprint("access", __name__)
