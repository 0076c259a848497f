"""Engine settings that keep SQLite honest: foreign keys, real transactions and savepoints."""

from flask import Flask
from sqlalchemy import event

from directory.extensions import db


def configure(app: Flask) -> None:
    """Turn on SQLite foreign keys and let SQLAlchemy drive its transactions (savepoints work)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    if getattr(engine, "_directory_configured", False):
        return
    engine._directory_configured = True

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN")
