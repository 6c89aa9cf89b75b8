"""Imports uploaded from a page: queued as rows, run by the scheduler, polled by the page.

The import itself runs in one transaction, so its progress cannot be read from the database
while it runs (SQLite has one writer): the worker writes it to a small file in the instance
folder, which the page's poll reads.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import utcnow
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS

from . import crypto, records, service
from .maintenance import open_upload, seal_upload
from .models import StakeholderImport

log = logging.getLogger(__name__)
UPLOAD_MAX = 64 * 1024 * 1024


def _progress_path(upload_id: int) -> Path:
    return Path(current_app.instance_path) / "imports" / f"{upload_id}.progress"


def progress_of(upload: StakeholderImport) -> tuple[int, int]:
    """(bytes done, bytes in all) of a running import; (0, 0) when unknown."""
    try:
        done, total = _progress_path(upload.id).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return 0, 0


def _write_progress(upload_id: int, done: int, total: int) -> None:
    path = _progress_path(upload_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{done} {total}")
    os.replace(tmp, path)


def queue_import(
    *, content: bytes, filename: str, kind: str, encoding: str, incident: Incident | None,
    categories: list[str], mapping: dict, actor,
) -> StakeholderImport:  # fmt: skip
    """Keep the uploaded file sealed and queue its import."""
    from leaktrack.errors import ValidationError

    errors = {}
    if kind not in STAKEHOLDER_KINDS:
        errors["kind"] = "unknown kind"
    if encoding not in records.ENCODINGS:
        errors["encoding"] = "unknown encoding"
    if not content:
        errors["file"] = "the file is empty"
    elif len(content) > UPLOAD_MAX:
        errors["file"] = "the file is over 64 MiB: import it with the command line"
    if [c for c in categories if c not in DATA_CATEGORIES]:
        errors["categories"] = "unknown data category"
    if errors:
        raise ValidationError(errors)
    upload = StakeholderImport(
        kind=kind, filename=(filename or "upload")[:255], encoding=encoding, mapping=mapping,
        incident_id=incident.id if incident else None, categories=categories,
        created_by_id=actor.id if actor else None,
    )  # fmt: skip
    db.session.add(upload)
    db.session.flush()
    seal_upload(upload, content, crypto.key_ring().current)
    db.session.flush()
    return upload


def _run(upload: StakeholderImport) -> None:
    content = open_upload(upload)
    stream = io.BytesIO(content)
    total = len(content)
    _write_progress(upload.id, 0, total)
    result = service.import_file(
        stream=stream, kind=upload.kind, encoding=upload.encoding, filename=upload.filename,
        incident=upload.incident, categories=upload.categories or None,
        mapping=upload.mapping or None, actor_label=f"import:{upload.id}",
        progress=lambda _rows: _write_progress(upload.id, stream.tell(), total),
    )  # fmt: skip
    upload.result = {**result.counts(), "encoding": result.encoding}
    upload.errors_csv = result.errors_csv()


def run_queued_imports() -> None:
    """The scheduler job: run each queued import in its own transaction."""
    app = current_app._get_current_object()
    # A row left "running" belongs to a worker that died: its transaction was rolled back.
    for upload in db.session.scalars(
        select(StakeholderImport).where(StakeholderImport.status == "running")
    ):
        upload.status = "queued"
    db.session.commit()
    queued = select(StakeholderImport.id).where(StakeholderImport.status == "queued")
    for upload_id in db.session.scalars(queued.order_by(StakeholderImport.id)).all():
        _run_one(app, upload_id)


def _run_one(app, upload_id: int) -> None:
    upload = db.session.get(StakeholderImport, upload_id)
    upload.status, upload.started_at = "running", utcnow()
    db.session.commit()
    try:
        _run(upload)
        upload.status = "done"
    except Exception as exc:  # noqa: BLE001 — the page must show that it failed, and why
        db.session.rollback()
        upload = db.session.get(StakeholderImport, upload_id)
        upload.status = "failed"
        fields = getattr(exc, "fields", None)
        upload.message = "; ".join(fields.values()) if fields else "the import failed"
        if not fields:
            log.exception("import %s failed", upload_id)
    upload.content, upload.key_id, upload.finished_at = None, None, utcnow()
    db.session.commit()
    _progress_path(upload_id).unlink(missing_ok=True)
