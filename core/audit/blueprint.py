"""URL rules for the audit screens."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
