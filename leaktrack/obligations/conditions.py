"""A tiny declarative condition language for obligation triggers.

A condition is a TOML table holding exactly one of:

    all = [COND, ...]              every condition holds
    any = [COND, ...]              at least one condition holds
    not = COND                     the condition does not hold
    always = true                  holds for every incident
    fact = NAME, OP = VALUE        compares one incident fact (see FACTS for names and operators)
    affected_in = PLACE, OP = N    people affected in a country ("JP"), a region ("US-CA"),
                                   or the most affected region of a country ("US-*")

and optionally `label = "..."`, a short name shown in the reason with its answer
("more than 1,000 people: no (people affected: 7, not > 1,000)").
Evaluation is three-valued: a fact that is not recorded makes a comparison unknown, and
`all`/`any`/`not` combine unknowns the Kleene way, so a missing fact only matters when the
answer depends on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import pycountry

Gettext = Callable[[str], str]

DATA_CATEGORIES = (
    "name",
    "address",
    "email",
    "phone",
    "contract",
    "payment_card",
    "bank_account",
    "credentials",
    "government_id",
    "sensitive",
    "employment",
    "other",
)
RISK_LEVELS = ("unlikely", "risk", "high")
SEVERITIES = ("low", "medium", "high", "critical")
CAUSES = (
    "unauthorized_access",
    "misdelivery",
    "loss_or_theft",
    "insider",
    "vendor",
    "misconfiguration",
    "malware",
    "other",
)
EVENTS = (
    "occurred_at",
    "detected_at",
    "aware_at",
    "contained_at",
    "materiality_determined_at",
    "assessed_at",
)

#: fact name -> (kind, allowed values or None)
FACTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "data_categories": ("set", DATA_CATEGORIES),
    "jurisdictions": ("set", None),
    "malicious": ("bool", None),
    "data_encrypted": ("bool", None),
    "risk_level": ("enum", RISK_LEVELS),
    "severity": ("enum", SEVERITIES),
    "cause": ("enum", CAUSES),
    "affected_count": ("int", None),
    **{event: ("event", None) for event in EVENTS},
}

#: operator -> (fact kinds it applies to, expected TOML value type)
OPERATORS: dict[str, tuple[tuple[str, ...], type]] = {
    "contains_any": (("set",), list),
    "contains_all": (("set",), list),
    "is": (("bool", "enum"), object),
    "in": (("enum",), list),
    "gt": (("int", "count"), int),
    "ge": (("int", "count"), int),
    "lt": (("int", "count"), int),
    "le": (("int", "count"), int),
    "recorded": (("event",), bool),
}

_SYMBOLS = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}


class FactSource(Protocol):
    """What a condition reads: the incident's facts and its affected-people counts."""

    def fact(self, name: str) -> Any: ...

    def affected_in(self, place: str) -> tuple[int | None, str]: ...


@dataclass(frozen=True)
class Verdict:
    """The outcome of a condition: holds (True, False, or None for unknown) and why."""

    holds: bool | None
    because: tuple[str, ...]


@dataclass(frozen=True)
class Condition:
    """A compiled condition: a combinator (all/any/not/always) or a leaf comparison."""

    kind: str
    children: tuple[Condition, ...] = ()
    subject: str = ""
    operator: str = ""
    expected: Any = None
    label: str | None = None


class ConditionError(ValueError):
    """A condition table that does not follow the grammar; `path` locates the offending key."""

    def __init__(self, path: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.path = path


def compile_condition(table: Any, path: tuple[str | int, ...] = ()) -> Condition:
    """Check a TOML condition table against the grammar and compile it."""
    if not isinstance(table, dict):
        raise ConditionError(path, "a condition must be a table")
    label = table.get("label")
    if label is not None and not isinstance(label, str):
        raise ConditionError((*path, "label"), "label must be a string")
    keys = set(table) - {"label"}
    forms = keys & {"all", "any", "not", "always", "fact", "affected_in"}
    if len(forms) != 1:
        raise ConditionError(
            path, "a condition needs exactly one of all, any, not, always, fact, affected_in"
        )
    form = forms.pop()
    if form in ("all", "any"):
        return _compile_group(table, form, label, path)
    if form == "not":
        _refuse_extra(keys, {"not"}, path)
        child = compile_condition(table["not"], (*path, "not"))
        return Condition("not", children=(child,), label=label)
    if form == "always":
        _refuse_extra(keys, {"always"}, path)
        if table["always"] is not True:
            raise ConditionError((*path, "always"), "always must be true")
        return Condition("always", label=label)
    return _compile_leaf(table, form, keys, label, path)


def _compile_group(table: dict, form: str, label: str | None, path: tuple) -> Condition:
    _refuse_extra(set(table) - {"label"}, {form}, path)
    items = table[form]
    if not isinstance(items, list) or not items:
        raise ConditionError((*path, form), f"{form} must be a non-empty list of conditions")
    children = tuple(
        compile_condition(item, (*path, form, index)) for index, item in enumerate(items)
    )
    return Condition(form, children=children, label=label)


def _compile_leaf(table: dict, form: str, keys: set, label: str | None, path: tuple) -> Condition:
    subject = table[form]
    if not isinstance(subject, str) or not subject:
        raise ConditionError((*path, form), f"{form} must be a non-empty string")
    if form == "fact":
        if subject not in FACTS:
            raise ConditionError((*path, "fact"), f"unknown fact {subject!r}")
        kind, allowed = FACTS[subject]
    else:
        kind, allowed = "count", None
        _check_place(subject, (*path, form))
    operators = keys - {form}
    if len(operators) != 1:
        raise ConditionError(path, f"{form} = {subject!r} needs exactly one operator")
    operator = operators.pop()
    expected = table[operator]
    _check_operator(operator, expected, kind, allowed, (*path, operator))
    if isinstance(expected, list):
        expected = tuple(expected)
    return Condition(
        "fact" if form == "fact" else "affected",
        subject=subject,
        operator=operator,
        expected=expected,
        label=label,
    )


def _check_operator(operator: str, expected: Any, kind: str, allowed, path: tuple) -> None:
    if operator not in OPERATORS:
        raise ConditionError(path, f"unknown operator {operator!r}")
    kinds, value_type = OPERATORS[operator]
    if kind not in kinds:
        raise ConditionError(path, f"operator {operator!r} does not apply to a {kind} fact")
    if value_type is int and (not isinstance(expected, int) or isinstance(expected, bool)):
        raise ConditionError(path, f"{operator} needs a whole number")
    if value_type is bool and not isinstance(expected, bool):
        raise ConditionError(path, f"{operator} needs true or false")
    if operator == "is":
        wanted = bool if kind == "bool" else str
        if not isinstance(expected, wanted):
            raise ConditionError(path, f"is needs a {'boolean' if kind == 'bool' else 'string'}")
    if value_type is list and (not expected or not all(isinstance(v, str) for v in expected)):
        raise ConditionError(path, f"{operator} needs a non-empty list of strings")
    if allowed is not None:
        values = expected if isinstance(expected, list) else [expected]
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ConditionError(
                path, f"unknown value {unknown[0]!r} (expected one of {', '.join(allowed)})"
            )


def _check_place(place: str, path: tuple) -> None:
    country, _, region = place.partition("-")
    if pycountry.countries.get(alpha_2=country) is None:
        raise ConditionError(path, f"unknown country {country!r}")
    if region and region != "*" and pycountry.subdivisions.get(code=place) is None:
        raise ConditionError(path, f"unknown region {place!r}")


def _refuse_extra(keys: set, allowed: set, path: tuple) -> None:
    extra = sorted(keys - allowed)
    if extra:
        raise ConditionError((*path, extra[0]), f"unexpected key {extra[0]!r}")


def evaluate(condition: Condition, source: FactSource, gettext: Gettext) -> Verdict:
    """Evaluate a compiled condition against an incident's facts, with the reasons."""
    if condition.kind == "always":
        verdict = Verdict(True, (gettext("applies to every personal-data breach"),))
    elif condition.kind in ("all", "any"):
        verdict = _evaluate_group(condition, source, gettext)
    elif condition.kind == "not":
        inner = evaluate(condition.children[0], source, gettext)
        verdict = Verdict(None if inner.holds is None else not inner.holds, inner.because)
    elif condition.kind == "fact":
        verdict = _evaluate_fact(condition, source, gettext)
    else:
        verdict = _evaluate_affected(condition, source, gettext)
    return _labelled(condition.label, verdict, gettext)


def _evaluate_group(condition: Condition, source: FactSource, gettext: Gettext) -> Verdict:
    verdicts = [evaluate(child, source, gettext) for child in condition.children]
    decisive = condition.kind == "any"  # the value that settles the group on its own
    if any(v.holds is decisive for v in verdicts):
        holds, picked = decisive, [v for v in verdicts if v.holds is decisive]
    elif any(v.holds is None for v in verdicts):
        holds, picked = None, [v for v in verdicts if v.holds is None]
    else:
        holds, picked = not decisive, verdicts
    return Verdict(holds, tuple(reason for v in picked for reason in v.because))


def _labelled(label: str | None, verdict: Verdict, gettext: Gettext) -> Verdict:
    if label is None:
        return verdict
    detail = "; ".join(verdict.because)
    if verdict.holds is None:
        text = gettext("%(label)s: unknown (%(detail)s)")
    elif verdict.holds:
        text = gettext("%(label)s: yes (%(detail)s)")
    else:
        text = gettext("%(label)s: no (%(detail)s)")
    return Verdict(verdict.holds, (text % {"label": label, "detail": detail},))


def _evaluate_fact(condition: Condition, source: FactSource, gettext: Gettext) -> Verdict:
    name = _fact_label(condition.subject, gettext)
    actual = source.fact(condition.subject)
    if condition.operator == "recorded":
        recorded = actual is not None
        text = (
            gettext("%(fact)s recorded (%(value)s)")
            % {"fact": name, "value": _show(actual, gettext)}
            if recorded
            else gettext("%(fact)s not recorded") % {"fact": name}
        )
        return Verdict(recorded is condition.expected, (text,))
    if actual is None or actual == frozenset():
        return Verdict(None, (gettext("%(fact)s not recorded") % {"fact": name},))
    holds = _compare(condition.operator, actual, condition.expected)
    return Verdict(holds, (_describe(name, actual, condition, holds, gettext),))


def _evaluate_affected(condition: Condition, source: FactSource, gettext: Gettext) -> Verdict:
    count, place_name = source.affected_in(condition.subject)
    name = gettext("people affected in %(place)s") % {"place": place_name}
    if count is None:
        return Verdict(None, (gettext("%(fact)s not known") % {"fact": name},))
    holds = _compare(condition.operator, count, condition.expected)
    return Verdict(holds, (_describe(name, count, condition, holds, gettext),))


def _compare(operator: str, actual: Any, expected: Any) -> bool:
    comparisons: Mapping[str, Callable[[Any, Any], bool]] = {
        "contains_any": lambda a, e: bool(set(a) & set(e)),
        "contains_all": lambda a, e: set(e) <= set(a),
        "is": lambda a, e: a == e,
        "in": lambda a, e: a in e,
        "gt": lambda a, e: a > e,
        "ge": lambda a, e: a >= e,
        "lt": lambda a, e: a < e,
        "le": lambda a, e: a <= e,
    }
    return comparisons[operator](actual, expected)


def _describe(name: str, actual: Any, condition: Condition, holds: bool, gettext: Gettext) -> str:
    operator, expected = condition.operator, condition.expected
    values = {"fact": name, "value": _show(actual, gettext), "expected": _show(expected, gettext)}
    if operator in _SYMBOLS:
        values["op"] = _SYMBOLS[operator]
        if holds:
            return gettext("%(fact)s: %(value)s %(op)s %(expected)s") % values
        return gettext("%(fact)s: %(value)s, not %(op)s %(expected)s") % values
    if operator == "contains_any":
        if holds:
            values["value"] = _show(
                sorted(set(actual) & set(expected), key=expected.index), gettext
            )
            return gettext("%(fact)s include %(value)s") % values
        return gettext("%(fact)s (%(value)s) include none of %(expected)s") % values
    if operator == "contains_all":
        if holds:
            return gettext("%(fact)s include all of %(expected)s") % values
        values["value"] = _show([e for e in expected if e not in actual], gettext)
        return gettext("%(fact)s lack %(value)s") % values
    if holds:
        return gettext("%(fact)s is %(value)s") % values
    if operator == "in":
        return gettext("%(fact)s is %(value)s, not one of %(expected)s") % values
    return gettext("%(fact)s is %(value)s, not %(expected)s") % values


def _show(value: Any, gettext: Gettext) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, (set, frozenset, list, tuple)):
        return ", ".join(sorted(value) if isinstance(value, (set, frozenset)) else value)
    return str(value)


def _fact_label(name: str, gettext: Gettext) -> str:
    labels = {
        "data_categories": gettext("data categories"),
        "jurisdictions": gettext("jurisdictions"),
        "malicious": gettext("malicious (unlawful purpose)"),
        "data_encrypted": gettext("strongly encrypted"),
        "risk_level": gettext("risk level"),
        "severity": gettext("severity"),
        "cause": gettext("cause"),
        "affected_count": gettext("people affected"),
        "occurred_at": gettext("occurred at"),
        "detected_at": gettext("detected at"),
        "aware_at": gettext("aware at"),
        "contained_at": gettext("contained at"),
        "materiality_determined_at": gettext("materiality determined at"),
        "assessed_at": gettext("assessed as notifiable at"),
    }
    return labels[name]


def place_name(place: str) -> str:
    """Human name of a country, region, or "most affected region of" pattern."""
    country_code, _, region = place.partition("-")
    country = pycountry.countries.get(alpha_2=country_code)
    country_name = (getattr(country, "common_name", None) or country.name) if country else place
    if not region:
        return f"{country_name} ({place})"
    if region == "*":
        return f"any one region of {country_name}"
    subdivision = pycountry.subdivisions.get(code=place)
    return f"{subdivision.name} ({place})" if subdivision else place
