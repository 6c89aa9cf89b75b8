"""The scheduler process: periodic jobs, each run in its own app context and transaction.

Run it with `leaktrack scheduler`, never inside the web app: every gunicorn worker would
otherwise run its own copy of every job.
"""

import contextlib
import logging
import signal
from importlib import import_module

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from leaktrack.extensions import db

log = logging.getLogger(__name__)

#: (job id, "module:function", trigger, trigger arguments)
JOBS: tuple[tuple[str, str, str, dict], ...] = (
    (
        "obligation-reminders",
        "leaktrack.obligations.tasks:send_deadline_reminders",
        "interval",
        {"minutes": 5},
    ),
    (
        "notifications-dispatch",
        "leaktrack.notifications.tasks:dispatch",
        "interval",
        {"seconds": 5},
    ),
    ("alerts-forget", "leaktrack.alerts.service:forget_old_deliveries", "interval", {"minutes": 5}),
    ("weekly-digest", "leaktrack.summaries.digest:send_weekly_digest", "interval", {"minutes": 5}),
    (
        "stakeholder-imports",
        "leaktrack.stakeholders.uploads:run_queued_imports",
        "interval",
        {"seconds": 5},
    ),
    (
        "retention-purge",
        "leaktrack.stakeholders.maintenance:scheduled_purge",
        "cron",
        {"hour": 3, "minute": 17},
    ),
)


def _resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def run_job(app: Flask, path: str) -> None:
    """Run one job in a fresh app context; commit once at the end, roll back on error."""
    with app.app_context():
        try:
            _resolve(path)()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduled job %s failed", path)
            raise


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job registered."""
    scheduler = BlockingScheduler(timezone="UTC")
    for job_id, path, trigger, arguments in JOBS:
        scheduler.add_job(
            run_job,
            trigger,
            args=(app, path),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=60,
            **arguments,
        )
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler in the foreground until interrupted."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(f"scheduler running {len(JOBS)} jobs; Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
