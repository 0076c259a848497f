"""`flask search rebuild [--if-stale]` and `flask search pending`."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from directory import messages as m
from directory.extensions import db
from directory.search.backend import get_backend

search_cli = AppGroup("search", help="Index de recherche : reconstruction, reprise des retards.")


@search_cli.command("rebuild")
@click.option("--if-stale", is_flag=True, help="Seulement si l'index manque ou est en retard.")
def rebuild(if_stale: bool):
    """Reconstruit l'index de recherche depuis la base de données."""
    backend = get_backend(current_app)
    if if_stale and not backend.is_stale(db.session):
        click.echo(m.SEARCH_INDEX_CURRENT)
        return
    count = backend.rebuild(db.session)
    db.session.commit()
    click.echo(m.SEARCH_INDEX_BUILT.format(count=count))


@search_cli.command("pending")
def pending():
    """Écrit dans l'index les fiches en attente (index occupé au moment de leur modification)."""
    written = get_backend(current_app).retry_pending(db.session)
    db.session.commit()
    click.echo(m.SEARCH_PENDING_WRITTEN.format(count=written))


def register(app: Flask) -> None:
    """Attach the command group to the application."""
    app.cli.add_command(search_cli)
