"""A worked incident whose every summary figure is computed by hand in the tests."""

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations import service as obligations
from leaktrack.stakeholders import service as stakeholders

T = {
    "occurred_at": datetime(2026, 1, 10, 0, 0, tzinfo=UTC),
    "detected_at": datetime(2026, 1, 10, 6, 0, tzinfo=UTC),
    "aware_at": datetime(2026, 1, 10, 8, 0, tzinfo=UTC),
    "contained_at": datetime(2026, 1, 11, 8, 0, tzinfo=UTC),
}
#: filings: the regulator report 30 h after awareness, the first notice to people 50 h after
REGULATOR_FILED = datetime(2026, 1, 11, 14, 0, tzinfo=UTC)
INDIVIDUALS_FILED = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)

HEADER = "external_ref,name,email,phone,address,country,region,language"
CUSTOMERS = [
    "C-1,山田 太郎,taro@example.jp,03-1234-5678,東京都千代田区丸の内1-1,JP,JP-13,ja",
    "C-2,佐藤 花子,hanako@example.jp,090-1111-2222,大阪府大阪市北区1-2,JP,JP-27,ja",
    "C-3,Ann Lee,ann.lee@example.com,+1 415 555 0100,1 Market Street San Francisco,US,US-CA,en",
]
EMPLOYEES = [
    "E-1,Bob Stone,bob.stone@corp.example,+44 20 7946 0000,10 Downing Lane London,GB,,en",
    "E-2,鈴木 一郎,ichiro@corp.example,045-222-3333,神奈川県横浜市中区3-3,JP,JP-14,ja",
]
#: every piece of contact data in the fixture, none of which a summary may contain
PERSONAL_DATA = [value for row in CUSTOMERS + EMPLOYEES for value in row.split(",")[1:5]] + [
    "山田",
    "佐藤",
    "Stone",
    "鈴木",
    "taro@",
    "03-1234",
]


def _csv(rows) -> io.BytesIO:
    return io.BytesIO(("\r\n".join([HEADER, *rows]) + "\r\n").encode())


@pytest.fixture
def worked_incident(app, make_user):
    """LT ref of an incident with 5 people (1 then unlinked), 2 filings, 1 note."""
    _, email = make_user("responder", email="resp.one@example.test")
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.email == email))
        incident = incidents.create_incident(
            actor=actor,
            data={
                "title": "Misdelivered statements",
                "summary": "Statements were **posted** to the wrong addresses.<script>x()</script>",
                "severity": "high",
                "cause": "misdelivery",
                "data_categories": ["name", "email", "bank_account"],
                "jurisdictions": ["JP"],
                "malicious": False,
                "risk_level": "high",
                **{k: v.isoformat() for k, v in T.items()},
            },
        )
        stakeholders.import_file(
            stream=_csv(CUSTOMERS), kind="customer", incident=incident,
            categories=["name", "email"], actor=actor, filename="c.csv",
        )  # fmt: skip
        stakeholders.import_file(
            stream=_csv(EMPLOYEES), kind="employee", incident=incident,
            categories=["name", "bank_account"], actor=actor, filename="e.csv",
        )  # fmt: skip
        person = next(p for p, _c in _linked(incident) if p.external_ref == "C-2")
        stakeholders.unlink_person(
            incident=incident, stakeholder=person, actor=actor,
            reason="佐藤 花子 hanako@example.jp was listed twice",
        )  # fmt: skip
        obligations.record_filing(
            incident=incident, rule_id="JP-APPI-PPC-PRELIM", filed_at=REGULATOR_FILED, actor=actor
        )
        obligations.record_filing(
            incident=incident,
            rule_id="JP-APPI-INDIVIDUALS",
            filed_at=INDIVIDUALS_FILED,
            actor=actor,
        )
        incidents.add_note(incident=incident, actor=actor, text="Courier confirmed the batch.")
        db.session.commit()
        return incident.ref


def _linked(incident):
    return [(person, link) for link, person in stakeholders.iter_linked(incident=incident)]
