"""The summaries part of the OpenAPI document."""

from leaktrack.api.openapi import error_responses
from leaktrack.incidents.validation import TIME_FIELDS
from leaktrack.vocab import SEVERITIES, STATUSES

_TIME = {"type": "string", "format": "date-time", "nullable": True}
_SECONDS = {"type": "integer", "nullable": True, "description": "seconds, or null when unknown"}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}

SCHEMAS = {
    "Summary": {
        "type": "object",
        "description": "An incident for executives: figures only, no name, e-mail, phone or "
        "address of anyone (timeline actors are roles, 'system' or 'source:<name>').",
        "required": ["ref", "title", "severity", "status", "narrative_html", "times", "durations"],
        "properties": {
            "ref": {"type": "string"},
            "title": {"type": "string"},
            "severity": {"type": "string", "enum": list(SEVERITIES)},
            "status": {"type": "string", "enum": list(STATUSES)},
            "narrative_html": {"type": "string", "description": "the summary, sanitised HTML"},
            "times": {
                "type": "object",
                "required": list(TIME_FIELDS),
                "properties": {name: _TIME for name in TIME_FIELDS},
            },
            "durations": {
                "type": "object",
                "description": "to_detect: occurred to detected; to_contain: detected to "
                "contained; to_first_notice and to_regulator_report: aware (else detected) to "
                "the first notice to individuals and the first report to a regulator",
                "required": ["to_detect", "to_contain", "to_first_notice", "to_regulator_report"],
                "properties": {
                    name: _SECONDS
                    for name in (
                        "to_detect",
                        "to_contain",
                        "to_first_notice",
                        "to_regulator_report",
                    )
                },
            },
            "affected": {"$ref": "#/components/schemas/AffectedCounts"},
            "obligations": {"type": "array", "items": {"$ref": "#/components/schemas/Obligation"}},
            "notifications": _COUNTS,
            "playbooks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "done", "total"],
                    "properties": {
                        "slug": {"type": "string"},
                        "done": {"type": "integer", "minimum": 0},
                        "total": {"type": "integer", "minimum": 0},
                    },
                },
            },
            "timeline": {
                "type": "array",
                "maxItems": 10,
                "items": {
                    "type": "object",
                    "required": ["at", "actor", "action", "text"],
                    "properties": {
                        "at": {"type": "string", "format": "date-time"},
                        "actor": {"type": "string"},
                        "action": {"type": "string"},
                        "text": {"type": "string", "nullable": True},
                    },
                },
            },
        },
    },
}

PATHS = {
    "/api/v1/incidents/{ref}/summary": {
        "get": {
            "summary": "The executive summary of an incident, no personal data",
            "parameters": [
                {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "The summary",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Summary"}}
                    },
                },
                **error_responses(401, 403, 404),
            },
        }
    }
}
