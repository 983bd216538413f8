"""The gazetteer importer: column maps for AddressBase Premium CSV and OS Open UPRN CSV, and the streaming loader.

The file is read once with ``csv``; each row is checked and either rejected (with its line number and reason) or
written in batches to temporary staging tables (COPY on PostgreSQL, executemany on SQLite), so memory stays the same
whatever the file size. Then, inside the same transaction, the staged records are applied set by set: for each key
only the record with the highest PRO_ORDER counts (the supply's own order), deletes remove LPIs, delivery points,
street descriptors and classifications, and make places historical; updates change only rows that differ, and
inserts add the keys not yet stored. Last, every place the supply touched gets its address derived again, into a
staging table, from which the places that differ are updated and the new ones inserted. The caller owns the
transaction: an exception or KeyboardInterrupt anywhere rolls back everything, staging tables included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from core.places.models import AddressDPA, AddressLPI, Classification, Place, Street
from core.places.postcodes import POSTCODE, normalise_postcode
from core.types import AwareDateTime, utcnow

FORMATS = {"abp": "AddressBase Premium CSV", "os-open-uprn": "OS Open UPRN CSV"}
BATCH_SIZE = 5000
#: PostgreSQL work_mem for an import's transaction
WORK_MEM = "64MB"
#: rejected rows kept on the import's record (all of them still go to the caller's on_reject)
KEPT_REJECTIONS = 200

# --- column maps ---------------------------------------------------------------------------------------------------

#: AddressBase Premium CSV columns by RECORD_IDENTIFIER, in file order (OS's published create-table scripts)
ABP_COLUMNS: dict[str, tuple[str, ...]] = {
    "10": ("RECORD_IDENTIFIER", "CUSTODIAN_NAME", "LOCAL_CUSTODIAN_CODE", "PROCESS_DATE", "VOLUME_NUMBER",
           "ENTRY_DATE", "TIME_STAMP", "VERSION", "FILE_TYPE"),
    "11": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "USRN", "RECORD_TYPE", "SWA_ORG_REF_NAMING", "STATE",
           "STATE_DATE", "STREET_SURFACE", "STREET_CLASSIFICATION", "VERSION", "STREET_START_DATE", "STREET_END_DATE",
           "LAST_UPDATE_DATE", "RECORD_ENTRY_DATE", "STREET_START_X", "STREET_START_Y", "STREET_START_LAT",
           "STREET_START_LONG", "STREET_END_X", "STREET_END_Y", "STREET_END_LAT", "STREET_END_LONG",
           "STREET_TOLERANCE"),
    "15": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "USRN", "STREET_DESCRIPTION", "LOCALITY", "TOWN_NAME",
           "ADMINISTRATIVE_AREA", "LANGUAGE", "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "21": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "LOGICAL_STATUS", "BLPU_STATE", "BLPU_STATE_DATE",
           "PARENT_UPRN", "X_COORDINATE", "Y_COORDINATE", "LATITUDE", "LONGITUDE", "RPC", "LOCAL_CUSTODIAN_CODE",
           "COUNTRY", "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE", "ADDRESSBASE_POSTAL",
           "POSTCODE_LOCATOR", "MULTI_OCC_COUNT"),
    "23": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "XREF_KEY", "CROSS_REFERENCE", "VERSION", "SOURCE",
           "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "24": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "LPI_KEY", "LANGUAGE", "LOGICAL_STATUS",
           "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE", "SAO_START_NUMBER", "SAO_START_SUFFIX",
           "SAO_END_NUMBER", "SAO_END_SUFFIX", "SAO_TEXT", "PAO_START_NUMBER", "PAO_START_SUFFIX", "PAO_END_NUMBER",
           "PAO_END_SUFFIX", "PAO_TEXT", "USRN", "USRN_MATCH_INDICATOR", "AREA_NAME", "LEVEL", "OFFICIAL_FLAG"),
    "28": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "UDPRN", "ORGANISATION_NAME", "DEPARTMENT_NAME",
           "SUB_BUILDING_NAME", "BUILDING_NAME", "BUILDING_NUMBER", "DEPENDENT_THOROUGHFARE", "THOROUGHFARE",
           "DOUBLE_DEPENDENT_LOCALITY", "DEPENDENT_LOCALITY", "POST_TOWN", "POSTCODE", "POSTCODE_TYPE",
           "DELIVERY_POINT_SUFFIX", "WELSH_DEPENDENT_THOROUGHFARE", "WELSH_THOROUGHFARE",
           "WELSH_DOUBLE_DEPENDENT_LOCALITY", "WELSH_DEPENDENT_LOCALITY", "WELSH_POST_TOWN", "PO_BOX_NUMBER",
           "PROCESS_DATE", "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "29": ("RECORD_IDENTIFIER", "GAZ_NAME", "GAZ_SCOPE", "TER_OF_USE", "LINKED_DATA", "GAZ_OWNER", "NGAZ_FREQ",
           "CUSTODIAN_NAME", "CUSTODIAN_UPRN", "LOCAL_CUSTODIAN_CODE", "CO_ORD_SYSTEM", "CO_ORD_UNIT", "META_DATE",
           "CLASS_SCHEME", "GAZ_DATE", "LANGUAGE", "CHARACTER_SET"),
    "30": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "SUCC_KEY", "START_DATE", "END_DATE",
           "LAST_UPDATE_DATE", "ENTRY_DATE", "SUCCESSOR"),
    "31": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "ORG_KEY", "ORGANISATION", "LEGAL_NAME",
           "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "32": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "CLASS_KEY", "CLASSIFICATION_CODE",
           "CLASS_SCHEME", "SCHEME_VERSION", "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "99": ("RECORD_IDENTIFIER", "NEXT_VOLUME_NUMBER", "RECORD_COUNT", "ENTRY_DATE", "TIME_STAMP"),
}
RECORD_NAMES = {
    "10": "header", "11": "street", "15": "street descriptor", "21": "BLPU", "23": "cross-reference", "24": "LPI",
    "28": "delivery point address", "29": "metadata", "30": "successor", "31": "organisation",
    "32": "classification", "99": "trailer",
}
#: records the trailer's RECORD_COUNT leaves out (OS technical specification, trailer record)
NOT_COUNTED = frozenset({"10", "29", "99"})
OPEN_UPRN_COLUMNS = ("UPRN", "X_COORDINATE", "Y_COORDINATE", "LATITUDE", "LONGITUDE")
#: the AddressBase classification scheme, whose code is shown on the place (other schemes are kept but not shown)
ABP_CLASS_SCHEME = "AddressBase Premium Classification Scheme"

#: British National Grid extent in metres, and latitude/longitude bounds around Great Britain and the islands
EASTING_RANGE = (0.0, 700000.0)
NORTHING_RANGE = (0.0, 1300000.0)
LATITUDE_RANGE = (49.0, 61.0)
LONGITUDE_RANGE = (-9.0, 3.0)

_BLPU_STATUS = {"1": "approved", "6": "provisional", "8": "historical"}
_LPI_STATUS = {"1": "approved", "3": "alternative", "6": "provisional", "8": "historical"}
_FLAGS = {"Y": True, "N": False, "": None}


class GazetteerError(Exception):
    """The import cannot go on (wrong format, unreadable file, another import running); nothing was changed."""


class RowError(ValueError):
    """A row cannot be imported; the message is the reason reported with its line number."""


# --- checks on single values; each returns the value to stage or raises RowError --------------------------------


def _uprn(value: str, column: str = "UPRN") -> int:
    if not value:
        raise RowError(f"{column} is missing")
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) == 0:
        raise RowError(f"{column} {value!r} is not a whole number of 1 to 12 digits")
    return int(value)


def _optional_uprn(value: str, column: str) -> int | None:
    return _uprn(value, column) if value else None


def _whole(value: str, column: str, digits: int) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > digits:
        raise RowError(f"{column} {value!r} is not a whole number of up to {digits} digits")
    return int(value)


def _coordinate(value: str, column: str, bounds: tuple[float, float]) -> str:
    if not value:
        raise RowError(f"{column} is missing")
    try:
        number = float(value)
    except ValueError:
        raise RowError(f"{column} {value!r} is not a number") from None
    if not bounds[0] <= number <= bounds[1]:
        raise RowError(f"{column} {value} is outside {bounds[0]:.15g} to {bounds[1]:.15g}")
    return value


# dates and postcodes repeat across a supply (a postcode covers some 15 addresses): remember recent good ones; a bad
# one raises, which lru_cache never remembers, so every bad row is still reported
@lru_cache(maxsize=4096)
def _date(value: str, column: str) -> str | None:
    if not value:
        return None
    try:
        if len(value) != 10 or value[4] != "-":
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column} {value!r} is not a date (YYYY-MM-DD)") from None
    return value


@lru_cache(maxsize=4096)
def _postcode(value: str, column: str) -> str | None:
    if not value:
        return None
    normalised = normalise_postcode(value)
    if not POSTCODE.match(normalised):
        raise RowError(f"{column} {value!r} is not a valid postcode")
    return normalised


def _change(row: list[str]) -> tuple[int, str]:
    change = row[1]
    if change not in ("I", "U", "D"):
        raise RowError(f"change type {change!r} is not I, U or D")
    pro_order = row[2]
    if not (pro_order.isascii() and pro_order.isdigit()):
        raise RowError(f"PRO_ORDER {pro_order!r} is not a whole number")
    return int(pro_order), change


def _status(value: str, allowed: dict[str, str], record: str) -> str:
    try:
        return allowed[value]
    except KeyError:
        raise RowError(
            f"LOGICAL_STATUS {value!r} is not one of {', '.join(allowed)} for {record}"
        ) from None


def _required(value: str, column: str) -> str:
    if not value:
        raise RowError(f"{column} is missing")
    return value


# --- record parsers: a csv row (already the right length) to the staged tuple -------------------------------------


def _parse_blpu(row: list[str], line: int) -> tuple:
    pro_order, change = _change(row)
    uprn = _uprn(row[3])
    if change == "D":
        return (line, pro_order, change, uprn) + (None,) * 11
    return (
        line, pro_order, change, uprn,
        _status(row[4], _BLPU_STATUS, "a BLPU"),
        _optional_uprn(row[7], "PARENT_UPRN"),
        _coordinate(row[8], "X_COORDINATE", EASTING_RANGE),
        _coordinate(row[9], "Y_COORDINATE", NORTHING_RANGE),
        _coordinate(row[10], "LATITUDE", LATITUDE_RANGE),
        _coordinate(row[11], "LONGITUDE", LONGITUDE_RANGE),
        _whole(row[13], "LOCAL_CUSTODIAN_CODE", 4),
        _date(row[15], "START_DATE"),
        _date(row[16], "END_DATE"),
        _date(row[17], "LAST_UPDATE_DATE"),
        _postcode(row[20], "POSTCODE_LOCATOR"),
    )


def _parse_lpi(row: list[str], line: int) -> tuple:
    pro_order, change = _change(row)
    key = _required(row[4], "LPI_KEY")
    if change == "D":
        return (line, pro_order, change, key, _optional_uprn(row[3], "UPRN")) + (None,) * 21
    return (
        line, pro_order, change, key, _uprn(row[3]),
        _required(row[5], "LANGUAGE"),
        _status(row[6], _LPI_STATUS, "an LPI"),
        _date(row[7], "START_DATE"), _date(row[8], "END_DATE"),
        _date(row[9], "LAST_UPDATE_DATE"), _date(row[10], "ENTRY_DATE"),
        _whole(row[11], "SAO_START_NUMBER", 4), row[12] or None,
        _whole(row[13], "SAO_END_NUMBER", 4), row[14] or None, row[15] or None,
        _whole(row[16], "PAO_START_NUMBER", 4), row[17] or None,
        _whole(row[18], "PAO_END_NUMBER", 4), row[19] or None, row[20] or None,
        _whole(row[21], "USRN", 8), row[22] or None, row[23] or None, row[24] or None,
        _FLAGS.get(row[25]),
    )


def _parse_dpa(row: list[str], line: int) -> tuple:
    pro_order, change = _change(row)
    udprn = _whole(row[4], "UDPRN", 8)
    if udprn is None:
        raise RowError("UDPRN is missing")
    if change == "D":
        return (line, pro_order, change, udprn, _optional_uprn(row[3], "UPRN")) + (None,) * 24
    return (
        line, pro_order, change, udprn, _uprn(row[3]),
        row[5] or None, row[6] or None, row[7] or None, row[8] or None,
        _whole(row[9], "BUILDING_NUMBER", 4),
        row[10] or None, row[11] or None, row[12] or None, row[13] or None, row[14] or None,
        _postcode(row[15], "POSTCODE"),
        row[16] or None, row[17] or None, row[18] or None, row[19] or None, row[20] or None, row[21] or None,
        row[22] or None, row[23] or None,
        _date(row[24], "PROCESS_DATE"), _date(row[25], "START_DATE"), _date(row[26], "END_DATE"),
        _date(row[27], "LAST_UPDATE_DATE"), _date(row[28], "ENTRY_DATE"),
    )


def _parse_street(row: list[str], line: int) -> tuple:
    pro_order, change = _change(row)
    usrn = _whole(row[3], "USRN", 8)
    if usrn is None:
        raise RowError("USRN is missing")
    language = _required(row[8], "LANGUAGE")
    if change == "D":
        return (line, pro_order, change, usrn, language) + (None,) * 7
    return (
        line, pro_order, change, usrn, language,
        row[4] or None, row[5] or None, row[6] or None, row[7] or None,
        _date(row[9], "START_DATE"), _date(row[10], "END_DATE"), _date(row[11], "LAST_UPDATE_DATE"),
    )


def _parse_classification(row: list[str], line: int) -> tuple:
    pro_order, change = _change(row)
    key = _required(row[4], "CLASS_KEY")
    if change == "D":
        return (line, pro_order, change, key, _optional_uprn(row[3], "UPRN")) + (None,) * 7
    return (
        line, pro_order, change, key, _uprn(row[3]),
        _required(row[5], "CLASSIFICATION_CODE"), row[6] or None, row[7] or None,
        _date(row[8], "START_DATE"), _date(row[9], "END_DATE"),
        _date(row[10], "LAST_UPDATE_DATE"), _date(row[11], "ENTRY_DATE"),
    )


def _parse_open_uprn(row: list[str], line: int) -> tuple:
    return (
        line,
        _uprn(row[0]),
        _coordinate(row[1], "X_COORDINATE", EASTING_RANGE),
        _coordinate(row[2], "Y_COORDINATE", NORTHING_RANGE),
        _coordinate(row[3], "LATITUDE", LATITUDE_RANGE),
        _coordinate(row[4], "LONGITUDE", LONGITUDE_RANGE),
    )


# --- staging tables ------------------------------------------------------------------------------------------------

#: temporary tables live in their own MetaData, so migrations never see them
STAGING = MetaData()
_CHANGE_COLUMNS = ("line_no", "pro_order", "change_type")


@dataclass(frozen=True)
class Kind:
    """One kind of AddressBase record the importer applies: its columns, key, target table and staging tables."""

    name: str
    record: str
    target: Table
    #: staged data columns after line_no, pro_order and change_type, in the order the parser returns them
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    parse: Callable[[list[str], int], tuple]
    stage: Table = field(init=False)

    def __post_init__(self) -> None:
        stage = Table(
            f"place_stage_{self.name}",
            STAGING,
            Column("line_no", Integer),
            Column("pro_order", BigInteger),
            Column("change_type", String(1)),
            *(Column(name, self.target.c[name].type) for name in self.columns),
            prefixes=["TEMPORARY"],
        )
        object.__setattr__(self, "stage", stage)

    @property
    def staged_columns(self) -> tuple[str, ...]:
        return _CHANGE_COLUMNS + self.columns


_place = Place.__table__
BLPU_COLUMNS = (
    "uprn", "logical_status", "parent_uprn", "easting", "northing", "latitude", "longitude", "local_custodian_code",
    "start_date", "end_date", "last_update_date", "postcode_locator",
)
KINDS: dict[str, Kind] = {
    kind.record: kind
    for kind in (
        Kind("street", "15", Street.__table__,
             ("usrn", "language", "description", "locality", "town", "administrative_area", "start_date",
              "end_date", "last_update_date"),
             ("usrn", "language"), _parse_street),
        Kind("blpu", "21", _place, BLPU_COLUMNS, ("uprn",), _parse_blpu),
        Kind("lpi", "24", AddressLPI.__table__, tuple(c.name for c in AddressLPI.__table__.c), ("lpi_key",),
             _parse_lpi),
        Kind("dpa", "28", AddressDPA.__table__, tuple(c.name for c in AddressDPA.__table__.c), ("udprn",),
             _parse_dpa),
        Kind("classification", "32", Classification.__table__,
             tuple(c.name for c in Classification.__table__.c), ("class_key",), _parse_classification),
    )
}
OPEN_UPRN_STAGE = Table(
    "place_stage_open_uprn", STAGING,
    Column("line_no", Integer),
    *(Column(name, _place.c[name].type) for name in ("uprn", "easting", "northing", "latitude", "longitude")),
    prefixes=["TEMPORARY"],
)
TOUCHED = Table(
    "place_touched", STAGING, Column("uprn", BigInteger, primary_key=True, autoincrement=False), prefixes=["TEMPORARY"]
)
#: the place columns an import writes, apart from version and timestamps
PLACE_COLUMNS = BLPU_COLUMNS + (
    "postcode", "display_address", "organisation", "sub_building", "building_name", "building_number", "street",
    "locality", "town", "usrn", "classification_code", "source",
)
#: every touched place as the import leaves it, before it is written to the place table
PLACE_NEW = Table(
    "place_stage_new", STAGING, *(Column(name, _place.c[name].type) for name in PLACE_COLUMNS), prefixes=["TEMPORARY"]
)


def write_batch(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """Append rows to a staging table: COPY on PostgreSQL, one executemany elsewhere."""
    if not rows:
        return
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", [tuple(map(_plain, row)) for row in rows]
        )


def _plain(value: Any) -> Any:
    # the sqlite3 driver binds neither Decimal nor (without deprecated adapters) dates
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _insert(connection: Connection):
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


# --- addresses -----------------------------------------------------------------------------------------------------


def number_range(start: int | None, start_suffix: str | None, end: int | None, end_suffix: str | None) -> str:
    """An SAO or PAO number range as written on an envelope: "10", "10A", "10-12", "10A-10C"."""
    first = f"{start if start is not None else ''}{start_suffix or ''}"
    last = f"{end if end is not None else ''}{end_suffix or ''}"
    return f"{first}-{last}" if first and last else first or last


def compose_display_address(fields: dict[str, Any]) -> str:
    """One line: organisation, sub-building, building name, number and street, locality, town, postcode."""
    number_street = " ".join(part for part in (fields.get("building_number"), fields.get("street")) if part)
    parts = (
        fields.get("organisation"), fields.get("sub_building"), fields.get("building_name"), number_street,
        fields.get("locality"), fields.get("town"), fields.get("postcode"),
    )
    return ", ".join(part for part in parts if part)


def address_from_dpa(dpa: Any) -> dict[str, Any]:
    """Address lines from a Royal Mail delivery point: the number goes with the first thoroughfare."""
    po_box = f"PO BOX {dpa.po_box_number}" if dpa.po_box_number else None
    return {
        "organisation": _join(", ", dpa.organisation_name, dpa.department_name),
        "sub_building": _join(", ", po_box, dpa.sub_building_name),
        "building_name": dpa.building_name,
        "building_number": str(dpa.building_number) if dpa.building_number is not None else None,
        "street": _join(", ", dpa.dependent_thoroughfare, dpa.thoroughfare),
        "locality": _join(", ", dpa.double_dependent_locality, dpa.dependent_locality),
        "town": dpa.post_town,
        "postcode": dpa.postcode,
    }


def welsh_address_from_dpa(dpa: Any) -> dict[str, Any] | None:
    """The delivery point's address with its Welsh thoroughfares, localities and town, if it has any."""
    welsh = (
        dpa.welsh_dependent_thoroughfare, dpa.welsh_thoroughfare, dpa.welsh_double_dependent_locality,
        dpa.welsh_dependent_locality, dpa.welsh_post_town,
    )
    if not any(welsh):
        return None
    fields = address_from_dpa(dpa)
    fields["street"] = _join(", ", welsh[0], welsh[1]) or fields["street"]
    fields["locality"] = _join(", ", welsh[2], welsh[3]) or fields["locality"]
    fields["town"] = welsh[4] or fields["town"]
    return fields


def address_from_lpi(lpi: Any, street: Any | None, postcode: str | None) -> dict[str, Any]:
    """Address lines from an LPI and its street descriptor (BS 7666 SAO and PAO)."""
    sao = number_range(lpi.sao_start_number, lpi.sao_start_suffix, lpi.sao_end_number, lpi.sao_end_suffix)
    pao = number_range(lpi.pao_start_number, lpi.pao_start_suffix, lpi.pao_end_number, lpi.pao_end_suffix)
    return {
        "organisation": None,
        "sub_building": _join(" ", lpi.sao_text, sao),
        "building_name": lpi.pao_text,
        "building_number": pao or None,
        "street": street.description if street is not None else None,
        "locality": street.locality if street is not None else None,
        "town": street.town if street is not None else None,
        "postcode": postcode,
    }


def _join(separator: str, *parts: str | None) -> str | None:
    return separator.join(part for part in parts if part) or None


# --- the importer --------------------------------------------------------------------------------------------------


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "deleted": self.deleted, "unchanged": self.unchanged}


@dataclass
class Outcome:
    """What an import read and did."""

    rows_read: int = 0
    rejected: int = 0
    skipped: int = 0
    accepted: int = 0
    #: counts by kind: place, street, lpi, dpa, classification
    counts: dict[str, Counts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: the first rejected rows, "line N: reason"
    rejections: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(counts, name) for counts in self.counts.values())


class Importer:
    """Read one gazetteer file and apply it through one connection, inside the caller's transaction."""

    def __init__(
        self,
        connection: Connection,
        path: str | Path,
        fmt: str,
        *,
        create_missing: bool = False,
        batch_size: int = BATCH_SIZE,
        on_progress: Callable[[int], None] | None = None,
        on_reject: Callable[[int, str], None] | None = None,
        on_stage: Callable[[str], None] | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise GazetteerError(f'Unknown format "{fmt}": use one of {", ".join(FORMATS)}.')
        self.connection = connection
        self.path = Path(path)
        self.fmt = fmt
        self.create_missing = create_missing
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda _bytes: None)
        self.on_reject = on_reject or (lambda _line, _reason: None)
        self.on_stage = on_stage or (lambda _message: None)
        self.outcome = Outcome()
        self.postgres = connection.dialect.name == "postgresql"
        self._created: list[str] = []

    def run(self) -> Outcome:
        """Stage the file, then apply it; raises GazetteerError if nothing could be imported."""
        if self.postgres:
            # the joins and sorts below work on the whole supply at once; keep them in memory (this transaction only)
            self.connection.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        if self.fmt == "abp":
            self._stage_abp()
        else:
            self._stage_open_uprn()
        if self.outcome.accepted == 0 and self.outcome.rejected:
            raise GazetteerError(f"No rows could be imported: all {self.outcome.rejected} data rows were rejected.")
        self.on_stage("Applying the changes")
        if self.fmt == "abp":
            self._apply_abp()
        else:
            self._apply_open_uprn()
        # on failure the caller's rollback removes the temporary tables with everything else
        for name in reversed(self._created):
            self.connection.execute(text(f"DROP TABLE {name}"))
        self._created.clear()
        return self.outcome

    # reading ----------------------------------------------------------------------------------------------------

    def _rows(self):
        """Yield (line number, row) for every non-blank row, reporting progress in bytes read."""
        try:
            raw = self.path.open("rb")
        except OSError as exc:
            raise GazetteerError(f"Cannot open {self.path}: {exc.strerror or exc}.") from exc
        with raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
            reported = 0
            last_line = 0
            try:
                for row in reader:
                    line, last_line = last_line + 1, reader.line_num
                    if row:
                        yield line, row
                    if line % 2000 == 0:
                        position = raw.tell()
                        self.on_progress(position - reported)
                        reported = position
            except UnicodeDecodeError as exc:
                raise GazetteerError(
                    f"{self.path.name} is not UTF-8 text (near line {last_line + 1}): check the file."
                ) from exc
            except csv.Error as exc:
                raise GazetteerError(f"{self.path.name} line {reader.line_num}: {exc}.") from exc
            self.on_progress(raw.tell() - reported)

    def _reject(self, line: int, reason: str) -> None:
        self.outcome.rejected += 1
        if len(self.outcome.rejections) < KEPT_REJECTIONS:
            self.outcome.rejections.append(f"line {line}: {reason}")
        self.on_reject(line, reason)

    def _create(self, table: Table) -> None:
        table.create(self.connection)
        self._created.append(table.name)

    def _stage_abp(self) -> None:
        outcome = self.outcome
        for kind in KINDS.values():
            self._create(kind.stage)
        buffers: dict[str, list[tuple]] = {record: [] for record in KINDS}
        trailer: tuple[int, list[str]] | None = None
        counted = 0
        for line, row in self._rows():
            outcome.rows_read += 1
            record = row[0]
            if record not in NOT_COUNTED:
                counted += 1
            columns = ABP_COLUMNS.get(record)
            if columns is None:
                if outcome.rows_read == 1 and tuple(cell.strip().upper() for cell in row) == OPEN_UPRN_COLUMNS:
                    raise GazetteerError(
                        f"{self.path.name} is an OS Open UPRN file: import it with --format os-open-uprn."
                    )
                self._reject(line, f"unknown record identifier {record!r}")
                continue
            if len(row) != len(columns):
                self._reject(
                    line,
                    f"a {RECORD_NAMES[record]} ({record}) record has {len(columns)} columns, this row has {len(row)}",
                )
                continue
            kind = KINDS.get(record)
            if kind is None:
                outcome.skipped += 1
                if record == "99":
                    trailer = (line, row)
                continue
            try:
                staged = kind.parse(row, line)
            except RowError as exc:
                self._reject(line, str(exc))
                continue
            outcome.accepted += 1
            buffer = buffers[record]
            buffer.append(staged)
            if len(buffer) >= self.batch_size:
                write_batch(self.connection, kind.stage, kind.staged_columns, buffer)
                buffer.clear()
        for record, buffer in buffers.items():
            write_batch(self.connection, KINDS[record].stage, KINDS[record].staged_columns, buffer)
        self._check_trailer(trailer, counted)

    def _check_trailer(self, trailer: tuple[int, list[str]] | None, counted: int) -> None:
        if trailer is None:
            self.outcome.warnings.append(
                "The file has no trailer (99) record, so it may be incomplete: check it came through whole."
            )
            return
        line, row = trailer
        expected = row[2]
        if not expected.isdigit():
            self.outcome.warnings.append(f"The trailer on line {line} has no record count ({expected!r}).")
        elif int(expected) != counted:
            self.outcome.warnings.append(
                f"The trailer on line {line} says the file holds {int(expected):,} records but {counted:,} were read "
                f"(header, metadata and trailer excluded): the file may be incomplete."
            )

    def _stage_open_uprn(self) -> None:
        outcome = self.outcome
        self._create(OPEN_UPRN_STAGE)
        columns = [c.name for c in OPEN_UPRN_STAGE.c]
        buffer: list[tuple] = []
        header_seen = False
        for line, row in self._rows():
            if not header_seen:
                header_seen = True
                if tuple(cell.strip().upper() for cell in row) != OPEN_UPRN_COLUMNS:
                    raise GazetteerError(
                        f"{self.path.name} is not an OS Open UPRN file: its first line should be "
                        f"{','.join(OPEN_UPRN_COLUMNS)}."
                    )
                continue
            outcome.rows_read += 1
            if len(row) != len(OPEN_UPRN_COLUMNS):
                self._reject(line, f"an OS Open UPRN row has 5 columns, this row has {len(row)}")
                continue
            try:
                buffer.append(_parse_open_uprn(row, line))
            except RowError as exc:
                self._reject(line, str(exc))
                continue
            outcome.accepted += 1
            if len(buffer) >= self.batch_size:
                write_batch(self.connection, OPEN_UPRN_STAGE, columns, buffer)
                buffer.clear()
        write_batch(self.connection, OPEN_UPRN_STAGE, columns, buffer)
        if not header_seen:
            raise GazetteerError(f"{self.path.name} is empty.")

    # applying ---------------------------------------------------------------------------------------------------

    def _deduplicate(self, stage: Table, keys: Sequence[str], later: Callable[[Table, Table], Any]) -> None:
        """If a key was staged more than once, keep only its last change."""
        conn = self.connection
        repeated = conn.scalar(
            select(literal(1))
            .select_from(stage)
            .group_by(*(stage.c[k] for k in keys))
            .having(func.count() > 1)
            .limit(1)
        )
        if repeated:
            conn.execute(text(f"CREATE INDEX {stage.name}_key ON {stage.name} ({', '.join(keys)})"))
            other = stage.alias("later_change")
            conn.execute(
                delete(stage).where(
                    exists().where(*(other.c[k] == stage.c[k] for k in keys), later(other, stage))
                )
            )

    def _apply_abp(self) -> None:
        for kind in KINDS.values():
            # gazetteer updates must be applied in PRO_ORDER: for each key only the last change counts
            self._deduplicate(
                kind.stage,
                kind.keys,
                lambda other, row: or_(
                    other.c.pro_order > row.c.pro_order,
                    and_(other.c.pro_order == row.c.pro_order, other.c.line_no > row.c.line_no),
                ),
            )
        self._find_touched()
        for record in ("15", "24", "28", "32"):
            kind = KINDS[record]
            self.outcome.counts[kind.name] = self._apply_records(kind)
        self.outcome.counts["place"] = self._apply_places()

    def _find_touched(self) -> None:
        """Record every UPRN whose place may change: named in the supply, or whose LPI, delivery point,
        classification or street the supply changes (before and after the change)."""
        self._create(TOUCHED)
        blpu, street, lpi, dpa, cls = (KINDS[r].stage for r in ("21", "15", "24", "28", "32"))
        parts = [
            select(blpu.c.uprn),
            select(lpi.c.uprn).where(lpi.c.uprn.is_not(None)),
            select(dpa.c.uprn).where(dpa.c.uprn.is_not(None)),
            select(cls.c.uprn).where(cls.c.uprn.is_not(None)),
            select(AddressLPI.uprn).join(lpi, lpi.c.lpi_key == AddressLPI.lpi_key),
            select(AddressDPA.uprn).join(dpa, dpa.c.udprn == AddressDPA.udprn),
            select(Classification.uprn).join(cls, cls.c.class_key == Classification.class_key),
            select(AddressLPI.uprn).join(street, street.c.usrn == AddressLPI.usrn),
        ]
        self.connection.execute(TOUCHED.insert().from_select(["uprn"], parts[0].union(*parts[1:])))

    def _apply_records(self, kind: Kind) -> Counts:
        """Apply the street, LPI, delivery point or classification changes: deletes, updates of rows that differ,
        then inserts of new keys (plain statements, cheaper than an upsert row by row)."""
        conn, target, staged = self.connection, kind.target, kind.stage
        same_key = and_(*(target.c[k] == staged.c[k] for k in kind.keys))
        by_change = dict(conn.execute(select(staged.c.change_type, func.count()).group_by(staged.c.change_type)).all())
        to_delete = by_change.pop("D", 0)
        to_upsert = sum(by_change.values())
        changing = [name for name in kind.columns if name not in kind.keys]
        counts = Counts()
        counts.deleted = conn.execute(
            delete(target).where(exists().where(same_key, staged.c.change_type == "D"))
        ).rowcount
        counts.updated = conn.execute(
            update(target)
            .where(
                same_key,
                staged.c.change_type != "D",
                or_(*(target.c[name].is_distinct_from(staged.c[name]) for name in changing)),
            )
            .values({name: staged.c[name] for name in changing})
        ).rowcount
        counts.inserted = conn.execute(
            target.insert().from_select(
                list(kind.columns),
                select(*(staged.c[name] for name in kind.columns)).where(
                    staged.c.change_type != "D", ~exists().where(same_key)
                ),
            ).execution_options(preserve_rowcount=True)  # SQLAlchemy only keeps an INSERT's rowcount when asked to
        ).rowcount
        counts.unchanged = (to_delete - counts.deleted) + (to_upsert - counts.inserted - counts.updated)
        return counts

    def _apply_places(self) -> Counts:
        """Build every touched place from its BLPU and derived address into a staging table, then update the places
        that differ and insert the new ones, in one statement each."""
        conn = self.connection
        blpu = KINDS["21"].stage
        known = exists().where(_place.c.uprn == blpu.c.uprn)
        counts = Counts()
        counts.deleted = conn.scalar(
            select(func.count())
            .select_from(blpu.join(_place, _place.c.uprn == blpu.c.uprn))
            .where(blpu.c.change_type == "D", _place.c.logical_status != "historical")
        )
        # a delete for a UPRN never imported changes nothing
        deletes_of_nothing = conn.scalar(
            select(func.count()).select_from(blpu).where(blpu.c.change_type == "D", ~known)
        )
        self._analyze(TOUCHED)
        # touched places that exist or are being added; the others are LPIs and delivery points waiting for a BLPU
        new = PLACE_NEW
        self._create(new)
        derived = new.insert().from_select(list(PLACE_COLUMNS), places_query(self.postgres))
        candidates = conn.execute(derived.execution_options(preserve_rowcount=True)).rowcount
        now = bindparam("now", utcnow(), type_=AwareDateTime())
        changing = [name for name in PLACE_COLUMNS if name != "uprn"]
        written = conn.execute(
            update(_place)
            .where(
                _place.c.uprn == new.c.uprn,
                or_(*(_place.c[name].is_distinct_from(new.c[name]) for name in changing)),
            )
            .values({**{name: new.c[name] for name in changing}, "version": _place.c.version + 1, "updated_at": now})
        ).rowcount
        counts.inserted = conn.execute(
            _place.insert().from_select(
                [*PLACE_COLUMNS, "version", "created_at", "updated_at"],
                select(*(new.c[name] for name in PLACE_COLUMNS), literal(1), now, now).where(
                    ~exists().where(_place.c.uprn == new.c.uprn)
                ),
            ).execution_options(preserve_rowcount=True)
        ).rowcount
        counts.updated = written - counts.deleted
        counts.unchanged = candidates - counts.inserted - written + deletes_of_nothing
        return counts

    def _analyze(self, *tables: Table) -> None:
        """Give PostgreSQL's planner the sizes of freshly filled tables (autovacuum never analyses temporary ones)."""
        if self.postgres:
            for table in tables:
                self.connection.execute(text(f"ANALYZE {table.name}"))

    def _apply_open_uprn(self) -> None:
        """Set the coordinates of places with these UPRNs; with create_missing, add places for the others."""
        conn = self.connection
        staged = OPEN_UPRN_STAGE
        # a UPRN listed twice: the later line wins
        self._deduplicate(staged, ["uprn"], lambda other, row: other.c.line_no > row.c.line_no)
        counts = Counts()
        coordinates = ("easting", "northing", "latitude", "longitude")
        known = exists().where(_place.c.uprn == staged.c.uprn)
        matched = conn.scalar(select(func.count()).select_from(staged).where(known))
        counts.updated = conn.execute(
            update(_place)
            .where(
                _place.c.uprn == staged.c.uprn,
                or_(*(_place.c[name].is_distinct_from(staged.c[name]) for name in coordinates)),
            )
            .values(
                **{name: staged.c[name] for name in coordinates},
                version=_place.c.version + 1,
                updated_at=utcnow(),
            )
        ).rowcount
        counts.unchanged = matched - counts.updated
        missing = conn.scalar(select(func.count()).select_from(staged)) - matched
        if self.create_missing and missing:
            now = bindparam("now", utcnow(), type_=AwareDateTime())
            conn.execute(
                _place.insert().from_select(
                    ["uprn", *coordinates, "logical_status", "display_address", "source", "version", "created_at",
                     "updated_at"],
                    select(
                        staged.c.uprn, *(staged.c[name] for name in coordinates), literal("approved"), literal(""),
                        literal("gazetteer"), literal(1), now, now,
                    ).where(~known),
                )
            )
            counts.inserted = missing
        elif missing:
            self.outcome.skipped += missing
            self.outcome.warnings.append(
                f"{missing:,} UPRNs are not in the gazetteer and were skipped "
                f"(import with --create-missing to add them as places without addresses)."
            )
        self.outcome.counts["place"] = counts


# --- the place each touched UPRN ends up as, in SQL ----------------------------------------------------------------
# The same rules as address_from_dpa, address_from_lpi and compose_display_address above, written once more as SQL
# so a whole supply is derived in one statement; tests check that both give the same addresses.


def _cat(*parts):
    result = parts[0]
    for part in parts[1:]:
        result = result.op("||")(part)
    return result


def _sql_join(separator: str, *parts):
    """Like _join: the non-empty parts joined by the separator, or NULL."""
    pieces = [func.coalesce(_cat(literal(separator), func.nullif(part, "")), "") for part in parts]
    return func.nullif(func.substr(_cat(*pieces), len(separator) + 1), "")


def _sql_range(start, start_suffix, end, end_suffix):
    """Like number_range, or NULL for no number."""
    first = _cat(func.coalesce(cast(start, String), ""), func.coalesce(start_suffix, ""))
    last = _cat(func.coalesce(cast(end, String), ""), func.coalesce(end_suffix, ""))
    return func.nullif(case((and_(first != "", last != ""), _cat(first, "-", last)), else_=_cat(first, last)), "")


def _chosen(table: Table, key: str, order: list, *where, joined=None, extra=(), back=None, direct=(),
            postgres: bool = False) -> Any:
    """The first of each touched UPRN's rows in the given order.

    On PostgreSQL one DISTINCT ON does it, with ``direct`` columns of the joined tables alongside. Elsewhere only
    narrow rows are ranked; the chosen ones are then joined back to the table by its key (and to whatever ``back``
    adds)."""
    source = joined if joined is not None else table
    touched = table.c.uprn.in_(select(TOUCHED.c.uprn))
    if postgres:
        return (
            select(table, *direct)
            .select_from(source)
            .where(touched, *where)
            .distinct(table.c.uprn)
            .order_by(table.c.uprn, *order)
            .subquery()
        )
    ranked = (
        select(
            table.c.uprn,
            table.c[key],
            *extra,
            func.row_number().over(partition_by=table.c.uprn, order_by=order).label("rank"),
        )
        .select_from(source)
        .where(touched, *where)
        .subquery()
    )
    source = ranked.join(table, table.c[key] == ranked.c[key])
    columns = [table]
    if back is not None:
        source, more = back(source, ranked)
        columns += more
    return select(*columns).select_from(source).where(ranked.c.rank == 1).subquery()


def places_query(postgres: bool = False):
    """Every touched UPRN that has (or gets) a place, with the place's new values."""
    blpu = KINDS["21"].stage
    current = _place.alias("current_place")
    lpi_table, dpa_table, cls_table = AddressLPI.__table__, AddressDPA.__table__, Classification.__table__
    street = Street.__table__
    chosen_street = street.alias("chosen_street")

    def with_street(source, ranked):
        source = source.outerjoin(
            chosen_street,
            and_(chosen_street.c.usrn == lpi_table.c.usrn, chosen_street.c.language == ranked.c.street_language),
        )
        return source, [
            chosen_street.c.description.label("street_description"),
            chosen_street.c.locality.label("street_locality"),
            chosen_street.c.town.label("street_town"),
        ]

    # approved English first, then current before ended, then the newest; its street in its own language, else
    # in English
    lpi = _chosen(
        lpi_table,
        "lpi_key",
        [
            case((lpi_table.c.logical_status == "approved", 0), else_=1),
            case((lpi_table.c.language == "ENG", 0), else_=1),
            case((lpi_table.c.end_date.is_(None), 0), else_=1),
            case((lpi_table.c.start_date.is_(None), 1), else_=0),
            lpi_table.c.start_date.desc(),
            lpi_table.c.lpi_key,
            case((street.c.language == lpi_table.c.language, 0), else_=1),
        ],
        joined=lpi_table.outerjoin(
            street,
            and_(street.c.usrn == lpi_table.c.usrn, street.c.language.in_([lpi_table.c.language, literal("ENG")])),
        ),
        extra=(street.c.language.label("street_language"),),
        back=with_street,
        direct=(
            street.c.description.label("street_description"),
            street.c.locality.label("street_locality"),
            street.c.town.label("street_town"),
        ),
        postgres=postgres,
    )
    dpa = _chosen(dpa_table, "udprn", [case((dpa_table.c.end_date.is_(None), 0), else_=1), dpa_table.c.udprn],
                  postgres=postgres)
    cls = _chosen(cls_table, "class_key", [
        case((cls_table.c.end_date.is_(None), 0), else_=1),
        case((cls_table.c.start_date.is_(None), 1), else_=0),
        cls_table.c.start_date.desc(),
        cls_table.c.class_key,
    ], cls_table.c.class_scheme.like("AddressBase%"), postgres=postgres)

    applies = and_(blpu.c.uprn.is_not(None), blpu.c.change_type != "D")
    deletes = blpu.c.change_type == "D"
    has_dpa, has_lpi = dpa.c.udprn.is_not(None), lpi.c.lpi_key.is_not(None)

    def blpu_value(name: str):
        return case((applies, blpu.c[name]), else_=current.c[name])

    locator = blpu_value("postcode_locator")

    po_box = case((dpa.c.po_box_number.is_not(None), _cat(literal("PO BOX "), dpa.c.po_box_number)))
    from_dpa = {
        "organisation": _sql_join(", ", dpa.c.organisation_name, dpa.c.department_name),
        "sub_building": _sql_join(", ", po_box, dpa.c.sub_building_name),
        "building_name": dpa.c.building_name,
        "building_number": cast(dpa.c.building_number, String),
        "street": _sql_join(", ", dpa.c.dependent_thoroughfare, dpa.c.thoroughfare),
        "locality": _sql_join(", ", dpa.c.double_dependent_locality, dpa.c.dependent_locality),
        "town": dpa.c.post_town,
        "postcode": func.coalesce(dpa.c.postcode, locator),
        "usrn": lpi.c.usrn,
    }
    from_lpi = {
        "organisation": null(),
        "sub_building": _sql_join(" ", lpi.c.sao_text,
                                  _sql_range(lpi.c.sao_start_number, lpi.c.sao_start_suffix,
                                             lpi.c.sao_end_number, lpi.c.sao_end_suffix)),
        "building_name": lpi.c.pao_text,
        "building_number": _sql_range(lpi.c.pao_start_number, lpi.c.pao_start_suffix,
                                      lpi.c.pao_end_number, lpi.c.pao_end_suffix),
        "street": lpi.c.street_description,
        "locality": lpi.c.street_locality,
        "town": lpi.c.street_town,
        "postcode": locator,
        "usrn": lpi.c.usrn,
    }
    address = {
        name: case((has_dpa, from_dpa[name]), (has_lpi, from_lpi[name]), else_=current.c[name])
        for name in from_dpa
    }
    # without any address in the gazetteer, a place keeps its own, with the BLPU's postcode if it had none
    address["postcode"] = case(
        (has_dpa, from_dpa["postcode"]), (has_lpi, from_lpi["postcode"]),
        else_=func.coalesce(current.c.postcode, locator),
    )
    values = {
        **{name: blpu_value(name) for name in BLPU_COLUMNS if name != "logical_status"},
        "uprn": TOUCHED.c.uprn,
        "logical_status": case(
            (applies, blpu.c.logical_status), (deletes, literal("historical")), else_=current.c.logical_status
        ),
        **address,
        "classification_code": cls.c.classification_code,
        "source": literal("gazetteer"),
    }
    joined = (
        TOUCHED.outerjoin(blpu, blpu.c.uprn == TOUCHED.c.uprn)
        .outerjoin(current, current.c.uprn == TOUCHED.c.uprn)
        .outerjoin(dpa, dpa.c.uprn == TOUCHED.c.uprn)
        .outerjoin(lpi, lpi.c.uprn == TOUCHED.c.uprn)
        .outerjoin(cls, cls.c.uprn == TOUCHED.c.uprn)
    )
    inner = (
        select(
            *(values[name].label(name) for name in PLACE_COLUMNS if name != "display_address"),
            or_(has_dpa, has_lpi).label("has_address"),
            current.c.display_address.label("current_display"),
        )
        .select_from(joined)
        # an LPI or delivery point whose BLPU has not arrived is kept, and shown once it does
        .where(or_(applies, current.c.id.is_not(None)))
        .subquery("derived")
    )
    number_street = _sql_join(" ", inner.c.building_number, inner.c.street)
    display = case(
        (inner.c.has_address, func.coalesce(_sql_join(
            ", ", inner.c.organisation, inner.c.sub_building, inner.c.building_name, number_street,
            inner.c.locality, inner.c.town, inner.c.postcode,
        ), "")),
        else_=func.coalesce(inner.c.current_display, ""),
    )
    return select(*(display.label(name) if name == "display_address" else inner.c[name] for name in PLACE_COLUMNS))
