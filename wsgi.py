"""Entry point for production servers: `gunicorn wsgi:app`."""

from leaktrack import create_app

app = create_app()
