"""The dashboard's figures as tables: shown under each chart and exported as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from leaktrack.timeutil import iso
from leaktrack.vocab import SEVERITIES

from .portfolio import Portfolio

NAMES = ("open-incidents", "deadlines", "people-by-month", "response-times")


@dataclass(frozen=True)
class Table:
    name: str
    #: CSV header (stable, English, machine-readable)
    columns: tuple[str, ...]
    rows: list[tuple]


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def build(p: Portfolio) -> dict[str, Table]:
    """Every dashboard table, by name."""
    open_rows = [
        (status, *(counts[s] for s in SEVERITIES), sum(counts.values()))
        for status, counts in p.open_matrix.items()
    ]
    deadline_rows = [
        (kind, d.ref, d.title, d.rule_id, d.rule_title, iso(d.due_at))
        for kind, items in (("due_soon", p.due_soon), ("missed", p.missed))
        for d in items
    ]
    response_rows = []
    for month in p.months:
        contain, contained = p.contain_by_month.get(month, (None, 0))
        notify, notified = p.notify_by_month.get(month, (None, 0))
        response_rows.append((month, _hours(contain), contained, _hours(notify), notified))
    return {
        "open-incidents": Table("open-incidents", ("status", *SEVERITIES, "total"), open_rows),
        "deadlines": Table(
            "deadlines", ("kind", "ref", "title", "rule_id", "obligation", "due_at"), deadline_rows
        ),
        "people-by-month": Table(
            "people-by-month",
            ("month", "people_affected"),
            [(m, p.people_by_month[m]) for m in p.months],
        ),
        "response-times": Table(
            "response-times",
            (
                "month",
                "median_hours_to_contain",
                "incidents_contained",
                "median_hours_to_notify",
                "incidents_notified",
            ),
            response_rows,
        ),
    }


TITLES = {
    "open-incidents": _l("Open incidents by status and severity"),
    "deadlines": _l("Deadlines"),
    "people-by-month": _l("People affected per month"),
    "response-times": _l("Median time to contain and to notify"),
}


def _safe_cell(value):
    """Keep spreadsheet programs from running a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_csv(table: Table) -> str:
    """The table as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([_safe_cell(v) for v in row] for row in table.rows)
    return out.getvalue()
