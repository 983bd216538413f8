"""URL rules for the job log."""

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")
