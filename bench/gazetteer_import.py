"""Benchmark (a): gazetteer import rows per second against the bare bulk-load rate of the same rows.

Run with ``.venv/bin/python -m bench.gazetteer_import --rows 300000`` (or ``make bench``) and DATABASE_URL set to a
PostgreSQL database. It writes a synthetic AddressBase Premium file (a BLPU, an LPI and a delivery point per
property, plus a street descriptor per 100 properties), then, in one run against the same database:

- bare: reads the same file with ``csv`` and COPYs each record's values, unchecked and unchanged, into plain copies
  of the place, street, LPI and delivery point tables (``CREATE TABLE ... (LIKE ... INCLUDING ALL)``, so with the
  same indexes); nothing is validated, deduplicated, upserted or derived;
- import: ``core.places.services.import_gazetteer`` on the same file into empty tables, as ``ppp gazetteer import``
  does (one transaction, checks, staging, upserts, display addresses).

Everything happens in a scratch schema that is dropped at the end. Target: the import runs at least half the bare
rate. The exit status is 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import configure_mappers

from bench._scratch import measurable_database, scratch_app

TARGET_RATIO = 0.5
SCHEMA = "bench_gazetteer"
STREET_EVERY = 100


def write_file(path: Path, rows: int) -> tuple[int, int]:
    """Write a synthetic AddressBase Premium file of about ``rows`` data rows; returns (data rows, properties)."""
    from tests import gazetteer_rows as g

    properties = max(1, rows // 3)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(g.header())
        for number in range(properties):
            uprn = 990000000001 + number
            usrn = 99000001 + number // STREET_EVERY
            postcode = f"TE{1 + number % 9} {number % 10}{'ABDEFGHJLN'[number // 10 % 10]}{'PQRSTUWXYZ'[number // 100 % 10]}"
            if number % STREET_EVERY == 0:
                writer.writerow(g.street(usrn, f"SYNTHETIC ROAD {usrn}", pro_order=number * 4 + 1))
                written += 1
            writer.writerow(g.blpu(uprn, pro_order=number * 4 + 2, postcode=postcode,
                                   x=f"{400000 + number % 100000}.{number % 100:02d}",
                                   y=f"{200000 + number // 100000}.50"))
            writer.writerow(g.lpi(uprn, f"9999L{number:09d}", pro_order=number * 4 + 3, usrn=usrn,
                                  pao_start=1 + number % STREET_EVERY))
            writer.writerow(g.dpa(uprn, 10000000 + number, pro_order=number * 4 + 4,
                                  building_number=1 + number % STREET_EVERY,
                                  thoroughfare=f"SYNTHETIC ROAD {usrn}", postcode=postcode))
            written += 3
        writer.writerow(g.trailer(written))
    return written, properties


#: the bare load: record type -> (table copied, columns, a function from the csv row to those columns' values)
def _bare_plan():
    def blank(value: str) -> str | None:
        return value or None

    place_columns = ("uprn", "logical_status", "parent_uprn", "easting", "northing", "latitude", "longitude",
                     "local_custodian_code", "start_date", "end_date", "last_update_date", "postcode_locator",
                     "display_address", "source", "version", "created_at", "updated_at")
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    return {
        "15": ("place_street", ("usrn", "description", "locality", "town", "administrative_area", "language",
                                "start_date", "end_date", "last_update_date"),
               lambda r: (r[3], blank(r[4]), blank(r[5]), blank(r[6]), blank(r[7]), r[8], blank(r[9]),
                          blank(r[10]), blank(r[11]))),
        "21": ("place", place_columns,
               lambda r: (r[3], r[4], blank(r[7]), r[8], r[9], r[10], r[11], blank(r[13]), blank(r[15]),
                          blank(r[16]), blank(r[17]), blank(r[20]), "", "gazetteer", 1, now, now)),
        "24": ("place_address_lpi", ("uprn", "lpi_key", "language", "logical_status", "start_date", "end_date",
                                     "last_update_date", "entry_date", "sao_start_number", "sao_start_suffix",
                                     "sao_end_number", "sao_end_suffix", "sao_text", "pao_start_number",
                                     "pao_start_suffix", "pao_end_number", "pao_end_suffix", "pao_text", "usrn",
                                     "usrn_match_indicator", "area_name", "level", "official"),
               lambda r: tuple(blank(v) for v in r[3:])),
        "28": ("place_address_dpa", ("uprn", "udprn", "organisation_name", "department_name", "sub_building_name",
                                     "building_name", "building_number", "dependent_thoroughfare", "thoroughfare",
                                     "double_dependent_locality", "dependent_locality", "post_town", "postcode",
                                     "postcode_type", "delivery_point_suffix", "welsh_dependent_thoroughfare",
                                     "welsh_thoroughfare", "welsh_double_dependent_locality",
                                     "welsh_dependent_locality", "welsh_post_town", "po_box_number", "process_date",
                                     "start_date", "end_date", "last_update_date", "entry_date"),
               lambda r: tuple(blank(v) for v in r[3:])),
    }


def bare_load(connection, path: Path, batch_size: int = 5000) -> int:
    """COPY the file's records into plain copies of the tables; returns the rows loaded."""
    plan = _bare_plan()
    for table, _columns, _convert in plan.values():
        connection.exec_driver_sql(f"CREATE TABLE bare_{table} (LIKE {table} INCLUDING ALL)")
    driver = connection.connection.driver_connection
    buffers: dict[str, list[tuple]] = {record: [] for record in plan}
    loaded = 0

    def flush(record: str) -> None:
        table, columns, _convert = plan[record]
        with driver.cursor() as cursor, cursor.copy(f"COPY bare_{table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in buffers[record]:
                copy.write_row(row)
        buffers[record].clear()

    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            entry = plan.get(row[0]) if row else None
            if entry is None:
                continue
            buffers[row[0]].append(entry[2](row))
            loaded += 1
            if len(buffers[row[0]]) >= batch_size:
                flush(row[0])
    for record in plan:
        flush(record)
    return loaded


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when the target is met, 1 when it is missed, 2 when there is no PostgreSQL to run on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000, help="data rows in the synthetic file (default 300000)")
    args, _others = parser.parse_known_args(argv)

    url = measurable_database("gazetteer_import")
    if url is None:
        return 2

    from core.extensions import db
    from core.places import services

    with tempfile.TemporaryDirectory() as folder, scratch_app(url, SCHEMA):
        # configure the ORM's mappers now: a one-off cost of any process's first query, not of the rows
        configure_mappers()
        path = Path(folder) / "bench-abp.csv"
        rows, properties = write_file(path, args.rows)
        size = path.stat().st_size

        with db.engine.begin() as connection:
            started = time.perf_counter()
            loaded = bare_load(connection, path)
            bare_seconds = time.perf_counter() - started
        assert loaded == rows, (loaded, rows)

        started = time.perf_counter()
        run = services.import_gazetteer(path, "abp")
        import_seconds = time.perf_counter() - started
        summary = (run.status, run.rejected, run.details["place"]["inserted"])
        db.session.remove()
    if summary != ("finished", 0, properties):
        print(f"gazetteer_import: the import did not load every property: {summary}")
        return 1

    bare_rate, import_rate = rows / bare_seconds, rows / import_seconds
    ratio = import_rate / bare_rate
    met = ratio >= TARGET_RATIO
    print(f"gazetteer import: {rows:,} rows ({properties:,} properties), {size / 1e6:.1f} MB, PostgreSQL")
    print(f"  bare COPY of the same rows   {bare_rate:>10,.0f} rows/s  ({bare_seconds:.2f} s)")
    print(f"  ppp gazetteer import         {import_rate:>10,.0f} rows/s  ({import_seconds:.2f} s)")
    print(f"  ratio {ratio:.2f}; target at least {TARGET_RATIO:.2f} of the bare COPY rate: "
          f"{'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
