"""Errors the service layer raises and how the web answers them."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ValidationError(Exception):
    """Input that cannot be accepted; `fields` maps each bad field to its message."""

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message or "invalid input")
        self.fields = fields
        self.message = message


class ConflictError(Exception):
    """A request that the current state of a record refuses (HTTP 409)."""


class NotFoundError(Exception):
    """A record that does not exist, or not where it was asked for (HTTP 404)."""


def _is_api() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    """A JSON error response in the contract's shape."""
    body = {"error": code, "message": str(message)}
    if fields:
        body["fields"] = {key: str(value) for key, value in fields.items()}
    return jsonify(body), status


def _page_error(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def _code_for(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def register_error_handlers(app: Flask) -> None:
    """Answer every error as JSON under /api and as a page elsewhere; never leak internals."""

    @app.errorhandler(ValidationError)
    def validation(exc: ValidationError):
        message = exc.message or _("Some fields are not valid.")
        if _is_api():
            return api_error(400, "validation_error", message, exc.fields)
        return _page_error(400, message)

    @app.errorhandler(ConflictError)
    def conflict(exc: ConflictError):
        if _is_api():
            return api_error(409, "conflict", str(exc))
        return _page_error(409, str(exc))

    @app.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError):
        message = str(exc) or _("Not found.")
        if _is_api():
            return api_error(404, "not_found", message)
        return _page_error(404, message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _(
            "The form expired or was not sent from this site. Reload the page and try again."
        )
        if _is_api():
            return api_error(400, "csrf", message)
        return _page_error(400, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _is_api():
            response, status = api_error(exc.code or 500, _code_for(exc), exc.description or "")
            for key, value in exc.get_headers() or []:
                if key.lower() not in ("content-type", "content-length"):
                    response.headers[key] = value
            return response, status
        return _page_error(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _is_api():
            return api_error(500, "internal_error", _("Something went wrong on our side."))
        return _page_error(500, _("Something went wrong on our side."))
