"""Validate monitoring webhook payloads and normalise them into alert records.

Two formats arrive at the endpoint: the Prometheus Alertmanager webhook (version 4, which
Grafana's webhook contact point also sends, with a few extra fields) and leaktrack's own
generic format. Either way the result is one `AlertRecord` per alert, or a `SchemaError`
whose `fields` name every bad field.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _

from leaktrack.vocab import DATA_CATEGORIES, SEVERITIES

FORMATS = ("alertmanager", "generic")
ALERT_STATUSES = ("firing", "resolved")

MAX_FINGERPRINT_LENGTH = 200
MAX_TITLE_LENGTH = 200
MAX_TEXT_LENGTH = 10_000
MAX_RAW_LENGTH = 64 * 1024

#: Go's zero time: what Alertmanager sends as `endsAt` while an alert is still firing.
GO_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)

#: Severity words monitoring tools use, folded onto the contract's vocabulary.
SEVERITY_ALIASES = {
    "critical": "critical",
    "crit": "critical",
    "page": "critical",
    "emergency": "critical",
    "emerg": "critical",
    "alert": "critical",
    "fatal": "critical",
    "disaster": "critical",
    "p1": "critical",
    "sev1": "critical",
    "high": "high",
    "error": "high",
    "err": "high",
    "major": "high",
    "p2": "high",
    "sev2": "high",
    "medium": "medium",
    "warning": "medium",
    "warn": "medium",
    "average": "medium",
    "minor": "medium",
    "p3": "medium",
    "sev3": "medium",
    "low": "low",
    "info": "low",
    "information": "low",
    "informational": "low",
    "notice": "low",
    "debug": "low",
    "none": "low",
    "p4": "low",
    "p5": "low",
    "sev4": "low",
}


class SchemaError(Exception):
    """The payload does not fit its format; `fields` maps each bad field to what is wrong."""

    def __init__(self, fields: Mapping[str, str]):
        super().__init__(", ".join(fields))
        self.fields = dict(fields)


@dataclass(frozen=True)
class AlertRecord:
    """One alert, normalised from either format."""

    fingerprint: str
    status: str
    title: str
    text: str = ""
    severity: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    data_categories: tuple[str, ...] = ()
    affected_count: int | None = None
    raw: str = ""

    @property
    def is_resolved(self) -> bool:
        """Whether the monitoring system reports this alert as over."""
        return self.status == "resolved"


def decode_json(body: bytes) -> Any:
    """Decode a request body as JSON text whose strings can be stored anywhere."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise SchemaError({"body": _("The body is not valid JSON.")}) from None
    if not _is_storable(payload):
        raise SchemaError({"body": _("Text in the body contains NUL or unpaired surrogates.")})
    return payload


def parse_payload(fmt: str, payload: Any) -> list[AlertRecord]:
    """Validate a decoded payload of the given source format into alert records."""
    parsers: dict[str, Callable[[Any], list[AlertRecord]]] = {
        "alertmanager": parse_alertmanager,
        "generic": parse_generic,
    }
    return parsers[fmt](payload)


def normalise_severity(value: str) -> str | None:
    """The contract severity for a monitoring tool's severity word, or None if unknown."""
    return SEVERITY_ALIASES.get(value.strip().lower())


def parse_alertmanager(payload: Any) -> list[AlertRecord]:
    """Validate an Alertmanager (or Grafana) webhook payload into one record per alert."""
    errors = _Errors()
    if not isinstance(payload, dict):
        raise SchemaError({"body": _("Expected a JSON object.")})
    errors.optional_string(payload, "receiver")
    errors.optional_string(payload, "groupKey")
    errors.optional_string(payload, "externalURL")
    errors.optional_choice(payload, "status", ALERT_STATUSES)
    errors.optional_count(payload, "truncatedAlerts")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        errors.add("alerts", _("Expected a non-empty list of alerts."))
        errors.raise_if_any()
    envelope = {k: payload[k] for k in ("receiver", "groupKey", "externalURL") if k in payload}
    records = [
        _alertmanager_alert(errors, f"alerts[{i}]", a, envelope) for i, a in enumerate(alerts)
    ]
    errors.raise_if_any()
    return [r for r in records if r is not None]


def _alertmanager_alert(
    errors: "_Errors", where: str, alert: Any, envelope: dict[str, Any]
) -> AlertRecord | None:
    if not isinstance(alert, dict):
        errors.add(where, _("Expected an object."))
        return None
    before = len(errors)
    status = errors.required_choice(alert, "status", ALERT_STATUSES, where)
    fingerprint = errors.fingerprint(alert, "fingerprint", where)
    labels = errors.string_map(alert, "labels", where)
    annotations = errors.string_map(alert, "annotations", where)
    started_at = errors.optional_time(alert, "startsAt", where)
    ended_at = errors.optional_time(alert, "endsAt", where)
    errors.optional_string(alert, "generatorURL", where)
    if len(errors) > before:
        return None
    severity = labels.get("severity")
    return AlertRecord(
        fingerprint=fingerprint,
        status=status,
        title=_clip(
            _first_text(annotations.get("summary"), labels.get("alertname"), fingerprint),
            MAX_TITLE_LENGTH,
        ),
        text=_clip(annotations.get("description", ""), MAX_TEXT_LENGTH),
        severity=normalise_severity(severity) if severity else None,
        started_at=started_at,
        ended_at=ended_at,
        labels=labels,
        raw=_raw({**envelope, "alert": alert}),
    )


def parse_generic(payload: Any) -> list[AlertRecord]:
    """Validate a generic-format payload into its single alert record."""
    errors = _Errors()
    if not isinstance(payload, dict):
        raise SchemaError({"body": _("Expected a JSON object.")})
    fingerprint = errors.fingerprint(payload, "id")
    title = errors.required_text(payload, "title")
    severity = errors.optional_severity(payload, "severity")
    errors.optional_string(payload, "description")
    occurred_at = errors.optional_time(payload, "occurred_at")
    labels = errors.string_map(payload, "labels", scalars=True)
    categories = errors.data_categories(payload, "data_categories")
    affected_count = errors.optional_count(payload, "affected_count")
    errors.raise_if_any()
    return [
        AlertRecord(
            fingerprint=fingerprint,
            status="firing",
            title=_clip(title, MAX_TITLE_LENGTH),
            text=_clip(payload.get("description") or "", MAX_TEXT_LENGTH),
            severity=severity,
            started_at=occurred_at,
            labels=labels,
            data_categories=categories,
            affected_count=affected_count,
            raw=_raw(payload),
        )
    ]


class _Errors:
    """Collects field errors while a payload is read, so all of them are reported at once."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise SchemaError(self.fields)

    def optional_string(self, obj: dict, key: str, where: str = "") -> str | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            self.add(_name(where, key), _("Expected a string."))
            return None
        return value

    def required_text(self, obj: dict, key: str, where: str = "") -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add(_name(where, key), _("Required: a non-empty string."))
            return ""
        return value.strip()

    def fingerprint(self, obj: dict, key: str, where: str = "") -> str:
        value = self.required_text(obj, key, where)
        if len(value) > MAX_FINGERPRINT_LENGTH:
            self.add(
                _name(where, key),
                _("At most %(count)d characters.", count=MAX_FINGERPRINT_LENGTH),
            )
        return value

    def required_choice(
        self, obj: dict, key: str, choices: tuple[str, ...], where: str = ""
    ) -> str:
        value = obj.get(key)
        if value not in choices:
            self.add(
                _name(where, key), _("Must be one of: %(choices)s.", choices=", ".join(choices))
            )
            return ""
        return value

    def optional_choice(
        self, obj: dict, key: str, choices: tuple[str, ...], where: str = ""
    ) -> None:
        if obj.get(key) is not None:
            self.required_choice(obj, key, choices, where)

    def optional_severity(self, obj: dict, key: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        severity = normalise_severity(value) if isinstance(value, str) else None
        if severity is None:
            self.add(key, _("Must be one of: %(choices)s.", choices=", ".join(SEVERITIES)))
        return severity

    def optional_count(self, obj: dict, key: str) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            self.add(key, _("Expected a whole number, zero or more."))
            return None
        return value

    def optional_time(self, obj: dict, key: str, where: str = "") -> datetime | None:
        value = obj.get(key)
        if value is None:
            return None
        try:
            return _parse_time(value)
        except ValueError:
            self.add(_name(where, key), _("Expected an ISO 8601 time with a UTC offset."))
            return None

    def string_map(
        self, obj: dict, key: str, where: str = "", scalars: bool = False
    ) -> dict[str, str]:
        value = obj.get(key)
        if value is None:
            return {}
        allowed = (str, int, float, bool) if scalars else (str,)
        if not isinstance(value, dict) or not all(isinstance(v, allowed) for v in value.values()):
            message = (
                _("Expected an object of plain values.")
                if scalars
                else _("Expected an object of strings.")
            )
            self.add(_name(where, key), message)
            return {}
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}

    def data_categories(self, obj: dict, key: str) -> tuple[str, ...]:
        value = obj.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v in DATA_CATEGORIES for v in value
        ):
            self.add(
                key, _("Expected a list from: %(choices)s.", choices=", ".join(DATA_CATEGORIES))
            )
            return ()
        return tuple(dict.fromkeys(value))


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _parse_time(value: Any) -> datetime | None:
    """A UTC time, or None for Go's zero time (how Alertmanager says "not ended yet")."""
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(value) from None
    return None if moment == GO_ZERO_TIME else moment


def _first_text(*candidates: str | None) -> str:
    """The first candidate that is more than white space, stripped."""
    return next(c.strip() for c in candidates if c and c.strip())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _raw(obj: Any) -> str:
    """The alert as JSON text, cut to a size worth keeping."""
    return _clip(json.dumps(obj, ensure_ascii=False, sort_keys=True), MAX_RAW_LENGTH)


def _is_storable(payload: Any) -> bool:
    """Whether every string (and key) in the payload encodes as UTF-8 and has no NUL."""
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or not _encodes(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
