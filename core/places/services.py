"""Places: address search, places entered by hand, and gazetteer imports with their run log."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select, text, update

from core.extensions import db
from core.permissions import acting_user, authorize
from core.places.gazetteer import (
    BATCH_SIZE,
    EASTING_RANGE,
    FORMATS,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    NORTHING_RANGE,
    GazetteerError,
    Importer,
    Outcome,
    address_from_dpa,
    address_from_lpi,
    compose_display_address,
    welsh_address_from_dpa,
)
from core.places.models import (
    STATUS_LABELS,
    AddressDPA,
    AddressLPI,
    Classification,
    GazetteerImport,
    Place,
    Street,
)
from core.places.postcodes import POSTCODE, clean_postcode, is_outward_code, normalise_postcode
from core.types import utcnow

VIEW = "places.view"
EDIT = "places.edit"
IMPORT = "places.gazetteer.import"
#: statuses a place entered by hand may have ("alternative" belongs to LPIs)
MANUAL_STATUSES = ("approved", "provisional", "historical")
TEXT_FIELDS = {
    "organisation": ("Organisation", 200),
    "sub_building": ("Flat or unit", 200),
    "building_name": ("Building name", 200),
    "building_number": ("Building number", 30),
    "street": ("Street", 200),
    "locality": ("Locality", 200),
    "town": ("Town or city", 100),
}
#: fields a place entered by hand takes from the form, besides its UPRN
EDITABLE = (*TEXT_FIELDS, "postcode", "logical_status", "parent_uprn", "easting", "northing", "latitude", "longitude")
#: one PostgreSQL advisory lock key, so two imports never run at once
IMPORT_LOCK = 0x50505047


class PlaceError(ValueError):
    """A place could not be saved; ``errors`` maps each form field at fault to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Page:
    """One page of search results."""

    items: list[Place]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# --- search --------------------------------------------------------------------------------------------------------


def interpret_query(query: str | None) -> dict[str, str]:
    """Read one search box: digits are a UPRN, a postcode or outward code is a postcode, anything else is text."""
    query = (query or "").strip()
    if not query:
        return {}
    if query.isascii() and query.isdigit() and len(query) <= 12:
        return {"uprn": query}
    if POSTCODE.match(normalise_postcode(query)) or is_outward_code(query):
        return {"postcode": query}
    return {"text": query}


def search_places(
    text: str | None = None,
    postcode: str | None = None,
    uprn: int | str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Places matching every criterion given: UPRN exactly, a postcode (or an outward code such as "TE1"), and words
    of free text anywhere in the display address; current places first. Other areas call this to pick an address."""
    authorize(VIEW)
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), 100)
    conditions = []
    if uprn not in (None, ""):
        uprn_text = str(uprn).strip()
        if not (uprn_text.isascii() and uprn_text.isdigit()) or len(uprn_text) > 12:
            return Page([], 0, page, per_page)
        conditions.append(Place.uprn == int(uprn_text))
    if postcode and postcode.strip():
        normalised = normalise_postcode(postcode)
        if POSTCODE.match(normalised):
            conditions.append(Place.postcode == normalised)
        elif is_outward_code(postcode):
            conditions.append(Place.postcode.like(f"{''.join(postcode.split()).upper()} %"))
        else:
            return Page([], 0, page, per_page)
    for word in (text or "").split():
        conditions.append(func.lower(Place.display_address).contains(word.lower(), autoescape=True))
    if not conditions:
        return Page([], 0, page, per_page)
    query = select(Place).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(
            case((Place.logical_status == "historical", 1), else_=0), Place.display_address, Place.id
        )
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


# --- one place -----------------------------------------------------------------------------------------------------


def get_place(place_id: int) -> Place | None:
    """The place, for a user who may view places."""
    authorize(VIEW)
    return db.session.get(Place, place_id)


def place_by_uprn(uprn: int) -> Place | None:
    authorize(VIEW)
    return db.session.scalar(select(Place).where(Place.uprn == uprn))


def related_places(place: Place) -> tuple[Place | None, list[Place]]:
    """The place's parent (by parent UPRN) and its children (places whose parent it is)."""
    authorize(VIEW)
    parent = None
    if place.parent_uprn:
        parent = db.session.scalar(select(Place).where(Place.uprn == place.parent_uprn))
    children: list[Place] = []
    if place.uprn:
        children = list(
            db.session.scalars(
                select(Place).where(Place.parent_uprn == place.uprn).order_by(Place.display_address).limit(200)
            )
        )
    return parent, children


@dataclass
class GazetteerRecords:
    """What the gazetteer holds for one UPRN, with each address written out on one line."""

    #: every LPI (English, Welsh, historical, ...) with its address
    lpis: list[tuple[AddressLPI, str]]
    #: delivery points with their English and (if any) Welsh address
    dpas: list[tuple[AddressDPA, str, str | None]]
    classifications: list[Classification]


def gazetteer_records(place: Place) -> GazetteerRecords:
    """The LPIs, delivery points and classifications kept for a place."""
    authorize(VIEW)
    if place.uprn is None:
        return GazetteerRecords([], [], [])
    rows = db.session.execute(
        select(AddressLPI, Street)
        .outerjoin(Street, (Street.usrn == AddressLPI.usrn) & (Street.language == AddressLPI.language))
        .where(AddressLPI.uprn == place.uprn)
        .order_by(AddressLPI.logical_status != "approved", AddressLPI.language, AddressLPI.lpi_key)
    ).all()
    lpis = [
        (lpi, compose_display_address(address_from_lpi(lpi, street, place.postcode_locator))) for lpi, street in rows
    ]
    dpas = []
    for dpa in db.session.scalars(select(AddressDPA).where(AddressDPA.uprn == place.uprn).order_by(AddressDPA.udprn)):
        welsh = welsh_address_from_dpa(dpa)
        dpas.append(
            (dpa, compose_display_address(address_from_dpa(dpa)), compose_display_address(welsh) if welsh else None)
        )
    classes = db.session.scalars(
        select(Classification).where(Classification.uprn == place.uprn).order_by(Classification.class_key)
    ).all()
    return GazetteerRecords(lpis, dpas, list(classes))


# --- places entered by hand ----------------------------------------------------------------------------------------


def _parse_uprn(raw: Any, label: str) -> int | None:
    value = "".join(str(raw or "").split())
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) == 0:
        raise ValueError(f"{label} must be a whole number of up to 12 digits")
    return int(value)


def _parse_decimal(raw: Any, label: str, bounds: tuple[float, float], places: int) -> Decimal | None:
    value = str(raw or "").strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{label} must be a number") from None
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        raise ValueError(f"{label} must be between {bounds[0]:.15g} and {bounds[1]:.15g}")
    return number.quantize(Decimal(1).scaleb(-places))


def _clean(values: dict[str, Any], place: Place | None) -> dict[str, Any]:
    """Check what was typed for a place and return the values to store, or raise PlaceError with every problem."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, (label, length) in TEXT_FIELDS.items():
        value = " ".join(str(values.get(name) or "").split())
        if len(value) > length:
            errors[name] = f"{label} must be {length} characters or fewer"
        cleaned[name] = value or None
    if not any(cleaned[name] for name in ("organisation", "sub_building", "building_name", "building_number", "street")):
        errors["building_name"] = "Enter a building name or number, or a street"
    try:
        cleaned["postcode"] = clean_postcode(values.get("postcode"))
    except ValueError:
        errors["postcode"] = "Enter a real postcode, like TE1 2AB"
    status = values.get("logical_status") or "approved"
    if status not in MANUAL_STATUSES and not (place is not None and status == place.logical_status):
        errors["logical_status"] = "Select a status"
    cleaned["logical_status"] = status
    try:
        uprn = _parse_uprn(values.get("uprn"), "UPRN")
    except ValueError as exc:
        errors["uprn"] = str(exc)
        uprn = None
    if place is not None and place.uprn is not None and uprn != place.uprn:
        errors["uprn"] = f"The UPRN {place.uprn} cannot be changed: a UPRN identifies this property for good"
    elif uprn is not None and (place is None or place.uprn is None):
        holder = db.session.scalar(select(Place).where(Place.uprn == uprn))
        if holder is not None and holder is not place:
            errors["uprn"] = f"UPRN {uprn} already belongs to {holder.label}: UPRNs are never reused"
    cleaned["uprn"] = uprn
    try:
        cleaned["parent_uprn"] = _parse_uprn(values.get("parent_uprn"), "Parent UPRN")
        if cleaned["parent_uprn"] is not None and cleaned["parent_uprn"] == uprn:
            errors["parent_uprn"] = "A place cannot be its own parent"
    except ValueError as exc:
        errors["parent_uprn"] = str(exc)
    for name, label, bounds, places in (
        ("easting", "Easting", EASTING_RANGE, 2),
        ("northing", "Northing", NORTHING_RANGE, 2),
        ("latitude", "Latitude", LATITUDE_RANGE, 7),
        ("longitude", "Longitude", LONGITUDE_RANGE, 7),
    ):
        try:
            cleaned[name] = _parse_decimal(values.get(name), label, bounds, places)
        except ValueError as exc:
            errors[name] = str(exc)
    for first, second, message in (
        ("easting", "northing", "Enter both the easting and the northing, or neither"),
        ("latitude", "longitude", "Enter both the latitude and the longitude, or neither"),
    ):
        if first not in errors and second not in errors and (cleaned[first] is None) != (cleaned[second] is None):
            errors[second if cleaned[second] is None else first] = message
    if errors:
        raise PlaceError(errors)
    cleaned["display_address"] = compose_display_address(cleaned)
    return cleaned


def create_place(values: dict[str, Any]) -> Place:
    """Add a place by hand: no UPRN needed, but one given must be well formed and not belong to another place."""
    authorize(EDIT)
    cleaned = _clean(values, None)
    place = Place(source="manual", **cleaned)
    db.session.add(place)
    db.session.flush()
    return place


def update_place(place: Place, values: dict[str, Any]) -> Place:
    """Change a place's address, status and coordinates; a UPRN may be added once but never changed."""
    authorize(EDIT)
    cleaned = _clean(values, place)
    for name, value in cleaned.items():
        setattr(place, name, value)
    db.session.flush()
    return place


def status_choices(place: Place | None = None) -> list[tuple[str, str]]:
    statuses = list(MANUAL_STATUSES)
    if place is not None and place.logical_status not in statuses:
        statuses.append(place.logical_status)
    return [(status, STATUS_LABELS[status]) for status in statuses]


# --- gazetteer imports ---------------------------------------------------------------------------------------------


def authorize_import() -> None:
    """Anyone acting through the app needs places.gazetteer.import; the command line runs as the server operator,
    who already holds the database, so it has no user to check."""
    if acting_user() is not None:
        authorize(IMPORT)


def import_gazetteer(
    path: str | Path,
    fmt: str,
    *,
    create_missing: bool = False,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    on_reject: Callable[[int, str], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> GazetteerImport:
    """Import a gazetteer file in one transaction and record the run; a failure or interruption changes nothing.

    Unlike other services this one commits: the run's record is saved first and kept when the import fails.
    Raises GazetteerError (after recording it) when the file cannot be imported at all.
    """
    authorize_import()
    if fmt not in FORMATS:
        raise GazetteerError(f'Unknown format "{fmt}": use one of {", ".join(FORMATS)}.')
    path = Path(path)
    user = acting_user()
    run = GazetteerImport(
        file_name=path.name,
        file_size=path.stat().st_size if path.is_file() else None,
        format=fmt,
        status="running",
        started_by_id=user.id if user is not None else None,
    )
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    importer = None
    try:
        connection = db.session.connection()
        _take_import_lock(connection, run_id)
        importer = Importer(
            connection,
            path,
            fmt,
            create_missing=create_missing,
            batch_size=batch_size,
            on_progress=on_progress,
            on_reject=on_reject,
            on_stage=on_stage,
        )
        outcome = importer.run()
        run = db.session.get(GazetteerImport, run_id)
        _record(run, outcome)
        run.status = "finished"
        run.finished_at = utcnow()
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        run = db.session.get(GazetteerImport, run_id)
        if importer is not None:
            # what was read is worth keeping; nothing was applied
            run.rows_read = importer.outcome.rows_read
            run.rejected = importer.outcome.rejected
            run.rejections = "\n".join(importer.outcome.rejections)
        run.status = "failed"
        run.finished_at = utcnow()
        run.error = _failure(exc)
        db.session.commit()
        raise
    return run


def _take_import_lock(connection, run_id: int) -> None:
    if connection.dialect.name != "postgresql":
        return  # SQLite lets one writer in at a time anyway
    if not connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK}):
        raise GazetteerError("Another gazetteer import is running: wait for it to finish, then try again.")
    # holding the lock, any other run still marked running died without saying so
    connection.execute(
        update(GazetteerImport.__table__)
        .where(GazetteerImport.status == "running", GazetteerImport.id != run_id)
        .values(status="failed", error="The import stopped before it finished (its process ended). Nothing was changed.")
    )


def _record(run: GazetteerImport, outcome: Outcome) -> None:
    run.rows_read = outcome.rows_read
    run.inserted = outcome.total("inserted")
    run.updated = outcome.total("updated")
    run.deleted = outcome.total("deleted")
    run.unchanged = outcome.total("unchanged")
    run.rejected = outcome.rejected
    run.skipped = outcome.skipped
    run.details = {name: counts.as_dict() for name, counts in outcome.counts.items()}
    run.warnings = "\n".join(outcome.warnings)
    run.rejections = "\n".join(outcome.rejections)


def _failure(exc: BaseException) -> str:
    if isinstance(exc, GazetteerError):
        return f"{exc} Nothing was changed."
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted before it finished. Nothing was changed."
    return f"{type(exc).__name__}: {exc}. Nothing was changed."


def recent_imports(limit: int = 50) -> list[GazetteerImport]:
    """The latest gazetteer imports, newest first."""
    authorize(IMPORT)
    return list(
        db.session.scalars(select(GazetteerImport).order_by(GazetteerImport.started_at.desc(), GazetteerImport.id.desc()).limit(limit))
    )


def get_import(run_id: int) -> GazetteerImport | None:
    authorize(IMPORT)
    return db.session.get(GazetteerImport, run_id)
