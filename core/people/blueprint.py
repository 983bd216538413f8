"""URL rules for people's records, search, merging and the people area's administration screens."""

from flask import Blueprint

bp = Blueprint("people", __name__)
