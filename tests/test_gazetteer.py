"""Gazetteer import: AddressBase Premium records 15, 21, 24 and 28 (with 32), rejected rows with their line numbers,
change types applied in PRO_ORDER, re-import idempotence, no partial data after a failure or an interruption,
OS Open UPRN coordinates, and ``ppp gazetteer import`` errors in one line."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.places import services
from core.places.gazetteer import (
    GazetteerError,
    Importer,
    address_from_dpa,
    address_from_lpi,
    compose_display_address,
)
from core.places.models import AddressDPA, AddressLPI, Classification, GazetteerImport, Place, Street
from tests import gazetteer_rows as g

HOUSE, BLOCK, FLAT, SHOP = 990000000001, 990000000002, 990000000003, 990000000004
HIGH_STREET = 99000001


def supply() -> list[list[str]]:
    """A small council supply: a street, a house with a delivery point, a block of flats with one flat (LPIs only),
    and a provisional shop with a classification, as AddressBase Premium records."""
    return [
        g.metadata(),
        g.street(HIGH_STREET, "HIGH STREET", locality="OLD TOWN"),
        g.street_record(HIGH_STREET),
        g.blpu(HOUSE, postcode="TE1 1AA"),
        g.lpi(HOUSE, "9999L000000001", usrn=HIGH_STREET, pao_start=10),
        g.dpa(HOUSE, 50000001, building_number=10, thoroughfare="HIGH STREET", postcode="TE1 1AA"),
        g.blpu(BLOCK, postcode="TE1 1AB", x="451300.00", y="206800.00"),
        g.lpi(BLOCK, "9999L000000002", usrn=HIGH_STREET, pao_text="ORCHARD HOUSE", pao_start=12, pao_end=14),
        g.blpu(FLAT, parent_uprn=BLOCK, postcode="TE1 1AB"),
        g.lpi(FLAT, "9999L000000003", usrn=HIGH_STREET, sao_text="FLAT", sao_start=1, pao_text="ORCHARD HOUSE",
              pao_start=12, pao_end=14),
        g.blpu(SHOP, status="6", postcode="TE1 1AD"),
        g.lpi(SHOP, "9999L000000004", usrn=HIGH_STREET, pao_start=16, pao_start_suffix="A", status="6"),
        g.classification(SHOP, "9999C000000004", "CR01"),
        g.cross_reference(SHOP, "9999X000000004"),
    ]


BAD_ROWS = [
    (g.blpu("9900000000051"), "UPRN '9900000000051' is not a whole number of 1 to 12 digits"),
    (g.blpu(990000000052, status="5"), "LOGICAL_STATUS '5' is not one of 1, 6, 8 for a BLPU"),
    (g.blpu(990000000053, x="951234.00"), "X_COORDINATE 951234.00 is outside 0 to 700000"),
    (g.blpu(990000000054, change="X"), "change type 'X' is not I, U or D"),
    (g.lpi(990000000055, "9999L000000055")[:-2], "a LPI (24) record has 26 columns, this row has 24"),
    (g.dpa(990000000056, 50000056, postcode="NOT A CODE"), "POSTCODE 'NOT A CODE' is not a valid postcode"),
    (g.street(99000057, "LOST LANE", start_date="01/04/2001"), "START_DATE '01/04/2001' is not a date (YYYY-MM-DD)"),
    (["77", "I", "1", "990000000058"], "unknown record identifier '77'"),
]


def write(tmp_path: Path, rows, name: str = "supply.csv", **options) -> Path:
    return g.write_abp(tmp_path / name, rows, **options)


def import_file(path: Path, fmt: str = "abp", **options) -> GazetteerImport:
    return services.import_gazetteer(path, fmt, **options)


def place(db, uprn: int) -> Place:
    found = db.session.scalar(select(Place).where(Place.uprn == uprn))
    db.session.refresh(found)
    return found


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot(db) -> dict[str, list[tuple]]:
    """Every gazetteer row, to compare before and after an import."""
    return {
        "place": [tuple(row) for row in db.session.execute(
            select(Place.uprn, Place.display_address, Place.logical_status, Place.version, Place.easting,
                   Place.postcode).order_by(Place.uprn))],
        "street": [tuple(row) for row in db.session.execute(select(Street.usrn, Street.description))],
        "lpi": [tuple(row) for row in db.session.execute(select(AddressLPI.lpi_key, AddressLPI.pao_start_number))],
        "dpa": [tuple(row) for row in db.session.execute(select(AddressDPA.udprn, AddressDPA.thoroughfare))],
        "classification": [tuple(row) for row in db.session.execute(select(Classification.class_key))],
    }


# --- a full supply ---------------------------------------------------------------------------------------------------


def test_a_supply_becomes_places_with_addresses_from_delivery_points_or_lpis(db, tmp_path):
    run = import_file(write(tmp_path, supply()))

    assert (run.status, run.rejected, run.rejection_list, run.warning_list) == ("finished", 0, [], [])
    # header, metadata, street (11), cross-reference (23) and trailer are read past
    assert (run.rows_read, run.skipped) == (16, 5)
    assert run.details["place"] == {"inserted": 4, "updated": 0, "deleted": 0, "unchanged": 0}
    assert run.details["lpi"]["inserted"] == 4 and run.details["dpa"]["inserted"] == 1

    house = place(db, HOUSE)
    assert house.display_address == "10 HIGH STREET, TESTTOWN, TE1 1AA"
    assert (house.logical_status, house.source, house.postcode, house.usrn) == ("approved", "gazetteer", "TE1 1AA",
                                                                                 HIGH_STREET)
    assert (house.easting, house.northing) == (Decimal("451234.50"), Decimal("206789.25"))
    assert (house.latitude, house.longitude) == (Decimal("51.7512345"), Decimal("-1.2567890"))
    assert house.local_custodian_code == 9999

    block = place(db, BLOCK)
    assert block.display_address == "ORCHARD HOUSE, 12-14 HIGH STREET, OLD TOWN, TESTTOWN, TE1 1AB"
    flat = place(db, FLAT)
    assert flat.parent_uprn == BLOCK
    assert flat.display_address == "FLAT 1, ORCHARD HOUSE, 12-14 HIGH STREET, OLD TOWN, TESTTOWN, TE1 1AB"
    shop = place(db, SHOP)
    assert (shop.logical_status, shop.classification_code) == ("provisional", "CR01")
    assert shop.display_address == "16A HIGH STREET, OLD TOWN, TESTTOWN, TE1 1AD"


def test_the_sql_addresses_match_the_python_rules_shown_on_the_place_page(db, tmp_path):
    """The importer derives every address in one SQL statement; the place page writes each record out in Python."""
    import_file(write(tmp_path, supply()))

    house = place(db, HOUSE)
    dpa = db.session.scalar(select(AddressDPA).where(AddressDPA.uprn == HOUSE))
    assert compose_display_address(address_from_dpa(dpa)) == house.display_address
    for uprn in (BLOCK, FLAT, SHOP):
        lpi = db.session.scalar(select(AddressLPI).where(AddressLPI.uprn == uprn))
        street = db.session.get(Street, (lpi.usrn, "ENG"))
        found = place(db, uprn)
        assert compose_display_address(address_from_lpi(lpi, street, found.postcode_locator)) == found.display_address


def test_each_rejected_row_is_reported_with_its_line_number_and_reason_and_the_rest_is_imported(db, tmp_path):
    rows = supply()
    # bad rows between good ones; line 1 is the header
    mixed = rows[:4] + [bad for bad, _ in BAD_ROWS[:4]] + rows[4:] + [bad for bad, _ in BAD_ROWS[4:]]
    path = write(tmp_path, mixed)
    expected = []
    for number, row in enumerate(mixed, start=2):
        for bad, reason in BAD_ROWS:
            if row is bad:
                expected.append((number, reason))
    heard: list[tuple[int, str]] = []

    run = import_file(path, on_reject=lambda line, reason: heard.append((line, reason)))

    assert heard == expected
    assert run.rejection_list == [f"line {line}: {reason}" for line, reason in expected]
    assert run.rejected == len(BAD_ROWS) == 8
    assert run.status == "finished"
    assert sorted(db.session.scalars(select(Place.uprn))) == [HOUSE, BLOCK, FLAT, SHOP]
    assert count(db, AddressDPA) == 1 and count(db, Street) == 1
    # the trailer counted the bad rows too, so nothing looks missing
    assert run.warning_list == []


def test_a_file_whose_every_row_is_bad_imports_nothing_and_says_so(db, tmp_path):
    path = write(tmp_path, [bad for bad, _ in BAD_ROWS])
    with pytest.raises(GazetteerError, match="No rows could be imported: all 8 data rows were rejected"):
        import_file(path)
    run = db.session.scalar(select(GazetteerImport))
    assert (run.status, run.rejected) == ("failed", 8)
    assert run.error.endswith("Nothing was changed.")
    assert count(db, Place) == 0


def test_a_trailer_that_does_not_match_warns_that_the_file_may_be_incomplete(db, tmp_path):
    short = import_file(write(tmp_path, supply(), "short.csv", trailer_count=40))
    assert short.warning_list == [
        "The trailer on line 16 says the file holds 40 records but 13 were read (header, metadata and trailer "
        "excluded): the file may be incomplete."
    ]
    none = import_file(write(tmp_path, supply(), "none.csv", trailer_count=False))
    assert none.warning_list == [
        "The file has no trailer (99) record, so it may be incomplete: check it came through whole."
    ]


# --- change types --------------------------------------------------------------------------------------------------


def test_change_types_are_applied_in_pro_order_whatever_the_line_order(db, tmp_path):
    import_file(write(tmp_path, supply()))
    changes = [
        # a later update (PRO_ORDER 9) listed before an earlier one (PRO_ORDER 5): the later one wins
        g.dpa(HOUSE, 50000001, change="U", pro_order=9, building_number=10, thoroughfare="HIGH STREET",
              organisation="ACME LTD", postcode="TE1 1AA"),
        g.dpa(HOUSE, 50000001, change="U", pro_order=5, building_number=10, thoroughfare="LOW STREET",
              postcode="TE1 1AA"),
        # inserted, then deleted in the same supply
        g.blpu(990000000010, change="I", pro_order=2),
        g.blpu(990000000010, change="D", pro_order=3),
        # the shop becomes approved, and its LPI is replaced by a new one
        g.blpu(SHOP, change="U", pro_order=4, status="1", postcode="TE1 1AD"),
        g.lpi(SHOP, "9999L000000004", change="D", pro_order=6),
        g.lpi(SHOP, "9999L000000005", change="I", pro_order=7, usrn=HIGH_STREET, pao_start=18),
        # the flat is deleted: a UPRN is never reused, so its place stays, as historical
        g.blpu(FLAT, change="D", pro_order=8),
        g.lpi(FLAT, "9999L000000003", change="D", pro_order=8),
        # the street is renamed, which changes every address on it that comes from an LPI
        g.street(HIGH_STREET, "HIGH ROAD", change="U", pro_order=1, locality="OLD TOWN"),
    ]
    run = import_file(write(tmp_path, changes, "changes.csv"))

    assert run.rejected == 0
    assert place(db, HOUSE).display_address == "ACME LTD, 10 HIGH STREET, TESTTOWN, TE1 1AA"
    shop = place(db, SHOP)
    assert (shop.logical_status, shop.display_address) == ("approved", "18 HIGH ROAD, OLD TOWN, TESTTOWN, TE1 1AD")
    assert db.session.scalar(select(AddressLPI.lpi_key).where(AddressLPI.uprn == SHOP)) == "9999L000000005"
    flat = place(db, FLAT)
    assert flat.logical_status == "historical"
    assert db.session.scalar(select(func.count()).where(AddressLPI.uprn == FLAT)) == 0
    assert place(db, BLOCK).display_address == "ORCHARD HOUSE, 12-14 HIGH ROAD, OLD TOWN, TESTTOWN, TE1 1AB"
    # a BLPU inserted and deleted in one supply never becomes a place
    assert db.session.scalar(select(Place).where(Place.uprn == 990000000010)) is None
    assert run.details["place"]["deleted"] == 1
    assert run.details["lpi"]["deleted"] == 2 and run.details["lpi"]["inserted"] == 1


def test_a_delete_for_a_uprn_never_imported_changes_nothing(db, tmp_path):
    run = import_file(write(tmp_path, [g.blpu(990000000099, change="D")]))
    assert run.status == "finished"
    assert run.details["place"] == {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 1}
    assert count(db, Place) == 0


# --- idempotence ---------------------------------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time(db, tmp_path):
    path = write(tmp_path, supply())
    import_file(path)
    before = snapshot(db)

    again = import_file(path)

    assert snapshot(db) == before
    assert again.details["place"] == {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 4}
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)
    assert count(db, Place) == 4 and count(db, AddressLPI) == 4


def test_re_importing_a_full_supply_with_changes_updates_only_the_changed_rows(db, tmp_path):
    import_file(write(tmp_path, supply()))
    versions = dict(db.session.execute(select(Place.uprn, Place.version)).all())
    changed = supply()
    changed[5] = g.dpa(HOUSE, 50000001, building_number=11, thoroughfare="HIGH STREET", postcode="TE1 1AA")
    changed.append(g.blpu(990000000005, postcode="TE1 1AE"))

    run = import_file(write(tmp_path, changed, "second.csv"))

    assert run.details["place"] == {"inserted": 1, "updated": 1, "deleted": 0, "unchanged": 3}
    assert run.details["dpa"] == {"inserted": 0, "updated": 1, "deleted": 0, "unchanged": 0}
    assert count(db, Place) == 5
    assert place(db, HOUSE).display_address == "11 HIGH STREET, TESTTOWN, TE1 1AA"
    assert place(db, HOUSE).version == versions[HOUSE] + 1
    assert [place(db, uprn).version for uprn in (BLOCK, FLAT, SHOP)] == [versions[u] for u in (BLOCK, FLAT, SHOP)]


def test_an_import_does_not_reuse_the_uprn_of_a_place_entered_by_hand(db, tmp_path, act_as):
    act_as("places.edit", "places.gazetteer.import")
    hand = services.create_place({"uprn": str(HOUSE), "building_name": "THE OLD FORGE", "postcode": "TE1 1AA"})
    import_file(write(tmp_path, supply()))
    assert count(db, Place) == 4
    db.session.refresh(hand)
    # the gazetteer now keeps that place up to date: same record, new address
    assert (hand.source, hand.display_address) == ("gazetteer", "10 HIGH STREET, TESTTOWN, TE1 1AA")


# --- nothing half-written ------------------------------------------------------------------------------------------


def test_an_interrupted_import_leaves_no_partial_data(db, tmp_path):
    import_file(write(tmp_path, supply()))
    before = snapshot(db)
    rows = [g.blpu(990000001000 + n, postcode="TE2 2AA") for n in range(30)]
    rows += [g.dpa(HOUSE, 50000001, change="U", pro_order=2, building_number=99, thoroughfare="X STREET",
                   postcode="TE1 1AA")]
    path = write(tmp_path, rows, "big.csv")
    progress = []

    def interrupt(read: int) -> None:
        # Ctrl-C arrives once the first batches are already in the staging tables
        progress.append(read)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(path, batch_size=5, on_progress=interrupt)

    assert progress
    assert snapshot(db) == before
    run = db.session.scalars(select(GazetteerImport).order_by(GazetteerImport.id.desc())).first()
    assert (run.status, run.error) == ("failed", "Interrupted before it finished. Nothing was changed.")


def test_a_failure_while_applying_rolls_back_what_was_already_applied(db, tmp_path, monkeypatch):
    import_file(write(tmp_path, supply()))
    before = snapshot(db)
    changes = [
        g.street(HIGH_STREET, "HIGH ROAD", change="U", pro_order=1),
        g.lpi(SHOP, "9999L000000004", change="D", pro_order=2),
        g.dpa(HOUSE, 50000001, change="U", pro_order=3, building_number=99, thoroughfare="X STREET",
              postcode="TE1 1AA"),
        g.blpu(990000000020, pro_order=4),
    ]
    applied = []

    def fail(self):
        # streets, LPIs and delivery points are written by now; the places step breaks
        applied.extend(self.outcome.counts)
        raise RuntimeError("disk full")

    monkeypatch.setattr(Importer, "_apply_places", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(write(tmp_path, changes, "changes.csv"))

    assert applied == ["street", "lpi", "dpa", "classification"]
    assert snapshot(db) == before
    run = db.session.scalars(select(GazetteerImport).order_by(GazetteerImport.id.desc())).first()
    assert run.status == "failed" and run.error == "RuntimeError: disk full. Nothing was changed."
    # what was read is kept on the run's record: header, four rows, trailer
    assert run.rows_read == 6


# --- OS Open UPRN ----------------------------------------------------------------------------------------------------


def test_os_open_uprn_sets_coordinates_only(db, tmp_path):
    import_file(write(tmp_path, supply()))
    path = g.write_open_uprn(tmp_path / "osopenuprn.csv", [
        (HOUSE, "451240.00", "206790.00", "51.7512999", "-1.2567000"),
        (BLOCK, "451300.00", "206800.00", "51.7512345", "-1.2567890"),
        (990000000777, "451000.00", "206000.00", "51.7000000", "-1.2000000"),
        ("ABC", "1", "1", "51", "-1"),
        (FLAT, "451240.00", "2000000", "51.75", "-1.25"),
        (SHOP, "451240.00"),
    ])
    run = import_file(path, "os-open-uprn")

    assert run.rejection_list == [
        "line 5: UPRN 'ABC' is not a whole number of 1 to 12 digits",
        "line 6: Y_COORDINATE 2000000 is outside 0 to 1300000",
        "line 7: an OS Open UPRN row has 5 columns, this row has 2",
    ]
    house = place(db, HOUSE)
    assert (house.easting, house.northing, house.latitude, house.longitude) == (
        Decimal("451240.00"), Decimal("206790.00"), Decimal("51.7512999"), Decimal("-1.2567000"))
    # the address is untouched: the file has coordinates only
    assert house.display_address == "10 HIGH STREET, TESTTOWN, TE1 1AA"
    assert run.details["place"] == {"inserted": 0, "updated": 1, "deleted": 0, "unchanged": 1}
    assert run.skipped == 1 and "1 UPRNs are not in the gazetteer" in run.warnings
    assert count(db, Place) == 4

    created = import_file(path, "os-open-uprn", create_missing=True)
    assert created.details["place"]["inserted"] == 1
    new = place(db, 990000000777)
    assert (new.display_address, new.label, new.easting) == ("", "UPRN 990000000777 (no address)",
                                                            Decimal("451000.00"))


def test_the_wrong_format_is_refused_before_anything_is_read(db, tmp_path):
    open_uprn = g.write_open_uprn(tmp_path / "open.csv", [(HOUSE, "1", "1", "51", "-1")])
    with pytest.raises(GazetteerError, match="is an OS Open UPRN file: import it with --format os-open-uprn"):
        import_file(open_uprn)
    abp = write(tmp_path, supply())
    with pytest.raises(GazetteerError, match="is not an OS Open UPRN file: its first line should be UPRN,"):
        import_file(abp, "os-open-uprn")
    assert count(db, Place) == 0


# --- the command and the screens -------------------------------------------------------------------------------------


def test_the_command_imports_and_prints_a_summary_with_the_rejected_rows(app, db, tmp_path):
    rows = supply() + [BAD_ROWS[0][0]]
    path = write(tmp_path, rows)
    result = app.test_cli_runner().invoke(args=["gazetteer", "import", str(path), "--format", "abp"])

    assert result.exit_code == 0, result.stderr
    assert f"line {len(rows) + 1}: UPRN '9900000000051' is not a whole number of 1 to 12 digits" in result.stderr
    assert "Rows read: 17. Rejected: 1. Skipped: 5" in result.stdout
    counts = {line.split()[0]: line.split()[-4:] for line in result.stdout.splitlines()[3:8]}
    assert counts["Places"] == ["4", "0", "0", "0"] and counts["LPIs"] == ["4", "0", "0", "0"]
    assert "Rejected rows:\n  line 16: UPRN '9900000000051'" in result.stdout
    assert count(db, Place) == 4


@pytest.mark.parametrize(("arguments", "message"), [
    (["--format", "xml"], 'Error: Unknown format "xml": use abp or os-open-uprn.'),
    ([], "Error: Give the file's format: --format abp or --format os-open-uprn."),
    (["--format", "os-open-uprn"], "Error: supply.csv is not an OS Open UPRN file: its first line should be "
                                   "UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE. Nothing was changed."),
])
def test_command_errors_are_one_line_and_exit_non_zero(app, db, tmp_path, arguments, message):
    path = write(tmp_path, supply())
    result = app.test_cli_runner().invoke(args=["gazetteer", "import", str(path), *arguments])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message]
    assert count(db, Place) == 0


def test_a_missing_file_is_one_line_too(app, db, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["gazetteer", "import", str(tmp_path / "nowhere.csv"), "--format", "abp"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: Cannot open {tmp_path / 'nowhere.csv'}: No such file or directory."]


def test_a_failure_during_the_command_is_one_line_and_changes_nothing(app, db, tmp_path, monkeypatch):
    def fail(self):
        raise RuntimeError("could not extend file: No space left on device\nHINT: Check free disk space.")

    monkeypatch.setattr(Importer, "_apply_places", fail)
    result = app.test_cli_runner().invoke(args=["gazetteer", "import", str(write(tmp_path, supply())), "--format",
                                                 "abp"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: The import failed, so nothing was changed: RuntimeError: could not extend file: No space left on device"
    )
    assert "Traceback" not in result.output
    assert count(db, Place) == 0 and count(db, AddressLPI) == 0
    assert db.session.scalar(select(GazetteerImport.status)) == "failed"


def test_the_import_history_screens_show_each_run_and_its_rejected_rows(client, login_as, db, tmp_path):
    run = import_file(write(tmp_path, supply() + [BAD_ROWS[1][0]]))
    login_as("places.gazetteer.import")
    listing = client.get("/places/gazetteer/").get_data(as_text=True)
    assert "supply.csv" in listing and "AddressBase Premium CSV" in listing
    page = client.get(f"/places/gazetteer/{run.id}").get_data(as_text=True)
    assert "line 16: LOGICAL_STATUS &#39;5&#39; is not one of 1, 6, 8 for a BLPU" in page


def test_import_screens_and_service_need_the_import_permission(client, login_as, act_as, db, tmp_path):
    login_as("places.view", "places.edit")
    assert client.get("/places/gazetteer/").status_code == 403
    act_as("places.view", "places.edit")
    from core.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_file(write(tmp_path, supply()))


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="the lock between imports is PostgreSQL's advisory lock: set TEST_DATABASE_URL")
def test_only_one_import_runs_at_a_time_on_postgresql(db, tmp_path):
    from sqlalchemy import create_engine, text

    other = create_engine(db.engine.url)
    try:
        with other.connect() as connection:
            # another import holds the lock
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": services.IMPORT_LOCK})
            with pytest.raises(GazetteerError, match="Another gazetteer import is running: wait for it to finish"):
                import_file(write(tmp_path, supply()))
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": services.IMPORT_LOCK})
    finally:
        other.dispose()
    assert count(db, Place) == 0
    assert import_file(write(tmp_path, supply(), "again.csv")).status == "finished"
