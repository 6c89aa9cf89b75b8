"""The contract's vocabularies (API values)."""

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
