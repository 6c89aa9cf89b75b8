"""The contract's vocabularies: the values the API speaks (pages show them translated)."""

from flask_babel import lazy_gettext as _l

STATUSES = ("open", "investigating", "contained", "notifying", "resolved", "closed")
SEVERITIES = ("low", "medium", "high", "critical")
CAUSES = (
    "unauthorized_access",
    "misdelivery",
    "loss_or_theft",
    "insider",
    "vendor",
    "misconfiguration",
    "malware",
    "other",
)
DATA_CATEGORIES = (
    "name",
    "address",
    "email",
    "phone",
    "contract",
    "payment_card",
    "bank_account",
    "credentials",
    "government_id",
    "sensitive",
    "employment",
    "other",
)
STAKEHOLDER_KINDS = (
    "customer",
    "vendor",
    "stockholder",
    "employee",
    "officer",
    "retiree",
    "family",
    "candidate",
)
ROLES = ("admin", "responder", "executive")
RISK_LEVELS = ("unlikely", "risk", "high")
LANGUAGES = ("en", "ja")

LABELS = {
    "status": {
        "open": _l("Open"),
        "investigating": _l("Investigating"),
        "contained": _l("Contained"),
        "notifying": _l("Notifying"),
        "resolved": _l("Resolved"),
        "closed": _l("Closed"),
    },
    "severity": {
        "low": _l("Low"),
        "medium": _l("Medium"),
        "high": _l("High"),
        "critical": _l("Critical"),
    },
    "cause": {
        "unauthorized_access": _l("Unauthorized access"),
        "misdelivery": _l("Misdelivery"),
        "loss_or_theft": _l("Loss or theft"),
        "insider": _l("Insider misuse"),
        "vendor": _l("Sub-contractor"),
        "misconfiguration": _l("Misconfiguration"),
        "malware": _l("Malware or ransomware"),
        "other": _l("Other"),
    },
    "data_category": {
        "name": _l("Name"),
        "address": _l("Postal address"),
        "email": _l("E-mail address"),
        "phone": _l("Phone number"),
        "contract": _l("Contract details"),
        "payment_card": _l("Payment card"),
        "bank_account": _l("Bank account"),
        "credentials": _l("Login credentials"),
        "government_id": _l("Government ID"),
        "sensitive": _l("Special care-required information"),
        "employment": _l("Employment information"),
        "other": _l("Other"),
    },
    "kind": {
        "customer": _l("Customer"),
        "vendor": _l("Vendor"),
        "stockholder": _l("Stockholder"),
        "employee": _l("Employee"),
        "officer": _l("Officer"),
        "retiree": _l("Retiree"),
        "family": _l("Family member"),
        "candidate": _l("Job candidate"),
    },
    "role": {
        "admin": _l("Administrator"),
        "responder": _l("Responder"),
        "executive": _l("Executive"),
    },
    "risk_level": {
        "unlikely": _l("Unlikely to result in a risk"),
        "risk": _l("Risk to the people affected"),
        "high": _l("High risk to the people affected"),
    },
}


def vocab_label(vocab: str, value: str | None) -> str:
    """The translated label of a vocabulary value; the raw value when none is known."""
    if value is None:
        return ""
    return str(LABELS.get(vocab, {}).get(value, value))


def choices(vocab: str) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field."""
    return [(value, str(label)) for value, label in LABELS[vocab].items()]
