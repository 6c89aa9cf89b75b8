"""Benchmark the monitoring webhook against a bare Flask endpoint, both under gunicorn.

Each app runs under gunicorn with 2 workers on loopback; leaktrack uses a file SQLite database.
A second process posts the same fixed count of signed Alertmanager alerts to each (a few
concurrent connections, fingerprints cycling over a small set so most alerts are repeats, as
real Alertmanager traffic is) and reports alerts/s, p50 and p99 latency, and the ratio.

    make bench-alerts        # or: python -m bench.alerts --count 3000
"""

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PRODUCT_DIR = Path(__file__).resolve().parent.parent
SOURCE = "bench-prometheus"


def main() -> None:
    options = _arguments()
    with tempfile.TemporaryDirectory(prefix="leaktrack-bench-") as folder:
        env = _environment(Path(folder))
        secret = _prepare_database(env)
        bare = _measure("bench.bare:create_bare_app()", env, secret, options)
        leaktrack = _measure("leaktrack:create_app()", env, secret, options)
    _report(options, bare, leaktrack)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="alerts posted to each app")
    parser.add_argument("--connections", type=int, default=4, help="concurrent client connections")
    parser.add_argument(
        "--fingerprints", type=int, default=50, help="distinct alerts cycled through"
    )
    return parser.parse_args()


def _environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'leaktrack.db'}",
        "SECRET_KEY": "bench-secret-key",
        "LEAKTRACK_DATA_KEY": "k1:" + "b" * 43,
        "PYTHONPATH": str(PRODUCT_DIR),
    }


def _prepare_database(env: dict[str, str]) -> str:
    """Migrate the database and register the benchmark's signed source; return its secret."""
    flask = [sys.executable, "-m", "flask", "--app", "leaktrack"]
    subprocess.run(
        [*flask, "db", "upgrade"], env=env, cwd=PRODUCT_DIR, check=True, capture_output=True
    )
    created = subprocess.run(
        [
            *flask,
            "sources",
            "create",
            SOURCE,
            "--format",
            "alertmanager",
            "--auth",
            "hmac",
            "--rate-limit",
            "0",
        ],
        env=env,
        cwd=PRODUCT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    return next(w for w in created.stdout.split() if w.startswith("whsec_"))


def _measure(app: str, env: dict[str, str], secret: str, options) -> dict[str, float]:
    """Serve one app under gunicorn and time the client process against it."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        env=env,
        cwd=PRODUCT_DIR,
        stderr=subprocess.DEVNULL,  # leaktrack still writes its request log; it is not shown
    )
    try:
        _wait_for(port)
        context = multiprocessing.get_context("spawn")
        with context.Pool(1) as pool:
            return pool.apply(
                _client, (port, secret, options.count, options.connections, options.fingerprints)
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _client(port: int, secret: str, count: int, connections: int, fingerprints: int) -> dict:
    """Post `count` signed alerts over `connections` threads; runs in its own process."""
    from leaktrack.alerts.signing import sign

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def post(number: int) -> None:
        body = json.dumps(_alertmanager_payload(number % fingerprints)).encode()
        webhook_id = f"msg_bench_{port}_{number}"
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body
            ),
        }
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", f"/api/v1/alerts/{SOURCE}", body=body, headers=headers)
        status = connection.getresponse().status
        connection.close()
        with lock:
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as threads:
        list(threads.map(post, range(count)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "rate": count / elapsed,
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
        "statuses": statuses,
    }


def _alertmanager_payload(number: int) -> dict:
    return {
        "receiver": "leaktrack",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "DLPBulkExport",
                    "instance": f"fileserver-{number:02d}:9100",
                    "severity": "critical",
                },
                "annotations": {
                    "summary": f"Bulk export of customer records from fileserver-{number:02d}"
                },
                "startsAt": "2026-11-27T22:14:05.123456789Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": f"bench{number:011x}",
            }
        ],
        "groupLabels": {"alertname": "DLPBulkExport"},
        "commonLabels": {"alertname": "DLPBulkExport"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": '{}:{alertname="DLPBulkExport"}',
        "truncatedAlerts": 0,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start on port {port}")


def _report(options, bare: dict, leaktrack: dict) -> None:
    print(
        f"{options.count} signed Alertmanager alerts, {options.fingerprints} distinct fingerprints, "
        f"{options.connections} connections, gunicorn --workers 2, SQLite file database"
    )
    print(f"{'':>12} {'alerts/s':>10} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for name, figures in (("bare Flask", bare), ("leaktrack", leaktrack)):
        print(
            f"{name:>12} {figures['rate']:>10.0f} {figures['p50_ms']:>8.2f} {figures['p99_ms']:>8.2f}  "
            f"{figures['statuses']}"
        )
    print(f"ratio (leaktrack / bare): {leaktrack['rate'] / bare['rate']:.2f}")


if __name__ == "__main__":
    main()
