"""Benchmark a customer notice to N people: fan-out in SQL, then dispatch to a fake SendGrid.

Sets up an incident with N linked customers (through `stakeholders import`), then, each in its
own process:

- fan-out: `create_notification` (one INSERT … SELECT) and its commit;
- dispatch: the scheduler's `dispatch_due` posting every delivery to a loopback server that
  answers 202 at once (claims, unsealing the addresses, substitutions, recording);
- baseline: a bare loop posting pre-built request bodies of the same shape and size (1,000
  personalizations each, the same rendered content) with the same `sendgrid` client, as many
  requests as the dispatch made (it cycles through 20 pre-built bodies so that its own memory
  stays small).

It prints recipients/s, requests (must be ≤ ceil(N/1000) + retries), peak RSS and the ratio
dispatch / baseline. Target: ratio at most 2.

    python -m bench.notify --rows 1000000 [--postgres postgresql+psycopg://postgres@127.0.0.1/x]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PRODUCT_DIR = Path(__file__).resolve().parent.parent
API_KEY = "SG.bench"
DATA_KEY = "k1:YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoYmU="
CHUNK = 100_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the loopback SendGrid ----------------------------------------------------------------


class _Accept(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        remaining = length
        while remaining:
            remaining -= len(self.rfile.read(min(remaining, 1 << 20)))
        self.send_response(202)
        self.send_header("X-Message-Id", uuid.uuid4().hex[:22])
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve(port_file: str) -> None:
    """Answer every POST with 202 at once; write the port to port_file."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accept)
    server.daemon_threads = True
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


# -- phases, each in its own process ------------------------------------------------------


def _app(database_url: str, instance: str, host: str | None = None):
    from leaktrack import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench",
        "LEAKTRACK_DATA_KEY": DATA_KEY,
    }
    if host:
        config.update(SENDGRID_API_KEY=API_KEY, SENDGRID_API_HOST=host)
    app = create_app(config)
    app.instance_path = instance
    return app


def _people(rows: int, start: int) -> bytes:
    lines = ["external_ref,name,email,phone,address,country,region,language"]
    for n in range(start, min(rows, start + CHUNK)):
        language = "ja" if n % 3 else "en"
        lines.append(f"C{n:08d},山田 太郎{n},user{n}@example.jp,,,JP,JP-13,{language}")
    return ("\n".join(lines) + "\n").encode()


def setup(database_url: str, instance: str, rows: int) -> None:
    """Migrate, create the incident and import `rows` customers linked to it."""
    import flask_migrate

    from leaktrack.extensions import db
    from leaktrack.incidents import service as incidents
    from leaktrack.stakeholders import service as stakeholders

    app = _app(database_url, instance)
    with app.app_context():
        flask_migrate.upgrade()
        incident = incidents.create_incident(
            actor=None,
            actor_label="bench",
            data={
                "title": "Customer database copied",
                "data_categories": ["name", "email"],
                "cause": "unauthorized_access",
            },  # fmt: skip
        )
        db.session.commit()
        for start in range(0, rows, CHUNK):
            stakeholders.import_file(
                stream=io.BytesIO(_people(rows, start)), kind="customer", incident=incident,
                categories=["name", "email"], actor_label="bench",
            )  # fmt: skip
            db.session.commit()
        print(json.dumps({"ref": incident.ref}))


def fanout(database_url: str, instance: str, ref: str) -> None:
    from sqlalchemy import func, select

    from leaktrack.extensions import db
    from leaktrack.incidents import service as incidents
    from leaktrack.notifications import service
    from leaktrack.notifications.models import Delivery

    app = _app(database_url, instance)
    with app.app_context():
        incident = incidents.get_incident(ref=ref)
        started = time.perf_counter()
        notification = service.create_notification(
            incident=incident, actor=None, audience="affected", template_id="customer-notice"
        )
        db.session.commit()
        seconds = time.perf_counter() - started
        by_language = dict(
            db.session.execute(
                select(Delivery.language, func.count())
                .where(Delivery.notification_id == notification.id)
                .group_by(Delivery.language)
            ).all()
        )
        print(json.dumps({"seconds": seconds, "recipients": notification.recipient_count,
                          "by_language": by_language}))  # fmt: skip


def dispatch(database_url: str, instance: str, host: str) -> None:
    from leaktrack.notifications import sending, service

    app = _app(database_url, instance, host)
    with app.app_context():
        service.templates()  # loaded once per process in production too
        started, cpu = time.perf_counter(), cpu_seconds()
        stats = sending.dispatch_due(budget=None)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "sent": stats.sent,
                      "requests": stats.requests, "retries": stats.retries,
                      "peak_mb": peak_mb()}))  # fmt: skip


def baseline(database_url: str, instance: str, host: str, requests: int, recipients: int) -> None:
    """Post pre-built bodies of the same shape with the same client, `requests` times."""
    from leaktrack.notifications import render, service
    from leaktrack.notifications.transports import (
        Message,
        Personalization,
        SendGridTransport,
        sendgrid_body,
    )

    app = _app(database_url, instance, host)
    with app.app_context():
        template = service.get_template("customer-notice", "ja")
        content = render.render(template, {"incident": service.incident_values(
            service.SampleIncident(), "ja"), "fields": render.merged_fields(template, {})})  # fmt: skip
    per_request = math.ceil(recipients / requests)
    used = render.used_fields(content)  # the dispatch sends only the values the content uses
    bodies = []
    for b in range(min(requests, 20)):
        people = tuple(
            Personalization(
                n,
                f"user{n}@example.jp",
                render.substitutions(
                    {
                        "name": f"山田 太郎{n}",
                        "email": f"user{n}@example.jp",
                        "data": "氏名、メールアドレス",
                    },
                    used,
                ),
            )  # fmt: skip
            for n in range(b * per_request, (b + 1) * per_request)
        )
        bodies.append(sendgrid_body(Message(content, "leaktrack@localhost", people,
                                            {"notification_id": "1"})))  # fmt: skip
    transport = SendGridTransport(api_key=API_KEY, host=host)
    started, cpu = time.perf_counter(), cpu_seconds()
    for n in range(requests):
        outcome = transport.post(bodies[n % len(bodies)])
        assert outcome.status == "accepted", outcome
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb()}))


# -- orchestration ------------------------------------------------------------------------


def _run(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.notify", *args],
        cwd=PRODUCT_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        sys.exit(f"phase {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of SQLite")
    args, rest = parser.parse_known_args()
    if rest:
        phase, *params = rest
        {"serve": serve, "setup": setup, "fanout": fanout, "dispatch": dispatch,
         "baseline": baseline}[phase](*[int(p) if p.isdigit() else p for p in params])  # fmt: skip
        return
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as folder:
        database_url = args.postgres or f"sqlite:///{folder}/leaktrack.db"
        port_file = os.path.join(folder, "port")
        server = subprocess.Popen([sys.executable, "-m", "bench.notify", "serve", port_file],
                                  cwd=PRODUCT_DIR)  # fmt: skip
        try:
            started = time.perf_counter()
            ref = _run("setup", database_url, folder, str(args.rows))["ref"]
            print(f"setup: {args.rows:,} customers imported and linked in "
                  f"{time.perf_counter() - started:.1f} s")  # fmt: skip
            while not os.path.exists(port_file) or not Path(port_file).read_text():
                time.sleep(0.05)
            host = f"http://127.0.0.1:{Path(port_file).read_text()}"
            fan = _run("fanout", database_url, folder, ref)
            # each language is its own content, so its own requests
            print(f"fan-out: {fan['recipients']:,} deliveries in {fan['seconds']:.2f} s "
                  f"({fan['recipients'] / fan['seconds']:,.0f} rows/s)")  # fmt: skip
            sent = _run("dispatch", database_url, folder, host)
            limit = sum(math.ceil(n / 1000) for n in fan["by_language"].values()) + sent["retries"]
            print(f"dispatch: {sent['sent']:,} sent in {sent['seconds']:.2f} s "
                  f"({sent['sent'] / sent['seconds']:,.0f} recipients/s), {sent['requests']} "
                  f"requests (limit {limit}: ceil(n/1000) per language + retries), peak RSS {sent['peak_mb']:.0f} MB")  # fmt: skip
            bare = _run("baseline", database_url, folder, host, str(sent["requests"]),
                        str(fan["recipients"]))  # fmt: skip
            print(f"baseline: {sent['requests']} pre-built requests posted in "
                  f"{bare['seconds']:.2f} s ({fan['recipients'] / bare['seconds']:,.0f} "
                  f"recipients/s), peak RSS {bare['peak_mb']:.0f} MB")  # fmt: skip
            ratio = sent["seconds"] / bare["seconds"]
            print(f"ratio dispatch/baseline: {ratio:.2f} wall, {sent['cpu'] / bare['cpu']:.2f} "
                  f"CPU ({sent['cpu']:.1f} s / {bare['cpu']:.1f} s) (target ≤ 2); requests "
                  f"within limit: {sent['requests'] <= limit}")  # fmt: skip
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
