"""Benchmark the playbook progress the dashboard reads for every incident.

Fills a fresh database (SQLite file, or PostgreSQL with --postgres) with incidents, each with
one to three runs of 17 items, some done and some set aside, through the real migrations. Then,
in the same process, it times:

- baseline: the same GROUP BY in plain SQL through the bare DB-API driver (sqlite3 / psycopg),
  rows into a dict;
- leaktrack: `leaktrack.playbooks.service.progress_by_incident()` in an app context.

It prints the median of several repetitions of each and the ratio (target: at most 1.5).

    python -m bench.playbooks --incidents 5000 [--postgres postgresql+psycopg://postgres@127.0.0.1/x]
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BARE_SQL = """SELECT r.incident_id,
    COALESCE(SUM(CASE WHEN i.is_not_applicable = {false} AND i.is_done = {true} THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN i.is_not_applicable = {false} THEN 1 ELSE 0 END), 0)
FROM playbook_runs r LEFT OUTER JOIN playbook_run_items i ON i.run_id = r.id
GROUP BY r.incident_id"""  # noqa: E501
ITEMS_PER_RUN = 17
SLUGS = ("misdelivery", "vendor-leak", "ransomware")


def _fill(app, incidents: int) -> int:
    """Insert the incidents, versions, runs and items with bulk inserts; return the item count."""
    from sqlalchemy import insert

    from leaktrack.extensions import db
    from leaktrack.incidents.models import Incident
    from leaktrack.playbooks.models import PlaybookRun, PlaybookVersion, RunItem

    rng = random.Random(7)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    with app.app_context():
        db.session.execute(
            insert(Incident),
            [{"ref": f"LT-2026-{n:05d}", "title": f"Leak {n}", "created_at": now, "updated_at": now}
             for n in range(1, incidents + 1)],
        )  # fmt: skip
        db.session.execute(
            insert(PlaybookVersion),
            [{"slug": s, "version": 1, "title": s, "content_hash": "0" * 64, "snapshot": {},
              "created_at": now} for s in SLUGS],
        )  # fmt: skip
        runs = []
        for incident_id in range(1, incidents + 1):
            for index in range(rng.randint(1, 3)):
                runs.append({"incident_id": incident_id, "version_id": index + 1,
                             "slug": SLUGS[index], "started_at": now})  # fmt: skip
        db.session.execute(insert(PlaybookRun), runs)
        items = []
        for run_id in range(1, len(runs) + 1):
            done = rng.randint(0, ITEMS_PER_RUN)
            for position in range(ITEMS_PER_RUN):
                items.append({
                    "run_id": run_id, "position": position, "phase": "Contain",
                    "text": "Step", "is_done": position < done, "note": "",
                    "is_not_applicable": rng.random() < 0.05, "not_applicable_reason": "",
                    "is_added_by_hand": False, "updated_at": now,
                })  # fmt: skip
            if len(items) >= 50_000:
                db.session.execute(insert(RunItem), items)
                items.clear()
        if items:
            db.session.execute(insert(RunItem), items)
        db.session.commit()
        return len(runs) * ITEMS_PER_RUN


def _median(action, repeat: int) -> tuple[float, object]:
    """Median wall time of `repeat` calls after one warm-up call, and the last result."""
    timings, result = [], action()
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def _bare(url: str):
    """A function running BARE_SQL through the DB-API driver alone."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        sql = BARE_SQL.format(false=0, true=1)
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        sql = BARE_SQL.format(false="false", true="true")

    def run():
        cursor = conn.cursor()
        cursor.execute(sql)
        return {row[0]: (int(row[1]), int(row[2])) for row in cursor.fetchall()}

    return run


def _fresh_postgres(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench(url: str, incidents: int, repeat: int, instance: Path) -> None:
    import flask_migrate

    from leaktrack import create_app
    from leaktrack.playbooks.service import progress_by_incident

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "LEAKTRACK_DATA_KEY": "k1:" + "A" * 43 + "=",
        }
    )
    app.instance_path = str(instance)
    with app.app_context():
        flask_migrate.upgrade()
    items = _fill(app, incidents)
    bare_s, bare = _median(_bare(url), repeat)
    with app.app_context():
        ours_s, ours = _median(progress_by_incident, repeat)
    assert ours == bare, "leaktrack and the baseline disagree"
    label = url.split(":", 1)[0]
    print(f"{label}: {incidents} incidents, {items} run items, median of {repeat}")
    print(f"  baseline  {bare_s * 1000:8.1f} ms")
    print(f"  leaktrack {ours_s * 1000:8.1f} ms")
    print(f"  ratio {ours_s / bare_s:.2f} (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--postgres", help="also run on this PostgreSQL server (a scratch database)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        bench(f"sqlite:///{folder / 'bench.db'}", args.incidents, args.repeat, folder)
        if args.postgres:
            url = _fresh_postgres(args.postgres, "leaktrack_bench_playbooks")
            try:
                bench(url, args.incidents, args.repeat, folder)
            finally:
                _drop_postgres(args.postgres, "leaktrack_bench_playbooks")


if __name__ == "__main__":
    main()
