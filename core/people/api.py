"""/api/v1/people: people with their names, contact details, reference numbers, address history and relationships.

Every read of a person is audited as a screen view is; a restricted person the caller may not open (no working
relationship, no live break-glass grant) answers 404 and is left out of lists and searches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from core.access import services as access
from core.access.services import BreakGlassRequired
from core.api.conventions import (
    ETAG,
    MAX_ID,
    AnyPage,
    abort,
    apply_sort,
    etag_headers,
    invalid,
    not_found,
    problem,
    sort_field,
    version_guard,
    versioned,
)
from core.api.schemas import Id, LookupRef, Text
from core.audit import services as audit
from core.extensions import db
from core.lookups.models import LookupValue
from core.people import identifiers, services
from core.people.models import (
    Person,
    PersonAddress,
    PersonIdentifierType,
    PersonRelationshipType,
)
from core.permissions import require_login, require_permission

VIEW, CREATE, EDIT = services.VIEW, services.CREATE, services.EDIT

blp = Blueprint(
    "api_people", __name__, url_prefix="/api/v1/people",
    description="People: names, demographics, contact details, reference numbers, address history and relationships "
                "(people.view to read; people.create and people.edit to change).",
)

#: the API's name for each demographic field, and the service's
DEMOGRAPHICS: dict[str, str] = {
    "gender": "gender_id",
    "ethnicity": "ethnicity_id",
    "disability": "disability_id",
    "religion": "religion_id",
    "sexual_orientation": "sexual_orientation_id",
    "preferred_language": "preferred_language_id",
}
#: the service's field names as the API's request bodies name them
FIELD_NAMES: dict[str, str] = {
    **{service: api for api, service in DEMOGRAPHICS.items()},
    "identifier_value": "identifier.value",
    "identifier_type_id": "identifier.type",
    "contact_type_id": "type",
    "address_type_id": "type",
    "relationship_type_id": "type",
    "other_id": "other_person_id",
}


# --- schemas -----------------------------------------------------------------------------------------------------


class TypeRef(Schema):
    """A kind of reference number or relationship, as records refer to it."""

    id = fields.Integer()
    code = fields.String()
    label = fields.String()


class RelationshipTypeRef(Schema):
    """A kind of relationship, as a relationship refers to it."""

    id = fields.Integer()
    code = fields.String()


class PersonRef(Schema):
    """Another person, as a relationship refers to them; the name is null for a restricted record you cannot open."""

    id = fields.Integer()
    name = fields.Function(lambda person: person.full_name if may_open(person) else None, allow_none=True,
                           metadata={"type": "string"})


class PlaceRef(Schema):
    """A place, as an address refers to it."""

    id = fields.Integer()
    uprn = fields.Integer(allow_none=True)
    address = fields.String(attribute="label")
    postcode = fields.String(allow_none=True)


class PreviousNameSchema(Schema):
    id = fields.Integer()
    first_names = fields.String()
    last_name = fields.String()
    used_from = fields.Date(allow_none=True)
    used_until = fields.Date(allow_none=True)
    reason = fields.String()


class ContactDetailSchema(Schema):
    id = fields.Integer()
    type = fields.Nested(LookupRef, attribute="contact_type", metadata={"description": "A people.contact_type value."})
    value = fields.String(metadata={"description": "Normalised: phone numbers in international form (+44...)."})
    display = fields.Function(services.display_contact, metadata={"description": 'As people read it: "0161 496 0000".'})
    preferred = fields.Boolean()
    note = fields.String()
    created_at = fields.DateTime()


class IdentifierSchema(Schema):
    id = fields.Integer()
    type = fields.Nested(TypeRef, attribute="identifier_type")
    value = fields.String(metadata={"description": 'The normal form, e.g. "9434765919" or "AB123456C".'})
    display = fields.Function(services.display_identifier, metadata={"description": 'e.g. "943 476 5919".'})
    created_at = fields.DateTime()


class AddressSchema(Schema):
    id = fields.Integer()
    type = fields.Nested(LookupRef, attribute="address_type", metadata={"description": "A people.address_type value."})
    place = fields.Nested(PlaceRef)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "Null while the address is current."})
    current = fields.Function(lambda row: row.current_on(services.today()))
    note = fields.String()
    created_at = fields.DateTime()
    version = fields.Integer()


class RelationshipSchema(Schema):
    """A relationship as one person's record shows it: "<label> <other person>"."""

    id = fields.Integer(attribute="relationship.id")
    type = fields.Nested(RelationshipTypeRef, attribute="relationship.relationship_type")
    label = fields.String(metadata={"description": 'From this person\'s side: "parent of", "child of".'})
    other_person = fields.Nested(PersonRef, attribute="other")
    start_date = fields.Date(attribute="relationship.start_date", allow_none=True)
    end_date = fields.Date(attribute="relationship.end_date", allow_none=True)
    current = fields.Boolean()
    note = fields.String(attribute="relationship.note")


class PersonSummarySchema(Schema):
    id = fields.Integer()
    title = fields.String(allow_none=True)
    first_names = fields.String()
    last_name = fields.String()
    preferred_name = fields.String(allow_none=True)
    full_name = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    date_of_death = fields.Date(allow_none=True)
    gender = fields.Nested(LookupRef, allow_none=True)
    ethnicity = fields.Nested(LookupRef, allow_none=True)
    disability = fields.Nested(LookupRef, allow_none=True)
    religion = fields.Nested(LookupRef, allow_none=True)
    sexual_orientation = fields.Nested(LookupRef, allow_none=True)
    preferred_language = fields.Nested(LookupRef, allow_none=True)
    interpreter_required = fields.Boolean()
    restricted = fields.Boolean(metadata={"description": "Opened only by staff working with the person."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class PersonSchema(PersonSummarySchema):
    previous_names = fields.List(fields.Nested(PreviousNameSchema))
    contact_details = fields.List(fields.Nested(ContactDetailSchema))
    identifiers = fields.List(fields.Nested(IdentifierSchema))
    addresses = fields.List(fields.Nested(AddressSchema), metadata={"description": "Current first, then newest."})
    relationships = fields.List(fields.Nested(RelationshipSchema))


def _code_field(list_code: str) -> fields.String:
    return fields.String(
        allow_none=True, validate=validate.Length(max=80),
        metadata={"description": f"A code of the {list_code} list (see /api/v1/lookups/{list_code}/values); null "
                                 "for not known."},
    )


class PersonFieldsSchema(Schema):
    """The fields of the person record itself, as a request gives them."""

    title = Text(40, allow_none=True)
    first_names = Text(200)
    last_name = Text(200)
    preferred_name = Text(200, allow_none=True)
    date_of_birth = fields.Date(allow_none=True)
    date_of_death = fields.Date(allow_none=True)
    gender = _code_field("people.gender")
    ethnicity = _code_field("people.ethnicity")
    disability = _code_field("people.disability")
    religion = _code_field("people.religion")
    sexual_orientation = _code_field("people.sexual_orientation")
    preferred_language = _code_field("people.language")
    interpreter_required = fields.Boolean()
    restricted = fields.Boolean(metadata={"description": "Restrict the record to staff working with the person."})


class NewIdentifierSchema(Schema):
    type = fields.String(required=True, validate=validate.Length(max=80),
                         metadata={"description": "A reference number type's code (see /api/v1/people/identifier-types)."})
    value = Text(120, required=True)


class NewPersonSchema(PersonFieldsSchema):
    first_names = Text(200, required=True)
    last_name = Text(200, required=True)
    identifier = fields.Nested(NewIdentifierSchema, metadata={"description": "A reference number to record with them."})
    confirmed = fields.Boolean(
        load_default=False,
        metadata={"description": "true once you have looked at the possible duplicates a 409 listed and this is "
                                 "someone else."},
    )


class PersonChangeSchema(PersonFieldsSchema):
    keep_old_name = fields.Boolean(load_default=False,
                                   metadata={"description": "Keep a changed name as a previous name."})


class SearchQuery(Schema):
    name = Text(200, metadata={"description": "Any part of any current, preferred or previous name."})
    date_of_birth = fields.Date()
    identifier = Text(120, metadata={"description": "Any reference number, however it is spaced."})
    postcode = Text(10, metadata={"description": "A postcode the person has or had an address at."})
    similar = fields.Boolean(load_default=False,
                             metadata={"description": "Also match names spelt a little differently (PostgreSQL)."})
    restricted = fields.Boolean(metadata={"description": "Only restricted (true) or unrestricted (false) records."})
    updated_since = fields.AwareDateTime(default_timezone=None,
                                         metadata={"description": "Only records changed at or after this time."})
    sort = sort_field(("last_name", "first_names", "date_of_birth", "created_at", "updated_at", "id"),
                      "last_name,first_names")


class NewPreviousNameSchema(Schema):
    first_names = Text(200, load_default="")
    last_name = Text(200, load_default="")
    used_from = fields.Date(allow_none=True)
    used_until = fields.Date(allow_none=True)
    reason = Text(200, load_default="", metadata={"description": 'e.g. "Marriage".'})


class NewContactSchema(Schema):
    type = fields.String(required=True, validate=validate.Length(max=80),
                         metadata={"description": "A people.contact_type code: phone, mobile, work_phone, email, ..."})
    value = Text(320, required=True)
    preferred = fields.Boolean(load_default=False)
    note = Text(200, load_default="")


class NewAddressSchema(Schema):
    place_id = Id(required=True, metadata={"description": "The place's id (find it with /api/v1/places/)."})
    type = fields.String(required=True, validate=validate.Length(max=80),
                         metadata={"description": "A people.address_type code: home, correspondence, ..."})
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    note = Text(200, load_default="")
    replaces_home = fields.Boolean(
        load_default=False,
        metadata={"description": "A move: end the current home address the day before this one starts."},
    )


class AddressChangeSchema(Schema):
    end_date = fields.Date(required=True, metadata={"description": "The day the address stopped applying."})


class NewRelationshipSchema(Schema):
    other_person_id = Id(required=True)
    type = fields.String(required=True, validate=validate.Length(max=80),
                         metadata={"description": "A relationship type's code (see /api/v1/people/relationship-types)."})
    reverse = fields.Boolean(
        load_default=False,
        metadata={"description": 'false: this person is the type\'s first label ("parent of") the other; true: its '
                                 'second ("child of").'},
    )
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    note = Text(200, load_default="")


class EndSchema(Schema):
    end_date = fields.Date(required=True)


class IdentifierTypeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    label = fields.String()
    validation = fields.String(metadata={"description": "nhs_number, ni_number, free_text or regex"})
    unique = fields.Boolean(metadata={"description": "Two people cannot hold the same value."})
    active = fields.Boolean()


class RelationshipTypeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    label_a = fields.String(metadata={"description": 'From the first person\'s side, e.g. "parent of".'})
    label_b = fields.String(metadata={"description": 'From the second person\'s side, e.g. "child of".'})
    active = fields.Boolean()


# --- helpers -----------------------------------------------------------------------------------------------------


def _iso(day):
    return None if day is None else day.isoformat()


def may_open(person: Person) -> bool:
    """Whether the acting user may open this person's record (restricted records need a working relationship)."""
    try:
        access.check_record_access(person.id, person.restricted)
    except BreakGlassRequired:
        return False
    return True


def open_person(person_id: int) -> Person:
    """The person, for a caller holding people.view who may open them; otherwise 404, whatever the reason."""
    if not 0 < person_id <= MAX_ID:
        not_found("person")
    try:
        return services.get_person(person_id)
    except BreakGlassRequired:
        not_found("person")
    except services.MergedRecord as merged:
        target = db.session.get(Person, merged.target_id)
        if target is None or not may_open(target):
            not_found("person")
        abort(404, f"Record {person_id} was merged into record {target.id}: use /api/v1/people/{target.id}.")
    except NotFound:
        not_found("person")
    raise AssertionError("unreachable")


def _child_id(value: int, kind: str) -> int:
    if not 0 < value <= MAX_ID:
        not_found(kind)
    return value


@contextmanager
def refusals() -> Iterator[None]:
    """A service's PeopleError as a 422 naming the request's field."""
    try:
        yield
    except services.PeopleError as exc:
        invalid(FIELD_NAMES.get(exc.field, exc.field), str(exc))


def _lookup_id(list_code: str, code: str | None, field: str, current: int | None = None) -> int | None:
    if code is None or code == "":
        return None
    row = db.session.scalar(select(LookupValue).where(LookupValue.list_code == list_code, LookupValue.code == code))
    if row is None or (not row.active and row.id != current):
        invalid(field, f'Use one of the codes of /api/v1/lookups/{list_code}/values, not "{code}"')
    return row.id


def _details(data: dict, person: Person | None = None) -> services.PersonDetails:
    """The request's fields over the person's current ones (for a change) or the defaults (for a new person)."""
    if person is not None:
        current = services.PersonDetails(
            first_names=person.first_names, last_name=person.last_name, title=person.title or "",
            preferred_name=person.preferred_name or "", date_of_birth=person.date_of_birth,
            date_of_death=person.date_of_death, interpreter_required=bool(person.interpreter_required),
            restricted=bool(person.restricted),
            **{service: getattr(person, service) for service in DEMOGRAPHICS.values()},
        )
    else:
        current = services.PersonDetails(first_names="", last_name="")
    values = asdict(current)
    for name in ("first_names", "last_name", "date_of_birth", "date_of_death", "interpreter_required", "restricted"):
        if name in data:
            values[name] = data[name]
    for name in ("title", "preferred_name"):
        if name in data:
            values[name] = data[name] or ""
    for name, service in DEMOGRAPHICS.items():
        if name in data:
            values[service] = _lookup_id(services.DEMOGRAPHIC_LISTS[service], data[name], name, values[service])
    return services.PersonDetails(**values)


def _identifier_type(code: str, field: str) -> PersonIdentifierType:
    kind = db.session.scalar(select(PersonIdentifierType).where(PersonIdentifierType.code == code))
    if kind is None or not kind.active:
        invalid(field, f'Use the code of an active type from /api/v1/people/identifier-types, not "{code}"')
    return kind


def _hidden_holder(kind: PersonIdentifierType, value: str, field: str) -> None:
    """A unique number held by a record the caller cannot open is refused without naming that record."""
    if not kind.unique:
        return
    try:
        normal = identifiers.identifier_value(kind.validation, value, kind.pattern)
    except identifiers.InvalidValue:
        return  # the service names the problem
    holder = services.holder_of(kind, normal)
    if holder is not None and not may_open(holder):
        invalid(field, f"This {kind.label} already belongs to another person's record")


def _duplicates_problem(matches: list[services.DuplicateMatch]):
    shown = [match for match in matches if may_open(match.person)]
    hidden = len(matches) - len(shown)
    detail = ("This person may already have a record: look at the possible duplicates, and if this is someone else "
              'send the request again with "confirmed": true.')
    if hidden:
        detail += f" {hidden} possible duplicate(s) are restricted records you cannot open."
    response = problem(409, detail)
    body = json.loads(response.get_data())
    body["duplicates"] = [{"id": match.person.id, "name": match.person.full_name,
                           "date_of_birth": _iso(match.person.date_of_birth), "reasons": match.reasons}
                          for match in shown]
    response.set_data(json.dumps(body))
    return response


def _full(person: Person) -> dict:
    """A person with everything the API shows about them, for PersonSchema."""
    return {
        **{name: getattr(person, name) for name in PersonSummarySchema._declared_fields},
        "previous_names": services.previous_names(person.id),
        "contact_details": services.contact_details(person.id),
        "identifiers": services.identifiers_of(person.id),
        "addresses": services.addresses_of(person.id),
        "relationships": services.relationships_of(person.id),
    }


def _viewed(person: Person) -> None:
    audit.record_view("person", person.id, person_id=person.id)


def _viewed_rows(person_id: int, rows_of: Callable[[int], list]) -> list:
    """Some of a person's records, with the viewing of the person audited."""
    person = open_person(person_id)
    _viewed(person)
    rows = rows_of(person.id)
    db.session.commit()
    return rows


def _location(person: Person) -> dict[str, str]:
    """The headers of a 201: the new person's version and address."""
    return {**etag_headers(person), "Location": f"/api/v1/people/{person.id}"}


# --- people ------------------------------------------------------------------------------------------------------


@blp.route("/")
@require_login
class People(MethodView):
    @require_permission(VIEW)
    @blp.arguments(SearchQuery, location="query")
    @blp.response(200, PersonSummarySchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Find people by name, date of birth, reference number or postcode, or list everyone; audited as a search.

        Merged records and restricted records you may not open are left out.
        """
        criteria = services.SearchCriteria(
            name=query.get("name", ""), date_of_birth=query.get("date_of_birth"),
            identifier=query.get("identifier", ""), postcode=query.get("postcode", ""),
        )
        if criteria.name.strip() and not services.normalise_name(criteria.name):
            invalid("name", "Enter a name with letters in it")
        similar = bool(query["similar"] and criteria.name.strip() and services.supports_similar_names())
        if similar:
            db.session.execute(select(func.set_config("pg_trgm.word_similarity_threshold",
                                                      str(services.WORD_SIMILARITY), True)))
        found = services.search_query(criteria, similar)
        if "restricted" in query:
            found = found.where(Person.restricted.is_(query["restricted"]))
        if query.get("updated_since") is not None:
            found = found.where(Person.updated_at >= query["updated_since"])
        restricted_ids = db.session.scalars(
            found.with_only_columns(Person.id).where(Person.restricted.is_(True)).order_by(None)
        )
        hidden = [person_id for person_id in restricted_ids if not may_open(db.session.get(Person, person_id))]
        if hidden:
            found = found.where(Person.id.not_in(hidden))
        if not similar or request.args.get("sort"):
            columns = {name: getattr(Person, name) for name in
                       ("last_name", "first_names", "date_of_birth", "created_at", "updated_at", "id")}
            found = apply_sort(found.order_by(None), query["sort"], columns, Person.id)
        audit.record("search", "person", details={**criteria.given(), "page": request.args.get("page", "1")[:20],
                                                  "api": True})
        db.session.commit()  # the audit of the search
        return found

    @require_permission(VIEW, CREATE)
    @blp.arguments(NewPersonSchema)
    @blp.response(201, PersonSchema, headers={"ETag": ETAG, "Location": {"schema": {"type": "string"}}})
    @blp.alt_response(409, response="CONFLICT", description="Possible duplicates: look, then send confirmed: true.")
    def post(self, data):
        """Add a person, optionally with a reference number; possible duplicates get 409 until you confirm."""
        details = _details(data)
        identifier = None
        if data.get("identifier"):
            kind = _identifier_type(data["identifier"]["type"], "identifier.type")
            _hidden_holder(kind, data["identifier"]["value"], "identifier.value")
            identifier = (kind.id, data["identifier"]["value"])
        try:
            with refusals():
                person = services.create_person(details, identifier, confirmed=data["confirmed"])
        except services.PossibleDuplicates as found:
            return _duplicates_problem(found.matches)
        db.session.commit()
        return _full(person), _location(person)


@blp.route("/<int:person_id>")
@require_login
class PersonResource(MethodView):
    @require_permission(VIEW)
    @blp.response(200, PersonSchema, headers={"ETag": ETAG})
    def get(self, person_id):
        """One person with their contact details, reference numbers, addresses and relationships; audited."""
        person = open_person(person_id)
        _viewed(person)
        body = _full(person)
        db.session.commit()  # the audit of the view
        return body, etag_headers(person)

    @require_permission(VIEW, EDIT)
    @blp.arguments(PersonChangeSchema)
    @blp.response(200, PersonSchema, headers={"ETag": ETAG})
    @versioned(blp)
    def patch(self, data, person_id):
        """Change a person's details; only the fields sent change. Needs If-Match."""
        person = open_person(person_id)
        with version_guard(person):
            details = _details(data, person)
            with refusals():
                services.update_person(person, details, keep_old_name=data["keep_old_name"])
        db.session.commit()
        return _full(person), etag_headers(person)


# --- previous names ----------------------------------------------------------------------------------------------


@blp.route("/<int:person_id>/previous-names")
@require_login
class PreviousNames(MethodView):
    @require_permission(VIEW, EDIT)
    @blp.arguments(NewPreviousNameSchema)
    @blp.response(201, PreviousNameSchema)
    def post(self, data, person_id):
        """Record a name the person used before, so searches for it still find them."""
        person = open_person(person_id)
        with refusals():
            row = services.add_previous_name(person, data["first_names"], data["last_name"], data.get("used_from"),
                                             data.get("used_until"), data["reason"])
        db.session.commit()
        return row


# --- contact details ---------------------------------------------------------------------------------------------


@blp.route("/<int:person_id>/contact-details")
@require_login
class ContactDetails(MethodView):
    @require_permission(VIEW)
    @blp.response(200, ContactDetailSchema(many=True))
    def get(self, person_id):
        """A person's phone numbers, email addresses and other contact details, preferred first; audited."""
        return _viewed_rows(person_id, services.contact_details)

    @require_permission(VIEW, EDIT)
    @blp.arguments(NewContactSchema)
    @blp.response(201, ContactDetailSchema)
    def post(self, data, person_id):
        """Add a contact detail, checked for its type (phone numbers and email addresses are normalised)."""
        person = open_person(person_id)
        kind = _lookup_id("people.contact_type", data["type"], "type")
        with refusals():
            row = services.add_contact_detail(person, kind, data["value"], data["preferred"], data["note"])
        db.session.commit()
        return row


@blp.route("/<int:person_id>/contact-details/<int:detail_id>")
@require_login
class ContactDetail(MethodView):
    @require_permission(VIEW, EDIT)
    @blp.response(204)
    def delete(self, person_id, detail_id):
        """Remove a contact detail that is wrong or no longer used; the audit keeps what it was."""
        person = open_person(person_id)
        services.remove_contact_detail(person, _child_id(detail_id, "contact detail"))
        db.session.commit()


# --- reference numbers -------------------------------------------------------------------------------------------


@blp.route("/<int:person_id>/identifiers")
@require_login
class Identifiers(MethodView):
    @require_permission(VIEW)
    @blp.response(200, IdentifierSchema(many=True))
    def get(self, person_id):
        """A person's reference numbers (NHS number, National Insurance number, ...); audited."""
        return _viewed_rows(person_id, services.identifiers_of)

    @require_permission(VIEW, EDIT)
    @blp.arguments(NewIdentifierSchema)
    @blp.response(201, IdentifierSchema)
    def post(self, data, person_id):
        """Record a reference number, checked by its type's rule and unique where the type says so."""
        person = open_person(person_id)
        kind = _identifier_type(data["type"], "type")
        _hidden_holder(kind, data["value"], "value")
        with refusals():
            row = services.add_identifier(person, kind.id, data["value"])
        db.session.commit()
        return row


@blp.route("/<int:person_id>/identifiers/<int:identifier_id>")
@require_login
class Identifier(MethodView):
    @require_permission(VIEW, EDIT)
    @blp.response(204)
    def delete(self, person_id, identifier_id):
        """Remove a reference number recorded by mistake; the audit keeps what it was."""
        person = open_person(person_id)
        services.remove_identifier(person, _child_id(identifier_id, "reference number"))
        db.session.commit()


# --- address history ---------------------------------------------------------------------------------------------


@blp.route("/<int:person_id>/addresses")
@require_login
class Addresses(MethodView):
    @require_permission(VIEW)
    @blp.response(200, AddressSchema(many=True))
    def get(self, person_id):
        """A person's address history: current addresses first, then the newest; audited."""
        return _viewed_rows(person_id, services.addresses_of)

    @require_permission(VIEW, EDIT)
    @blp.arguments(NewAddressSchema)
    @blp.response(201, AddressSchema, headers={"ETag": ETAG})
    def post(self, data, person_id):
        """Link the person to a place for a period; a person has one home address at a time."""
        person = open_person(person_id)
        kind = _lookup_id("people.address_type", data["type"], "type")
        with refusals():
            row = services.add_address(person, data["place_id"], kind, data.get("start_date"), data.get("end_date"),
                                       data["note"], replaces_home=data["replaces_home"])
        db.session.commit()
        return row, etag_headers(row)


@blp.route("/<int:person_id>/addresses/<int:address_id>")
@require_login
class Address(MethodView):
    @require_permission(VIEW, EDIT)
    @blp.arguments(AddressChangeSchema)
    @blp.response(200, AddressSchema, headers={"ETag": ETAG})
    @versioned(blp)
    def patch(self, data, person_id, address_id):
        """Record the day an address stopped applying. Needs If-Match with the address's version."""
        person = open_person(person_id)
        row = db.session.get(PersonAddress, _child_id(address_id, "address"))
        if row is None or row.person_id != person.id:
            not_found("address")
        with version_guard(row), refusals():
            services.end_address(person, row.id, data["end_date"])
        db.session.commit()
        return row, etag_headers(row)


# --- relationships -----------------------------------------------------------------------------------------------


@blp.route("/<int:person_id>/relationships")
@require_login
class Relationships(MethodView):
    @require_permission(VIEW)
    @blp.response(200, RelationshipSchema(many=True))
    def get(self, person_id):
        """A person's relationships, each labelled from their side; audited."""
        person = open_person(person_id)
        _viewed(person)
        lines = services.relationships_of(person.id)
        db.session.commit()
        return lines

    @require_permission(VIEW, EDIT)
    @blp.arguments(NewRelationshipSchema)
    @blp.response(201, RelationshipSchema)
    def post(self, data, person_id):
        """Record that this person is, e.g., the parent of another (or, with reverse, their child)."""
        person = open_person(person_id)
        other = db.session.get(Person, data["other_person_id"])
        if other is None or not may_open(other):
            invalid("other_person_id", "Enter the record number of another person you can open")
        kind = db.session.scalar(select(PersonRelationshipType).where(PersonRelationshipType.code == data["type"]))
        if kind is None:
            invalid("type", f'Use the code of a type from /api/v1/people/relationship-types, not "{data["type"]}"')
        with refusals():
            row = services.add_relationship(person, other.id, kind.id, not data["reverse"], data.get("start_date"),
                                            data.get("end_date"), data["note"])
        db.session.commit()
        return _line(person, row.id)


def _line(person: Person, relationship_id: int) -> services.RelationshipLine:
    return next(line for line in services.relationships_of(person.id) if line.relationship.id == relationship_id)


@blp.route("/<int:person_id>/relationships/<int:relationship_id>/end")
@require_login
class RelationshipEnd(MethodView):
    @require_permission(VIEW, EDIT)
    @blp.arguments(EndSchema)
    @blp.response(200, RelationshipSchema)
    def post(self, data, person_id, relationship_id):
        """Record the day a relationship ended."""
        person = open_person(person_id)
        with refusals():
            services.end_relationship(person, _child_id(relationship_id, "relationship"), data["end_date"])
        db.session.commit()
        return _line(person, relationship_id)


# --- types -------------------------------------------------------------------------------------------------------


@blp.route("/identifier-types")
@require_login
class IdentifierTypes(MethodView):
    @require_permission(VIEW)
    @blp.response(200, IdentifierTypeSchema(many=True))
    def get(self):
        """The kinds of reference number people have, with how each is checked."""
        return services.identifier_types()


@blp.route("/relationship-types")
@require_login
class RelationshipTypes(MethodView):
    @require_permission(VIEW)
    @blp.response(200, RelationshipTypeSchema(many=True))
    def get(self):
        """The kinds of relationship between people, named from each side."""
        return services.relationship_types()


__all__ = ["blp", "may_open", "open_person"]
