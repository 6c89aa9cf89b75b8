"""Benchmark the incident summary API and the dashboard over a large portfolio.

Loads, with bulk SQL, `--incidents` incidents over the last year (obligation states, filings,
timeline events) and one incident with `--people` linked people, then times, in this process
through the Flask test client, repeated requests of

- `GET /api/v1/incidents/<big>/summary` (an executive's bearer token),
- `GET /dashboard` (an executive's session),

beside a bare `SELECT count(*)` over the big incident's links on the same database. It prints
p50 and p99 of each and the ratio of the p50s to the bare count. The first request of each is
reported apart (cold: nothing cached). Targets on SQLite: summary p50 <= 100 ms, dashboard
p50 <= 300 ms.

    python -m bench.summary --incidents 10000 --people 1000000 [--postgres ADMIN_URL] [--skip-sqlite]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

NOW = datetime.now(UTC)
KINDS = ("customer", "customer", "customer", "employee", "vendor")
PLACES = (("JP", "JP-13"), ("JP", "JP-27"), ("US", "US-CA"), ("GB", None), ("DE", None))
STATUSES = ("open", "investigating", "contained", "notifying", "resolved", "closed")
SEVERITIES = ("low", "medium", "high", "critical")
RULES = ("JP-APPI-PPC-PRELIM", "JP-APPI-PPC-FINAL", "JP-APPI-INDIVIDUALS", "EU-GDPR-33")


def _stamp(moment: datetime | None, postgres: bool):
    if moment is None or postgres:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def incident_rows(count: int, postgres: bool):
    rng = random.Random(7)
    for n in range(1, count + 1):
        occurred = NOW - timedelta(days=rng.uniform(0.5, 365))
        detected = occurred + timedelta(hours=rng.uniform(1, 72))
        status = rng.choice(STATUSES)
        contained = detected + timedelta(hours=rng.uniform(2, 200)) if status not in ("open", "investigating") else None  # fmt: skip
        contained = contained if contained and contained < NOW else None
        yield (
            n, f"LT-2026-{n:05d}", f"Bench incident {n}", "A **bench** incident.", status,
            rng.choice(SEVERITIES), "misdelivery", '["name", "email"]', False, False,
            '["JP"]', rng.randrange(0, 500), *(_stamp(t, postgres) for t in (
                occurred, detected, detected, contained, detected, NOW)),
        )  # fmt: skip


INCIDENT_COLUMNS = (
    "id, ref, title, summary, status, severity, cause, data_categories, is_malicious, "
    "is_data_encrypted, jurisdictions, affected_count, occurred_at, detected_at, aware_at, "
    "contained_at, created_at, updated_at"
)


def state_rows(count: int, postgres: bool):
    rng = random.Random(8)
    for n in range(1, count + 1):
        for rule in RULES[: rng.randrange(1, 5)]:
            due = NOW + timedelta(days=rng.uniform(-60, 20))
            status = rng.choice(("pending", "met", "missed", "not_required"))
            yield (n, rule, status != "not_required", status, _stamp(due, postgres), _stamp(NOW, postgres))  # fmt: skip


def filing_rows(count: int, postgres: bool):
    rng = random.Random(9)
    for n in range(1, count + 1, 2):
        filed = NOW - timedelta(days=rng.uniform(0, 300))
        yield (n, rng.choice(RULES), _stamp(filed, postgres), "", "", "external", _stamp(NOW, postgres))  # fmt: skip


def audit_rows(count: int, postgres: bool):
    seq = 0
    for n in range(1, count + 1):
        for action in ("incident.created", "incident.status_changed", "note.added"):
            seq += 1
            yield (seq, _stamp(NOW, postgres), "system", action, "incident", n, "bench", "0" * 64, "0" * 64)  # fmt: skip


def people_rows(count: int, postgres: bool):
    rng = random.Random(10)
    for n in range(1, count + 1):
        country, region = rng.choice(PLACES)
        yield (n, rng.choice(KINDS), f"B-{n:08d}", f"{n:064x}", country, region, "ja", _stamp(NOW, postgres), _stamp(NOW, postgres))  # fmt: skip


def link_rows(incident_id: int, count: int, postgres: bool):
    rng = random.Random(11)
    for n in range(1, count + 1):
        yield (incident_id, n, rng.choice((1, 3, 5, 35, 1 | 32)), "import", _stamp(NOW, postgres))


TABLES = (
    ("incidents", INCIDENT_COLUMNS, incident_rows),
    ("obligation_states", "incident_id, rule_id, is_required, status, due_at, updated_at", state_rows),
    ("obligation_filings", "incident_id, rule_id, filed_at, reference, text, via, recorded_at", filing_rows),
    ("audit_events", "seq, at, actor_label, action, object_type, incident_id, text, prev_hash, hash", audit_rows),
)  # fmt: skip


def load(url: str, incidents: int, people: int) -> str:
    """Bulk-load the portfolio; return the big incident's ref."""
    postgres = url.startswith("postgresql")
    big = incidents  # the last incident carries the people
    tables = [*TABLES,
              ("stakeholders", "id, kind, external_ref, ref_hash, country, region, language, created_at, updated_at", lambda _n, pg: people_rows(people, pg)),  # noqa: E501
              ("incident_stakeholders", "incident_id, stakeholder_id, category_bits, linked_via, linked_at", lambda _n, pg: link_rows(big, people, pg))]  # fmt: skip  # noqa: E501
    if postgres:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            with conn.cursor() as cursor:
                for table, columns, rows in tables:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows(incidents, True):
                            copy.write_row(row)
            conn.execute("UPDATE incidents SET affected_count = %s WHERE id = %s", (people, big))
            conn.execute("SELECT setval('incidents_id_seq', %s)", (incidents,))
            conn.commit()
            conn.autocommit = True
            conn.execute("ANALYZE")
    else:
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        for table, columns, rows in tables:
            marks = ", ".join("?" * len(columns.split(",")))
            conn.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows(incidents, False)
            )
        conn.execute("UPDATE incidents SET affected_count = ? WHERE id = ?", (people, big))
        conn.commit()
        conn.execute("ANALYZE")
        conn.close()
    return f"LT-2026-{big:05d}"


def _times(call, repeat: int) -> tuple[float, list[float]]:
    """The first (cold) call's ms and the ms of `repeat` calls after it."""
    start = time.perf_counter()
    call()
    cold = (time.perf_counter() - start) * 1000
    found = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        found.append((time.perf_counter() - start) * 1000)
    return cold, found


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]  # fmt: skip


def measure(url: str, incidents: int, people: int, repeat: int) -> None:
    import flask_migrate

    from leaktrack import create_app
    from leaktrack.auth import service as auth
    from leaktrack.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LEAKTRACK_DATA_KEY": "k1:" + "b" * 43, "LOGIN_RATE_LIMIT": "1000 per minute"})  # fmt: skip
    with app.app_context():
        flask_migrate.upgrade()
    started = time.perf_counter()
    ref = load(url, incidents, people)
    print(f"  loaded {incidents} incidents and {people} linked people in {time.perf_counter() - started:.0f} s")  # fmt: skip
    with app.app_context():
        user = auth.create_user(email="exec@bench.example", role="executive", password="bench-password-1")  # fmt: skip
        token = auth.create_token(user=user)
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "exec@bench.example", "password": "bench-password-1"})
    headers = {"Authorization": f"Bearer {token}"}

    def summary():
        response = client.get(f"/api/v1/incidents/{ref}/summary", headers=headers)
        assert response.status_code == 200 and response.get_json()["affected"]["total"] == people

    def dashboard():
        response = client.get("/dashboard")
        assert response.status_code == 200 and b'<svg class="chart"' in response.data

    bare_engine = create_engine(url)
    big_id = incidents

    def bare():
        with bare_engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM incident_stakeholders WHERE incident_id = :i"), {"i": big_id}).scalar()  # fmt: skip

    results = {name: _times(call, repeat) for name, call in (("bare count", bare), ("summary API", summary), ("dashboard", dashboard))}  # fmt: skip
    base = statistics.median(results["bare count"][1])
    for name, (cold, found) in results.items():
        p50, p99 = statistics.median(found), _p(found, 99)
        print(f"  {name:12} cold {cold:8.1f} ms   p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   p50 ratio to bare count {p50 / base:6.2f}")  # fmt: skip
    bare_engine.dispose()


def _fresh_postgres(url: str, name: str, *, create: bool = True) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server to also run on")
    parser.add_argument("--skip-sqlite", action="store_true")
    options = parser.parse_args()
    os.environ.setdefault("LEAKTRACK_DATA_KEY", "k1:" + "b" * 43)
    logging.getLogger("leaktrack.requests").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="leaktrack-bench-") as folder:
        if not options.skip_sqlite:
            print("SQLite")
            measure(f"sqlite:///{Path(folder) / 'leaktrack.db'}", options.incidents, options.people, options.repeat)  # fmt: skip
        if options.postgres:
            print("PostgreSQL")
            url = _fresh_postgres(options.postgres, "bench_summary")
            measure(url, options.incidents, options.people, options.repeat)
            _fresh_postgres(options.postgres, "bench_summary", create=False)


if __name__ == "__main__":
    main()
