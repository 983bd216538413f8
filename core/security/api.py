"""/api/v1/users and /api/v1/roles: user accounts and roles with their permissions, for administrators only."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm.attributes import flag_modified

from core.access import services as access
from core.api.conventions import (
    ETAG,
    AnyPage,
    etag_headers,
    field_errors,
    get_or_404,
    sort_field,
    sort_list,
    version_guard,
    versioned,
)
from core.api.schemas import EmailAddress, Text
from core.extensions import db
from core.permissions import require_login, require_permission
from core.security import services
from core.security.models import Role, User

MANAGE_USERS = services.MANAGE_USERS
MANAGE_ROLES = access.MANAGE_ROLES

users_blp = Blueprint(
    "api_users", __name__, url_prefix="/api/v1/users",
    description="Staff user accounts: find, read, invite, change and deactivate (admin.users.manage). Users are "
                "never deleted, so their history stays attributed.",
)
roles_blp = Blueprint(
    "api_roles", __name__, url_prefix="/api/v1/roles",
    description="Roles and the permissions they hold (admin.roles.manage).",
)


# --- schemas -----------------------------------------------------------------------------------------------------


class RoleRef(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    active = fields.Boolean(metadata={"description": "false once deactivated: they cannot sign in or use tokens."})
    roles = fields.List(fields.Nested(RoleRef))
    has_password = fields.Function(lambda user: bool(user.password_hash),
                                   metadata={"type": "boolean",
                                             "description": "false until they set a password from their invitation."})
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class UserQuery(Schema):
    q = Text(200, metadata={"description": "Text anywhere in the name or email address."})
    status = fields.String(load_default="active", validate=validate.OneOf(("active", "inactive", "all")))
    sort = sort_field(("name", "email", "created_at", "last_login_at"), "name")


_ROLE_CODES = fields.List(
    fields.String(validate=validate.Length(max=80)), validate=validate.Length(max=50),
    metadata={"description": 'Role codes, e.g. ["caseworker"] (see /api/v1/roles/).'},
)


class NewUserSchema(Schema):
    email = EmailAddress(required=True)
    name = Text(200, required=True, min_length=1)
    roles = fields.List(fields.String(validate=validate.Length(max=80)), validate=validate.Length(max=50),
                        load_default=list, metadata={"description": 'Role codes, e.g. ["caseworker"].'})


class UserChangeSchema(Schema):
    email = EmailAddress()
    name = Text(200, min_length=1)
    roles = _ROLE_CODES
    active = fields.Boolean(metadata={"description": "false deactivates the user (and stops their tokens); true "
                                                     "reactivates them."})


class RoleSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    description = fields.String()
    grants_all = fields.Boolean(metadata={"description": "Holds every permission, including ones added later."})
    permissions = fields.Function(lambda role: _held(role), metadata={"type": "array", "items": {"type": "string"}})
    version = fields.Integer()


class RoleQuery(Schema):
    sort = sort_field(("name", "code"), "name")


class NewRoleSchema(Schema):
    code = Text(80, required=True, metadata={"description": "a-z, 0-9 and _, starting with a letter; never changes."})
    name = Text(120, required=True)
    description = Text(500, load_default="")
    permissions = fields.List(fields.String(validate=validate.Length(max=120)), validate=validate.Length(max=1000),
                              load_default=list)


class RoleChangeSchema(Schema):
    name = Text(120)
    description = Text(500)
    permissions = fields.List(fields.String(validate=validate.Length(max=120)), validate=validate.Length(max=1000),
                              metadata={"description": "The whole set the role should hold."})


class PermissionSchema(Schema):
    name = fields.String()
    description = fields.String()
    module = fields.String(metadata={"description": "The core area or module that registers it."})


def _held(role: Role) -> list[str]:
    """The registered permissions a role holds (every one for a role that grants all)."""
    registry = current_app.extensions["ppp"].permissions
    if role.grants_all:
        return sorted(registry)
    return sorted(grant.permission for grant in role.grants if grant.permission in registry)


def _new_version(record: User | Role, before: int) -> None:
    """Count a change of roles or grants (rows of their own) as a new version of the user or role."""
    if record.version == before:
        flag_modified(record, "name")
        db.session.flush()


# --- users -------------------------------------------------------------------------------------------------------


@users_blp.route("/")
@require_login
class Users(MethodView):
    @require_permission(MANAGE_USERS)
    @users_blp.arguments(UserQuery, location="query")
    @users_blp.response(200, UserSchema(many=True))
    @users_blp.paginate(AnyPage)
    def get(self, query):
        """Users whose name or email contains q; active ones unless status says otherwise."""
        rows = services.find_users(query.get("q", ""), query["status"])
        keys = {"name": lambda user: user.name.lower(), "email": lambda user: user.email,
                "created_at": lambda user: user.created_at, "last_login_at": lambda user: user.last_login_at}
        return sort_list(rows, query["sort"], keys)

    @require_permission(MANAGE_USERS)
    @users_blp.arguments(NewUserSchema)
    @users_blp.response(201, UserSchema, headers={"ETag": ETAG, "Location": {"schema": {"type": "string"}}})
    def post(self, data):
        """Add a user and email them a link to set their own password."""
        with field_errors(services.UserError):
            user = services.invite_user(data["email"], data["name"], tuple(data["roles"]))
        db.session.commit()
        return user, {**etag_headers(user), "Location": f"/api/v1/users/{user.id}"}


@users_blp.route("/<int:user_id>")
@require_login
class UserResource(MethodView):
    @require_permission(MANAGE_USERS)
    @users_blp.response(200, UserSchema, headers={"ETag": ETAG})
    def get(self, user_id):
        """One user with their roles."""
        user = get_or_404(User, user_id, "user")
        return user, etag_headers(user)

    @require_permission(MANAGE_USERS)
    @users_blp.arguments(UserChangeSchema)
    @users_blp.response(200, UserSchema, headers={"ETag": ETAG})
    @versioned(users_blp)
    def patch(self, data, user_id):
        """Change a user's email address, name or roles, or deactivate or reactivate them. Needs If-Match."""
        user = get_or_404(User, user_id, "user")
        before = user.version
        with version_guard(user), field_errors(services.UserError):
            if {"email", "name", "roles"} & set(data):
                roles = data["roles"] if "roles" in data else [role.code for role in user.roles]
                services.update_user(user, data.get("email", user.email), data.get("name", user.name), tuple(roles))
            if "active" in data and data["active"] != user.active:
                services.set_user_active(user, data["active"])
            _new_version(user, before)
        db.session.commit()
        return user, etag_headers(user)


# --- roles -------------------------------------------------------------------------------------------------------


@roles_blp.route("/")
@require_login
class Roles(MethodView):
    @require_permission(MANAGE_ROLES)
    @roles_blp.arguments(RoleQuery, location="query")
    @roles_blp.response(200, RoleSchema(many=True))
    @roles_blp.paginate(AnyPage)
    def get(self, query):
        """Every role with the permissions it holds."""
        keys = {"name": lambda role: role.name.lower(), "code": lambda role: role.code}
        return sort_list(access.list_roles(), query["sort"], keys)

    @require_permission(MANAGE_ROLES)
    @roles_blp.arguments(NewRoleSchema)
    @roles_blp.response(201, RoleSchema, headers={"ETag": ETAG, "Location": {"schema": {"type": "string"}}})
    def post(self, data):
        """Create a role holding the given permissions."""
        with field_errors(access.AccessError):
            role = access.create_role(data["code"], data["name"], data["description"], data["permissions"])
        db.session.commit()
        return role, {**etag_headers(role), "Location": f"/api/v1/roles/{role.id}"}


@roles_blp.route("/<int:role_id>")
@require_login
class RoleResource(MethodView):
    @require_permission(MANAGE_ROLES)
    @roles_blp.response(200, RoleSchema, headers={"ETag": ETAG})
    def get(self, role_id):
        """One role with its permissions."""
        role = get_or_404(Role, role_id, "role")
        return role, etag_headers(role)

    @require_permission(MANAGE_ROLES)
    @roles_blp.arguments(RoleChangeSchema)
    @roles_blp.response(200, RoleSchema, headers={"ETag": ETAG})
    @versioned(roles_blp)
    def patch(self, data, role_id):
        """Rename a role or set the permissions it holds (the whole set). Needs If-Match."""
        role = get_or_404(Role, role_id, "role")
        before = role.version
        with version_guard(role), field_errors(access.AccessError):
            permissions = data["permissions"] if "permissions" in data else ([] if role.grants_all else _held(role))
            access.update_role(role, data.get("name", role.name), data.get("description", role.description),
                               permissions)
            _new_version(role, before)
        db.session.commit()
        return role, etag_headers(role)


@roles_blp.route("/permissions")
@require_login
class Permissions(MethodView):
    @require_permission(MANAGE_ROLES)
    @roles_blp.response(200, PermissionSchema(many=True))
    def get(self):
        """Every permission the enabled modules register, to give to roles."""
        return [{"name": permission.name, "description": permission.description,
                 "module": access.permission_owner(permission.name)}
                for permission in access.registered_permissions()]
