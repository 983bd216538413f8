"""The worked examples of docs/care-charging.md, each checked by hand there and by the arithmetic here."""

from __future__ import annotations

from datetime import date, time
from fractions import Fraction

import pytest

from modules.care_contracts.charging import (
    Absence,
    Rate,
    Terms,
    Visit,
    period_charge,
    period_containing,
    periods_between,
    round_half_up,
    weekly_schedule_charge,
)

MON_FRI = 0b0011111
SAT_SUN = 0b1100000
EARLY_MAY_2026 = frozenset({date(2026, 5, 4)})


def test_rounding_is_half_up_once():
    assert [round_half_up(Fraction(n, 2)) for n in (1, 3, 5, -5)] == [1, 2, 3, -3]
    assert round_half_up(Fraction(2113750, 7)) == 301964  # 301964.2857...


def test_example_1_part_week_weekly_charge():
    """£845.50 a week, starting on Thursday 9 April 2026, in the four-weekly period 6 April to 3 May."""
    terms = Terms("week", date(2026, 4, 9), None, standard_pence=84550)
    charge = period_charge(terms, date(2026, 4, 6), date(2026, 5, 4))
    assert len(charge.days) == 25
    assert charge.exact == Fraction(25 * 84550, 7)
    assert charge.pence == 301964  # £3,019.64


def test_example_2_end_reason_extra_days():
    """Ended on Friday 24 April with the end reason Died (3 more days): charged 9 April up to 27 April, 18 days."""
    terms = Terms("week", date(2026, 4, 9), date(2026, 4, 27), standard_pence=84550)
    charge = period_charge(terms, date(2026, 4, 6), date(2026, 5, 4))
    assert len(charge.days) == 18
    assert charge.pence == 217414  # 18 x 84550 / 7 = 217414.29


def test_example_3_time_banded_hourly_schedule_crossing_a_band_and_a_bank_holiday():
    rates = (
        Rate(date(2026, 4, 6), None, 2000, MON_FRI, time(8), time(18), bank_holiday_pence=4000),
        Rate(date(2026, 4, 6), None, 2500, MON_FRI, time(18), None, bank_holiday_pence=4500),
        Rate(date(2026, 4, 6), None, 2800, SAT_SUN),
    )
    visits = (Visit(1, 0, time(17), time(19)), Visit(1, 3, time(17, 50), time(18, 5)), Visit(1, 5, time(10), time(11)))
    terms = Terms("hour", date(2026, 4, 6), None, standard_pence=2400, rates=rates, visits=visits)

    charge = period_charge(terms, date(2026, 5, 4), date(2026, 5, 11), EARLY_MAY_2026)

    by_day = {part.day: part.amount for part in charge.days}
    assert by_day[date(2026, 5, 4)] == 4000 + 4500  # bank holiday: 17:00-18:00 at £40, 18:00-19:00 at £45
    assert by_day[date(2026, 5, 7)] == Fraction(10 * 2000 + 5 * 2500, 60)  # 541.67p across the 18:00 boundary
    assert by_day[date(2026, 5, 9)] == 2800
    assert charge.pence == 11842  # 11841.67 rounded once
    assert "17:00–18:00 (60 min) at bank holiday rate £40/h" in charge.days[0].explanation
    # an ordinary week, and the Charge Per Week shown on the screen
    assert period_charge(terms, date(2026, 4, 27), date(2026, 5, 4), EARLY_MAY_2026).pence == 7842
    assert weekly_schedule_charge(terms) == 7842


def test_visits_not_covered_by_a_rate_use_the_standard_rate_and_override_beats_everything():
    rates = (Rate(date(2026, 4, 6), None, 2000, MON_FRI, time(8), time(18)),)
    terms = Terms("hour", date(2026, 4, 6), None, standard_pence=2400, rates=rates,
                  visits=(Visit(1, 0, time(7, 30), time(8, 30)),))
    assert period_charge(terms, date(2026, 4, 6), date(2026, 4, 13)).exact == 1200 + 1000
    overridden = Terms("hour", date(2026, 4, 6), None, standard_pence=2400, override_pence=1800, rates=rates,
                       visits=terms.visits)
    assert period_charge(overridden, date(2026, 4, 6), date(2026, 4, 13), frozenset({date(2026, 4, 6)})).pence == 1800


def test_example_4_fortnightly_schedule():
    """Frequency 2: a Tuesday visit in week 1 of the cycle only; the week the service starts is week 1.

    The service starts on Wednesday 8 April, so Tuesday 7 April (week 1) is before the start; 14 April is in week 2;
    21 April is week 1 again; 28 April is week 2.
    """
    terms = Terms("hour", date(2026, 4, 8), None, standard_pence=2400, visits=(Visit(1, 1, time(9), time(10)),),
                  frequency_weeks=2)
    charge = period_charge(terms, date(2026, 4, 6), date(2026, 5, 4))
    assert [part.day for part in charge.days if part.amount] == [date(2026, 4, 21)]
    assert charge.pence == 2400
    assert weekly_schedule_charge(terms) == 1200


def test_sessions_are_priced_by_the_rate_in_force_when_they_start():
    rates = (Rate(date(2026, 4, 6), None, 4500, ALL := 0b1111111, time(0), time(12), bank_holiday_pence=6000),
             Rate(date(2026, 4, 6), None, 3500, ALL, time(12), None))
    terms = Terms("session", date(2026, 4, 6), None, standard_pence=4000, rates=rates,
                  visits=(Visit(1, 0, time(10), time(15)), Visit(1, 2, time(13), time(16))))
    assert period_charge(terms, date(2026, 5, 4), date(2026, 5, 11), EARLY_MAY_2026).pence == 6000 + 3500


def test_example_5_stepped_absence():
    """In hospital from Monday 4 May, back on Monday 15 June: 100% for days 1 to 28, then nothing."""
    hospital = Absence(date(2026, 5, 4), date(2026, 6, 15), ((1, 100), (29, 0)))
    terms = Terms("week", date(2026, 4, 6), None, standard_pence=84000, absences=(hospital,))
    assert period_charge(terms, date(2026, 5, 4), date(2026, 6, 1)).pence == 336000
    june = period_charge(terms, date(2026, 6, 1), date(2026, 6, 29))
    assert june.pence == 168000  # 1 to 14 June at 0%, 15 to 28 June at 100%
    assert "absence: 0%" in june.days[0].explanation


def test_example_6_residential_net_and_contribution():
    """£840.00 a week less the service user's £210.45 a week contribution, over a four-week period."""
    service = Terms("week", date(2026, 4, 6), None, standard_pence=84000)
    contribution = Terms("week", date(2026, 4, 6), None, standard_pence=0, override_pence=21045)
    gross = period_charge(service, date(2026, 4, 6), date(2026, 5, 4)).pence
    collected = period_charge(contribution, date(2026, 4, 6), date(2026, 5, 4)).pence
    assert (gross, collected, gross - collected) == (336000, 84180, 251820)


def test_example_7_monthly_part_period():
    """Private care at £1,050.00 a week from Wednesday 15 April, billed monthly: 16 days of April."""
    terms = Terms("week", date(2026, 4, 15), None, standard_pence=105000)
    start, end = period_containing("monthly", date(2026, 4, 1), date(2026, 4, 15))
    assert (start, end) == (date(2026, 4, 1), date(2026, 5, 1))
    assert period_charge(terms, start, end).pence == 240000  # 16 days x 105000 / 7 = 16 x 15000


def test_daily_units_and_rates_tab_by_weekday():
    rates = (Rate(date(2026, 4, 1), None, 9500, MON_FRI), Rate(date(2026, 4, 1), None, 11000, SAT_SUN))
    terms = Terms("day", date(2026, 4, 6), date(2026, 4, 13), standard_pence=10000, rates=rates)
    assert period_charge(terms, date(2026, 4, 6), date(2026, 4, 20)).pence == 5 * 9500 + 2 * 11000


@pytest.mark.parametrize(("kind", "day", "period"), [
    ("weekly", date(2026, 4, 12), (date(2026, 4, 6), date(2026, 4, 13))),
    ("weekly", date(2026, 4, 5), (date(2026, 3, 30), date(2026, 4, 6))),
    ("four_weekly", date(2026, 6, 1), (date(2026, 6, 1), date(2026, 6, 29))),
    ("monthly", date(2026, 2, 28), (date(2026, 2, 1), date(2026, 3, 1))),
])
def test_billing_periods(kind, day, period):
    assert period_containing(kind, date(2026, 4, 6), day) == period


def test_periods_between_cover_the_days_once():
    periods = periods_between("four_weekly", date(2026, 4, 6), date(2026, 4, 9), date(2026, 6, 2))
    assert periods == [(date(2026, 4, 6), date(2026, 5, 4)), (date(2026, 5, 4), date(2026, 6, 1)),
                       (date(2026, 6, 1), date(2026, 6, 29))]


@pytest.mark.parametrize("terms", [
    Terms("week", date(2026, 4, 9), date(2026, 4, 27), standard_pence=84550),
    Terms("day", date(2026, 4, 1), None, standard_pence=9999, override_pence=10001),
    Terms("week", date(2026, 5, 1), None, standard_pence=84000),
])
def test_the_quick_sum_equals_the_day_by_day_sum(terms):
    """The transactions job skips explanations (and, with no rates or absences, the day-by-day walk)."""
    for start, end in periods_between("four_weekly", date(2026, 4, 6), date(2026, 4, 1), date(2026, 7, 1)):
        assert period_charge(terms, start, end, explain=False).scaled == period_charge(terms, start, end).scaled
