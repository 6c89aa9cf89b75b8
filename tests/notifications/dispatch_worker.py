"""A scheduler's dispatch run in its own process, for the crash and concurrency tests.

python -m tests.notifications.dispatch_worker DATABASE_URL SENDGRID_HOST INSTANCE CLAIM_SIZE
"""

import sys

from tests.conftest import make_test_app
from tests.notifications.fake_sendgrid import API_KEY


def main() -> None:
    database_url, host, instance, claim_size = sys.argv[1:5]
    app = make_test_app(database_url, instance, SENDGRID_API_KEY=API_KEY, SENDGRID_API_HOST=host)
    from leaktrack.notifications import sending

    with app.app_context():
        stats = sending.dispatch_due(budget=None, claim_size=int(claim_size))
    print(f"sent={stats.sent} requests={stats.requests}", flush=True)


if __name__ == "__main__":
    main()
