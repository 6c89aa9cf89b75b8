"""Import stakeholder records in one transaction: seal, upsert in batches, link in SQL.

The caller owns the transaction: nothing here commits, so a crash or an error leaves the
database as it was. On SQLite rows go in by `executemany` upserts; on PostgreSQL by COPY into
a temporary table and one `INSERT … SELECT … ON CONFLICT`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from leaktrack.dbutil import is_postgresql
from leaktrack.extensions import db
from leaktrack.timeutil import utcnow

from . import crypto
from .models import Stakeholder
from .records import Invalid, Record

BATCH = 5000
NONCES = 4096
COLUMNS = (
    "kind, external_ref, ref_hash, key_id, pii, pii_digest, email_index, phone_index,"
    " country, region, language, created_at, updated_at"
)
_UPDATED = ("key_id", "pii", "pii_digest", "email_index", "phone_index", "country", "region",
            "language")  # fmt: skip
#: the sealed value differs on every write (fresh nonce): its digest tells whether it changed
_COMPARED = tuple(name for name in _UPDATED if name != "pii")
SHOWN_ERRORS = 100


@dataclass
class ImportResult:
    """What an import did; the invalid rows are kept in a spooled file, not in memory."""

    encoding: str = ""
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0
    invalid: int = 0
    first_errors: list[tuple[int, str]] = field(default_factory=list)
    errors: tempfile.SpooledTemporaryFile = field(
        default_factory=lambda: tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+")  # noqa: SIM115
    )

    def add_error(self, error: Invalid) -> None:
        if not self.invalid:
            self.errors.write("line,reason\r\n")
        self.invalid += 1
        if len(self.first_errors) < SHOWN_ERRORS:
            self.first_errors.append((error.line, error.reason))
        self.errors.write(f'{error.line},"{error.reason.replace(chr(34), chr(39))}"\r\n')

    def errors_csv(self) -> str:
        """Every invalid row as `line,reason` CSV (reasons carry no personal data)."""
        self.errors.seek(0)
        return self.errors.read()

    def counts(self) -> dict:
        return {key: getattr(self, key) for key in (
            "read", "inserted", "updated", "unchanged", "linked", "invalid")}  # fmt: skip

    def summary(self) -> str:
        return (
            f"{self.read} read ({self.encoding}): {self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.linked} linked, {self.invalid} invalid"
        )


def _sqlite_time(moment: datetime) -> str:
    """How SQLAlchemy's DateTime stores a UTC time in SQLite."""
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def sealed_rows(records: Iterable[Record], *, kind: str, key: crypto.DataKey, now) -> Iterable:
    """Database rows for records: contact data sealed, blind indexes and digest computed.

    The same work as crypto.seal, crypto.email_index and friends, inlined: this loop runs once
    per imported row.
    """
    encrypt, urandom, blake2b = key.cipher.encrypt, os.urandom, hashlib.blake2b
    mac_key, size, key_id = key.index_key, crypto.INDEX_BYTES, key.key_id
    norm_email, norm_phone = crypto.normalise_email, crypto.normalise_phone
    kind_prefix = f"r:{kind}\x1f"
    aad_prefix = f"{kind}\x1f"
    # Random nonces fetched from the OS a few thousand at a time: one system call, not one a row.
    pool, at = b"", 0
    for line, ref, name, email, phone, address, country, region, language in records:
        plain = f"{name}\x1f{email}\x1f{phone}\x1f{address}".encode()
        if at == len(pool):
            pool, at = urandom(12 * NONCES), 0
        nonce, at = pool[at : at + 12], at + 12
        digits = norm_phone(phone) if phone else ""
        yield (
            line, kind, ref,
            blake2b((kind_prefix + ref).encode(), key=mac_key, digest_size=size).hexdigest(),
            key_id, nonce + encrypt(nonce, plain, (aad_prefix + ref).encode()),
            blake2b(b"d:" + plain, key=mac_key, digest_size=size).hexdigest(),
            blake2b(("e:" + norm_email(email)).encode(), key=mac_key, digest_size=size).hexdigest() if email else None,
            blake2b(("p:" + digits).encode(), key=mac_key, digest_size=size).hexdigest() if digits else None,
            country, region, language, now, now,
        )  # fmt: skip


class _Writer:
    """Batches of sealed rows into the stakeholders table, and the imported refs aside."""

    def __init__(self, *, kind: str, keep_refs: bool):
        self.kind, self.keep_refs, self.affected = kind, keep_refs, 0
        self.cursor = db.session.connection().connection.dbapi_connection.cursor()
        self.postgres = is_postgresql(db.session)
        self._create_temp_tables()

    def _create_temp_tables(self) -> None:
        if self.postgres:
            self.cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS stakeholder_stage "
                "(line bigint, kind text, external_ref text, ref_hash text, key_id text, "
                "pii bytea, pii_digest text, email_index text, phone_index text, country text, "
                "region text, language text, created_at timestamptz, updated_at timestamptz) "
                "ON COMMIT DROP"
            )
            self.cursor.execute("TRUNCATE stakeholder_stage")
            return
        # Random blind-index keys touch pages all over their indexes: a larger page cache for
        # this connection keeps a million-row import from thrashing (memory stays bounded).
        self.cursor.execute("PRAGMA cache_size = -131072")
        if self.keep_refs:
            # No key: appending is cheaper than keeping a second index of a million refs, and
            # the link query looks each ref up through the stakeholders' unique index instead.
            self.cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS stakeholder_stage (external_ref TEXT)"
            )
            self.cursor.execute("DELETE FROM temp.stakeholder_stage")

    def write(self, rows: list[tuple]) -> None:
        if self.postgres:
            with self.cursor.copy(f"COPY stakeholder_stage (line, {COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join("?" * 13)
        updates = ", ".join(f"{name} = excluded.{name}" for name in _UPDATED)
        changed = " OR ".join(f"stakeholders.{name} IS NOT excluded.{name}" for name in _COMPARED)
        self.cursor.executemany(
            f"INSERT INTO stakeholders ({COLUMNS}) VALUES ({placeholders}) "
            f"ON CONFLICT (kind, external_ref) DO UPDATE SET {updates}, erased_at = NULL, "
            f"updated_at = excluded.updated_at WHERE {changed}",
            [row[1:] for row in rows],
        )
        self.affected += self.cursor.rowcount
        if self.keep_refs:
            self.cursor.executemany(
                "INSERT INTO temp.stakeholder_stage VALUES (?)", [(r[2],) for r in rows]
            )

    def finish(self) -> None:
        """PostgreSQL: upsert the staged rows (the last of each ref wins)."""
        if not self.postgres:
            self.cursor.execute("PRAGMA cache_size = -2000")
            return
        # A fresh temporary table has no statistics: without them the planner joins it by
        # nested loops, which a million rows turn into hours.
        self.cursor.execute("ANALYZE stakeholder_stage")
        updates = ", ".join(f"{name} = excluded.{name}" for name in _UPDATED)
        changed = " OR ".join(
            f"stakeholders.{name} IS DISTINCT FROM excluded.{name}" for name in _COMPARED
        )
        self.cursor.execute(
            f"INSERT INTO stakeholders ({COLUMNS}) "
            f"SELECT DISTINCT ON (external_ref) {COLUMNS} FROM stakeholder_stage "
            f"ORDER BY external_ref, line DESC "
            f"ON CONFLICT (kind, external_ref) DO UPDATE SET {updates}, erased_at = NULL, "
            f"updated_at = excluded.updated_at WHERE {changed}"
        )
        self.affected = self.cursor.rowcount

    def link(self, *, incident_id: int, bits: int, actor_id: int | None, now) -> int:
        """Link every imported ref to the incident; links someone removed stay removed."""
        if self.postgres:
            stage, values = "stakeholder_stage", "%s::int, s.id, %s::int, 'import', %s, %s::int"
            kind, link_time = "%s::text", now
        else:
            stage, values, kind, link_time = (
                "temp.stakeholder_stage",
                "?, s.id, ?, 'import', ?, ?",
                "?",
                _sqlite_time(now),
            )
        self.cursor.execute(
            "INSERT INTO incident_stakeholders (incident_id, stakeholder_id, category_bits, "
            "linked_via, linked_at, linked_by_id) "
            f"SELECT DISTINCT {values} "
            f"FROM stakeholders s JOIN {stage} t ON s.external_ref = t.external_ref "
            f"WHERE s.kind = {kind} "
            "ON CONFLICT (incident_id, stakeholder_id) DO UPDATE SET "
            "category_bits = incident_stakeholders.category_bits | excluded.category_bits "
            "WHERE incident_stakeholders.unlinked_at IS NULL "
            "AND (incident_stakeholders.category_bits | excluded.category_bits) "
            "<> incident_stakeholders.category_bits",
            (incident_id, bits, link_time, actor_id, self.kind),
        )
        return self.cursor.rowcount


def _count(kind: str) -> int:
    return db.session.scalar(select(func.count()).where(Stakeholder.kind == kind))


def run_import(
    *,
    records: Iterable[Record | Invalid],
    kind: str,
    incident_id: int | None = None,
    category_bits: int = 0,
    actor_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
) -> ImportResult:
    """Upsert the valid records (and link them when an incident is given); flush, no commit."""
    db.session.flush()
    result, now = ImportResult(), utcnow()
    postgres = is_postgresql(db.session)
    before = _count(kind)
    writer = _Writer(kind=kind, keep_refs=incident_id is not None)
    valid = _valid_records(records, result)
    rows = sealed_rows(valid, kind=kind, key=crypto.key_ring().current,
                       now=now if postgres else _sqlite_time(now))  # fmt: skip
    batch: list[tuple] = []
    append = batch.append
    for row in rows:
        append(row)
        if len(batch) >= batch_size:
            result.read += len(batch)
            writer.write(batch)
            batch.clear()
            if progress:
                progress(result.read + result.invalid)
    if batch:
        result.read += len(batch)
        writer.write(batch)
    writer.finish()
    result.inserted = _count(kind) - before
    result.updated = writer.affected - result.inserted
    result.unchanged = result.read - writer.affected
    if incident_id is not None:
        result.linked = writer.link(
            incident_id=incident_id, bits=category_bits, actor_id=actor_id, now=now
        )
    if progress:
        progress(result.read + result.invalid)
    return result


def _valid_records(records: Iterable[Record | Invalid], result: ImportResult):
    add_error = result.add_error
    for record in records:
        if type(record) is Invalid:
            add_error(record)
        else:
            yield record


def errors_as_csv(errors: list[tuple[int, str]]) -> str:
    """`line,reason` CSV of the given errors."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("line", "reason"))
    writer.writerows(errors)
    return out.getvalue()
