"""The OpenAPI 3 document, assembled from each domain's own part."""

from importlib import import_module

#: modules that define PATHS and SCHEMAS for their part of the API
PARTS = (
    "leaktrack.incidents.openapi",
    "leaktrack.obligations.openapi",
    "leaktrack.alerts.openapi",
    "leaktrack.stakeholders.openapi",
    "leaktrack.notifications.openapi",
    "leaktrack.playbooks.openapi",
    "leaktrack.summaries.openapi",
)

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def error_responses(*statuses: int) -> dict:
    """Response entries for the given error statuses, all with the Error body."""
    return {
        str(status): {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }


def build_document() -> dict:
    """The whole document."""
    paths, schemas = {}, {"Error": ERROR}
    for name in PARTS:
        part = import_module(name)
        paths.update(part.PATHS)
        schemas.update(part.SCHEMAS)
    return {
        "openapi": "3.0.3",
        "info": {"title": "leaktrack API", "version": "1"},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
