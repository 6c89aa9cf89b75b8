"""Database set-up that differs per backend."""

import sqlite3

from flask import Flask
from sqlalchemy import event

from leaktrack.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def configure(app: Flask) -> None:
    """Turn on SQLite's foreign keys and WAL for every connection this app opens."""
    with app.app_context():
        event.listen(db.engine, "connect", _sqlite_pragmas)
