"""Notification rules as data: load the TOML rule files and refuse any that do not validate.

Each file in `rules/` is one regime: a `[regime]` table (jurisdiction, where it applies, time
zone, holiday calendar) and `[[rules]]`, one per obligation. An organisation's own folder
(`LEAKTRACK_RULES_DIR`) is laid over the shipped one: a file there with the same name replaces
the shipped file, and `[regime] enabled = false` switches a regime off.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from leaktrack.obligations.clock import LEGAL_UNITS, UNITS, WITHOUT_UNDUE_DELAY
from leaktrack.obligations.conditions import EVENTS, Condition, ConditionError, compile_condition

SHIPPED_RULES_DIR = Path(__file__).parent / "rules"
AUDIENCES = ("regulator", "individuals", "media", "other")
VERIFICATION = ("primary", "secondary", "unverified")
CLOCK_ANCHORS = ("end_of_calendar_year",)
RULE_ID = re.compile(r"^[A-Z0-9][A-Z0-9.\-]*$")
PLACE = re.compile(r"^(\*|EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")


@dataclass(frozen=True)
class Regime:
    """One rule file: a body of law, where it applies and how its calendar counts."""

    key: str
    name: str
    jurisdiction: str
    applies_in: tuple[str, ...]
    zone: ZoneInfo
    holiday_country: str | None
    holiday_subdivision: str | None
    path: str


@dataclass(frozen=True)
class Recipient:
    """Who receives the notification and how it is filed."""

    name: str
    how: str
    url: str | None


@dataclass(frozen=True)
class Clock:
    """Where a deadline starts: a recorded incident event or another obligation's filing."""

    event: str | None
    after_filing: str | None
    anchor: str | None


@dataclass(frozen=True)
class Deadline:
    """A legal period, or for "without undue delay" a planning target that is not law."""

    unit: str
    amount: int | None
    target_amount: int | None
    target_unit: str | None

    @property
    def is_legal(self) -> bool:
        return self.unit != WITHOUT_UNDUE_DELAY


@dataclass(frozen=True)
class Rule:
    """One notification obligation of one regime."""

    id: str
    title: str
    regime: Regime
    law: str
    article: str
    audience: str
    recipient: Recipient
    trigger: Condition
    clock: Clock
    deadline: Deadline
    content: tuple[str, ...]
    sources: tuple[str, ...]
    verification: str
    unverified: tuple[str, ...]
    notes: str
    line: int

    @property
    def jurisdiction(self) -> str:
        return self.regime.jurisdiction


@dataclass(frozen=True)
class RuleSet:
    """Every enabled rule, in file order."""

    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        return next((rule for rule in self.rules if rule.id == rule_id), None)


class RulesError(Exception):
    """Rule files that do not validate; each problem reads `file:line: message`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Invalid(Exception):
    def __init__(self, path: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.path = path


def load_rules(custom_dir: str | Path | None = None) -> RuleSet:
    """Load the shipped rule files with an organisation's folder laid over them."""
    files = {path.name: path for path in SHIPPED_RULES_DIR.glob("*.toml")}
    if custom_dir:
        folder = Path(custom_dir)
        if not folder.is_dir():
            raise RulesError([f"{folder}:0: rules directory not found"])
        files.update({path.name: path for path in folder.glob("*.toml")})
    problems: list[str] = []
    rules: list[Rule] = []
    for name in sorted(files):
        rules.extend(_load_file(files[name], problems))
    _check_references(rules, problems)
    if problems:
        raise RulesError(problems)
    return RuleSet(tuple(rules))


def _load_file(path: Path, problems: list[str]) -> list[Rule]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        problems.append(f"{path}:{line.group(1) if line else 1}: {error}")
        return []
    lines = text.splitlines()
    try:
        regime = _regime(data, path)
    except _Invalid as error:
        problems.append(f"{path}:{_line_of(lines, error.path)}: {error}")
        return []
    if regime is None:
        return []
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{path}:1: a regime needs at least one [[rules]] entry")
        return []
    rules = []
    for index, entry in enumerate(entries):
        try:
            rules.append(_rule(entry, regime, _line_of(lines, ("rules", index))))
        except _Invalid as error:
            problems.append(f"{path}:{_line_of(lines, ('rules', index, *error.path))}: {error}")
    return rules


def _regime(data: dict, path: Path) -> Regime | None:
    _refuse_unknown(data, {"regime", "rules"}, ())
    table = data.get("regime")
    if not isinstance(table, dict):
        raise _Invalid((), "missing [regime] table")
    _refuse_unknown(
        table,
        {"name", "jurisdiction", "applies_in", "timezone", "holidays", "enabled"},
        ("regime",),
    )
    if _optional(table, "enabled", bool, ("regime",)) is False:
        return None
    jurisdiction = _place(table, "jurisdiction", ("regime",))
    applies_in = _places(table.get("applies_in", [jurisdiction]), ("regime", "applies_in"))
    holiday_country, holiday_subdivision = _holidays(table, ("regime",))
    return Regime(
        key=path.stem,
        name=_text(table, "name", ("regime",)),
        jurisdiction=jurisdiction,
        applies_in=applies_in,
        zone=_zone(table, ("regime",)),
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        path=str(path),
    )


def _rule(entry: Any, regime: Regime, line: int) -> Rule:
    if not isinstance(entry, dict):
        raise _Invalid((), "a rule must be a table")
    _refuse_unknown(
        entry,
        {
            "id", "title", "law", "article", "audience", "recipient", "trigger", "clock",
            "deadline", "content", "sources", "verification", "unverified", "notes",
        },
        (),
    )  # fmt: skip
    rule_id = _text(entry, "id", ())
    if not RULE_ID.match(rule_id):
        raise _Invalid(("id",), "id must be upper-case letters, digits, dots and dashes")
    audience = _choice(entry, "audience", AUDIENCES, ())
    deadline = _deadline(entry, regime)
    return Rule(
        id=rule_id,
        title=_text(entry, "title", ()),
        regime=regime,
        law=_text(entry, "law", ()),
        article=_text(entry, "article", ()),
        audience=audience,
        recipient=_recipient(entry),
        trigger=_trigger(entry),
        clock=_clock(entry),
        deadline=deadline,
        content=_texts(entry, "content", ()),
        sources=_sources(entry),
        verification=_choice(entry, "verification", VERIFICATION, ()),
        unverified=_texts(entry, "unverified", (), required=False),
        notes=_optional(entry, "notes", str, ()) or "",
        line=line,
    )


def _recipient(entry: dict) -> Recipient:
    table = _table(entry, "recipient", ())
    _refuse_unknown(table, {"name", "how", "url"}, ("recipient",))
    url = _optional(table, "url", str, ("recipient",))
    if url is not None and not url.startswith(("https://", "http://")):
        raise _Invalid(("recipient", "url"), "url must start with https:// or http://")
    return Recipient(_text(table, "name", ("recipient",)), _text(table, "how", ("recipient",)), url)


def _trigger(entry: dict) -> Condition:
    if "trigger" not in entry:
        raise _Invalid((), "missing key 'trigger'")
    try:
        return compile_condition(entry["trigger"], ("trigger",))
    except ConditionError as error:
        raise _Invalid(error.path, str(error)) from None


def _clock(entry: dict) -> Clock:
    table = _table(entry, "clock", ())
    _refuse_unknown(table, {"event", "after_filing", "anchor"}, ("clock",))
    if ("event" in table) == ("after_filing" in table):
        raise _Invalid(("clock",), "clock needs exactly one of event or after_filing")
    event = _optional(table, "event", str, ("clock",))
    if event is not None and event not in EVENTS:
        raise _Invalid(
            ("clock", "event"), f"unknown event {event!r} (expected one of {', '.join(EVENTS)})"
        )
    after = _optional(table, "after_filing", str, ("clock",))
    anchor = _optional(table, "anchor", str, ("clock",))
    if anchor is not None and anchor not in CLOCK_ANCHORS:
        raise _Invalid(("clock", "anchor"), f"unknown anchor {anchor!r}")
    return Clock(event=event, after_filing=after, anchor=anchor)


def _deadline(entry: dict, regime: Regime) -> Deadline:
    table = _table(entry, "deadline", ())
    path = ("deadline",)
    _refuse_unknown(table, {"unit", "amount", "target", "target_unit"}, path)
    unit = _choice(table, "unit", UNITS, path)
    if unit == "business_days" and regime.holiday_country is None:
        raise _Invalid((*path, "unit"), "business days need [regime] holidays")
    if unit == WITHOUT_UNDUE_DELAY:
        if "amount" in table:
            raise _Invalid(
                (*path, "amount"), "without_undue_delay has no legal amount; give a planning target"
            )
        target = _count(table, "target", path)
        target_unit = _choice(table, "target_unit", LEGAL_UNITS, path)
        if target_unit == "business_days" and regime.holiday_country is None:
            raise _Invalid((*path, "target_unit"), "business days need [regime] holidays")
        return Deadline(unit, None, target, target_unit)
    if "target" in table or "target_unit" in table:
        raise _Invalid((*path, "target"), "a planning target only goes with without_undue_delay")
    return Deadline(unit, _count(table, "amount", path), None, None)


def _sources(entry: dict) -> tuple[str, ...]:
    sources = _texts(entry, "sources", ())
    for source in sources:
        if not source.startswith(("https://", "http://")):
            raise _Invalid(("sources",), f"source {source!r} is not a URL")
    return sources


def _holidays(table: dict, path: tuple) -> tuple[str | None, str | None]:
    value = _optional(table, "holidays", str, path)
    if value is None:
        return None, None
    country, _, subdivision = value.partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        raise _Invalid((*path, "holidays"), f"no holiday calendar for {value!r}") from None
    return country, subdivision or None


def _zone(table: dict, path: tuple) -> ZoneInfo:
    name = _text(table, "timezone", path)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Invalid((*path, "timezone"), f"unknown time zone {name!r}") from None


def _place(table: dict, key: str, path: tuple) -> str:
    value = _text(table, key, path)
    if not PLACE.match(value):
        raise _Invalid((*path, key), f"{value!r} is not a country, region, EU or *")
    return value


def _places(value: Any, path: tuple) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _Invalid(path, "must be a non-empty list of places")
    for place in value:
        if not isinstance(place, str) or not PLACE.match(place):
            raise _Invalid(path, f"{place!r} is not a country, region, EU or *")
    return tuple(value)


def _text(table: dict, key: str, path: tuple) -> str:
    if key not in table:
        raise _Invalid(path, f"missing key {key!r}")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _Invalid((*path, key), f"{key} must be a non-empty string")
    return value


def _texts(table: dict, key: str, path: tuple, *, required: bool = True) -> tuple[str, ...]:
    if key not in table:
        if required:
            raise _Invalid(path, f"missing key {key!r}")
        return ()
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Invalid((*path, key), f"{key} must be a list of non-empty strings")
    if required and not value:
        raise _Invalid((*path, key), f"{key} must not be empty")
    return tuple(value)


def _table(table: dict, key: str, path: tuple) -> dict:
    if key not in table:
        raise _Invalid(path, f"missing key {key!r}")
    if not isinstance(table[key], dict):
        raise _Invalid((*path, key), f"{key} must be a table")
    return table[key]


def _choice(table: dict, key: str, choices: tuple[str, ...], path: tuple) -> str:
    value = _text(table, key, path)
    if value not in choices:
        raise _Invalid((*path, key), f"{key} {value!r} is not one of {', '.join(choices)}")
    return value


def _count(table: dict, key: str, path: tuple) -> int:
    if key not in table:
        raise _Invalid(path, f"missing key {key!r}")
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _Invalid((*path, key), f"{key} must be a whole number above zero")
    return value


def _optional(table: dict, key: str, kind: type, path: tuple) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise _Invalid((*path, key), f"{key} must be a {kind.__name__}")
    return value


def _refuse_unknown(table: dict, allowed: set[str], path: tuple) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _Invalid((*path, unknown[0]), f"unknown key {unknown[0]!r}")


def _check_references(rules: list[Rule], problems: list[str]) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            problems.append(
                f"{rule.regime.path}:{rule.line}: duplicate rule id {rule.id!r} (also in {seen[rule.id].regime.path})"
            )
        seen.setdefault(rule.id, rule)
    for rule in rules:
        target = rule.clock.after_filing
        if target is not None and target not in seen:
            problems.append(
                f"{rule.regime.path}:{rule.line}: clock after_filing names unknown rule {target!r}"
            )
        if target == rule.id:
            problems.append(
                f"{rule.regime.path}:{rule.line}: a rule's clock cannot start from its own filing"
            )


def _line_of(lines: list[str], path: tuple[str | int, ...]) -> int:
    """The 1-based line of the key at `path`, found by scanning for each key in turn."""
    start, end, keys = 0, len(lines), list(path)
    if keys[:1] == ["rules"] and len(keys) > 1 and isinstance(keys[1], int):
        headers = [i for i, line in enumerate(lines) if re.match(r"\s*\[\[\s*rules\s*\]\]", line)]
        if keys[1] < len(headers):
            start = headers[keys[1]]
            end = headers[keys[1] + 1] if keys[1] + 1 < len(headers) else len(lines)
        keys = keys[2:]
    line = start
    for key in (k for k in keys if isinstance(k, str)):
        pattern = re.compile(rf"(^|[\s{{,.\[]){re.escape(key)}\s*(=|\]|\.)")
        found = next((i for i in range(line, end) if pattern.search(lines[i])), None)
        if found is not None:
            line = found
    return line + 1
