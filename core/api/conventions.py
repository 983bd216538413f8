"""What every API route does the same way: problem+json errors, pages, sorting, versions (ETag / If-Match), 404s.

Core areas and modules build their resources from these helpers so that an integrator learns the rules once
(docs/api.md describes them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import jsonify, request
from flask_smorest import Api, Page
from flask_smorest import abort as smorest_abort
from marshmallow import ValidationError, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core.extensions import db

#: every API path starts with this; cookie sessions are neither read nor written under it
API_PATH = "/api/"
PROBLEM_JSON = "application/problem+json"
#: ids in URLs and filters are 32-bit on every database we run on; anything larger cannot exist
MAX_ID = 2**31 - 1

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": 'The record\'s ETag from your last read, e.g. `"3"`. A stale one is refused with 412.',
    "schema": {"type": "string"},
}
ETAG = {"description": 'The record\'s version, to send back as If-Match when you change it, e.g. `"3"`.',
        "schema": {"type": "string"}}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH)


# --- errors: application/problem+json (RFC 9457) ---------------------------------------------------------------


def problem(status: int, detail: str = "", *, title: str | None = None, errors: Mapping[str, list[str]] | None = None,
            headers: Mapping[str, str] | None = None):
    """A problem+json response: type, title, status, detail, and per-field messages under ``errors``."""
    from http import HTTPStatus

    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = dict(errors)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as {"field.sub.0": ["message", ...]}, with request locations dropped."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list | tuple) and all(isinstance(item, str) for item in messages):
        flat.setdefault(prefix or "_request", []).extend(messages)
    elif isinstance(messages, list | tuple):
        for index, item in enumerate(messages):
            flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat.setdefault(prefix or "_request", []).append(str(messages))
    return flat


_LOCATIONS = {"json", "query", "querystring", "headers", "form", "files", "cookies", "view_args", "path"}


def problem_for_http_error(error: HTTPException):
    """Turn any HTTP error raised under /api/ (including flask-smorest's 422 and 412) into problem+json."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = None
    messages = data.get("errors", data.get("messages"))
    if messages:
        if isinstance(messages, Mapping) and set(messages) <= _LOCATIONS:
            # webargs keys messages by where they came from (json, query); integrators only need the field
            by_field: dict[str, Any] = {}
            for location in messages.values():
                if isinstance(location, Mapping):
                    by_field.update(location)
                else:  # e.g. {"json": ["Invalid JSON body."]}
                    by_field.setdefault("_request", []).extend(location if isinstance(location, list) else [location])
            messages = by_field
        errors = flatten_errors(messages)
    detail = data.get("message") or (error.description or "")
    if status == 422 and errors and not data.get("message"):
        detail = "Some fields are not valid: " + ", ".join(sorted(errors)) + "."
    headers = {
        name: value for name, value in error.get_headers() if name.lower() not in {"content-type", "content-length"}
    }
    headers.update(data.get("headers") or {})
    return problem(status, detail, title=error.name, errors=errors, headers=headers)


def abort(status: int, detail: str, errors: Mapping[str, list[str]] | None = None, **headers: str):
    """Stop the request with a problem+json answer."""
    smorest_abort(status, message=detail, errors=errors, headers=headers or None)


def not_found(kind: str = "record") -> None:
    """A 404 that says nothing about whether the record exists but is out of the caller's reach."""
    abort(404, f"No {kind} with that id, or you cannot see it.")


def invalid(field: str, message: str) -> None:
    """A 422 naming one field."""
    abort(422, f"The field {field} is not valid: {message}", errors={field: [message]})


@contextmanager
def field_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Turn a service's refusal naming a field (``exc.field``) into a 422 naming the same field."""
    try:
        yield
    except kinds as exc:
        field = getattr(exc, "field", None) or "_request"
        invalid(field, str(exc))


class PPPApi(Api):
    """flask-smorest's Api with errors as application/problem+json, documented as such, and bearer tokens."""

    def _register_responses(self):
        # document every error as problem+json, which is what the error handler sends
        default = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default

    def _init_spec(self, **kwargs):
        from core.api.schemas import ProblemSchema

        self.ERROR_SCHEMA = ProblemSchema
        super()._init_spec(**kwargs)
        self.spec.components.security_scheme(
            "bearerAuth",
            {"type": "http", "scheme": "bearer",
             "description": "A personal API token: `Authorization: Bearer ppp_...` (see docs/api.md)."},
        )

    def handle_http_exception(self, error):
        return problem_for_http_error(error)


# --- record versions: ETag out, If-Match in ----------------------------------------------------------------------


def etag_of(record: Any) -> str:
    """The ETag header value for a record: its version number, quoted."""
    return f'"{record.version}"'


def etag_headers(record: Any) -> dict[str, str]:
    return {"ETag": etag_of(record)}


def require_if_match() -> None:
    """428 unless the request carries If-Match with a version (``*`` does not name one)."""
    if not request.if_match or request.if_match.star_tag or not request.if_match.as_set(include_weak=True):
        abort(428, 'Send If-Match with the ETag you last read, e.g. If-Match: "3", so a stale update '
                   "cannot overwrite someone else's change.")


def check_version(record: Any) -> None:
    """Refuse a change unless If-Match names the record's current version: 428 without it, 412 when stale."""
    require_if_match()
    if not request.if_match.contains_weak(str(record.version)):
        abort(412, f"The record has changed since you read it: it is now at version {record.version}. "
                   "GET it again, reapply your change and send the new ETag.", ETag=etag_of(record))


@contextmanager
def version_guard(record: Any) -> Iterator[None]:
    """Check If-Match before a change, and turn a concurrent write caught at flush into 412 as well."""
    check_version(record)
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        abort(412, "The record was changed by someone else while your update ran. GET it again and retry.")


def versioned(blp):
    """Document If-Match and the 412/428 answers on an update or delete operation of ``blp``."""

    def decorator(func):
        func = blp.alt_response(412, response="PRECONDITION_FAILED")(func)
        func = blp.alt_response(428, response="PRECONDITION_REQUIRED")(func)
        return blp.doc(parameters=[IF_MATCH])(func)

    return decorator


# --- finding records ---------------------------------------------------------------------------------------------


def get_or_404(model: type, record_id: Any, kind: str | None = None) -> Any:
    """The record with that id, or a 404; ids out of range are simply not found."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        record_id = 0
    record = db.session.get(model, record_id) if 0 < record_id <= MAX_ID else None
    if record is None:
        not_found(kind or getattr(model, "__tablename__", "record").replace("_", " "))
    return record


# --- pages -------------------------------------------------------------------------------------------------------


class SelectPage(Page):
    """Pages through a SQLAlchemy select: counts first, then fetches only the rows of the page asked for."""

    @property
    def item_count(self) -> int:
        if not hasattr(self, "_count"):
            counted = select(func.count()).select_from(self.collection.order_by(None).subquery())
            self._count = db.session.scalar(counted) or 0
        return self._count

    @property
    def items(self) -> list[Any]:
        first = self.page_params.first_item
        if first >= self.item_count:  # past the end: no query, so a huge page number cannot overflow OFFSET
            return []
        return list(db.session.scalars(self.collection.offset(first).limit(self.page_params.page_size)).unique())


class AnyPage(Page):
    """Pages through a select or a list, whichever the service returned."""

    def __new__(cls, collection, page_params):
        if isinstance(collection, Select):
            return SelectPage(collection, page_params)
        return Page(collection, page_params)


# --- sorting -----------------------------------------------------------------------------------------------------


_SORT_PART = re.compile(r"^-?[a-z_]+$")


def sort_field(allowed: Iterable[str], default: str) -> fields.String:
    """A ``sort`` query field: comma-separated names from ``allowed``, each optionally prefixed "-" for descending."""
    allowed = tuple(allowed)

    def check(value: str) -> None:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts:
            raise ValidationError("Give at least one field to sort by.")
        for part in parts:
            if not _SORT_PART.match(part) or part.lstrip("-") not in allowed:
                raise ValidationError(f'Cannot sort by "{part}": use {", ".join(allowed)}, with "-" for descending.')

    return fields.String(
        load_default=default,
        validate=[validate.Length(max=200), check],
        metadata={
            "description": f"Comma-separated fields to sort by, \"-\" first for descending: {', '.join(allowed)}.",
            "example": f"-{allowed[0]}",
        },
    )


def apply_sort(query: Select, sort: str, columns: Mapping[str, Any], tiebreak: Any) -> Select:
    """Order a select by a validated ``sort`` value, mapping names to columns, then by ``tiebreak`` for stable pages."""
    order = []
    for part in (part.strip() for part in sort.split(",")):
        if not part:
            continue
        column = columns[part.lstrip("-")]
        order.append(column.desc() if part.startswith("-") else column.asc())
    return query.order_by(*order, tiebreak)


def sort_list(rows: list[Any], sort: str, keys: Mapping[str, Any]) -> list[Any]:
    """Sort a list of records the same way, for services that return lists; None sorts first."""
    for part in reversed([part.strip() for part in sort.split(",") if part.strip()]):
        key = keys[part.lstrip("-")]
        rows = sorted(rows, key=lambda row, key=key: (key(row) is not None, key(row) or 0), reverse=part.startswith("-"))
    return rows
