"""Engine settings that keep SQLite honest: foreign keys, real transactions and savepoints, and
writers that take the write lock when they begin.

SQLite lets one connection write at a time. A transaction that begins as a reader (`BEGIN`) and
writes later cannot wait for the lock: if another connection wrote in between, SQLite answers
"database is locked" at once, whatever the busy timeout. So a transaction that may write begins
with `BEGIN IMMEDIATE`: it waits (up to the busy timeout) for the lock, then reads the latest data
and writes, and the optimistic-locking check sees the other editor's save (409, not 500).
Readers keep a plain `BEGIN`: with the WAL journal they never block writers nor wait for them.

Which transactions may write is decided per request: POST, PUT, PATCH and DELETE do, safe methods
(GET, HEAD, OPTIONS) don't; outside a request (commands, scripts) every transaction may write,
unless the code says it only reads (`read_only()`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import event

from directory.extensions import db

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_write_intent: ContextVar[bool | None] = ContextVar("directory_write_intent", default=None)


def may_write() -> bool:
    """Tell whether a transaction beginning now may write (see the module's docstring)."""
    intent = _write_intent.get()
    if intent is not None:
        return intent
    if has_request_context():
        return request.method in WRITE_METHODS
    return True


@contextmanager
def read_only() -> Iterator[None]:
    """Begin the transactions of this block as readers (they never wait for the write lock)."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure(app: Flask) -> None:
    """Turn on SQLite foreign keys, the WAL journal, the busy timeout and write-lock-first
    transactions; SQLAlchemy drives the transactions itself (savepoints work)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    if getattr(engine, "_directory_configured", False):
        return
    engine._directory_configured = True
    busy_ms = int(float(app.config["SQLITE_BUSY_TIMEOUT"]) * 1000)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if may_write() else "BEGIN")
