"""Marshmallow fields and schemas every API resource shares; modules import them from here.

- ``Pounds``: money held as integer pence, written as a decimal string in pounds ("12.50").
- ``Text``: a string that refuses control characters (PostgreSQL cannot store NUL) and has a maximum length.
- ``Id``: a record id, 1 to 2^31 - 1.
- ``EmailAddress``: checked with email-validator, as on screens (marshmallow's Email is only a pattern).
- ``ProblemSchema``: the application/problem+json error body.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import Schema, ValidationError, fields, validate

from core.api.conventions import MAX_ID

__all__ = ["EmailAddress", "Id", "LookupRef", "Pounds", "ProblemSchema", "Text", "UserRef", "pence_to_pounds",
           "pounds_to_pence"]

_POUNDS = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def pence_to_pounds(pence: int) -> str:
    """1250 -> "12.50", -5 -> "-0.05"."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}{whole}.{part:02d}"


def pounds_to_pence(text: str) -> int:
    """"12.50" -> 1250; ValueError unless the text is pounds with at most two decimal places."""
    if not isinstance(text, str) or not _POUNDS.match(text.strip()):
        raise ValueError(text)
    return int((Decimal(text.strip()) * 100).to_integral_exact())


class Pounds(fields.String):
    """Money: integer pence in Python, a decimal string in pounds in JSON ("12.50"); never a float."""

    default_error_messages = {
        "invalid": 'Enter an amount in pounds as a string with up to two decimal places, like "12.50".',
        "negative": "Enter an amount of zero or more.",
    }

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        metadata = {
            "pattern": r"^-?\d{1,12}(\.\d{1,2})?$" if allow_negative else r"^\d{1,12}(\.\d{1,2})?$",
            "example": "12.50",
            "description": "An amount in pounds, as a decimal string.",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else pence_to_pounds(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            pence = pounds_to_pence(value)
        except (ValueError, InvalidOperation) as exc:
            raise self.make_error("invalid") from exc
        if pence < 0 and not self.allow_negative:
            raise self.make_error("negative")
        return pence


class Text(fields.String):
    """A string with a maximum length that refuses control characters; surrounding spaces are trimmed."""

    def __init__(self, max_length: int = 200, *, min_length: int = 0, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", None) or [])
        validators.append(validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Remove control characters from this text.")
        return text.strip()


class Id(fields.Integer):
    """A record id."""

    def __init__(self, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", None) or [])
        validators.append(validate.Range(min=1, max=MAX_ID))
        super().__init__(strict=True, validate=validators, **kwargs)


class EmailAddress(Text):
    """An email address, checked and normalised by email-validator (without a DNS look-up)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(254, metadata={"format": "email", **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationError("Enter an email address in the correct format, like name@example.org") from exc


class ProblemSchema(Schema):
    """An error, as application/problem+json (RFC 9457)."""

    type = fields.String(metadata={"description": 'Always "about:blank": the status says what kind of problem.'})
    title = fields.String(metadata={"description": "The HTTP status phrase, e.g. Unprocessable Entity."})
    status = fields.Integer(metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong and what to do, in plain English."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": 'For 422: each field at fault with its messages, e.g. {"email": ["..."]}.'},
    )


class LookupRef(Schema):
    """A value of a configurable list, as records refer to it."""

    id = fields.Integer()
    code = fields.String(metadata={"description": "Stable machine name; never changes."})
    label = fields.String(metadata={"description": "What people see; administrators may rename it."})


class UserRef(Schema):
    """A member of staff, as records refer to them."""

    id = fields.Integer()
    name = fields.String()
