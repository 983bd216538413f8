"""Builders of synthetic gazetteer rows: AddressBase Premium CSV records and OS Open UPRN lines.

Everything here is made up (UPRNs from 990000000001, USRNs from 99000001, postcodes in the unused "TE" area,
custodian 9999): tests must never use real Ordnance Survey data. Each builder returns one row as a list of strings
in the column order of core.places.gazetteer.ABP_COLUMNS; keyword arguments override single columns.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from core.places.gazetteer import ABP_COLUMNS, NOT_COUNTED, OPEN_UPRN_COLUMNS

CUSTODIAN = "9999"


def _row(record: str, values: dict[str, object], overrides: dict[str, object]) -> list[str]:
    columns = ABP_COLUMNS[record]
    merged = {"RECORD_IDENTIFIER": record, **values, **{k.upper(): v for k, v in overrides.items()}}
    unknown = set(merged) - set(columns)
    if unknown:
        raise KeyError(f"record {record} has no column(s) {sorted(unknown)}")
    return ["" if merged.get(name) is None else str(merged.get(name)) for name in columns]


def header(**overrides) -> list[str]:
    return _row("10", {
        "CUSTODIAN_NAME": "TEST COUNCIL", "LOCAL_CUSTODIAN_CODE": CUSTODIAN, "PROCESS_DATE": "2026-01-05",
        "VOLUME_NUMBER": 1, "ENTRY_DATE": "2026-01-05", "TIME_STAMP": "09:00:00", "VERSION": "3.0",
        "FILE_TYPE": "COU",
    }, overrides)


def trailer(record_count: int, **overrides) -> list[str]:
    return _row("99", {
        "NEXT_VOLUME_NUMBER": 0, "RECORD_COUNT": record_count, "ENTRY_DATE": "2026-01-05", "TIME_STAMP": "09:00:01",
    }, overrides)


def metadata(**overrides) -> list[str]:
    return _row("29", {"GAZ_NAME": "TEST GAZETTEER", "LOCAL_CUSTODIAN_CODE": CUSTODIAN}, overrides)


def street_record(usrn: int, **overrides) -> list[str]:
    """A street (11) record, which PPP reads past."""
    return _row("11", {"CHANGE_TYPE": "I", "PRO_ORDER": 1, "USRN": usrn, "RECORD_TYPE": 2}, overrides)


def street(usrn: int, description: str, *, change: str = "I", pro_order: int = 1, language: str = "ENG",
           locality: str = "", town: str = "TESTTOWN", administrative_area: str = "TEST COUNCIL",
           **overrides) -> list[str]:
    """A street descriptor (15)."""
    return _row("15", {
        "CHANGE_TYPE": change, "PRO_ORDER": pro_order, "USRN": usrn, "STREET_DESCRIPTION": description,
        "LOCALITY": locality, "TOWN_NAME": town, "ADMINISTRATIVE_AREA": administrative_area, "LANGUAGE": language,
        "START_DATE": "2001-04-01", "LAST_UPDATE_DATE": "2020-01-01", "ENTRY_DATE": "2001-04-01",
    }, overrides)


def blpu(uprn: int | str, *, change: str = "I", pro_order: int = 1, status: str = "1", parent_uprn: object = "",
         x: object = "451234.50", y: object = "206789.25", lat: object = "51.7512345", lon: object = "-1.2567890",
         postcode: str = "TE1 1AA", **overrides) -> list[str]:
    """A Basic Land and Property Unit (21)."""
    return _row("21", {
        "CHANGE_TYPE": change, "PRO_ORDER": pro_order, "UPRN": uprn, "LOGICAL_STATUS": status, "BLPU_STATE": 2,
        "PARENT_UPRN": parent_uprn, "X_COORDINATE": x, "Y_COORDINATE": y, "LATITUDE": lat, "LONGITUDE": lon,
        "RPC": 1, "LOCAL_CUSTODIAN_CODE": CUSTODIAN, "COUNTRY": "E", "START_DATE": "2001-04-01",
        "LAST_UPDATE_DATE": "2020-01-01", "ENTRY_DATE": "2001-04-01", "ADDRESSBASE_POSTAL": "D",
        "POSTCODE_LOCATOR": postcode, "MULTI_OCC_COUNT": 0,
    }, overrides)


def lpi(uprn: int | str, lpi_key: str, *, change: str = "I", pro_order: int = 1, language: str = "ENG",
        status: str = "1", usrn: object = "", sao_start: object = "", sao_text: str = "", pao_start: object = "",
        pao_start_suffix: str = "", pao_end: object = "", pao_text: str = "", **overrides) -> list[str]:
    """A Land and Property Identifier (24)."""
    return _row("24", {
        "CHANGE_TYPE": change, "PRO_ORDER": pro_order, "UPRN": uprn, "LPI_KEY": lpi_key, "LANGUAGE": language,
        "LOGICAL_STATUS": status, "START_DATE": "2001-04-01", "LAST_UPDATE_DATE": "2020-01-01",
        "ENTRY_DATE": "2001-04-01", "SAO_START_NUMBER": sao_start, "SAO_TEXT": sao_text,
        "PAO_START_NUMBER": pao_start, "PAO_START_SUFFIX": pao_start_suffix, "PAO_END_NUMBER": pao_end,
        "PAO_TEXT": pao_text, "USRN": usrn, "USRN_MATCH_INDICATOR": 1, "OFFICIAL_FLAG": "Y",
    }, overrides)


def dpa(uprn: int | str, udprn: int, *, change: str = "I", pro_order: int = 1, building_number: object = "",
        building_name: str = "", sub_building: str = "", organisation: str = "", thoroughfare: str = "",
        dependent_locality: str = "", post_town: str = "TESTTOWN", postcode: str = "TE1 1AA",
        **overrides) -> list[str]:
    """A Royal Mail delivery point address (28)."""
    return _row("28", {
        "CHANGE_TYPE": change, "PRO_ORDER": pro_order, "UPRN": uprn, "UDPRN": udprn,
        "ORGANISATION_NAME": organisation, "SUB_BUILDING_NAME": sub_building, "BUILDING_NAME": building_name,
        "BUILDING_NUMBER": building_number, "THOROUGHFARE": thoroughfare, "DEPENDENT_LOCALITY": dependent_locality,
        "POST_TOWN": post_town, "POSTCODE": postcode, "POSTCODE_TYPE": "S", "PROCESS_DATE": "2026-01-01",
        "START_DATE": "2012-03-19", "LAST_UPDATE_DATE": "2020-01-01", "ENTRY_DATE": "2012-03-19",
    }, overrides)


def classification(uprn: int | str, class_key: str, code: str, *, change: str = "I", pro_order: int = 1,
                   scheme: str = "AddressBase Premium Classification Scheme", **overrides) -> list[str]:
    """A classification (32)."""
    return _row("32", {
        "CHANGE_TYPE": change, "PRO_ORDER": pro_order, "UPRN": uprn, "CLASS_KEY": class_key,
        "CLASSIFICATION_CODE": code, "CLASS_SCHEME": scheme, "SCHEME_VERSION": "1.0", "START_DATE": "2001-04-01",
        "LAST_UPDATE_DATE": "2020-01-01", "ENTRY_DATE": "2001-04-01",
    }, overrides)


def cross_reference(uprn: int | str, xref_key: str, **overrides) -> list[str]:
    """A cross-reference (23), which PPP reads past."""
    return _row("23", {"CHANGE_TYPE": "I", "PRO_ORDER": 1, "UPRN": uprn, "XREF_KEY": xref_key,
                       "CROSS_REFERENCE": "E05000001", "VERSION": 1, "SOURCE": "7666MW"}, overrides)


def write_abp(path: Path, rows: Iterable[list[str]], *, with_header: bool = True,
              trailer_count: int | None | bool = True) -> Path:
    """Write an AddressBase Premium CSV: header, the rows, and a trailer counting them as OS does
    (``trailer_count=False`` leaves the trailer out; a number writes that count instead)."""
    rows = list(rows)
    body = [header()] if with_header else []
    body += rows
    if trailer_count is not False:
        counted = sum(1 for row in rows if row and row[0] not in NOT_COUNTED)
        body.append(trailer(counted if trailer_count is True else trailer_count))
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows(body)
    return path


def write_open_uprn(path: Path, rows: Iterable[Iterable[object]]) -> Path:
    """Write an OS Open UPRN CSV with its header line."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(OPEN_UPRN_COLUMNS)
        writer.writerows(rows)
    return path
