"""Helpers for stakeholder tests: files in each encoding, imports through the service."""

import io

import pytest

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.stakeholders import service

HEADER = "external_ref,name,email,phone,address,country,region,language"
ROWS = [
    "C-1,山田 太郎,taro@example.jp,03-1234-5678,東京都千代田区丸の内1-1,JP,JP-13,",
    "C-2,佐藤 花子,hanako@example.jp,090-1111-2222,大阪府大阪市北区1-2,JP,JP-27,ja",
    "C-3,Ann Lee,ann@example.com,+1 415 555 0100,1 Market St,US,US-CA,en",
]


def csv_bytes(rows=ROWS, encoding="utf-8", header=HEADER, bom=False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


@pytest.fixture
def do_import(app):
    """do_import(content, kind=..., incident=REF, ...) → ImportResult, committed."""

    def run(content: bytes, *, kind="customer", incident=None, **options):
        with app.app_context():
            found = incidents.get_incident(ref=incident) if incident else None
            result = service.import_file(
                stream=io.BytesIO(content), kind=kind, incident=found, **options
            )
            db.session.commit()
            return result

    return run
