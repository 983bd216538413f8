"""Checks and normal forms for people's reference numbers, phone numbers and email addresses."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import nhs

#: HMRC's format (NIM39110): no D, F, I, Q, U or V first; no D, F, I, O, Q, U or V second; some pairs never issued
NI_NUMBER = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")


class InvalidValue(ValueError):
    """A value that fails its type's check; the message says what to enter instead."""


def match_key(value: str) -> str:
    """Upper-case letters and digits only, so "943 476 5919" and "9434765919" are the same value."""
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def nhs_number(value: str) -> str:
    """A valid NHS number as ten digits; the tenth is the modulus 11 check digit of the first nine."""
    try:
        return nhs.validate(value)
    except StdnumError:
        raise InvalidValue("Enter a real NHS number: 10 digits, like 943 476 5919") from None


def format_nhs_number(value: str) -> str:
    """An NHS number as it is printed: 943 476 5919."""
    return nhs.format(value) if len(value) == 10 else value


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the total gives 10 and no NHS number can start so."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return None
    return 0 if check == 11 else check


def ni_number(value: str) -> str:
    """A National Insurance number in upper case without spaces, e.g. AB123456C."""
    compact = re.sub(r"\s", "", value or "").upper()
    if not NI_NUMBER.match(compact):
        raise InvalidValue("Enter a National Insurance number in the right format, like AB 12 34 56 C")
    return compact


def format_ni_number(value: str) -> str:
    """A National Insurance number as it is printed: AB 12 34 56 C."""
    if len(value) != 9:
        return value
    return f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"


def free_text(value: str) -> str:
    """Any reference with letters or digits in it, trimmed."""
    value = " ".join((value or "").split())
    if not match_key(value):
        raise InvalidValue("Enter a reference with letters or numbers in it")
    return value


def pattern_value(value: str, pattern: str) -> str:
    """A trimmed, upper-case value that must match the whole of an administrator's pattern."""
    value = " ".join((value or "").split()).upper()
    try:
        matched = re.fullmatch(pattern, value)
    except re.error:
        raise InvalidValue("This reference type's pattern is broken: ask an administrator to fix it") from None
    if not matched:
        raise InvalidValue("Enter a reference in the format this type uses")
    return value


def check_pattern(pattern: str) -> str:
    """An administrator's regular expression, refused if it does not compile."""
    pattern = (pattern or "").strip()
    if not pattern:
        raise InvalidValue("Enter a pattern, such as HSG[0-9]{6}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InvalidValue(f"The pattern is not a valid regular expression: {exc}") from None
    return pattern


def identifier_value(validation: str, value: str, pattern: str = "") -> str:
    """A value checked and normalised by an identifier type's validation kind."""
    if validation == "nhs_number":
        return nhs_number(value)
    if validation == "ni_number":
        return ni_number(value)
    if validation == "regex":
        return pattern_value(value, pattern)
    return free_text(value)


def display_identifier(validation: str, value: str) -> str:
    """A stored value as people read it."""
    if validation == "nhs_number":
        return format_nhs_number(value)
    if validation == "ni_number":
        return format_ni_number(value)
    return value


def phone_number(value: str) -> str:
    """A UK (or international, with +) phone number in E.164 form, e.g. +447700900123."""
    try:
        parsed = phonenumbers.parse(value or "", "GB")
    except phonenumbers.NumberParseException:
        raise InvalidValue("Enter a phone number, like 0161 496 0000 or +44 808 157 0192") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidValue("Enter a real phone number, like 0161 496 0000 or +44 808 157 0192")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone_number(value: str) -> str:
    """A stored phone number as people read it: national form for UK numbers, international otherwise."""
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return value
    kind = phonenumbers.PhoneNumberFormat.NATIONAL if parsed.country_code == 44 else (
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, kind)


def email_address(value: str) -> str:
    """An email address checked for its form (not its mailbox), in lower case so the same address matches."""
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidValue("Enter an email address in the correct format, like name@example.com") from None


def contact_kind(type_code: str) -> str:
    """How a contact type's values are checked, from its code: "email", "phone" or "text"."""
    if "email" in type_code:
        return "email"
    if any(word in type_code for word in ("phone", "mobile", "fax", "landline")):
        return "phone"
    return "text"


def contact_value(type_code: str, value: str) -> str:
    """A contact detail checked and normalised for its type."""
    kind = contact_kind(type_code)
    if kind == "email":
        return email_address(value)
    if kind == "phone":
        return phone_number(value)
    value = " ".join((value or "").split())
    if not value:
        raise InvalidValue("Enter the contact detail")
    return value


def display_contact(type_code: str, value: str) -> str:
    """A stored contact detail as people read it."""
    return format_phone_number(value) if contact_kind(type_code) == "phone" else value
