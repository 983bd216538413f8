"""Care finance transactions job over 100,000 Completed services for one four-week period, against a bare bulk insert
of the same transaction rows, in the same run.

Generates, in the database itself (generate_series) in a scratch schema, one care home, its council funder and
four-weekly scheme (periods from Monday 6 April 2026), one weekly contract service at £840.00, and N people each with
a contract and a Completed Person Contract Service at that home, starting on one of the first seven days of the period
(so most are part-period charges), each with the charge trigger that completing it writes. Then times
``services.run_transactions`` as of 4 May 2026 (one ended period: a charge per service) and a bare executemany INSERT
of the very same rows into a copy of the transactions table, and checks the job's total against the arithmetic.

    DATABASE_URL=postgresql://postgres@127.0.0.1/ppp_bench .venv/bin/python -m bench.care_transactions [--services N]

The scratch schema (bench_care_transactions) is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from sqlalchemy import func, select, text

from bench._scratch import measurable_database, scratch_app
from core.extensions import db

SCHEMA = "bench_care_transactions"
AS_OF = date(2026, 5, 4)
#: the job must write at least this share of the bare bulk insert's rows a second
TARGET_SHARE = 0.2

GENERATE = """
INSERT INTO care_contracts_establishment (code, name, active, created_at)
VALUES ('bench_home', 'Bench Care Home', true, now());

INSERT INTO care_contracts_funder (code, name, kind, active, created_at)
VALUES ('bench_council', 'Bench County Council', 'council', true, now());

INSERT INTO care_contracts_contract_scheme (code, name, active, created_at, establishment_id, funder_id,
    billing_period, period_anchor, finance_code_updateable, collect_contribution, charge_contribution)
SELECT 'bench_scheme', 'Bench residential framework', true, now(), e.id, f.id, 'four_weekly', DATE '2026-04-06',
       false, false, false
FROM care_contracts_establishment e, care_contracts_funder f;

INSERT INTO care_contracts_service (code, name, active, created_at) VALUES ('residential', 'Residential care', true, now());

INSERT INTO care_contracts_contract_service (code, name, active, created_at, contract_scheme_id, service_id,
    rate_unit_id, negotiated_rates_apply, rooms_apply, standard_rate_pence)
SELECT 'bench_residential', 'Residential care at Bench Care Home', true, now(), s.id, v.id, u.id, false, true, 84000
FROM care_contracts_contract_scheme s, care_contracts_service v, care_contracts_rate_unit u WHERE u.code = 'per_week';

INSERT INTO care_contracts_finance_code_mapping (establishment_id, service_id, funder_id, finance_code, active,
    created_at)
SELECT e.id, v.id, f.id, 'RES-BENCH', true, now()
FROM care_contracts_establishment e, care_contracts_service v, care_contracts_funder f;

INSERT INTO person (first_names, last_name, interpreter_required, restricted, search_name, safeguarding_notes,
                    created_at, updated_at, version)
SELECT 'Resident', 'Number ' || n, false, false, 'resident number ' || n, '', now(), now(), 1
FROM generate_series(1, :services) AS n;

INSERT INTO care_contracts_person_contract (person_id, establishment_id, contract_scheme_id, reference, start_date,
                                            created_at, version)
SELECT p.id, s.establishment_id, s.id, 'BENCH/' || p.id, DATE '2026-04-06', now(), 1
FROM person p, care_contracts_contract_scheme s;

INSERT INTO care_contracts_person_contract_service (person_contract_id, kind, contract_scheme_id, funder_id,
    service_id, contract_service_id, update_finance_code, finance_code, finance_code_edited, account_code, start_at,
    status, charge_per_week_pence, rate_unit_id, frequency_weeks, rate_required, rate_verified,
    suspend_debtor_invoices, created_at, version)
SELECT c.id, 'service', c.contract_scheme_id, s.funder_id, cs.service_id, cs.id, false, 'RES-BENCH', false, '',
       TIMESTAMPTZ '2026-04-06 14:00:00+01' + ((c.id % 7) * INTERVAL '1 day'), 'completed', 84000, cs.rate_unit_id,
       1, false, true, false, now(), 1
FROM care_contracts_person_contract c
JOIN care_contracts_contract_scheme s ON s.id = c.contract_scheme_id
JOIN care_contracts_contract_service cs ON cs.contract_scheme_id = s.id;

INSERT INTO care_contracts_charge_trigger (person_contract_service_id, reason, created_at)
SELECT id, 'completed', now() FROM care_contracts_person_contract_service;
"""

COLUMNS = ("person_contract_service_id", "kind", "debtor_kind", "funder_id", "person_id", "period_start", "period_end",
           "amount_pence", "finance_code", "account_code", "description", "created_at")


def generate(services: int) -> float:
    """Fill the scratch schema; seconds taken."""
    started = time.perf_counter()
    for statement in GENERATE.split(";\n"):
        if statement.strip():
            db.session.execute(text(statement), {"services": services} if ":services" in statement else {})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return time.perf_counter() - started


def expected_total() -> int:
    """What the period should charge: 28 - (start day offset) days at £120.00 each, per service."""
    rows = db.session.execute(text(
        "SELECT (28 - ((start_at AT TIME ZONE 'Europe/London')::date - DATE '2026-04-06')) * 12000 "
        "FROM care_contracts_person_contract_service"))
    return sum(row[0] for row in rows)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when the target is met, 1 when it is missed, 2 when there is no PostgreSQL to run on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000, help="Completed services to generate (100,000)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch schema afterwards")
    args, _others = parser.parse_known_args(argv)
    url = measurable_database("care_transactions")
    if url is None:
        return 2
    with scratch_app(url, SCHEMA, keep=args.keep, modules=("care_contracts",)):
        from modules.care_contracts import services
        from modules.care_contracts.models import FinanceTransaction

        print(f"Generating {args.services:,} Completed services with their triggers ...", flush=True)
        print(f"  generated in {generate(args.services):.1f} s")

        started = time.perf_counter()
        counts = services.run_transactions(as_of=AS_OF)
        db.session.commit()
        job_seconds = time.perf_counter() - started
        rows = db.session.scalar(select(func.count()).select_from(FinanceTransaction))
        total = db.session.scalar(select(func.sum(FinanceTransaction.amount_pence)))
        assert rows == args.services == counts["transactions"], (rows, counts)
        assert total == expected_total(), "the job's charges disagree with the arithmetic"

        # the baseline: the same rows, bulk inserted with nothing else to do, into a copy of the table
        db.session.execute(text(
            "CREATE TABLE bench_copy (LIKE care_contracts_finance_transaction INCLUDING DEFAULTS "
            "INCLUDING CONSTRAINTS INCLUDING INDEXES)"))
        db.session.commit()
        values = [tuple(row) for row in db.session.execute(
            text(f"SELECT {', '.join(COLUMNS)} FROM care_contracts_finance_transaction ORDER BY id"))]
        raw = db.session.connection().connection.driver_connection
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        started = time.perf_counter()
        with raw.cursor() as cursor:
            cursor.executemany(f"INSERT INTO bench_copy ({', '.join(COLUMNS)}) VALUES ({placeholders})", values)
        raw.commit()
        bare_seconds = time.perf_counter() - started

        job_rate, bare_rate = rows / job_seconds, rows / bare_seconds
        print()
        print(f"Transactions: {rows:,}, £{total / 100:,.2f} in all (one four-week period, 6 April to 3 May 2026)")
        print(f"transactions job (reads services, charges, writes): {job_seconds:8.2f} s ({job_rate:,.0f} rows/s)")
        print(f"bare bulk insert of the same rows (executemany):    {bare_seconds:8.2f} s ({bare_rate:,.0f} rows/s)")
        share = job_rate / bare_rate
        met = share >= TARGET_SHARE
        print(f"job rate / bare rate: {share:.2f}   (target: at least {TARGET_SHARE:.2f})   "
              f"{'met' if met else 'MISSED'}")
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
