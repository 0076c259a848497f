"""Backups that any engine can load: every table's rows as JSON, read in one snapshot, with the
schema revision and the versions of the référentiels and of the standard.

The archive holds what the database holds, and the database keeps no secret in clear: passwords
are scrypt hashes, invitation and reset links are signed tokens that are not stored at all. The
search index is a file, not in the archive: `flask restore` rebuilds it from the restored rows.
"""

import gzip
import json
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import JSON, Date, DateTime, MetaData, func, insert, select, text

from directory import messages
from directory.fiches.referentiels import REFERENTIELS_DIR, SCHEMAS_DIR, read_json

FORMAT = "annuaire-dispositifs-coordination/sauvegarde"
FORMAT_VERSION = 1
LEFT_OUT = frozenset({"alembic_version", "content_state"})
BATCH = 1000


class RestoreRefused(Exception):
    """The archive cannot be loaded here; nothing was written."""


def versions() -> dict:
    """Return the versions of the published standard and of each référentiel file."""
    found = {"standard": read_json(SCHEMAS_DIR / "fiche.schema.json")["version"]}
    for path in sorted(REFERENTIELS_DIR.glob("*.json")):
        found[path.stem] = read_json(path).get("version")
    return found


def _plain(value):
    """Return a column value as JSON: timestamps in UTC, dates in ISO 8601."""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _tables(connection) -> list:
    """Return the tables of the database as they are there (its revision, not the code's)."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [t for t in metadata.sorted_tables if t.name not in LEFT_OUT]


def dump(connection) -> dict:
    """Return the archive of a database, read through one connection in one transaction."""
    if connection.dialect.name == "postgresql":
        # One snapshot for every table: what other transactions commit meanwhile is not seen.
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    revision = MigrationContext.configure(connection).get_current_revision()
    tables = {}
    for table in _tables(connection):
        order = list(table.primary_key.columns) or list(table.columns)
        rows = connection.execute(select(table).order_by(*order))
        tables[table.name] = {
            "columns": [c.name for c in table.columns],
            "rows": [[_plain(v) for v in row] for row in rows],
        }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": _plain(datetime.now(UTC)),
        "engine": connection.dialect.name,
        "schema_revision": revision,
        "versions": versions(),
        "tables": tables,
    }


def write(archive: dict, path: Path) -> Path:
    """Write an archive gzipped, readable by its owner alone; a file appears only when whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise FileExistsError(messages.BACKUP_EXISTS.format(path=path))
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".sauvegarde-")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out:
            out.write(json.dumps(archive, ensure_ascii=False, separators=(",", ":")).encode())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path


def read(path: Path) -> dict:
    """Read an archive; refuse what is not one."""
    try:
        with gzip.open(path, "rb") as handle:
            archive = json.loads(handle.read())
    except (OSError, ValueError) as exc:
        raise RestoreRefused(messages.RESTORE_NOT_AN_ARCHIVE.format(path=path)) from exc
    if not isinstance(archive, dict) or archive.get("format") != FORMAT:
        raise RestoreRefused(messages.RESTORE_NOT_AN_ARCHIVE.format(path=path))
    if archive.get("format_version") != FORMAT_VERSION:
        raise RestoreRefused(
            messages.RESTORE_FORMAT_UNKNOWN.format(version=archive.get("format_version"))
        )
    return archive


def _check_revision(script: ScriptDirectory, revision: str | None) -> None:
    """Refuse a revision this code's migrations do not know (a newer version made it)."""
    try:
        known = revision is not None and script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or ambiguous revision
        known = False
    if not known:
        raise RestoreRefused(messages.RESTORE_REVISION_UNKNOWN.format(revision=revision))


def _check_empty(connection, script: ScriptDirectory, revision: str) -> None:
    """Refuse a database holding rows, or migrated past the archive's revision."""
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None and current != revision:
        ancestors = {r.revision for r in script.iterate_revisions(revision, "base")}
        if current not in ancestors:
            raise RestoreRefused(
                messages.RESTORE_DATABASE_AHEAD.format(current=current, revision=revision)
            )
    for table in _tables(connection):
        if connection.execute(select(func.count()).select_from(table)).scalar():
            raise RestoreRefused(messages.RESTORE_NOT_EMPTY.format(table=table.name))


def _value(column, value, dialect: str):
    if value is None or isinstance(column.type, JSON):
        return value
    if isinstance(column.type, DateTime):
        moment = datetime.fromisoformat(value).astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect == "sqlite" else moment
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _load_rows(connection, archive: dict) -> dict[str, int]:
    dialect = connection.dialect.name
    counts = {}
    for table in _tables(connection):
        saved = archive["tables"].get(table.name)
        if saved is None:
            continue
        columns = [table.columns[name] for name in saved["columns"]]
        rows = [
            {c.name: _value(c, v, dialect) for c, v in zip(columns, row, strict=True)}
            for row in saved["rows"]
        ]
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])
        counts[table.name] = len(rows)
        if dialect == "postgresql":
            _move_sequences(connection, table)
    return counts


def _move_sequences(connection, table) -> None:
    """Make PostgreSQL's id sequences continue after the restored ids."""
    for column in table.primary_key.columns:
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar()
        if sequence:
            connection.execute(
                text(
                    f"SELECT setval(:sequence, coalesce((SELECT max({column.name}) "  # noqa: S608 - reflected names of our own tables
                    f"FROM {table.name}), 0) + 1, false)"
                ),
                {"sequence": sequence},
            )


def restore(archive: dict, db, migrations: str) -> dict[str, int]:
    """Load an archive into an empty database of either engine, then migrate it to the head.

    The schema is first made at the archive's revision (rows fit the tables they came from),
    the rows are loaded in one transaction, then the code's migrations bring it up to date.
    """
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    revision = archive.get("schema_revision")
    _check_revision(script, revision)
    with db.engine.connect() as connection:
        _check_empty(connection, script, revision)
    upgrade(directory=migrations, revision=revision)
    with db.engine.begin() as connection:
        _check_empty(connection, script, revision)
        counts = _load_rows(connection, archive)
    upgrade(directory=migrations)
    return counts
