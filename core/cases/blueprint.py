"""URL rules for cases, and for administering case types."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
admin_bp = Blueprint("case_types", __name__, url_prefix="/admin/case-types")
