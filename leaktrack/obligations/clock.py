"""Deadline arithmetic: hours, calendar days, business days with public holidays, months.

Day-based units count on the wall clock of the regime's time zone and keep the time of day of
the clock start (an obligation that starts at 10:00 on the 1st is due at 10:00 on the last day).
That is never later than the "end of the last day" reading some regulators allow, so a date
shown is safe to plan against.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LEGAL_UNITS = ("hours", "calendar_days", "business_days", "calendar_months")
WITHOUT_UNDUE_DELAY = "without_undue_delay"
UNITS = (*LEGAL_UNITS, WITHOUT_UNDUE_DELAY)


@lru_cache(maxsize=64)
def holiday_calendar(country: str, subdivision: str | None = None) -> holidays.HolidayBase:
    """The public holidays of a country (and optionally one of its subdivisions)."""
    return holidays.country_holidays(country, subdiv=subdivision)


def add_period(
    start: datetime,
    amount: int,
    unit: str,
    *,
    zone: ZoneInfo,
    holiday_country: str | None = None,
    holiday_subdivision: str | None = None,
) -> datetime:
    """The UTC moment `amount` `unit`s after `start`, counted in `zone`."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if unit == "hours":
        return start.astimezone(UTC) + timedelta(hours=amount)
    local = start.astimezone(zone)
    if unit == "calendar_days":
        day = local.date() + timedelta(days=amount)
    elif unit == "calendar_months":
        day = add_months(local.date(), amount)
    elif unit == "business_days":
        if holiday_country is None:
            raise ValueError("business days need a holiday calendar")
        day = add_business_days(
            local.date(), amount, holiday_calendar(holiday_country, holiday_subdivision)
        )
    else:
        raise ValueError(f"unknown unit {unit!r}")
    return datetime.combine(day, local.timetz().replace(tzinfo=zone)).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_business_days(day: date, count: int, public_holidays: holidays.HolidayBase) -> date:
    """The `count`-th working day after `day`, skipping weekends and public holidays."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in public_holidays:
            count -= 1
    return day


def start_of_next_year(moment: datetime, zone: ZoneInfo) -> datetime:
    """Midnight starting 1 January after `moment`, in `zone`, as UTC (annual logs)."""
    year = moment.astimezone(zone).year + 1
    return datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
