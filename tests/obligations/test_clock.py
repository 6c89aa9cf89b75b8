"""Deadline arithmetic across time zones, month ends, weekends and public holidays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from leaktrack.obligations.clock import add_months, add_period
from tests.obligations.cases import at

TOKYO, NEW_YORK = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")


def test_hours_run_continuously_across_a_dst_change():
    # 72 h from Friday 6 March 2026 12:00 New York, across the switch to summer time on 8 March
    start = datetime(2026, 3, 6, 12, 0, tzinfo=NEW_YORK)
    assert add_period(start, 72, "hours", zone=NEW_YORK) == at("2026-03-09 17:00")


def test_calendar_days_keep_the_local_time_of_day():
    start = datetime(2026, 3, 6, 12, 0, tzinfo=NEW_YORK)
    assert add_period(start, 30, "calendar_days", zone=NEW_YORK) == at("2026-04-05 16:00")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), 14, date(2027, 5, 31)),
    ],
)
def test_months_end_on_the_same_day_or_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_business_days_skip_japanese_golden_week():
    # Thursday 30 April 2026, 09:00 Tokyo: 1 May (Fri) is a working day, 2-6 May are not
    start = datetime(2026, 4, 30, 9, 0, tzinfo=TOKYO)
    due = add_period(start, 2, "business_days", zone=TOKYO, holiday_country="JP")
    assert due.astimezone(TOKYO) == datetime(2026, 5, 7, 9, 0, tzinfo=TOKYO)


def test_business_days_use_the_regional_calendar():
    # César Chávez Day (31 March) is a California state holiday but not a federal one
    start = datetime(2027, 3, 30, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    federal = add_period(start, 1, "business_days", zone=start.tzinfo, holiday_country="US")
    california = add_period(
        start, 1, "business_days", zone=start.tzinfo, holiday_country="US", holiday_subdivision="CA"
    )
    assert (federal.day, california.day) == (31, 1)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_period(datetime(2026, 1, 1), 1, "hours", zone=TOKYO)
