"""Summary pages and API: the incident one-pager (read by everyone, executives included)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, jsonify, render_template, request, send_from_directory
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from leaktrack.auth.access import ALL_ROLES, public, roles
from leaktrack.errors import NotFoundError
from leaktrack.incidents import service as incidents
from leaktrack.timeutil import parse_iso, utcnow
from leaktrack.vocab import DATA_CATEGORIES, SEVERITIES, STAKEHOLDER_KINDS, vocab_label

from . import charts, models, portfolio, service, tables  # noqa: F401  (models: the tables)
from .sections import SECTIONS, has_data

bp = Blueprint("summaries", __name__, template_folder="templates")
STATIC_DIR = Path(__file__).resolve().parent / "static"
api = Blueprint("api_summaries", __name__, url_prefix="/api/v1/incidents")


def duration_label(seconds: int | None) -> str:
    """A span such as "2 d 3 h", "5 h 10 min" or "12 min"; a dash when unknown."""
    if seconds is None:
        return "—"
    sign, seconds = ("−" if seconds < 0 else ""), abs(seconds)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return sign + _("%(d)d d %(h)d h", d=days, h=hours)
    if hours:
        return sign + _("%(h)d h %(m)d min", h=hours, m=minutes)
    return sign + _("%(m)d min", m=minutes)


@bp.get("/summaries/static/<path:filename>")
@public
def static_file(filename: str):
    """The summaries' stylesheet (the access rule refuses blueprint static routes)."""
    return send_from_directory(STATIC_DIR, filename, max_age=3600)


def _render_summary(ref: str, *, is_pdf: bool = False) -> str:
    incident = incidents.get_incident(ref=ref)
    summary = service.incident_summary(incident=incident)
    shown = [key for key, _path in SECTIONS if has_data(key, summary[key])]
    return render_template(
        "summaries/summary.html",
        is_pdf=is_pdf,
        now=utcnow(),
        incident=incident,
        summary=summary,
        shown=shown,
        duration_label=duration_label,
        kinds=STAKEHOLDER_KINDS,
        categories=DATA_CATEGORIES,
    )


@bp.get("/incidents/<ref>/summary")
@roles(*ALL_ROLES)
def incident_summary(ref: str):
    return _render_summary(ref)


@bp.get("/incidents/<ref>/summary.pdf")
@roles(*ALL_ROLES)
def incident_summary_pdf(ref: str):
    from .pdf import html_to_pdf

    document = html_to_pdf(_render_summary(ref, is_pdf=True), base_url=request.host_url)
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{ref}-summary.pdf"'},
    )


@api.get("/<ref>/summary")
@roles(*ALL_ROLES)
def incident_summary_json(ref: str):
    return jsonify(service.incident_summary(incident=incidents.get_incident(ref=ref)))


@bp.context_processor
def _helpers() -> dict:
    return {
        "parse_iso": lambda text: parse_iso(text) if text else None,
    }


SEVERITY_CSS = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}


def _month_labels(months: list[str]) -> list[str]:
    return [format_date(date(int(m[:4]), int(m[5:]), 1), "MMM") for m in months]


def _charts(p: portfolio.Portfolio) -> dict:
    """The dashboard's three charts, as SVG markup."""
    months = _month_labels(p.months)
    days = [
        charts.Series(str(label), css, [(by.get(m, (None,))[0] or 0) / 86400 for m in p.months])
        for label, css, by in (
            (_l("Time to contain"), "contain", p.contain_by_month),
            (_l("Time to notify"), "notify", p.notify_by_month),
        )
    ]
    return {
        "open": charts.bar_chart(
            chart_id="chart-open",
            title=str(tables.TITLES["open-incidents"]),
            labels=[vocab_label("status", s) for s in p.open_matrix],
            series=[
                charts.Series(
                    vocab_label("severity", severity),
                    SEVERITY_CSS[severity],
                    [p.open_matrix[s][severity] for s in p.open_matrix],
                )
                for severity in SEVERITIES
            ],
            stacked=True,
        ),
        "people": charts.bar_chart(
            chart_id="chart-people",
            title=str(tables.TITLES["people-by-month"]),
            labels=months,
            series=[
                charts.Series(
                    _("People affected"), "people", [p.people_by_month[m] for m in p.months]
                )
            ],
        ),
        "times": charts.bar_chart(
            chart_id="chart-times",
            title=str(tables.TITLES["response-times"]) + " (" + _("days") + ")",
            labels=months,
            series=days,
            axis_format=lambda v: f"{v:g}",
        ),
    }


@bp.get("/dashboard")
@roles(*ALL_ROLES)
def dashboard():
    figures = portfolio.portfolio()
    return render_template(
        "summaries/dashboard.html",
        p=figures,
        charts=_charts(figures),
        tables=tables.build(figures),
        titles=tables.TITLES,
        month_names=dict(zip(figures.months, _month_labels(figures.months), strict=True)),
        duration_label=duration_label,
        severities=SEVERITIES,
    )


@bp.get("/dashboard/<name>.csv")
@roles(*ALL_ROLES)
def dashboard_csv(name: str):
    if name not in tables.NAMES:
        raise NotFoundError(_("No table %(name)s.", name=name))
    table = tables.build(portfolio.portfolio(deadline_rows=None))[name]
    filename = f"{name}-{utcnow():%Y%m%d}.csv"
    return Response(
        tables.to_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def incident_panel(incident) -> tuple[str, dict]:
    """The incident page's link to its executive summary and PDF."""
    return "summaries/_incident_panel.html", {"summary_ref": incident.ref}
