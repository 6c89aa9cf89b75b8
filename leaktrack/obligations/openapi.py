"""The obligations part of the OpenAPI document."""

from leaktrack.api.openapi import error_responses

_TIME = {"type": "string", "format": "date-time", "nullable": True}

SCHEMAS = {
    "Obligation": {
        "type": "object",
        "required": [
            "rule_id",
            "jurisdiction",
            "recipient",
            "required",
            "reason",
            "due_at",
            "status",
        ],
        "properties": {
            "rule_id": {"type": "string"},
            "jurisdiction": {"type": "string"},
            "recipient": {"type": "string"},
            "required": {"type": "boolean"},
            "reason": {"type": "string"},
            "due_at": _TIME,
            "status": {"type": "string", "enum": ["pending", "met", "missed", "not_required"]},
            "audience": {"type": "string", "enum": ["regulator", "individuals", "media", "other"]},
            "is_legal_deadline": {
                "type": "boolean",
                "description": "false: due_at is a planning target for 'without undue delay'",
            },
            "cannot_compute": {"type": "string", "nullable": True},
            "waiting_for": {"type": "string", "nullable": True},
            "filed_at": _TIME,
            "is_filed_on_time": {"type": "boolean", "nullable": True},
            "is_overridden": {"type": "boolean"},
            "title": {"type": "string"},
            "law": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "string"}},
            "verification": {"type": "string", "enum": ["primary", "secondary", "unverified"]},
        },
    },
}

PATHS = {
    "/api/v1/incidents/{ref}/obligations": {
        "get": {
            "summary": "Regulator and individual notification obligations with deadlines",
            "parameters": [
                {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "The incident's obligations, soonest due first",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Obligation"},
                            }
                        }
                    },
                },
                **error_responses(401, 403, 404),
            },
        }
    }
}
