"""The playbooks part of the OpenAPI document."""

from leaktrack.api.openapi import error_responses

_TIME = {"type": "string", "format": "date-time", "nullable": True}
_TEXT = {"type": "string", "nullable": True}
_REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"type": "integer", "minimum": 1}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


SCHEMAS = {
    "PlaybookRunItem": {
        "type": "object",
        "required": [
            "id",
            "phase",
            "text",
            "due_at",
            "assignee",
            "done",
            "done_at",
            "done_by",
            "note",
            "not_applicable",
        ],
        "properties": {
            "id": {"type": "integer"},
            "phase": {"type": "string"},
            "text": {"type": "string"},
            "role": _TEXT,
            "due_at": {**_TIME, "description": "the incident's aware_at plus the item's offset"},
            "assignee": {**_TEXT, "description": "the assigned user's e-mail"},
            "done": {"type": "boolean"},
            "done_at": _TIME,
            "done_by": _TEXT,
            "note": {"type": "string"},
            "evidence_url": _TEXT,
            "not_applicable": {"type": "boolean"},
            "not_applicable_reason": {"type": "string"},
            "added_by_hand": {"type": "boolean"},
        },
    },
    "PlaybookRun": {
        "type": "object",
        "required": ["id", "slug", "version", "progress", "items"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "version": {"type": "integer", "description": "the playbook version the run follows"},
            "started_at": _TIME,
            "started_by": _TEXT,
            "progress": {
                "type": "object",
                "required": ["done", "total"],
                "description": "items marked not applicable count in neither",
                "properties": {
                    "done": {"type": "integer", "minimum": 0},
                    "total": {"type": "integer", "minimum": 0},
                },
            },
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/PlaybookRunItem"}},
        },
    },
}

_RUN = {"$ref": "#/components/schemas/PlaybookRun"}

PATHS = {
    "/api/v1/incidents/{ref}/playbooks": {
        "get": {
            "summary": "The incident's playbook runs with their checklist items",
            "parameters": [_REF],
            "responses": {
                "200": {
                    "description": "Runs, oldest first",
                    "content": _json({"type": "array", "items": _RUN}),
                },
                **error_responses(401, 403, 404),
            },
        },
        "post": {
            "summary": "Start a run of a playbook's current version",
            "parameters": [_REF],
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "required": ["slug"],
                        "properties": {"slug": {"type": "string"}},
                    }
                ),
            },
            "responses": {
                "201": {"description": "The new run", "content": _json(_RUN)},
                **error_responses(400, 401, 403, 404, 409, 415),
            },
        },
    },
    "/api/v1/incidents/{ref}/playbooks/{run_id}/items/{item_id}": {
        "patch": {
            "summary": "Tick or untick an item (with a note and evidence link), assign it, or "
            "mark it not applicable",
            "parameters": [
                _REF,
                {"name": "run_id", "in": "path", "required": True, "schema": _ID},
                {"name": "item_id", "in": "path", "required": True, "schema": _ID},
            ],
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "properties": {
                            "done": {"type": "boolean"},
                            "note": {"type": "string", "maxLength": 5000},
                            "evidence_url": {**_TEXT, "format": "uri"},
                            "assignee": {**_TEXT, "description": "a user's e-mail; null unassigns"},
                            "not_applicable": {"type": "boolean"},
                            "reason": {"type": "string", "description": "why it does not apply"},
                        },
                    }
                ),
            },
            "responses": {
                "200": {"description": "The whole run after the change", "content": _json(_RUN)},
                **error_responses(400, 401, 403, 404, 409, 415),
            },
        }
    },
}
