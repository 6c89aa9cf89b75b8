"""Times: stored as UTC, aware in Python, parsed strictly from ISO 8601."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp column that always hands back aware UTC datetimes (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 time that carries an offset; raise ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("expected an ISO 8601 string")
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("the time needs an offset, e.g. +09:00 or Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+03:00 is before year 1 in UTC
        raise ValueError("the time is out of range") from None


def localize(naive: datetime, zone: str) -> datetime:
    """Read a naive local time (a form's datetime-local field) in the given zone, as UTC."""
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, or None."""
    return value.astimezone(UTC).isoformat() if value else None
