"""/api/v1/places: find places by postcode, UPRN or address text; read one; add or correct places by hand."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.api.conventions import ETAG, abort, etag_headers, get_or_404, version_guard, versioned
from core.api.schemas import Text
from core.extensions import db
from core.permissions import require_login, require_permission
from core.places import services
from core.places.models import Place
from core.places.postcodes import POSTCODE, is_outward_code, normalise_postcode

blp = Blueprint(
    "api_places", __name__, url_prefix="/api/v1/places",
    description="Places (properties and plots) keyed by UPRN: search, read, and add or correct by hand "
                "(places.view to read; places.edit to change).",
)

#: the largest UPRN: 12 digits
MAX_UPRN = 999_999_999_999
_DECIMAL = r"^-?\d{1,9}(\.\d{1,9})?$"


class PlaceSchema(Schema):
    id = fields.Integer()
    uprn = fields.Integer(allow_none=True, metadata={"description": "Unique Property Reference Number; null if none."})
    parent_uprn = fields.Integer(allow_none=True, metadata={"description": "The building or site it is part of."})
    logical_status = fields.String(metadata={"description": "approved, alternative, provisional or historical"})
    address = fields.String(attribute="label", metadata={"description": "The address on one line."})
    organisation = fields.String(allow_none=True)
    sub_building = fields.String(allow_none=True, metadata={"description": "Flat or unit."})
    building_name = fields.String(allow_none=True)
    building_number = fields.String(allow_none=True)
    street = fields.String(allow_none=True)
    locality = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    usrn = fields.Integer(allow_none=True, metadata={"description": "Unique Street Reference Number."})
    classification_code = fields.String(allow_none=True, metadata={"description": 'AddressBase class, e.g. "RD04".'})
    easting = fields.Decimal(as_string=True, allow_none=True,
                             metadata={"description": "British National Grid metres, as a decimal string."})
    northing = fields.Decimal(as_string=True, allow_none=True)
    latitude = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "ETRS89 degrees."})
    longitude = fields.Decimal(as_string=True, allow_none=True)
    source = fields.String(metadata={"description": "gazetteer (kept current by imports) or manual"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class SearchQuery(Schema):
    q = Text(200, metadata={"description": "One search box: digits are a UPRN, a postcode is a postcode, anything "
                                           "else is address text."})
    postcode = Text(10, metadata={"description": 'A full postcode ("TE1 2AB") or an outward code ("TE1").'})
    uprn = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_UPRN))
    text = Text(200, metadata={"description": "Words that must all appear in the address."})

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        postcode = data.get("postcode")
        if postcode and not (POSTCODE.match(normalise_postcode(postcode)) or is_outward_code(postcode)):
            raise ValidationError('Enter a postcode like "TE1 2AB" or an outward code like "TE1".', "postcode")
        if not any(data.get(name) not in (None, "") for name in ("q", "postcode", "uprn", "text")):
            raise ValidationError("Give q, postcode, uprn or text to search by.", "q")


def _text(length: int, description: str = "") -> Text:
    return Text(length, allow_none=True, metadata={"description": description} if description else {})


class PlaceFieldsSchema(Schema):
    uprn = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_UPRN),
                          metadata={"description": "Optional; once a place has one it never changes."})
    parent_uprn = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_UPRN))
    logical_status = fields.String(validate=validate.OneOf(services.MANUAL_STATUSES))
    organisation = _text(200)
    sub_building = _text(200, "Flat or unit.")
    building_name = _text(200)
    building_number = _text(30, 'e.g. "10" or "12-14A".')
    street = _text(200)
    locality = _text(200)
    town = _text(100)
    postcode = _text(10, "Normalised on save: sw1a2aa becomes SW1A 2AA.")
    easting = fields.String(allow_none=True, validate=validate.Regexp(_DECIMAL),
                            metadata={"description": 'A decimal string in metres, e.g. "530047.00".'})
    northing = fields.String(allow_none=True, validate=validate.Regexp(_DECIMAL))
    latitude = fields.String(allow_none=True, validate=validate.Regexp(_DECIMAL),
                             metadata={"description": 'A decimal string in degrees, e.g. "51.5034066".'})
    longitude = fields.String(allow_none=True, validate=validate.Regexp(_DECIMAL))


def _values(data: dict[str, Any], place: Place | None = None) -> dict[str, Any]:
    """The request's fields over the place's current ones, as the service reads a form."""
    values: dict[str, Any] = {}
    if place is not None:
        values = {name: getattr(place, name) for name in (*services.EDITABLE, "uprn")}
        values = {name: "" if value is None else str(value) for name, value in values.items()}
    for name, value in data.items():
        values[name] = "" if value is None else str(value)
    return values


def _refused(error: services.PlaceError):
    errors = {name: [message] for name, message in error.errors.items()}
    abort(422, "Some fields are not valid: " + ", ".join(sorted(errors)) + ".", errors=errors)


@blp.route("/")
@require_login
class Places(MethodView):
    @require_permission(services.VIEW)
    @blp.arguments(SearchQuery, location="query")
    @blp.response(200, PlaceSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Find places: every criterion given must match; current places first, then by address."""
        criteria = services.interpret_query(query.get("q"))
        for name in ("postcode", "uprn", "text"):
            if query.get(name) not in (None, ""):
                criteria[name] = query[name]
        found = services.search_places(**criteria, page=pagination_parameters.page,
                                       per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = found.total
        return found.items

    @require_permission(services.EDIT)
    @blp.arguments(PlaceFieldsSchema)
    @blp.response(201, PlaceSchema, headers={"ETag": ETAG, "Location": {"schema": {"type": "string"}}})
    def post(self, data):
        """Add a place by hand: no UPRN needed, but one given must not belong to another place."""
        try:
            place = services.create_place(_values(data))
        except services.PlaceError as error:
            _refused(error)
        db.session.commit()
        return place, {**etag_headers(place), "Location": f"/api/v1/places/{place.id}"}


@blp.route("/<int:place_id>")
@require_login
class PlaceResource(MethodView):
    @require_permission(services.VIEW)
    @blp.response(200, PlaceSchema, headers={"ETag": ETAG})
    def get(self, place_id):
        """One place, with its version as ETag."""
        place = get_or_404(Place, place_id, "place")
        return place, etag_headers(place)

    @require_permission(services.VIEW, services.EDIT)
    @blp.arguments(PlaceFieldsSchema)
    @blp.response(200, PlaceSchema, headers={"ETag": ETAG})
    @versioned(blp)
    def patch(self, data, place_id):
        """Correct a place's address, status or coordinates; only the fields sent change. Needs If-Match."""
        place = get_or_404(Place, place_id, "place")
        with version_guard(place):
            try:
                services.update_place(place, _values(data, place))
            except services.PlaceError as error:
                _refused(error)
        db.session.commit()
        return place, etag_headers(place)
