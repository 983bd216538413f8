"""Charging arithmetic: pure functions of plain values, so a finance officer's worked examples can be tests.

Money is integer pence. Amounts are added up exactly (as fractions of a penny) and each transaction is rounded
once, half up, to the penny. docs/care-charging.md explains every rule with worked examples.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from fractions import Fraction

DAY_MINUTES = 24 * 60
ALL_DAYS = 0b1111111
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def round_half_up(amount: Fraction) -> int:
    """An exact amount of pence rounded once to a whole penny, halves away from zero (2.5p is 3p, -2.5p is -3p)."""
    sign = -1 if amount < 0 else 1
    whole, remainder = divmod(abs(amount), 1)
    return sign * (int(whole) + (1 if remainder >= Fraction(1, 2) else 0))


def minute_of(moment: time | None, *, end: bool = False) -> int:
    """Minutes since midnight; as an end, None or midnight is the end of the day (1440)."""
    if moment is None:
        return DAY_MINUTES if end else 0
    minutes = moment.hour * 60 + moment.minute
    return DAY_MINUTES if end and minutes == 0 else minutes


def days(start: date, end: date) -> Iterator[date]:
    """Each day from start up to, not including, end."""
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def describe_weekdays(mask: int) -> str:
    """A weekday mask in words: "every day", "Monday to Friday", "Saturday and Sunday", "Monday, Wednesday"."""
    if mask == ALL_DAYS:
        return "every day"
    chosen = [index for index in range(7) if mask & (1 << index)]
    if len(chosen) > 2 and chosen == list(range(chosen[0], chosen[-1] + 1)):
        return f"{WEEKDAYS[chosen[0]]} to {WEEKDAYS[chosen[-1]]}"
    names = [WEEKDAYS[index] for index in chosen]
    return " and ".join(names) if len(names) == 2 else ", ".join(names)


# --- rates -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A rate from the Rates tab: dates (end inclusive), days of the week, an optional time band, a bank holiday rate."""

    start: date
    end: date | None
    pence: int
    weekdays: int = ALL_DAYS
    band_start: time | None = None
    band_end: time | None = None
    bank_holiday_pence: int | None = None
    #: the rate's id, so a clash can name it
    ident: int | None = None

    @property
    def band(self) -> tuple[int, int]:
        return minute_of(self.band_start), minute_of(self.band_end, end=True)

    def applies_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end) and bool(self.weekdays & (1 << day.weekday()))

    def price_on(self, day: date, bank_holidays: frozenset[date]) -> int:
        """Pence per unit on a day: the bank holiday rate on bank holidays, when there is one."""
        if day in bank_holidays and self.bank_holiday_pence is not None:
            return self.bank_holiday_pence
        return self.pence

    def clashes_with(self, other: Rate) -> bool:
        """Whether both rates could apply at one moment of one day: dates, weekdays and time bands all overlap."""
        dates_overlap = (self.end is None or other.start <= self.end) and (other.end is None or self.start <= other.end)
        (a_start, a_end), (b_start, b_end) = self.band, other.band
        return dates_overlap and bool(self.weekdays & other.weekdays) and a_start < b_end and b_start < a_end

    def describe(self) -> str:
        """E.g. "£18.50 from 6 April 2026, Monday to Friday, 08:00 to 18:00"."""
        text = f"£{self.pence / 100:,.2f} from {self.start.day} {self.start:%B %Y}"
        if self.end:
            text += f" to {self.end.day} {self.end:%B %Y}"
        text += f", {describe_weekdays(self.weekdays)}"
        if self.band_start is not None or self.band_end is not None:
            start, end = self.band
            text += f", {start // 60:02d}:{start % 60:02d} to {end // 60:02d}:{end % 60:02d}"
        return text


def first_clash(rate: Rate, others: Iterable[Rate]) -> Rate | None:
    """The first of the other rates that could apply at the same moment as this one, or None."""
    for other in others:
        if other.ident is not None and other.ident == rate.ident:
            continue
        if rate.clashes_with(other):
            return other
    return None


# --- a service's terms -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """A planned visit: which week of the Frequency cycle (1 = the week the service starts), weekday (0 Monday), times."""

    week_number: int
    weekday: int
    start: time
    end: time

    @property
    def minutes(self) -> tuple[int, int]:
        return minute_of(self.start), minute_of(self.end, end=True)


@dataclass(frozen=True)
class Absence:
    """Days away: from start (day 1) up to, not including, end; steps are (from day, percent charged)."""

    start: date
    end: date | None
    steps: tuple[tuple[int, int], ...] = ((1, 100),)

    def percent_on(self, day: date) -> int | None:
        """The percentage of the usual charge made on a day, or None when the day is not part of this absence."""
        if day < self.start or (self.end is not None and day >= self.end):
            return None
        day_number = (day - self.start).days + 1
        percent = 100
        for from_day, step_percent in sorted(self.steps):
            if day_number >= from_day:
                percent = step_percent
        return percent


@dataclass(frozen=True)
class Terms:
    """Everything about a service that decides its charge, as plain values."""

    #: week, day, hour or session
    unit: str
    #: the first chargeable day
    start: date
    #: the first day no longer charged (the end date plus the end reason's extra days); None while open
    end: date | None
    standard_pence: int
    override_pence: int | None = None
    rates: tuple[Rate, ...] = ()
    visits: tuple[Visit, ...] = ()
    frequency_weeks: int = 1
    absences: tuple[Absence, ...] = ()

    def chargeable(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def rate_on(self, day: date, minute: int = 0) -> Rate | None:
        """The Rates tab rate that applies at a minute of a day, or None."""
        for rate in self.rates:
            band_start, band_end = rate.band
            if rate.applies_on(day) and band_start <= minute < band_end:
                return rate
        return None

    def cycle_week(self, day: date) -> int:
        """Which week of the Frequency cycle a day falls in: week 1 is the (Monday-to-Sunday) week the service starts."""
        first_monday = self.start - timedelta(days=self.start.weekday())
        return ((day - first_monday).days // 7) % self.frequency_weeks + 1

    def percent_on(self, day: date) -> int:
        """The share of a day's charge made after absences: the lowest step of any absence covering the day."""
        percents = [p for p in (absence.percent_on(day) for absence in self.absences) if p is not None]
        return min(percents) if percents else 100


#: amounts are counted in whole 1/42,000ths of a penny: sevenths of a week, sixtieths of an hour and percentages all
#: divide it, so adding up is exact integer arithmetic and only the transaction total is ever rounded
SCALE = 7 * 60 * 100


@dataclass
class DayCharge:
    """One day's part of a charge, exact, with what it was worked out from (for the worked examples)."""

    day: date
    amount: Fraction
    explanation: str


@dataclass
class Charge:
    """A period's charge: the exact total (in 1/SCALE pence) and, when asked for, each day's part."""

    scaled: int = 0
    days: list[DayCharge] = field(default_factory=list)

    @property
    def exact(self) -> Fraction:
        return Fraction(self.scaled, SCALE)

    @property
    def pence(self) -> int:
        # round_half_up(self.exact), in integers: the transactions job rounds a hundred thousand of these
        sign = -1 if self.scaled < 0 else 1
        return sign * ((2 * abs(self.scaled) + SCALE) // (2 * SCALE))


def _money(amount: Fraction | int) -> str:
    return f"£{float(Fraction(amount) / 100):,.4f}".rstrip("0").rstrip(".")


def _scaled_day(terms: Terms, day: date, bank_holidays: frozenset[date], explain: bool) -> tuple[int, str] | None:
    """A chargeable day's charge in 1/SCALE pence, and why (when explaining); None when the day is not chargeable."""
    if not terms.chargeable(day):
        return None
    percent = terms.percent_on(day)
    if terms.unit in ("week", "day"):
        full, why = _whole_day(terms, day, bank_holidays, explain)
    else:
        full, why = _scheduled_day(terms, day, bank_holidays, explain)
    if explain and percent != 100:
        why += f"; absence: {percent}%"
    return full * percent // 100, why


def _whole_day(terms: Terms, day: date, bank_holidays: frozenset[date], explain: bool) -> tuple[int, str]:
    if terms.override_pence is not None:
        pence, source = terms.override_pence, "override rate"
    elif terms.rates and (rate := terms.rate_on(day)) is not None:
        pence = rate.price_on(day, bank_holidays)
        source = "bank holiday rate" if day in bank_holidays and rate.bank_holiday_pence is not None else "rate"
    else:
        pence, source = terms.standard_pence, "standard rate"
    if terms.unit == "week":
        return pence * (SCALE // 7), f"{source} {_money(pence)} a week ÷ 7" if explain else ""
    return pence * SCALE, f"{source} {_money(pence)} a day" if explain else ""


def _scheduled_day(terms: Terms, day: date, bank_holidays: frozenset[date], explain: bool) -> tuple[int, str]:
    week = terms.cycle_week(day)
    visits = sorted((v for v in terms.visits if v.week_number == week and v.weekday == day.weekday()),
                    key=lambda v: v.minutes)
    total, parts = 0, []
    for visit in visits:
        start, end = visit.minutes
        if terms.unit == "session":
            pence, source = _price_at(terms, day, start, bank_holidays)
            total += pence * SCALE
            if explain:
                parts.append(f"session at {_clock(start)}: {source} {_money(pence)}")
            continue
        for piece_start, piece_end, pence, source in _pieces(terms, day, start, end, bank_holidays):
            minutes = piece_end - piece_start
            total += pence * minutes * (SCALE // 60)
            if explain:
                parts.append(f"{_clock(piece_start)}–{_clock(piece_end)} ({minutes} min) at {source} {_money(pence)}/h")
    return total, "; ".join(parts) or "no planned visits"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _price_at(terms: Terms, day: date, minute: int, bank_holidays: frozenset[date]) -> tuple[int, str]:
    if terms.override_pence is not None:
        return terms.override_pence, "override rate"
    rate = terms.rate_on(day, minute)
    if rate is None:
        return terms.standard_pence, "standard rate"
    if day in bank_holidays and rate.bank_holiday_pence is not None:
        return rate.bank_holiday_pence, "bank holiday rate"
    return rate.pence, "rate"


def _pieces(terms: Terms, day: date, start: int, end: int, bank_holidays: frozenset[date]):
    """Split a visit at every time band boundary, pricing each piece by the rate in force then."""
    cuts = {start, end}
    for rate in terms.rates:
        if rate.applies_on(day):
            cuts.update(minute for minute in rate.band if start < minute < end)
    edges = sorted(cuts)
    for piece_start, piece_end in zip(edges, edges[1:], strict=False):
        pence, source = _price_at(terms, day, piece_start, bank_holidays)
        yield piece_start, piece_end, pence, source


def period_charge(terms: Terms, start: date, end: date, bank_holidays: frozenset[date] = frozenset(),
                  explain: bool = True) -> Charge:
    """The charge for the days from start up to, not including, end; each day explained unless explain is False."""
    charge = Charge()
    first, last = max(start, terms.start), end if terms.end is None else min(end, terms.end)
    if not explain and terms.unit in ("week", "day") and not terms.rates and not terms.absences:
        # every chargeable day costs the same: the same sum, without visiting each day (the transactions job's case)
        pence = terms.standard_pence if terms.override_pence is None else terms.override_pence
        charge.scaled = max(0, (last - first).days) * pence * (SCALE // 7 if terms.unit == "week" else SCALE)
        return charge
    for day in days(first, last):
        part = _scaled_day(terms, day, bank_holidays, explain)
        if part is None:
            continue
        charge.scaled += part[0]
        if explain:
            charge.days.append(DayCharge(day, Fraction(part[0], SCALE), part[1]))
    return charge


def weekly_schedule_charge(terms: Terms) -> int:
    """A timed service's average charge per week over one Frequency cycle, ignoring bank holidays and absences."""
    first_monday = terms.start - timedelta(days=terms.start.weekday())
    open_terms = Terms(terms.unit, first_monday, None, terms.standard_pence, terms.override_pence, terms.rates,
                       terms.visits, terms.frequency_weeks)
    cycle_end = first_monday + timedelta(weeks=terms.frequency_weeks)
    return round_half_up(period_charge(open_terms, first_monday, cycle_end, explain=False).exact
                         / terms.frequency_weeks)


# --- billing periods -----------------------------------------------------------------------------------------------


def period_containing(kind: str, anchor: date, day: date) -> tuple[date, date]:
    """The billing period (start, first day after) a day falls in: weekly or four-weekly from the anchor, or monthly."""
    if kind == "monthly":
        first = day.replace(day=1)
        return first, first + timedelta(days=calendar.monthrange(day.year, day.month)[1])
    length = 7 if kind == "weekly" else 28
    offset = (day - anchor).days // length
    start = anchor + timedelta(days=offset * length)
    return start, start + timedelta(days=length)


def periods_between(kind: str, anchor: date, first_day: date, until: date) -> list[tuple[date, date]]:
    """The billing periods overlapping the days from first_day up to, not including, until."""
    periods = []
    day = first_day
    while day < until:
        period = period_containing(kind, anchor, day)
        periods.append(period)
        day = period[1]
    return periods
