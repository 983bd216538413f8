"""URL rules for the attendance payment screens (templates live with the module's, under attendance/payments/)."""

from flask import Blueprint

bp = Blueprint("attendance_payments", __name__, url_prefix="/attendance/payments", template_folder="../templates")
