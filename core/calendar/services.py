"""Bank holidays: lookups every module uses, the offline seed, the GOV.UK feed, and administrators' amendments.

``is_bank_holiday`` and ``bank_holidays_between`` are public reference data and need no permission; the
amendments check ``admin.bank_holidays.manage``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.calendar.models import BankHoliday
from core.extensions import db
from core.permissions import acting_user, authorize
from core.types import utcnow

MANAGE = "admin.bank_holidays.manage"

#: GOV.UK's divisions, in the order screens show them
DIVISIONS: dict[str, str] = {
    "england-and-wales": "England and Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}

#: the holidays library's subdivision for each division (Wales shares England's bank holidays)
HOLIDAYS_SUBDIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}

#: the first year the seed covers; it runs to SEED_YEARS_AHEAD years after the current one
SEED_FIRST_YEAR = 2000
SEED_YEARS_AHEAD = 5

#: entries of the holidays library that the seed leaves out until someone confirms them, with why; an administrator
#: can still add one by hand once it is confirmed on GOV.UK
NOT_SEEDED: dict[tuple[str, date], str] = {
    ("scotland", date(2026, 6, 15)): (
        "holidays 0.109 lists a one-off Scottish holiday for the FIFA World Cup; it is not confirmed on GOV.UK"
    ),
}

SOURCES = ("seeded", "gov.uk", "admin")


class BankHolidayError(ValueError):
    """A bank holiday change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def default_division() -> str:
    """The nation this installation follows, from the BANK_HOLIDAY_DIVISION setting."""
    return current_app.config.get("BANK_HOLIDAY_DIVISION") or "england-and-wales"


def _division(division: str | None) -> str:
    division = division or default_division()
    if division not in DIVISIONS:
        raise ValueError(f'Unknown bank holiday division "{division}": use one of {", ".join(DIVISIONS)}.')
    return division


def is_bank_holiday(day: date, division: str | None = None) -> bool:
    """Whether the day is an active bank holiday in the division (default: the installation's nation)."""
    found = db.session.scalar(
        select(BankHoliday.id).where(
            BankHoliday.division == _division(division), BankHoliday.day == day, BankHoliday.active.is_(True)
        )
    )
    return found is not None


def bank_holidays_between(start: date, end: date, division: str | None = None) -> set[date]:
    """The active bank holidays from start to end inclusive in the division, in one query."""
    rows = db.session.scalars(
        select(BankHoliday.day).where(
            BankHoliday.division == _division(division),
            BankHoliday.day >= start,
            BankHoliday.day <= end,
            BankHoliday.active.is_(True),
        )
    )
    return set(rows)


def bank_holiday_titles_between(start: date, end: date, division: str | None = None) -> dict[date, str]:
    """The active bank holidays from start to end inclusive, with their titles, e.g. for a register's heading."""
    rows = db.session.execute(
        select(BankHoliday.day, BankHoliday.title).where(
            BankHoliday.division == _division(division),
            BankHoliday.day >= start,
            BankHoliday.day <= end,
            BankHoliday.active.is_(True),
        )
    )
    return dict(rows.tuples().all())


def is_working_day(day: date, division: str | None = None) -> bool:
    """Whether the day is Monday to Friday and not a bank holiday in the division."""
    return day.weekday() < 5 and not is_bank_holiday(day, division)


def working_days_between(start: date, end: date, division: str | None = None) -> int:
    """How many days from start to end inclusive are Monday to Friday and not bank holidays, in one query."""
    if end < start:
        return 0
    holidays = bank_holidays_between(start, end, division)
    days = (end - start).days + 1
    return sum(
        1 for offset in range(days)
        if (day := start + timedelta(days=offset)).weekday() < 5 and day not in holidays
    )


def add_working_days(day: date, count: int, division: str | None = None) -> date:
    """The day ``count`` working days after ``day``, e.g. the deadline of "within 10 working days of receipt"
    (``day`` itself never counts); with count 0, ``day`` if it is a working day, else the next working day."""
    if count < 0:
        raise ValueError("count must be zero or more")
    window = count * 2 + 14  # enough for weekends and Christmas; widened if a long run of holidays needs it
    while True:
        holidays = bank_holidays_between(day, day + timedelta(days=window), division)

        def working(candidate: date, holidays: set[date] = holidays) -> bool:
            return candidate.weekday() < 5 and candidate not in holidays

        if count == 0:
            found = next((day + timedelta(days=n) for n in range(window + 1) if working(day + timedelta(days=n))), None)
        else:
            found, remaining = None, count
            for offset in range(1, window + 1):
                candidate = day + timedelta(days=offset)
                if working(candidate):
                    remaining -= 1
                    if remaining == 0:
                        found = candidate
                        break
        if found is not None:
            return found
        window *= 2


def listed(year: int, division: str | None = None) -> list[BankHoliday]:
    """Every row of a year in a division, active or not, in date order, for the admin screen."""
    authorize(MANAGE)
    query = (
        select(BankHoliday)
        .where(
            BankHoliday.division == _division(division),
            BankHoliday.day >= date(year, 1, 1),
            BankHoliday.day <= date(year, 12, 31),
        )
        .order_by(BankHoliday.day)
    )
    return list(db.session.scalars(query))


def seed_entries(first_year: int, last_year: int) -> list[tuple[str, date, str]]:
    """(division, day, title) for every bank holiday the holidays library knows in the years, as GOV.UK lists them.

    GOV.UK lists only the day a holiday is taken: a holiday at a weekend appears as its weekday substitute, so the
    library's weekend dates are dropped when it gives the substitute, and "(observed)" reads "(substitute day)".
    """
    import holidays

    entries = []
    for division, subdivision in HOLIDAYS_SUBDIVISIONS.items():
        calendar = holidays.UK(subdiv=subdivision, years=range(first_year, last_year + 1))
        observed = {day for day, name in calendar.items() if "(observed)" in name}
        for day, name in sorted(calendar.items()):
            if (division, day) in NOT_SEEDED:
                continue
            if day.weekday() >= 5 and any(day + timedelta(days=n) in observed for n in (1, 2, 3)):
                continue
            entries.append((division, day, name.replace("(observed)", "(substitute day)")))
    return entries


def _insert_missing(entries: Iterable[tuple[str, date, str]], source: str) -> int:
    """Insert the entries whose (division, day) has no row yet; rows already there, active or not, are kept."""
    existing = set(db.session.execute(select(BankHoliday.division, BankHoliday.day)).tuples())
    added = 0
    for division, day, title in entries:
        if (division, day) in existing:
            continue
        db.session.add(BankHoliday(division=division, day=day, title=title[:200], source=source, active=True))
        existing.add((division, day))
        added += 1
    db.session.flush()
    return added


def sync(first_year: int = SEED_FIRST_YEAR, last_year: int | None = None) -> dict[str, int]:
    """Seed bank holidays from the holidays library, offline; never changes or deletes a row; returns counts."""
    last_year = last_year or date.today().year + SEED_YEARS_AHEAD
    return {"added": _insert_missing(seed_entries(first_year, last_year), "seeded")}


def parse_govuk_feed(data: dict[str, Any]) -> list[tuple[str, date, str]]:
    """(division, day, title) from the JSON of https://www.gov.uk/bank-holidays.json; ValueError if malformed."""
    entries = []
    for division in DIVISIONS:
        block = data.get(division)
        if not isinstance(block, dict) or not isinstance(block.get("events"), list):
            raise ValueError(f'The GOV.UK bank holidays feed has no events for "{division}".')
        for event in block["events"]:
            try:
                day = date.fromisoformat(event["date"])
                title = str(event["title"]).strip()
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"The GOV.UK bank holidays feed has a malformed event: {event!r}.") from exc
            if (event.get("notes") or "").lower() == "substitute day":
                title = f"{title} (substitute day)"
            entries.append((division, day, title))
    return entries


def refresh_from_govuk(data: dict[str, Any]) -> dict[str, int]:
    """Add the feed's bank holidays that have no row yet (source "gov.uk"); administrators' changes are kept."""
    return {"added": _insert_missing(parse_govuk_feed(data), "gov.uk")}


def add_one_off(division: str, day: date | None, title: str, notes: str = "") -> BankHoliday:
    """Add a bank holiday by hand, e.g. a coronation or a state funeral."""
    authorize(MANAGE)
    if division not in DIVISIONS:
        raise BankHolidayError("division", "Select which nation the bank holiday is in")
    if day is None:
        raise BankHolidayError("day", "Enter the date of the bank holiday")
    title = (title or "").strip()
    if not title:
        raise BankHolidayError("title", "Enter the name of the bank holiday")
    existing = db.session.scalar(select(BankHoliday).where(BankHoliday.division == division, BankHoliday.day == day))
    if existing is not None:
        state = "" if existing.active else ", marked as not a bank holiday; use it again instead"
        raise BankHolidayError("day", f"{DIVISIONS[division]} already has {existing.title} on this date{state}")
    actor = acting_user()
    row = BankHoliday(
        division=division, day=day, title=title, source="admin", active=True, notes=(notes or "").strip() or None,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def deactivate(row: BankHoliday, reason: str) -> None:
    """Mark a row as not a bank holiday (e.g. a wrong seeded entry); it stays, so sync never brings it back."""
    authorize(MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise BankHolidayError("reason", "Enter why this is not a bank holiday")
    actor = acting_user()
    row.active = False
    row.notes = reason
    row.deactivated_at = utcnow()
    row.deactivated_by_id = actor.id if actor is not None else None
    db.session.flush()


def reactivate(row: BankHoliday) -> None:
    """Make a deactivated row a bank holiday again."""
    authorize(MANAGE)
    row.active = True
    row.deactivated_at = None
    row.deactivated_by_id = None
    db.session.flush()
