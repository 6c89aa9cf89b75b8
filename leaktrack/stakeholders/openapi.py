"""The stakeholders part of the OpenAPI document."""

from leaktrack.api.openapi import error_responses
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
_PERSON = {
    "type": "object",
    "required": ["kind", "external_ref"],
    "properties": {
        "kind": {"type": "string", "enum": list(STAKEHOLDER_KINDS)},
        "external_ref": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}

SCHEMAS = {
    "AffectedCounts": {
        "type": "object",
        "required": ["total", "estimated_unidentified", "by_kind", "by_category", "by_country"],
        "properties": {
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "identified plus estimated_unidentified (the incident's count)",
            },
            "identified": {"type": "integer", "minimum": 0},
            "estimated_unidentified": {"type": "integer", "minimum": 0},
            "by_kind": _COUNTS,
            "by_category": _COUNTS,
            "by_country": _COUNTS,
        },
    },
    "AffectedLinked": {
        "allOf": [
            {"$ref": "#/components/schemas/AffectedCounts"},
            {
                "type": "object",
                "required": ["linked", "not_found"],
                "properties": {
                    "linked": {"type": "integer", "minimum": 0},
                    "not_found": {"type": "array", "items": _PERSON},
                },
            },
        ]
    },
}

PATHS = {
    "/api/v1/incidents/{ref}/affected": {
        "get": {
            "summary": "Counts of the incident's affected people, by kind, category and country",
            "parameters": [_REF],
            "responses": {
                "200": {
                    "description": "Counts (no personal data)",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/AffectedCounts"}
                        }
                    },
                },
                **error_responses(401, 403, 404),
            },
        },
        "post": {
            "summary": "Link people (by kind and external_ref) to the incident",
            "parameters": [_REF],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"type": "array", "items": _PERSON, "maxItems": 10000},
                                {
                                    "type": "object",
                                    "properties": {
                                        "people": {"type": "array", "items": _PERSON},
                                        "data_categories": {
                                            "type": "array",
                                            "items": {
                                                "type": "string",
                                                "enum": list(DATA_CATEGORIES),
                                            },
                                        },
                                        "estimated_unidentified": {"type": "integer", "minimum": 0},
                                    },
                                },
                            ]
                        }
                    },
                    "text/csv": {
                        "schema": {
                            "type": "string",
                            "description": "CSV with columns kind, external_ref",
                        }
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    },
                },
            },
            "responses": {
                "200": {
                    "description": "Linked; the counts after, and the refs not found",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/AffectedLinked"}
                        }
                    },
                },
                **error_responses(400, 401, 403, 404, 409, 413, 415),
            },
        },
    }
}
