"""URL rules for the notes screens."""

from flask import Blueprint

bp = Blueprint("notes", __name__, url_prefix="/notes", template_folder="templates")
