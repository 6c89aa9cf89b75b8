"""Dispatch: claim due deliveries with a lease, send them in batches, record the outcome.

Part of the delivery core: imports no Flask; it works on a SQLAlchemy session and the
deliveries table, and is given a `prepare` function that turns claimed rows into messages.

Crash safety. Each step commits before the next one starts:

1. claim    scheduled → sending, with a claim token and a lease (an expiry time);
2. mark     posted_at is set on the batch, just before the request goes out;
3. post     one request per batch of at most 1,000 recipients;
4. record   sending → sent (with SendGrid's message id), or → failed with the reason.

A scheduler killed at any point leaves rows in `sending` whose lease expires. A later run
(this process or another) reclaims them: without posted_at they surely did not go out and
are scheduled again; with posted_at SendGrid may have accepted them (killed between 3 and
4), so they become `uncertain` and are never resent blindly: an event from SendGrid settles
them, and only when none has come after UNCERTAIN_GRACE are they scheduled again.
"""

from __future__ import annotations

import bisect
import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Table, and_, select, update
from sqlalchemy.orm import Session

from leaktrack.notifications.transports import Message, Outcome

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
UNCERTAIN_GRACE = timedelta(hours=1)
MAX_ATTEMPTS = 5
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
#: longer waits (a rate limit resetting far ahead) give the batch back instead of sleeping
MAX_INLINE_WAIT = 120.0


def _now() -> datetime:
    return datetime.now(UTC)


class Claimed(NamedTuple):
    """A claimed delivery row, as much as preparing it needs (a tuple: a batch makes 1,000)."""

    id: int
    notification_id: int
    language: str
    stakeholder_id: int | None
    category_bits: int
    user_id: int | None
    email: str | None


@dataclass
class Prepared:
    """What `prepare` makes of claimed rows: messages to post, and rows that cannot go."""

    messages: list[Message] = field(default_factory=list)
    #: delivery id -> reason (e.g. "no address")
    failed: dict[int, str] = field(default_factory=dict)


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    requests: int = 0
    retries: int = 0
    reclaimed: int = 0
    uncertain: int = 0


def backoff(attempt: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Exponential backoff with full jitter for the given (1-based) attempt."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


class Dispatcher:
    """Claims, posts and records deliveries in one table."""

    def __init__(
        self,
        session: Session,
        table: Table,
        *,
        transport,
        prepare: Callable[[list[Claimed]], Prepared],
        on_accepted: Callable[[Message, Outcome], None] | None = None,
        clock: Callable[[], datetime] = _now,
        sleep: Callable[[float], None] = time.sleep,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: float = BACKOFF_BASE,
    ):
        self.session, self.table, self.transport = session, table, transport
        self.prepare, self.on_accepted = prepare, on_accepted
        self.clock, self.sleep, self.lease = clock, sleep, lease
        self.max_attempts, self.backoff_base = max_attempts, backoff_base
        self.stats = Stats()
        #: claim token -> the ids it holds, sorted (only the current claim is kept)
        self.claimed: dict[str, list[int]] = {}

    def _execute(self, statement):
        """Run a Core statement on the session's connection (its transaction), without the
        ORM's result handling, which costs more than the statement for 1,000-row batches."""
        return self.session.connection().execute(statement)

    # -- leases ---------------------------------------------------------------------------

    def reclaim_expired(self) -> None:
        """Expired leases: never posted → scheduled again; maybe posted → uncertain."""
        t, now = self.table, self.clock()
        expired = and_(t.c.status == "sending", t.c.lease_until < now)
        again = self._execute(
            update(t)
            .where(expired, t.c.posted_at.is_(None))
            .values(status="scheduled", claim_token=None, lease_until=None)
        ).rowcount
        unsure = self._execute(
            update(t)
            .where(expired, t.c.posted_at.is_not(None))
            .values(status="uncertain", claim_token=None, lease_until=None)
        ).rowcount
        self.session.commit()
        self.stats.reclaimed += again
        self.stats.uncertain += unsure
        if again or unsure:
            log.warning("reclaimed %d expired deliveries, %d uncertain", again, unsure)

    def resend_unsettled(self, grace: timedelta = UNCERTAIN_GRACE) -> int:
        """Uncertain deliveries no event settled within `grace`: scheduled again."""
        t, now = self.table, self.clock()
        count = self._execute(
            update(t)
            .where(t.c.status == "uncertain", t.c.posted_at < now - grace, t.c.event_at.is_(None))
            .values(status="scheduled", posted_at=None, due_at=now)
        ).rowcount
        self.session.commit()
        return count

    def claim(self, limit: int) -> tuple[str, list[Claimed]]:
        """Take up to `limit` due deliveries atomically; two schedulers never get the same row."""
        t, now = self.table, self.clock()
        token = secrets.token_hex(16)
        due = (
            select(t.c.id)
            .where(t.c.status == "scheduled", t.c.due_at <= now)
            .order_by(t.c.due_at, t.c.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            # Lock the due rows (others skip them) in a materialized CTE, evaluated once, and
            # update exactly those: a LIMIT subquery inside the UPDATE may be run again by
            # PostgreSQL and take more rows.
            locked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
            chosen = t.c.id == locked.c.id
            still_due = t.c.status == "scheduled"
        else:
            # SQLite has one writer at a time; the status condition makes the claim atomic.
            # (`status || ''` keeps SQLite from scanning every scheduled row by the status
            # index instead of looking the chosen ids up by primary key.)
            chosen = t.c.id.in_(due.scalar_subquery())
            still_due = t.c.status.concat("") == "scheduled"
        statement = (
            update(t)
            .where(chosen, still_due)
            .values(status="sending", claim_token=token, lease_until=now + self.lease)
            .returning(
                t.c.id,
                t.c.notification_id,
                t.c.language,
                t.c.stakeholder_id,
                t.c.category_bits,
                t.c.user_id,
                t.c.email,
            )
        )
        rows = list(map(Claimed._make, self._execute(statement).all()))
        self.session.commit()
        rows.sort(key=lambda row: row.id)
        self.claimed = {token: [row.id for row in rows]}
        self.stats.claimed += len(rows)
        return token, rows

    # -- one batch ------------------------------------------------------------------------

    def _ids(self, message: Message) -> list[int]:
        return [person.delivery_id for person in message.personalizations]

    def _which(self, token: str, ids: Iterable[int]):
        """SQL for exactly these claimed rows: an id range when no other claimed row of this
        claim lies inside it (cheap at 1,000 rows), else the id list."""
        t, ids = self.table, sorted(ids)
        claimed = self.claimed.get(token, [])
        lo, hi = ids[0], ids[-1]
        inside = bisect.bisect_right(claimed, hi) - bisect.bisect_left(claimed, lo)
        if inside == len(ids):
            return and_(t.c.claim_token == token, t.c.id.between(lo, hi))
        return and_(t.c.claim_token == token, t.c.id.in_(ids))

    def _update(self, token: str, ids: Iterable[int], **values) -> None:
        t = self.table
        self._execute(
            update(t).where(self._which(token, ids), t.c.status == "sending").values(**values)
        )

    def _fail(self, token: str, failures: dict[int, str]) -> None:
        by_reason: dict[str, list[int]] = {}
        for delivery_id, reason in failures.items():
            by_reason.setdefault(reason[:500], []).append(delivery_id)
        for reason, ids in by_reason.items():
            self._update(token, ids, status="failed", reason=reason, claim_token=None,
                         lease_until=None)  # fmt: skip
        self.stats.failed += len(failures)

    def post(self, token: str, message: Message) -> Outcome:
        """Post one batch with bounded retries; record before and after each attempt."""
        ids = self._ids(message)
        outcome = Outcome("failed", reason="not attempted")
        for attempt in range(1, self.max_attempts + 1):
            now = self.clock()
            self._update(token, ids, posted_at=now, lease_until=now + self.lease,
                         attempts=self.table.c.attempts + 1)  # fmt: skip
            self.session.commit()
            self.stats.requests += 1
            outcome = self.transport.send(message)
            if outcome.status != "retry":
                break
            self.stats.retries += 1
            if not outcome.maybe_accepted:
                # SendGrid answered and did not take it: a crash while waiting resends safely
                self._update(token, ids, posted_at=None)
            wait = (
                outcome.wait
                if outcome.wait is not None
                else backoff(attempt, base=self.backoff_base)
            )
            if attempt == self.max_attempts:
                break
            now = self.clock()
            if wait > MAX_INLINE_WAIT and not outcome.maybe_accepted:
                # a rate limit that resets far ahead: hand the batch back, due at the reset
                self._update(token, ids, status="scheduled", due_at=now + timedelta(seconds=wait),
                             claim_token=None, lease_until=None, posted_at=None)  # fmt: skip
                self.session.commit()
                log.warning("batch of %d: %s; due again in %.0fs", len(ids), outcome.reason, wait)
                return outcome
            self._update(token, ids, lease_until=now + self.lease + timedelta(seconds=wait))
            self.session.commit()
            log.info("batch of %d: %s; retrying in %.1fs", len(ids), outcome.reason, wait)
            self.sleep(wait)
        self._record(token, ids, message, outcome)
        return outcome

    def _record(self, token: str, ids: list[int], message: Message, outcome: Outcome) -> None:
        if outcome.status == "accepted":
            self._update(token, ids, status="sent", sent_at=self.clock(),
                         message_id=outcome.message_id, claim_token=None, lease_until=None)  # fmt: skip
            self.stats.sent += len(ids)
            self.session.commit()
            if self.on_accepted is not None:
                try:
                    self.on_accepted(message, outcome)
                except Exception:
                    # the deliveries are recorded as sent; only the bookkeeping copy is lost
                    self.session.rollback()
                    log.exception("recording an accepted batch of %d failed", len(ids))
        else:
            reason = outcome.reason or "failed"
            if outcome.status == "retry":
                reason = f"gave up after {self.max_attempts} attempts: {reason}"
            self._fail(token, dict.fromkeys(ids, reason))
        self.session.commit()

    # -- a run ----------------------------------------------------------------------------

    def run(self, *, claim_size: int = 1000, budget: float | None = None) -> Stats:
        """Reclaim, then claim and send until nothing is due or the time budget is spent."""
        started = time.monotonic()
        self.reclaim_expired()
        while budget is None or time.monotonic() - started < budget:
            token, rows = self.claim(claim_size)
            if not rows:
                break
            try:
                prepared = self.prepare(rows)
            except Exception as exc:
                self.session.rollback()
                log.exception("preparing %d deliveries failed", len(rows))
                prepared = Prepared(failed={row.id: f"cannot prepare: {exc}" for row in rows})
            if prepared.failed:
                self._fail(token, prepared.failed)
                self.session.commit()
            for message in prepared.messages:
                self.post(token, message)
        return self.stats
