"""Person search over 1,000,000 people on PostgreSQL: the people service against the bare SQL of the same search.

Generates the people in the database itself (generate_series, no round trips) in a scratch schema, then times
name-part searches through ``core.people.services.search_people`` (permission check, search, each person's current
home, the audit row) and the same search as bare SQL on the same connection, in the same run. Prints the median and 95th percentile of each,
their ratio, and the targets: service p95 within 2x the bare query's and under 100 ms.

    DATABASE_URL=postgresql://postgres@127.0.0.1/ppp_bench .venv/bin/python -m bench.person_search [--people N]

The scratch schema (bench_people) is migrated, filled and dropped at the end; with --keep it stays, and the next
--keep run with the same --people reuses it. Searches run in a transaction that is rolled back, so the audit table
does not grow.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from flask import g
from sqlalchemy import func, select, text

from bench._scratch import measurable_database, schema_exists, scratch_app
from core.extensions import db
from core.people import services
from core.people.models import Person

SCHEMA = "bench_people"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: given names and family names, most common first; generation picks early ones more often, as real registers do
FIRST_NAMES = _words(
    "Oliver George Harry Jack Noah Charlie Jacob Thomas William James Joshua Daniel Samuel Joseph David Michael John "
    "Robert Peter Paul Mark Richard Stephen Andrew Christopher Anthony Kevin Gary Ian Simon Matthew Adam Ryan Liam "
    "Mohammed Muhammad Ahmed Ali Amir Hassan Imran Raj Sanjay Arjun Ravi Kwame Kofi Chinedu Tomasz Piotr Jakub Marek "
    "Andrei Ion Patrick Sean Declan Rhys Dylan Owen Gareth Winston Derek Leon Callum Ewan Angus Finlay Kieran Connor "
    "Amelia Olivia Isla Ava Emily Sophie Grace Lily Chloe Mia Jessica Ella Charlotte Lucy Sarah Emma Hannah Laura "
    "Rebecca Rachel Amy Jennifer Elizabeth Margaret Susan Patricia Linda Karen Helen Ruth Anne Ann Joanne Julie Claire "
    "Nicola Louise Michelle Amanda Fatima Aisha Ayesha Zainab Maryam Priya Anjali Sunita Mei Lin Grace Abena Chioma "
    "Agnieszka Katarzyna Dorota Elena Maria Ioana Siobhan Aoife Niamh Bethan Cerys Megan Eilidh Morag Bridget Dolores"
)
LAST_NAMES = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker "
    "White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris "
    "Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young "
    "Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall "
    "Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain "
    "Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray "
    "Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders "
    "Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien "
    "Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter "
    "Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson "
    "Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop "
    "Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates "
    "Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp "
    "Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard "
    "Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater "
    "Austin Sullivan Whitehead Mann Frost Lambert Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham "
    "Quinn Barnett Baxter Bibi Clayton Nash Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson "
    "Fowler Heath Norman Middleton Lee Banks Nowak Kowalski Mensah Okafor Okonkwo Adeyemi Chen Wong Nguyen Holloway"
)
#: a quarter of family names come from these halves (Ashworth, Blackmore, ...), for the long tail of rare names
NAME_STARTS = _words(
    "Ash Black Brad Brook Cald Cart Chad Craw Dun Elm Fair Farn Green Hat Hay Holl Kirk Lang Mar Mid Mill Nor Pen "
    "Ray Red Ring Rush Shel Stan Stock Thorn Wad Walm Whit Win Wood Ald Bram Bur"
)
NAME_ENDS = _words("worth more ley ton field ford well wick by ham hurst dale wood cliffe stone bridge brook land")

#: (kind, words typed) as staff type them: common and rare family names, parts of names, two words, and slips
QUERIES = (
    ("name part", "smith"),
    ("name part", "holloway"),
    ("name part", "okonkwo"),
    ("name part", "patel"),
    ("name part", "ann"),
    ("name part", "john smith"),
    ("name part", "margaret hol"),
    ("name part", "khan"),
    ("similar names", "smyth"),
    ("similar names", "jonson"),
    ("similar names", "wiliams"),
    ("similar names", "mohamed hussain"),
)


def sql_array(words: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join("'" + word.replace("'", "''") + "'" for word in words) + "]"


def generate(count: int) -> float:
    """Add count people in one statement; names skewed towards the common ones, as in a real register."""
    started = time.perf_counter()
    first, last = sql_array(FIRST_NAMES), sql_array(LAST_NAMES)
    starts, ends = sql_array(NAME_STARTS), sql_array(NAME_ENDS)
    db.session.execute(text("SELECT setseed(0.2026)"))
    db.session.execute(
        text(
            f"""
            INSERT INTO person (first_names, last_name, preferred_name, date_of_birth, interpreter_required, restricted,
                                search_name, safeguarding_notes, created_at, updated_at, version)
            SELECT f, l, p, d, false, false,
                   lower(replace(f || ' ' || l || coalesce(' ' || p, ''), '''', '')), '', now(), now(), 1
            FROM (
                -- the powers give the most common names about the shares they have in England and Wales:
                -- Smith 1.3% of people, Oliver and Amelia about 2%
                SELECT ({first})[1 + floor(power(random(), 1.25) * {len(FIRST_NAMES)})::int] AS f,
                       CASE WHEN random() < 0.75
                            THEN ({last})[1 + floor(power(random(), 1.29) * {len(LAST_NAMES)})::int]
                            ELSE ({starts})[1 + floor(random() * {len(NAME_STARTS)})::int]
                                 || ({ends})[1 + floor(random() * {len(NAME_ENDS)})::int]
                       END AS l,
                       CASE WHEN random() < 0.08 THEN ({first})[1 + floor(random() * {len(FIRST_NAMES)})::int] END AS p,
                       date '1925-01-01' + floor(random() * 36500)::int AS d
                FROM generate_series(1, :count)
            ) AS generated
            """
        ),
        {"count": count},
    )
    # what the people service writes on every flush that changes a name: each person's words with their name-order
    # key, and each distinct word (the same statements as the migration's backfill)
    db.session.execute(text(
        "INSERT INTO person_name_entry (word, last_name, first_names, person_id) "
        "SELECT DISTINCT word, last_name, first_names, id FROM person, unnest(string_to_array(search_name, ' ')) "
        "AS word WHERE merged_into_id IS NULL AND word <> ''"
    ))
    db.session.execute(text(
        "INSERT INTO person_name_word (word) SELECT DISTINCT word FROM person, "
        "unnest(string_to_array(search_name, ' ')) AS word WHERE word <> '' ON CONFLICT DO NOTHING"
    ))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("person", "person_name_entry", "person_name_word"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))
    return time.perf_counter() - started


def bench_user():
    from core.security.models import Role, RolePermission, User

    user = db.session.scalar(select(User).where(User.email == "bench@example.org"))
    if user is None:
        role = Role(code="bench_search", name="Bench search", grants=[RolePermission(permission="people.view")])
        user = User(email="bench@example.org", name="Bench", roles=[role])
        db.session.add(user)
        db.session.commit()
    return user


def bare_sql(words: str, similar: bool) -> tuple[str, dict]:
    """The very statement the service sends for the first page of this search (its conditions, order and page
    size), as plain SQL to run on the raw connection: what is left over in the service is its own work (permission
    check, ORM objects, current homes, the audit row)."""
    query, parameters = services.page_query(services.SearchCriteria(name=words), similar, 1, services.PAGE_SIZE)
    compiled = query.compile(dialect=db.engine.dialect)
    return str(compiled), {**compiled.params, **parameters}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when both targets are met, 1 when one is missed, 2 when there is no PostgreSQL to run on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="people to generate (default 1000000)")
    parser.add_argument("--rounds", type=int, default=25, help="times each query runs each way (default 25)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated people for the next run, and reuse those a --keep run left")
    args, _others = parser.parse_known_args(argv)
    url = measurable_database("person_search")
    if url is None:
        return 2
    reuse = args.keep and schema_exists(url, SCHEMA)
    with scratch_app(url, SCHEMA, fresh=not reuse, keep=args.keep):
        have = db.session.scalar(select(func.count()).select_from(Person))
        db.session.rollback()
        if have != args.people:
            if have:
                db.session.execute(text("TRUNCATE person CASCADE"))
                db.session.commit()
            print(f"Generating {args.people:,} people ...", flush=True)
            print(f"  generated in {generate(args.people):.1f} s")
        else:
            print(f"Reusing the {have:,} people a --keep run left.")
        return measure(args.rounds)


def measure(rounds: int) -> int:
    """Time every query through the service and as bare SQL; print the figures and whether the targets are met."""
    people = db.session.scalar(select(func.count()).select_from(Person))
    print(f"People in the database: {people:,}")
    g.ppp_actor = bench_user()
    connection = db.session.connection()
    raw = connection.connection.driver_connection  # the same psycopg connection the service uses

    service_times: dict[str, list[float]] = {words: [] for _, words in QUERIES}
    bare_times: dict[str, list[float]] = {words: [] for _, words in QUERIES}

    def time_service(words: str, similar: bool):
        started = time.perf_counter()
        page = services.search_people(services.SearchCriteria(name=words, similar=similar))
        return time.perf_counter() - started, page

    def time_bare(words: str, similar: bool):
        sql, params = bare_sql(words, similar)
        started = time.perf_counter()
        with raw.cursor() as cursor:
            if similar:
                cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                               (str(services.WORD_SIMILARITY),))
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return time.perf_counter() - started, rows

    # one untimed pass warms the caches both ways; then the two take turns going first
    for round_number in range(rounds + 1):
        for kind, words in QUERIES:
            similar = kind == "similar names"
            if round_number % 2:
                service, page = time_service(words, similar)
                bare, rows = time_bare(words, page.similar)
            else:
                bare, rows = time_bare(words, similar)
                service, page = time_service(words, similar)
            if round_number:
                service_times[words].append(service * 1000)
                bare_times[words].append(bare * 1000)
            # both ways find the same people, in the same order
            assert page.similar == similar, words
            assert [row[0] for row in rows][: services.PAGE_SIZE] == [p.id for p in page.people], words
        db.session.rollback()  # drops the audit rows of the searches
        g.ppp_actor = bench_user()
        connection = db.session.connection()
        raw = connection.connection.driver_connection

    print()
    print(f"{rounds} rounds of each query, each way; times in ms")
    print(f"{'query':18} {'kind':14} {'service median':>15} {'p95':>8} {'bare SQL median':>16} {'p95':>8}")
    for kind, words in QUERIES:
        mine, bare = service_times[words], bare_times[words]
        print(f"{words!r:18} {kind:14} {statistics.median(mine):15.1f} {percentile(mine, 0.95):8.1f} "
              f"{statistics.median(bare):16.1f} {percentile(bare, 0.95):8.1f}")
    met = True
    print()
    for label, kinds in (("name part", ("name part",)), ("similar names", ("similar names",)),
                         ("all searches", ("name part", "similar names"))):
        mine = [t for kind, words in QUERIES if kind in kinds for t in service_times[words]]
        bare = [t for kind, words in QUERIES if kind in kinds for t in bare_times[words]]
        p95, bare_p95 = percentile(mine, 0.95), percentile(bare, 0.95)
        print(f"{label:14} service median {statistics.median(mine):7.1f} ms, p95 {p95:7.1f} ms; "
              f"bare SQL median {statistics.median(bare):7.1f} ms, p95 {bare_p95:7.1f} ms")
        if label == "all searches":
            ratio = p95 / bare_p95
            print(f"p95 ratio service / bare SQL: {ratio:.2f}   (target: at most 2.00)   "
                  f"{'met' if ratio <= 2 else 'MISSED'}")
            print(f"service p95: {p95:.1f} ms   (target: under 100 ms)   {'met' if p95 < 100 else 'MISSED'}")
            met = ratio <= 2 and p95 < 100
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
