"""/api/v1/lookups: the configurable lists and their values; anyone may read them, lookup administrators change them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core import module_system
from core.api.conventions import (
    AnyPage,
    etag_headers,
    field_errors,
    get_or_404,
    not_found,
    sort_field,
    sort_list,
    version_guard,
    versioned,
)
from core.api.schemas import Text
from core.extensions import db
from core.lookups import services
from core.lookups.models import LookupValue
from core.permissions import require_login, require_permission

blp = Blueprint(
    "api_lookups", __name__, url_prefix="/api/v1/lookups",
    description="Configurable lists (gender, contact types, close reasons, ...) and their values.",
)


class LookupListSchema(Schema):
    code = fields.String(metadata={"description": 'Stable code, namespaced by module, e.g. "people.gender".'})
    label = fields.String()
    description = fields.String()
    module = fields.String(metadata={"description": "The core area or module that declares the list."})


class LookupValueSchema(Schema):
    id = fields.Integer()
    list_code = fields.String()
    code = fields.String(metadata={"description": "Stable machine name; never changes once records use it."})
    label = fields.String()
    sort_order = fields.Integer()
    active = fields.Boolean(metadata={"description": "Inactive values stay on old records but are not offered."})
    created_at = fields.DateTime()
    retired_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class ListQuery(Schema):
    sort = sort_field(("code", "label", "module"), "code")


class ValueQuery(Schema):
    active = fields.Boolean(metadata={"description": "Only active (true) or only retired (false) values."})
    sort = sort_field(("sort_order", "code", "label"), "sort_order")


class NewValueSchema(Schema):
    code = Text(80, required=True, metadata={"description": "a-z, 0-9 and _; cannot be changed later."})
    label = Text(200, required=True)


class ValueChangeSchema(Schema):
    label = Text(200)
    active = fields.Boolean(metadata={"description": "false retires the value; true brings it back."})


def _seed_or_404(list_code: str):
    try:
        return services.lookup_list(list_code)
    except KeyError:
        not_found("lookup list")


def _list_row(seed) -> dict:
    return {"code": seed.code, "label": seed.label, "description": seed.description,
            "module": module_system().lookups.owner(seed.code)}


def _value_or_404(list_code: str, value_id: int) -> LookupValue:
    row = get_or_404(LookupValue, value_id, "lookup value")
    if row.list_code != list_code:
        not_found("lookup value")
    return row


@blp.route("/")
@require_login
class LookupLists(MethodView):
    @blp.arguments(ListQuery, location="query")
    @blp.response(200, LookupListSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Every configurable list of the enabled modules."""
        rows = [_list_row(seed) for seed in module_system().lookups.values()]
        return sort_list(rows, query["sort"], {key: (lambda row, key=key: row[key]) for key in ("code", "label", "module")})


@blp.route("/<list_code>")
@require_login
class LookupList(MethodView):
    @blp.response(200, LookupListSchema)
    def get(self, list_code):
        """One configurable list."""
        return _list_row(_seed_or_404(list_code))


@blp.route("/<list_code>/values")
@require_login
class LookupValues(MethodView):
    @blp.arguments(ValueQuery, location="query")
    @blp.response(200, LookupValueSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query, list_code):
        """A list's values, in the order screens show them."""
        _seed_or_404(list_code)
        rows = services.values(list_code, include_inactive=True)
        if "active" in query:
            rows = [row for row in rows if row.active == query["active"]]
        keys = {"sort_order": lambda row: row.sort_order, "code": lambda row: row.code, "label": lambda row: row.label}
        return sort_list(rows, query["sort"], keys)

    @require_permission(services.MANAGE)
    @blp.arguments(NewValueSchema)
    @blp.response(201, LookupValueSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data, list_code):
        """Add a value at the end of a list (admin.lookups.manage)."""
        _seed_or_404(list_code)
        with field_errors(services.LookupChangeError):
            row = services.add_value(list_code, data["code"], data["label"])
        db.session.commit()
        return row, etag_headers(row)


@blp.route("/<list_code>/values/<int:value_id>")
@require_login
class LookupValueResource(MethodView):
    @blp.response(200, LookupValueSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, list_code, value_id):
        """One value, with its version as ETag."""
        return (row := _value_or_404(list_code, value_id)), etag_headers(row)

    @require_permission(services.MANAGE)
    @blp.arguments(ValueChangeSchema)
    @blp.response(200, LookupValueSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @versioned(blp)
    def patch(self, data, list_code, value_id):
        """Rename a value or retire it (admin.lookups.manage); needs If-Match."""
        row = _value_or_404(list_code, value_id)
        with version_guard(row), field_errors(services.LookupChangeError):
            if "label" in data:
                services.rename_value(row, data["label"])
            if "active" in data and data["active"] != row.active:
                services.set_active(row, data["active"])
        db.session.commit()
        return row, etag_headers(row)

