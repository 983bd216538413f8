"""UK postcodes: normalise what people type ("sw1a2aa ") to the stored form ("SW1A 2AA") and check the format.

Kept in-house (the PyPI packages are stale): upper-case, drop spaces, one space before the inward code (the last
three characters), then match the pattern of the postcode formats Royal Mail issues.
"""

from __future__ import annotations

import re

#: a full postcode: an outward code (area, district) then a space and an inward code (sector, unit)
POSTCODE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r" [0-9][ABD-HJLNP-UW-Z]{2})$"
)
#: an outward code on its own ("SW1A", "TE1"), which search accepts to list a district
OUTWARD = re.compile(r"^[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])$")


def normalise_postcode(value: str | None) -> str:
    """Upper-case, remove every space and put one before the inward code; "" for empty input."""
    compact = "".join((value or "").split()).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def is_valid_postcode(value: str | None) -> bool:
    """Whether the value, once normalised, has the format of a UK postcode."""
    return bool(POSTCODE.match(normalise_postcode(value)))


def clean_postcode(value: str | None) -> str | None:
    """The normalised postcode, None for empty input; ValueError if it is not a postcode."""
    normalised = normalise_postcode(value)
    if not normalised:
        return None
    if not POSTCODE.match(normalised):
        raise ValueError(f'"{(value or "").strip()}" is not a valid postcode')
    return normalised


def is_outward_code(value: str | None) -> bool:
    """Whether the value is an outward code alone, such as "TE1" or "SW1A"."""
    return bool(OUTWARD.match("".join((value or "").split()).upper()))
