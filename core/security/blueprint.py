"""URL rules for logging in and out."""

from flask import Blueprint

bp = Blueprint("security", __name__)
