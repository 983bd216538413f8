"""URL rules for the API screens: a user's own tokens, user administrators' token list, webhooks, the reference."""

from flask import Blueprint

bp = Blueprint("api", __name__)
