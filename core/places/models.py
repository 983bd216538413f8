"""Places and the gazetteer records they are built from: streets, LPIs, delivery points, classifications, imports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow

#: AddressBase LOGICAL_STATUS codes and the names PPP stores
LOGICAL_STATUSES = {1: "approved", 3: "alternative", 6: "provisional", 8: "historical"}
STATUS_LABELS = {
    "approved": "Approved",
    "alternative": "Alternative",
    "provisional": "Provisional",
    "historical": "Historical",
}
SOURCES = ("gazetteer", "manual")


class Place(db.Model):
    """A property or plot: a BLPU from the gazetteer with its derived address, or a place entered by hand."""

    __tablename__ = "place"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique Property Reference Number, up to 12 digits; empty for hand-entered places without one; never reused
    uprn: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    #: approved, alternative, provisional or historical (AddressBase codes 1, 3, 6, 8)
    logical_status: Mapped[str] = mapped_column(String(12), default="approved")
    #: the UPRN of the building or site this place is part of, e.g. the block a flat is in
    parent_uprn: Mapped[int | None] = mapped_column(BigInteger, index=True)
    #: British National Grid coordinates in metres (EPSG:27700)
    easting: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    northing: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: ETRS89 latitude and longitude in degrees
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(10, 7))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(10, 7))
    #: the postcode shown with the address, normalised ("SW1A 2AA"): the delivery point's, else the BLPU's locator
    postcode: Mapped[str | None] = mapped_column(String(8), index=True)
    #: the BLPU's POSTCODE_LOCATOR as the gazetteer gave it (normalised)
    postcode_locator: Mapped[str | None] = mapped_column(String(8))
    #: the address on one line, derived from the delivery point, else the approved English LPI and its street
    display_address: Mapped[str] = mapped_column(String(500), default="")
    organisation: Mapped[str | None] = mapped_column(String(200))
    #: flat or unit (the secondary addressable object)
    sub_building: Mapped[str | None] = mapped_column(String(200))
    #: building name (the primary addressable object's text)
    building_name: Mapped[str | None] = mapped_column(String(200))
    #: building number or range, e.g. "10" or "12-14A"
    building_number: Mapped[str | None] = mapped_column(String(30))
    street: Mapped[str | None] = mapped_column(String(200))
    locality: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100))
    #: Unique Street Reference Number of the address's street
    usrn: Mapped[int | None] = mapped_column(Integer, index=True)
    #: the council (or other custodian) that maintains this record in the national gazetteer
    local_custodian_code: Mapped[int | None] = mapped_column(Integer)
    #: AddressBase classification, e.g. "RD04" (terraced house)
    classification_code: Mapped[str | None] = mapped_column(String(6))
    #: BLPU dates
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    last_update_date: Mapped[date | None] = mapped_column(Date)
    #: gazetteer (kept up to date by imports) or manual (entered on screen)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.logical_status, self.logical_status)

    @property
    def label(self) -> str:
        """The display address, or a stand-in for places the gazetteer gave no address."""
        if self.display_address:
            return self.display_address
        return f"UPRN {self.uprn} (no address)" if self.uprn else f"Place {self.id} (no address)"

    def __repr__(self) -> str:
        return f"<Place {self.id} uprn={self.uprn}>"


class Street(db.Model):
    """A street descriptor (AddressBase record 15): a USRN's name, locality and town in one language."""

    __tablename__ = "place_street"

    #: Unique Street Reference Number, up to 8 digits
    usrn: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ENG, CYM (Welsh) or GAE (Gaelic)
    language: Mapped[str] = mapped_column(String(3), primary_key=True)
    description: Mapped[str | None] = mapped_column(String(110))
    locality: Mapped[str | None] = mapped_column(String(35))
    town: Mapped[str | None] = mapped_column(String(30))
    administrative_area: Mapped[str | None] = mapped_column(String(30))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    last_update_date: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<Street {self.usrn} {self.language}>"


class AddressLPI(db.Model):
    """A Land and Property Identifier (record 24): one of a UPRN's addresses, in one language, with its status."""

    __tablename__ = "place_address_lpi"

    #: the LPI's own key, e.g. "1234L000123456"
    lpi_key: Mapped[str] = mapped_column(String(14), primary_key=True)
    #: the place's UPRN; no foreign key, because a supply may hold an LPI before (or without) its BLPU
    uprn: Mapped[int] = mapped_column(BigInteger, index=True)
    language: Mapped[str] = mapped_column(String(3))
    #: approved, alternative, provisional or historical
    logical_status: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    last_update_date: Mapped[date | None] = mapped_column(Date)
    entry_date: Mapped[date | None] = mapped_column(Date)
    #: the secondary addressable object (flat, unit): numbers with suffixes, and text
    sao_start_number: Mapped[int | None] = mapped_column(Integer)
    sao_start_suffix: Mapped[str | None] = mapped_column(String(2))
    sao_end_number: Mapped[int | None] = mapped_column(Integer)
    sao_end_suffix: Mapped[str | None] = mapped_column(String(2))
    sao_text: Mapped[str | None] = mapped_column(String(90))
    #: the primary addressable object (building): numbers with suffixes, and text
    pao_start_number: Mapped[int | None] = mapped_column(Integer)
    pao_start_suffix: Mapped[str | None] = mapped_column(String(2))
    pao_end_number: Mapped[int | None] = mapped_column(Integer)
    pao_end_suffix: Mapped[str | None] = mapped_column(String(2))
    pao_text: Mapped[str | None] = mapped_column(String(90))
    usrn: Mapped[int | None] = mapped_column(Integer, index=True)
    usrn_match_indicator: Mapped[str | None] = mapped_column(String(1))
    area_name: Mapped[str | None] = mapped_column(String(35))
    level: Mapped[str | None] = mapped_column(String(30))
    #: whether this is the address the custodian approved for official use (Y/N in the file)
    official: Mapped[bool | None] = mapped_column(Boolean)

    def __repr__(self) -> str:
        return f"<AddressLPI {self.lpi_key} uprn={self.uprn} {self.language}>"


class AddressDPA(db.Model):
    """A Royal Mail delivery point address (record 28) matched to a UPRN."""

    __tablename__ = "place_address_dpa"

    #: Unique Delivery Point Reference Number
    udprn: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    uprn: Mapped[int] = mapped_column(BigInteger, index=True)
    organisation_name: Mapped[str | None] = mapped_column(String(60))
    department_name: Mapped[str | None] = mapped_column(String(60))
    sub_building_name: Mapped[str | None] = mapped_column(String(30))
    building_name: Mapped[str | None] = mapped_column(String(80))
    building_number: Mapped[int | None] = mapped_column(Integer)
    dependent_thoroughfare: Mapped[str | None] = mapped_column(String(80))
    thoroughfare: Mapped[str | None] = mapped_column(String(80))
    double_dependent_locality: Mapped[str | None] = mapped_column(String(35))
    dependent_locality: Mapped[str | None] = mapped_column(String(35))
    post_town: Mapped[str | None] = mapped_column(String(30))
    postcode: Mapped[str | None] = mapped_column(String(8))
    #: S (small user) or L (large user)
    postcode_type: Mapped[str | None] = mapped_column(String(1))
    delivery_point_suffix: Mapped[str | None] = mapped_column(String(2))
    welsh_dependent_thoroughfare: Mapped[str | None] = mapped_column(String(80))
    welsh_thoroughfare: Mapped[str | None] = mapped_column(String(80))
    welsh_double_dependent_locality: Mapped[str | None] = mapped_column(String(35))
    welsh_dependent_locality: Mapped[str | None] = mapped_column(String(35))
    welsh_post_town: Mapped[str | None] = mapped_column(String(30))
    po_box_number: Mapped[str | None] = mapped_column(String(6))
    process_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    last_update_date: Mapped[date | None] = mapped_column(Date)
    entry_date: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<AddressDPA {self.udprn} uprn={self.uprn}>"


class Classification(db.Model):
    """A classification of a UPRN under one scheme (record 32); the AddressBase scheme's code shows on the place."""

    __tablename__ = "place_classification"

    class_key: Mapped[str] = mapped_column(String(14), primary_key=True)
    uprn: Mapped[int] = mapped_column(BigInteger, index=True)
    #: e.g. "RD04"
    classification_code: Mapped[str] = mapped_column(String(6))
    #: e.g. "AddressBase Premium Classification Scheme"
    class_scheme: Mapped[str | None] = mapped_column(String(60))
    scheme_version: Mapped[str | None] = mapped_column(String(10))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    last_update_date: Mapped[date | None] = mapped_column(Date)
    entry_date: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<Classification {self.class_key} {self.classification_code}>"


class GazetteerImport(db.Model):
    """One run of ``ppp gazetteer import``: the file, what it changed, what it rejected and how it ended."""

    __tablename__ = "place_gazetteer_import"
    # the run log is itself the record of what happened
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    #: abp (AddressBase Premium CSV) or os-open-uprn
    format: Mapped[str] = mapped_column(String(20))
    #: running, finished or failed
    status: Mapped[str] = mapped_column(String(10), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: the user who ran it; empty when run from the command line
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: data rows read (blank lines excluded)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    #: records deleted, and places made historical by a BLPU delete
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    #: valid records that matched what was already stored
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: records of types PPP does not use (header, metadata, cross-references, ...) and UPRNs it did not apply
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    #: counts by kind of record, e.g. {"lpi": {"inserted": 10, ...}}
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: things to check that did not stop the import, one per line (e.g. a trailer count mismatch)
    warnings: Mapped[str] = mapped_column(Text, default="")
    #: the first rejected rows, "line N: reason", one per line
    rejections: Mapped[str] = mapped_column(Text, default="")
    #: why a failed import stopped
    error: Mapped[str | None] = mapped_column(Text)

    started_by = relationship("User", lazy="joined")

    @property
    def warning_list(self) -> list[str]:
        return [line for line in (self.warnings or "").splitlines() if line]

    @property
    def rejection_list(self) -> list[str]:
        return [line for line in (self.rejections or "").splitlines() if line]

    def __repr__(self) -> str:
        return f"<GazetteerImport {self.id} {self.file_name} {self.status}>"
