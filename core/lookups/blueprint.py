"""URL rules for administering lookup lists."""

from flask import Blueprint

bp = Blueprint("lookups", __name__, url_prefix="/admin/lookups")
