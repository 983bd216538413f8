"""Permission checks shared by views, API routes, services and jobs, so each path meets the same rule."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from core.plugins import Permission

__all__ = [
    "Permission",
    "PermissionDenied",
    "acting_user",
    "authorize",
    "can",
    "public",
    "require_login",
    "require_permission",
]


class PermissionDenied(Forbidden):
    """The acting user lacks a permission; shown as the 403 page, or a 403 problem in the API."""


def acting_user() -> Any:
    """The user on whose behalf code runs: the logged-in user, or the user a job runs for."""
    if has_app_context() and g.get("ppp_actor") is not None:
        return g.ppp_actor
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def can(permission: str, user: Any = None) -> bool:
    """Whether the user (default: the acting user) holds the permission."""
    if permission not in current_app.extensions["ppp"].permissions:
        raise KeyError(f'Unknown permission "{permission}": register it in a register_permissions hook.')
    user = user if user is not None else acting_user()
    return bool(user is not None and user.is_active and user.has_permission(permission))


def authorize(permission: str, user: Any = None) -> None:
    """Raise PermissionDenied unless the user (default: the acting user) holds the permission."""
    if not can(permission, user):
        raise PermissionDenied(f'You need the "{permission}" permission to do this.')


def require_permission(*permissions: str) -> Callable:
    """Decorate a view so that it needs a logged-in user holding every one of the permissions."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            for permission in permissions:
                authorize(permission)
            return view(*args, **kwargs)

        wrapped._ppp_access = ("permission", permissions)
        return wrapped

    return decorator


def require_login(view: Callable) -> Callable:
    """Mark a view open to any logged-in user, such as the home page or a user's own account."""
    view._ppp_access = ("login", ())
    return view


def public(view: Callable) -> Callable:
    """Mark a view open without logging in, such as the login and password-reset pages."""
    view._ppp_access = ("public", ())
    return view


def access_rule(view: Callable) -> tuple[str, tuple[str, ...]] | None:
    """The access rule a view declared with one of the decorators above, or None."""
    rule = getattr(view, "_ppp_access", None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, "_ppp_access", None)
    return rule
