"""Helpers for API tests in the core and in modules: a token for a user, and the header that carries it."""

from __future__ import annotations

from flask import g

from core.api import services


def make_token(user, name: str = "test token", days: int | None = None) -> str:
    """Create an API token for the user, as the command line does, and return its value."""
    previous = g.get("ppp_command_line")
    g.ppp_command_line = True
    try:
        return services.create_token(name, days, user=user).value
    finally:
        g.ppp_command_line = previous


def bearer(value: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {value}"}
