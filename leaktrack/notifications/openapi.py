"""The notifications part of the OpenAPI document."""

from leaktrack.api.openapi import error_responses
from leaktrack.notifications.models import DELIVERY_STATUSES
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS

_REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "notification_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_TIME = {"type": "string", "format": "date-time", "nullable": True}


def _json(ref: str, description: str, array: bool = False) -> dict:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    if array:
        schema = {"type": "array", "items": schema}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS = {
    "Notification": {
        "type": "object",
        "required": ["id", "audience", "template", "scheduled_for", "status", "counts"],
        "properties": {
            "id": {"type": "integer"},
            "audience": {"type": "string", "enum": ["affected", "regulator", "internal"]},
            "template": {"type": "string"},
            "language": {"type": "string", "enum": ["auto", "ja", "en"]},
            "scheduled_for": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["scheduled", "sending", "done", "cancelled"]},
            "counts": {
                "type": "object",
                "required": list(DELIVERY_STATUSES),
                "properties": {s: {"type": "integer", "minimum": 0} for s in DELIVERY_STATUSES},
            },
            "recipients": {"type": "integer", "minimum": 0},
            "rule_id": {"type": "string", "nullable": True},
            "created_at": {"type": "string", "format": "date-time"},
            "cancelled_at": _TIME,
        },
    },
    "NewNotification": {
        "type": "object",
        "required": ["audience", "template"],
        "properties": {
            "audience": {"type": "string", "enum": ["affected", "regulator", "internal"]},
            "template": {"type": "string"},
            "language": {"type": "string", "enum": ["auto", "ja", "en"]},
            "scheduled_for": _TIME,
            "filters": {
                "type": "object",
                "properties": {
                    "kinds": {
                        "type": "array",
                        "items": {"type": "string", "enum": list(STAKEHOLDER_KINDS)},
                    },
                    "data_categories": {
                        "type": "array",
                        "items": {"type": "string", "enum": list(DATA_CATEGORIES)},
                    },
                },
            },
            "recipients": {"type": "array", "items": {"type": "string", "format": "email"}},
            "values": {
                "type": "object",
                "description": "fields: the template's fill-in values (defaults apply when left out)",
                "properties": {
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}}
                },
            },
        },
    },
    "Template": {
        "type": "object",
        "required": ["id", "audience", "language", "subject"],
        "properties": {
            "id": {"type": "string"},
            "audience": {"type": "string", "enum": ["customer", "regulator", "internal"]},
            "language": {"type": "string", "enum": ["ja", "en"]},
            "subject": {"type": "string"},
        },
    },
    "EventsApplied": {
        "type": "object",
        "required": ["applied", "repeated"],
        "properties": {"applied": {"type": "integer"}, "repeated": {"type": "integer"}},
    },
}

PATHS = {
    "/api/v1/templates": {
        "get": {
            "summary": "Message templates",
            "responses": {
                "200": _json("Template", "Templates", array=True),
                **error_responses(401, 403),
            },
        }
    },
    "/api/v1/incidents/{ref}/notifications": {
        "get": {
            "summary": "The incident's notifications with their delivery counts",
            "parameters": [_REF],
            "responses": {
                "200": _json("Notification", "Notifications, newest first", array=True),
                **error_responses(401, 403, 404),
            },
        },
        "post": {
            "summary": "Schedule a notification (null scheduled_for, or a past time, means now)",
            "parameters": [_REF],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewNotification"}}
                },
            },
            "responses": {
                "201": _json("Notification", "Scheduled"),
                **error_responses(400, 401, 403, 404, 409, 415),
            },
        },
    },
    "/api/v1/incidents/{ref}/notifications/{notification_id}/cancel": {
        "post": {
            "summary": "Cancel what has not gone out (409 when everything has)",
            "parameters": [_REF, _ID],
            "responses": {
                "200": _json("Notification", "Cancelled"),
                **error_responses(401, 403, 404, 409),
            },
        }
    },
    "/api/v1/sendgrid/events": {
        "post": {
            "summary": "SendGrid's signed event webhook (ECDSA, SENDGRID_WEBHOOK_PUBLIC_KEY)",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}
                },
            },
            "responses": {
                "200": _json("EventsApplied", "Events recorded (repeats skipped)"),
                **error_responses(400, 401),
            },
        }
    },
}
