"""The monitoring webhook's part of the OpenAPI document."""

from leaktrack.api.openapi import error_responses
from leaktrack.vocab import DATA_CATEGORIES

_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
_TIME = {"type": "string", "format": "date-time"}

SCHEMAS = {
    "AlertmanagerWebhook": {
        "type": "object",
        "description": "Prometheus Alertmanager webhook, version 4 (Grafana's webhook contact "
        "point sends the same shape with extra fields, which are ignored).",
        "required": ["alerts"],
        "properties": {
            "version": {"type": "string"},
            "receiver": {"type": "string"},
            "status": {"type": "string", "enum": ["firing", "resolved"]},
            "groupKey": {"type": "string"},
            "truncatedAlerts": {"type": "integer", "minimum": 0},
            "groupLabels": _STRINGS,
            "commonLabels": _STRINGS,
            "commonAnnotations": _STRINGS,
            "externalURL": {"type": "string"},
            "alerts": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["status", "fingerprint"],
                    "properties": {
                        "status": {"type": "string", "enum": ["firing", "resolved"]},
                        "labels": _STRINGS,
                        "annotations": _STRINGS,
                        "startsAt": _TIME,
                        "endsAt": _TIME,
                        "generatorURL": {"type": "string"},
                        "fingerprint": {"type": "string", "minLength": 1, "maxLength": 200},
                    },
                },
            },
        },
    },
    "GenericAlert": {
        "type": "object",
        "required": ["id", "title"],
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 200},
            "title": {"type": "string", "minLength": 1},
            "severity": {"type": "string", "nullable": True},
            "description": {"type": "string", "nullable": True},
            "occurred_at": {**_TIME, "nullable": True},
            "labels": {"type": "object", "nullable": True},
            "data_categories": {
                "type": "array",
                "nullable": True,
                "items": {"type": "string", "enum": list(DATA_CATEGORIES)},
            },
            "affected_count": {"type": "integer", "minimum": 0, "nullable": True},
        },
    },
    "AlertAccepted": {
        "type": "object",
        "required": ["alert_id", "incident_ref", "deduplicated"],
        "properties": {
            "alert_id": {"type": "integer"},
            "incident_ref": {"type": "string"},
            "deduplicated": {"type": "boolean"},
            "alerts": {
                "type": "array",
                "description": "One entry per alert of the delivery; the first is also given "
                "at the top level.",
                "items": {
                    "type": "object",
                    "properties": {
                        "alert_id": {"type": "integer"},
                        "incident_ref": {"type": "string"},
                        "deduplicated": {"type": "boolean"},
                    },
                },
            },
        },
    },
}

_HEADER = {"in": "header", "required": False, "schema": {"type": "string"}}

PATHS = {
    "/api/v1/alerts/{source}": {
        "post": {
            "summary": "Monitoring webhook: an alert opens or joins an incident",
            "description": "Authenticated per source: Standard Webhooks signature headers "
            "(hmac sources) or `Authorization: Bearer <secret>` (bearer sources), not a user token.",
            "security": [{}, {"bearer": []}],
            "parameters": [
                {"name": "source", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "webhook-id", **_HEADER},
                {"name": "webhook-timestamp", **_HEADER},
                {"name": "webhook-signature", **_HEADER},
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/AlertmanagerWebhook"},
                                {"$ref": "#/components/schemas/GenericAlert"},
                            ]
                        }
                    }
                },
            },
            "responses": {
                "202": {
                    "description": "Accepted",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/AlertAccepted"}
                        }
                    },
                },
                "429": {
                    "description": "Over the source's rate",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                **error_responses(400, 401, 404, 409, 413, 415),
            },
        }
    }
}
