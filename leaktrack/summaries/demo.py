"""The demo data set: a year of incidents of every cause and status, thousands of linked people,
obligations met, pending and missed, and timeline notes.

`leaktrack demo` creates the incidents, then runs every entry of STEPS ("module:function", each
`step(rng, incidents) -> None`) in order, in one transaction. Other domains add their own step
(playbook runs, notifications) to STEPS. All contact data is made up, on reserved domains
(example.com, example.jp) and fictional phone ranges.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from importlib import import_module

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.incidents.models import Incident
from leaktrack.obligations import service as obligations
from leaktrack.stakeholders import service as stakeholders
from leaktrack.timeutil import utcnow
from leaktrack.vocab import CAUSES, STATUSES

STEPS: tuple[str, ...] = (
    "leaktrack.summaries.demo:people_step",
    "leaktrack.summaries.demo:obligations_step",
    "leaktrack.summaries.demo:notes_step",
    "leaktrack.playbooks.demo:demo_step",
    "leaktrack.notifications.demo:demo_step",
)

TITLES = {
    "unauthorized_access": [
        "Customer portal accessed with stolen passwords",
        "Admin console reached from an unknown network",
        "API key abused to read order history",
    ],  # fmt: skip
    "misdelivery": [
        "Statements mailed to the wrong addresses",
        "Payroll e-mail sent to an outside list",
        "Invoices attached to the wrong customer records",
    ],  # fmt: skip
    "loss_or_theft": [
        "Laptop stolen from a sales car",
        "USB stick lost on a train",
        "Paper files missing after an office move",
    ],  # fmt: skip
    "insider": [
        "Employee exported the customer list before leaving",
        "Call-centre agent looked up celebrities",
        "Contractor copied HR records",
    ],  # fmt: skip
    "vendor": [
        "Mailing house breached",
        "Cloud CRM vendor reports exposure",
        "Payroll provider ransomware",
    ],  # fmt: skip
    "misconfiguration": [
        "Storage bucket left public",
        "Search index open to the internet",
        "Backup share without a password",
    ],  # fmt: skip
    "malware": [
        "Ransomware on the file server",
        "Info-stealer on a finance PC",
        "Web shop skimming script",
    ],  # fmt: skip
    "other": [
        "Fax sent to the wrong number",
        "Documents left in a meeting room",
        "Shared calendar showed patient names",
    ],  # fmt: skip
}
CATEGORIES = {
    "unauthorized_access": ["name", "email", "credentials"],
    "misdelivery": ["name", "address", "contract"],
    "loss_or_theft": ["name", "address", "phone", "employment"],
    "insider": ["name", "phone", "email", "contract"],
    "vendor": ["name", "address", "bank_account"],
    "misconfiguration": ["name", "email", "phone", "government_id"],
    "malware": ["name", "payment_card", "email"],
    "other": ["name", "sensitive"],
}
SURNAMES_JA = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN_JA = ["太郎", "花子", "一郎", "美咲", "健太", "陽菜", "翔", "結衣", "大輔", "さくら"]
SURNAMES_EN = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Martin", "Garcia"]
GIVEN_EN = ["Alex", "Sam", "Jordan", "Maria", "Chris", "Emma", "Noah", "Olivia"]
PLACES = [("JP", "JP-13", "ja"), ("JP", "JP-27", "ja"), ("JP", "JP-14", "ja"), ("JP", "JP-23", "ja"),
          ("US", "US-CA", "en"), ("GB", None, "en"), ("DE", None, "en"), ("SG", None, "en")]  # fmt: skip
HEADER = "external_ref,name,email,phone,address,country,region,language"
INCIDENTS = 72


def run_demo(
    *, seed: int = 7, count: int = INCIDENTS, now: datetime | None = None
) -> list[Incident]:
    """Create the demo incidents and run every step; flush, the caller commits."""
    rng = random.Random(seed)
    made, to_close = make_incidents(rng, count=count, now=now or utcnow())
    for path in STEPS:
        module, _, name = path.partition(":")
        getattr(import_module(module), name)(rng, made)
        db.session.flush()
    for incident in to_close:
        incidents.change_status(incident=incident, actor=None, status="closed")
    return made


#: status -> (youngest, oldest) age in days of the incidents made with it
AGES = {
    "open": (0.5, 4),
    "investigating": (1, 20),
    "contained": (5, 40),
    "notifying": (10, 90),
    "resolved": (30, 300),
    "closed": (60, 360),
}


def _status_for(age_days: float, rng: random.Random) -> str:
    """Older incidents are further along; a few stay stuck."""
    if age_days > 120:
        return rng.choice(["closed", "closed", "closed", "resolved", "notifying"])
    if age_days > 45:
        return rng.choice(["closed", "resolved", "resolved", "notifying", "contained"])
    if age_days > 10:
        return rng.choice(["notifying", "contained", "investigating", "resolved"])
    if age_days > 2:
        return rng.choice(["investigating", "investigating", "contained"])
    return rng.choice(["open", "investigating"])


def _times(rng: random.Random, occurred: datetime, status: str, now: datetime) -> dict:
    detected = occurred + timedelta(hours=rng.uniform(0.5, 24 * rng.choice([1, 2, 5, 20])))
    aware = detected + timedelta(hours=rng.uniform(0.2, 30))
    times = {
        "occurred_at": occurred,
        "detected_at": min(detected, now),
        "aware_at": min(aware, now),
    }
    step = STATUSES.index(status)
    if step >= STATUSES.index("contained"):
        times["contained_at"] = min(aware + timedelta(hours=rng.uniform(2, 24 * 9)), now)
    if step >= STATUSES.index("resolved"):
        times["resolved_at"] = min(times["contained_at"] + timedelta(days=rng.uniform(3, 40)), now)
    return times


def make_incidents(
    rng: random.Random, *, count: int, now: datetime
) -> tuple[list[Incident], list[Incident]]:
    """`count` incidents over the last year, every cause and status, moved through the workflow
    (those meant to end closed stop at resolved, so that the steps can still add to them)."""
    made, to_close = [], []
    for number in range(count):
        cause = CAUSES[number % len(CAUSES)]
        if number < len(STATUSES) * 2:  # every status at least twice, at a fitting age
            status = STATUSES[number % len(STATUSES)]
            age = rng.uniform(*AGES[status])
        else:
            age = rng.uniform(0.5, 360)
            status = _status_for(age, rng)
        times = _times(rng, now - timedelta(days=age), status, now)
        incident = incidents.create_incident(
            actor=None,
            actor_label="demo",
            data={
                "title": rng.choice(TITLES[cause]),
                "summary": _narrative(cause, rng),
                "severity": rng.choices(("low", "medium", "high", "critical"), (3, 5, 3, 1))[0],
                "cause": cause,
                "data_categories": CATEGORIES[cause],
                "malicious": cause in ("unauthorized_access", "malware", "insider"),
                "data_encrypted": rng.random() < 0.1,
                "risk_level": rng.choice(["unlikely", "risk", "high", "high"]),
                "jurisdictions": rng.choice(
                    [["JP"], ["JP"], ["JP", "US"], ["EU", "GB"], ["JP", "SG"]]
                ),  # fmt: skip
                **{name: at.isoformat() for name, at in times.items()},
            },
        )
        incident.created_at = times["detected_at"]
        for target in STATUSES[1 : STATUSES.index(status) + 1]:
            if target == "closed":
                to_close.append(incident)
                break
            incidents.change_status(incident=incident, actor=None, status=target)
        made.append(incident)
    db.session.flush()
    return made, to_close


def _narrative(cause: str, rng: random.Random) -> str:
    scope = rng.choice(["one system", "two business units", "a single vendor", "the web shop"])
    return (
        f"**What happened:** a {cause.replace('_', ' ')} incident affecting {scope}.\n\n"
        "**What we did:** contained the source, preserved evidence, assessed the risk to the "
        "people affected.\n\n**Next:** notify as required and follow up with the owners."
    )


def _person(rng: random.Random, ref: str) -> str:
    country, region, language = rng.choice(PLACES)
    if language == "ja":
        name = f"{rng.choice(SURNAMES_JA)} {rng.choice(GIVEN_JA)}"
        email = f"user{ref.lower()}@example.jp"
        phone = f"090-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}"
        address = f"{rng.randrange(1, 9)}-{rng.randrange(1, 30)} 架空町 デモ市"
    else:
        name = f"{rng.choice(GIVEN_EN)} {rng.choice(SURNAMES_EN)}"
        email = f"user{ref.lower()}@example.com"
        phone = f"+1 555 01{rng.randrange(10, 99)}"
        address = f"{rng.randrange(1, 999)} Example Street"
    return ",".join([ref, name, email, phone, address, country, region or "", language])


def people_step(rng: random.Random, made: list[Incident]) -> None:
    """Link made-up people to each incident (a few hundred for big ones), some shared."""
    for incident in made:
        size = int(min(1500, rng.lognormvariate(3.6, 1.1)))
        by_kind = {"customer": size, "employee": rng.randrange(0, 12)}
        if incident.cause in ("vendor", "insider"):
            by_kind["vendor"] = rng.randrange(1, 6)
        for kind, n in by_kind.items():
            if n == 0:
                continue
            prefix = kind[0].upper()
            refs = {f"{prefix}-{rng.randrange(1, 60_000):05d}" for _ in range(n)}
            rows = [_person(rng, ref) for ref in sorted(refs)]
            content = ("\r\n".join([HEADER, *rows]) + "\r\n").encode()
            stakeholders.import_file(
                stream=io.BytesIO(content), kind=kind, incident=incident,
                actor_label="demo", filename=f"demo-{kind}.csv",
            )  # fmt: skip
        if rng.random() < 0.3:
            stakeholders.set_estimate(
                incident=incident, actor=None, estimated_unidentified=rng.randrange(10, 400)
            )


def obligations_step(rng: random.Random, made: list[Incident]) -> None:
    """File most notifications before their deadline, a few late, a few never (missed)."""
    now = utcnow()
    missed_one = False
    for incident in made:
        progressed = STATUSES.index(incident.status) >= STATUSES.index("notifying")
        for obligation in obligations.sync_states(incident=incident, now=now):
            if not obligation.required or obligation.due_at is None:
                continue
            if not progressed and obligation.due_at > now:
                continue  # still pending
            if not missed_one or rng.random() < (0.02 if progressed else 0.1):
                missed_one = True
                continue  # never filed: missed
            aware = incident.aware_at or incident.detected_at
            if rng.random() < 0.15:
                filed = obligation.due_at + timedelta(hours=rng.uniform(1, 72))
            else:
                filed = aware + (obligation.due_at - aware) * rng.uniform(0.3, 0.95)
            obligations.record_filing(
                incident=incident, rule_id=obligation.rule_id, filed_at=min(filed, now),
                reference=f"DEMO-{incident.id}-{rng.randrange(1000, 9999)}",
                text="Filed from the demo data set.",
            )  # fmt: skip


NOTES = [
    "Containment confirmed by the infrastructure team.",
    "Counsel reviewed the draft notice.",
    "Root cause identified; fix scheduled.",
    "Call centre briefed with the Q&A.",
    "Regulator acknowledged receipt.",
]


def notes_step(rng: random.Random, made: list[Incident]) -> None:
    """A few notes on each incident's timeline."""
    for incident in made:
        for text in rng.sample(NOTES, rng.randrange(0, 3)):
            incidents.add_note(incident=incident, actor=None, text=text)
