"""URL rules for the home page and health check."""

from flask import Blueprint

bp = Blueprint("web", __name__)
