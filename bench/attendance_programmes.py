"""A year's programmes for 500 service users over 3 sections: the attendance generator against a bare bulk insert of
the same rows, in the same run.

Generates, in the database itself (generate_series) in a scratch schema, 500 service users, each with one pattern of
two or three weekday half-days in one of three sections for 1 April 2025 to 31 March 2026, and a week's closure per
section. Then times ``services.generate`` for every pattern at once (loading the patterns and their slots, the bank
holidays and closures of the year, the half-days already taken, working out every planned half-day and inserting them
in one bulk insert), and a bare bulk insert (SQLAlchemy Core executemany) of exactly the rows it wrote. Each round runs
in a transaction that is rolled back; the median of the rounds is reported as rows per second, with the ratio.

    DATABASE_URL=postgresql://postgres@127.0.0.1/ppp_bench .venv/bin/python -m bench.attendance_programmes \
        [--users N] [--rounds N]

The scratch schema (bench_attendance_programmes) is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date

from sqlalchemy import insert, select, text
from sqlalchemy.orm import selectinload

from bench._scratch import measurable_database, scratch_app
from core.extensions import db

SCHEMA = "bench_attendance_programmes"
YEAR_START, YEAR_END = date(2025, 4, 1), date(2026, 3, 31)
#: the generator may take at most this many times as long as the bare insert of the same rows: its own work (reading
#: patterns, holidays, closures and taken half-days, working out the days) must stay small beside the writing
TARGET_RATIO = 1.5

GENERATE = """
INSERT INTO attendance_premises (name, assembly_point, active, created_at, version)
VALUES ('Riverside Centre', 'Front car park', true, now(), 1);

INSERT INTO attendance_section (premises_id, name, capacity, opening_days, active, created_at, version)
SELECT (SELECT id FROM attendance_premises), name, 250, '01234', true, now(), 1
FROM unnest(ARRAY['Woodwork', 'Horticulture', 'Catering']) AS name;

-- a week's closure for each section, in a different month each
INSERT INTO attendance_section_closure (section_id, start_date, end_date, reason, created_at)
SELECT id, DATE '2025-06-02' + (id % 3) * 70, DATE '2025-06-06' + (id % 3) * 70, 'Refurbishment', now()
FROM attendance_section;

INSERT INTO person (first_names, last_name, interpreter_required, restricted, search_name, safeguarding_notes,
                    created_at, updated_at, version)
SELECT 'Service', 'User ' || n, false, false, 'service user ' || n, '', now(), now(), 1
FROM generate_series(1, :users) AS n;

INSERT INTO attendance_service_user (person_id, referral_date, start_date, contract_reference, medical_conditions,
                                     special_needs, payment_method, bank_account_name, bank_sort_code,
                                     bank_account_number, created_at, updated_at, version)
SELECT id, DATE '2025-03-01', DATE '2025-03-15', '', '', '', 'cash', '', '', '', now(), now(), 1
FROM person;

INSERT INTO attendance_pattern (service_user_id, section_id, start_date, end_date, created_at, updated_at, version)
SELECT su.id, (SELECT id FROM attendance_section ORDER BY id OFFSET su.id % 3 LIMIT 1),
       DATE '2025-04-01', DATE '2026-03-31', now(), now(), 1
FROM attendance_service_user su;

-- two or three half-days a week each (weekday 0 Monday to 4 Friday), spread over the week
INSERT INTO attendance_pattern_slot (pattern_id, weekday, half)
SELECT p.id, s.weekday, s.half
FROM attendance_pattern p
CROSS JOIN (VALUES (0, 'AM'), (0, 'PM'), (1, 'AM'), (1, 'PM'), (2, 'AM'), (2, 'PM'), (3, 'AM'), (3, 'PM'),
                   (4, 'AM'), (4, 'PM')) AS s(weekday, half)
WHERE (s.weekday * 2 + CASE s.half WHEN 'AM' THEN 0 ELSE 1 END + p.id) % 10 < 2 + (p.id % 2);
"""


def generate(users: int) -> float:
    """Fill the scratch schema; seconds taken."""
    started = time.perf_counter()
    for statement in GENERATE.split(";\n"):
        if statement.strip():
            db.session.execute(text(statement), {"users": users} if ":users" in statement else {})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return time.perf_counter() - started


def time_generator() -> tuple[float, list[dict]]:
    """Plan every pattern's year in one call; seconds taken and the rows it wrote (then rolled back)."""
    from modules.attendance import services
    from modules.attendance.models import Attendance, Pattern

    db.session.expire_all()
    started = time.perf_counter()
    patterns = db.session.scalars(
        select(Pattern).options(selectinload(Pattern.slots)).where(Pattern.end_date >= YEAR_START)
    ).all()
    added = services.generate(patterns)
    elapsed = time.perf_counter() - started
    columns = ("service_user_id", "section_id", "day", "half", "status", "pattern_id", "planned", "note")
    rows = [dict(zip(columns, row, strict=True)) for row in db.session.execute(
        select(*(getattr(Attendance, name) for name in columns)).order_by(Attendance.id))]
    assert added == len(rows), (added, len(rows))
    db.session.rollback()
    return elapsed, rows


def time_bare_insert(rows: list[dict]) -> float:
    """The same rows written by one bulk insert and nothing else; seconds taken (then rolled back)."""
    from modules.attendance.models import Attendance

    started = time.perf_counter()
    db.session.execute(insert(Attendance), rows)
    db.session.flush()
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when the target is met, 1 when it is missed, 2 when there is no PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500, help="service users to generate (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch schema afterwards")
    args, _others = parser.parse_known_args(argv)
    url = measurable_database("attendance_programmes")
    if url is None:
        return 2
    with scratch_app(url, SCHEMA, keep=args.keep, modules=("attendance",)):
        print(f"Generating {args.users:,} service users with a year's pattern each ...", flush=True)
        print(f"  generated in {generate(args.users):.1f} s")
        generator, bare, rows = [], [], []
        for _ in range(max(1, args.rounds)):
            seconds, rows = time_generator()
            generator.append(seconds)
            bare.append(time_bare_insert(rows))
        count = len(rows)
        gen_s, bare_s = statistics.median(generator), statistics.median(bare)
        ratio = gen_s / bare_s if bare_s else float("inf")
        print(f"Planned half-days for {YEAR_START:%-d %B %Y} to {YEAR_END:%-d %B %Y}: {count:,} rows "
              f"(median of {len(generator)} rounds)")
        print(f"  generator   {gen_s:6.2f} s  {count / gen_s:10,.0f} rows/s")
        print(f"  bare insert {bare_s:6.2f} s  {count / bare_s:10,.0f} rows/s")
        print(f"  ratio       {ratio:6.2f}x                     (target: at most {TARGET_RATIO:.1f}x)")
        met = ratio <= TARGET_RATIO
        print("  target met" if met else "  TARGET MISSED")
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
