"""The incidents part of the OpenAPI document."""

from leaktrack.api.openapi import error_responses
from leaktrack.vocab import CAUSES, DATA_CATEGORIES, RISK_LEVELS, SEVERITIES, STATUSES

_TIME = {"type": "string", "format": "date-time", "nullable": True}
_WRITABLE = {
    "title": {"type": "string", "maxLength": 200, "minLength": 1, "pattern": "\\S"},
    "summary": {"type": "string", "maxLength": 20000},
    "status": {"type": "string", "enum": list(STATUSES)},
    "severity": {"type": "string", "enum": list(SEVERITIES)},
    "cause": {"type": "string", "enum": list(CAUSES)},
    "data_categories": {
        "type": "array",
        "items": {"type": "string", "enum": list(DATA_CATEGORIES)},
    },
    "malicious": {"type": "boolean"},
    "data_encrypted": {"type": "boolean"},
    "risk_level": {"type": "string", "enum": list(RISK_LEVELS), "nullable": True},
    "jurisdictions": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
    "occurred_at": _TIME,
    "detected_at": _TIME,
    "aware_at": _TIME,
    "contained_at": _TIME,
    "resolved_at": _TIME,
    "affected_count": {"type": "integer", "minimum": 0},
}

SCHEMAS = {
    "IncidentInput": {"type": "object", "properties": _WRITABLE, "additionalProperties": False},
    "NewIncident": {
        "type": "object",
        "required": ["title"],
        "properties": {**_WRITABLE, "status": {"type": "string", "enum": ["open"]}},
        "additionalProperties": False,
    },
    "Incident": {
        "type": "object",
        "required": ["ref", "title", "status", "severity"],
        "properties": {
            "ref": {"type": "string", "pattern": "^LT-[0-9]{4}-[0-9]{4,}$"},
            **_WRITABLE,
            "closed_at": _TIME,
            "owner": {"type": "string", "nullable": True},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
}

_REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
_INCIDENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Incident"}}}
_INPUT = {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentInput"}}}

PATHS = {
    "/api/v1/incidents": {
        "get": {
            "summary": "List incidents, newest first",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(STATUSES)},
                },
                {
                    "name": "severity",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(SEVERITIES)},
                },
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            ],
            "responses": {
                "200": {
                    "description": "Incidents; X-Total-Count has the number matching",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Incident"},
                            }
                        }
                    },
                },
                **error_responses(400, 401, 403),
            },
        },
        "post": {
            "summary": "Create an incident (it starts open)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewIncident"}}
                },
            },
            "responses": {
                "201": {"description": "Created", "content": _INCIDENT},
                **error_responses(400, 401, 403, 415),
            },
        },
    },
    "/api/v1/incidents/{ref}": {
        "parameters": [_REF],
        "get": {
            "summary": "One incident",
            "responses": {
                "200": {"description": "The incident", "content": _INCIDENT},
                **error_responses(401, 403, 404),
            },
        },
        "patch": {
            "summary": "Change facts or move the status one step",
            "requestBody": {"required": True, "content": _INPUT},
            "responses": {
                "200": {"description": "Updated", "content": _INCIDENT},
                **error_responses(400, 401, 403, 404, 409, 415),
            },
        },
    },
}
