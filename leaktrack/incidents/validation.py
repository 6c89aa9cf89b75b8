"""Turn raw incident input (JSON or a form) into clean values, or field errors."""

from datetime import datetime, timedelta

import pycountry
from flask_babel import gettext as _

from leaktrack.errors import ValidationError
from leaktrack.timeutil import parse_iso
from leaktrack.vocab import CAUSES, DATA_CATEGORIES, RISK_LEVELS, SEVERITIES, STATUSES

TITLE_MAX = 200
SUMMARY_MAX = 20_000
AFFECTED_MAX = 1_000_000_000
CLOCK_SKEW = timedelta(minutes=5)
TIME_FIELDS = ("occurred_at", "detected_at", "aware_at", "contained_at", "resolved_at")
READ_ONLY = ("ref", "created_at", "updated_at", "closed_at", "id", "url")
#: API name → model attribute where they differ
MODEL_NAMES = {"malicious": "is_malicious", "data_encrypted": "is_data_encrypted"}


def _text(value, *, required: bool, limit: int):
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(_("This field is required."))
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(_("Expected text."))
    if len(value) > limit:
        raise ValueError(_("At most %(n)d characters.", n=limit))
    return value.strip()


def _choice(vocab, *, nullable: bool = False):
    def check(value):
        if value in (None, "") and nullable:
            return None
        if value not in vocab:
            raise ValueError(_("Must be one of: %(values)s.", values=", ".join(vocab)))
        return value

    return check


def _categories(value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(_("Expected a list of data categories."))
    unknown = sorted(set(value) - set(DATA_CATEGORIES))
    if unknown:
        raise ValueError(_("Unknown data categories: %(values)s.", values=", ".join(unknown)))
    return [c for c in DATA_CATEGORIES if c in value]


def is_jurisdiction(code: str) -> bool:
    """An ISO 3166-1 alpha-2 country code, or EU."""
    return code == "EU" or (len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None)


def _jurisdictions(value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(_("Expected a list of country codes."))
    codes = [v.strip().upper() for v in value if v.strip()]
    unknown = [c for c in codes if not is_jurisdiction(c)]
    if unknown:
        raise ValueError(
            _(
                "Unknown country codes (use ISO 3166-1 alpha-2 or EU): %(codes)s.",
                codes=", ".join(unknown),
            )
        )
    return sorted(set(codes))


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError(_("Expected true or false."))
    return value


def _count(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("Expected a whole number."))
    if not 0 <= value <= AFFECTED_MAX:
        raise ValueError(_("Must be between 0 and %(n)d.", n=AFFECTED_MAX))
    return value


def _time(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(_("The time needs a time zone."))
        return value
    try:
        return parse_iso(value)
    except (ValueError, TypeError):
        raise ValueError(
            _("Expected an ISO 8601 time with offset, e.g. 2026-04-01T09:30:00+09:00.")
        ) from None


CHECKS = {
    "title": lambda v: _text(v, required=True, limit=TITLE_MAX),
    "summary": lambda v: _text(v, required=False, limit=SUMMARY_MAX),
    "status": _choice(STATUSES),
    "severity": _choice(SEVERITIES),
    "cause": _choice(CAUSES),
    "risk_level": _choice(RISK_LEVELS, nullable=True),
    "data_categories": _categories,
    "jurisdictions": _jurisdictions,
    "malicious": _boolean,
    "data_encrypted": _boolean,
    "affected_count": _count,
    **{name: _time for name in TIME_FIELDS},
}


def _check_times(values: dict, now: datetime, errors: dict) -> None:
    for name in TIME_FIELDS:
        when = values.get(name)
        if when and when > now + CLOCK_SKEW and name not in errors:
            errors[name] = _("This time is in the future.")
    occurred = values.get("occurred_at")
    if not occurred:
        return
    for name in TIME_FIELDS[1:]:
        when = values.get(name)
        if when and when < occurred and name not in errors:
            errors[name] = _("Cannot be before the time the leak occurred.")


def clean_incident_input(raw: dict, *, current: dict | None = None, now: datetime) -> dict:
    """Validated values from raw input; with `current`, a partial update checked as a whole."""
    if not isinstance(raw, dict):
        raise ValidationError({}, _("Expected a JSON object."))
    errors: dict[str, str] = {}
    clean: dict = {}
    for name, value in raw.items():
        if name in READ_ONLY:
            continue
        check = CHECKS.get(name)
        if check is None:
            errors[name] = _("Unknown field.")
            continue
        try:
            clean[name] = check(value)
        except ValueError as exc:
            errors[name] = str(exc)
    if current is None and "title" not in raw:
        errors["title"] = _("This field is required.")
    _check_times({**(current or {}), **clean}, now, errors)
    if errors:
        raise ValidationError(errors)
    return clean
