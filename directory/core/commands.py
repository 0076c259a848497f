"""Command line: `flask backup [FILE]` and `flask restore FILE`."""

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from directory import messages
from directory.core import backup, database
from directory.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path | None):
    """Écrit une sauvegarde cohérente de la base, chargeable par SQLite comme par PostgreSQL
    (par défaut dans instance/backups/, lisible par son seul propriétaire)."""
    if file is None:
        folder = Path(current_app.instance_path) / "backups"
        folder.mkdir(mode=0o700, exist_ok=True)
        file = folder / f"annuaire-{datetime.now():%Y%m%d-%H%M%S}.json.gz"
    with database.read_only(), db.engine.connect() as connection:
        archive = backup.dump(connection)
    try:
        backup.write(archive, file)
    except FileExistsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    rows = sum(len(t["rows"]) for t in archive["tables"].values())
    click.echo(
        messages.BACKUP_WRITTEN.format(
            path=file, rows=rows, tables=len(archive["tables"]), revision=archive["schema_revision"]
        )
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Charge une sauvegarde dans une base vide (SQLite ou PostgreSQL), la met à jour vers le
    schéma de cette version, puis reconstruit l'index de recherche."""
    from directory.search.backend import get_backend

    try:
        archive = backup.read(file)
        counts = backup.restore(archive, db, MIGRATIONS)
    except backup.RestoreRefused as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    get_backend(current_app).rebuild(db.session)
    db.session.commit()
    click.echo(
        messages.RESTORE_DONE.format(
            rows=sum(counts.values()), tables=len(counts), revision=archive["schema_revision"]
        )
    )
    if archive.get("versions") != backup.versions():
        click.echo(messages.RESTORE_VERSIONS_DIFFER.format(saved=archive.get("versions")))


def register(app: Flask) -> None:
    """Attach the commands to the application."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
