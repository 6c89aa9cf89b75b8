"""The baseline: a Flask endpoint that only answers 202, served the same way as leaktrack."""

from flask import Flask


def create_bare_app() -> Flask:
    """An app whose one endpoint accepts any alert and does nothing with it."""
    app = Flask(__name__)

    @app.post("/api/v1/alerts/<source>")
    def accept(source: str):
        return {"alert_id": 0, "incident_ref": None, "deduplicated": False}, 202

    return app
