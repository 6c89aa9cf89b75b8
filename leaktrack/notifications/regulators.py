"""The regulator directory: who receives reports for which rules, and how they take them.

A TOML file (`LEAKTRACK_REGULATORS_FILE`, default the shipped `regulators.toml`) with one
`[[regulators]]` table per authority. An entry without `email` takes reports only through its
web form (`filing_url`); leaktrack then links the form instead of sending. Imports no Flask.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaktrack.obligations.rules import PLACE, RULE_ID

SHIPPED_FILE = Path(__file__).parent / "regulators.toml"
ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
KEYS = {"id", "name", "jurisdiction", "rules", "email", "filing_url", "notes"}


@dataclass(frozen=True)
class Regulator:
    """One authority of the directory."""

    id: str
    name: str
    jurisdiction: str
    rules: tuple[str, ...]
    email: str | None
    filing_url: str
    notes: str
    line: int

    @property
    def is_web_form_only(self) -> bool:
        return self.email is None


@dataclass(frozen=True)
class Directory:
    """Every regulator of the file, in file order."""

    regulators: tuple[Regulator, ...]

    def get(self, regulator_id: str | None) -> Regulator | None:
        """The entry with this id, or None."""
        return next((r for r in self.regulators if r.id == regulator_id), None)

    def for_rule(self, rule_id: str | None) -> list[Regulator]:
        """The entries that receive reports for this rule."""
        return [r for r in self.regulators if rule_id and rule_id in r.rules]


class RegulatorsError(Exception):
    """A directory file that does not validate; each problem reads `file:line: message`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Invalid(Exception):
    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key = key


def load_directory(path: str | Path, known_rules: Collection[str] | None = None) -> Directory:
    """Load and check the directory file; rule ids outside `known_rules` are refused."""
    path = Path(path)
    if not path.is_file():
        raise RegulatorsError([f"{path}:0: regulators file not found"])
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise RegulatorsError([f"{path}:{line.group(1) if line else 1}: {error}"]) from None
    lines = text.splitlines()
    unknown = sorted(set(data) - {"regulators"})
    if unknown:
        raise RegulatorsError([f"{path}:{_line_of(lines, None, unknown[0])}: unknown key {unknown[0]!r}"])  # fmt: skip
    entries = data.get("regulators", [])
    if not isinstance(entries, list):
        raise RegulatorsError([f"{path}:1: regulators must be [[regulators]] tables"])
    problems: list[str] = []
    found: list[Regulator] = []
    for index, entry in enumerate(entries):
        try:
            regulator = _entry(entry, _line_of(lines, index, None), known_rules)
        except _Invalid as error:
            problems.append(f"{path}:{_line_of(lines, index, error.key)}: {error}")
            continue
        if any(r.id == regulator.id for r in found):
            problems.append(f"{path}:{regulator.line}: duplicate regulator id {regulator.id!r}")
        found.append(regulator)
    if problems:
        raise RegulatorsError(problems)
    return Directory(tuple(found))


def _entry(entry: Any, line: int, known_rules: Collection[str] | None) -> Regulator:
    if not isinstance(entry, dict):
        raise _Invalid(None, "a regulator must be a table")
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise _Invalid(unknown[0], f"unknown key {unknown[0]!r}")
    regulator_id = _text(entry, "id")
    if not ENTRY_ID.match(regulator_id):
        raise _Invalid("id", "id must be lower-case letters, digits and dashes")
    jurisdiction = _text(entry, "jurisdiction")
    if not PLACE.match(jurisdiction):
        raise _Invalid("jurisdiction", f"{jurisdiction!r} is not a country, region, EU or *")
    email = entry.get("email")
    if email is not None and (not isinstance(email, str) or not EMAIL.match(email)):
        raise _Invalid("email", f"email {email!r} is not an e-mail address")
    url = _text(entry, "filing_url")
    if not url.startswith(("https://", "http://")):
        raise _Invalid("filing_url", "filing_url must start with https:// or http://")
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise _Invalid("notes", "notes must be a string")
    return Regulator(
        id=regulator_id,
        name=_text(entry, "name"),
        jurisdiction=jurisdiction,
        rules=_rules(entry, known_rules),
        email=email,
        filing_url=url,
        notes=notes,
        line=line,
    )


def _rules(entry: dict, known_rules: Collection[str] | None) -> tuple[str, ...]:
    value = entry.get("rules")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _Invalid("rules" if "rules" in entry else None, "rules must be a non-empty list of rule ids")  # fmt: skip
    for rule_id in value:
        if not RULE_ID.match(rule_id):
            raise _Invalid("rules", f"{rule_id!r} is not a rule id")
        if known_rules is not None and rule_id not in known_rules:
            raise _Invalid("rules", f"unknown rule {rule_id!r}")
    return tuple(value)


def _text(table: dict, key: str) -> str:
    if key not in table:
        raise _Invalid(None, f"missing key {key!r}")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(key, f"{key} must be a non-empty string")
    return value


def _line_of(lines: list[str], index: int | None, key: str | None) -> int:
    """The 1-based line of entry `index` (its header) or of `key` inside it."""
    headers = [i for i, line in enumerate(lines) if re.match(r"\s*\[\[\s*regulators\s*\]\]", line)]
    start, end = 0, len(lines)
    if index is not None and index < len(headers):
        start = headers[index]
        end = headers[index + 1] if index + 1 < len(headers) else len(lines)
    if key is not None:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        found = next((i for i in range(start, end) if pattern.match(lines[i])), None)
        if found is not None:
            return found + 1
    return start + 1
