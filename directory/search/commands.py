"""`flask search rebuild [--if-stale]`, `flask search pending` and `flask search prune`."""

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import delete, func, select, update

from directory import messages as m
from directory.core.models import utcnow
from directory.extensions import db
from directory.search.backend import get_backend
from directory.search.models import EVERYTHING, SearchChange

search_cli = AppGroup("search", help="Index de recherche : reconstruction, reprise du journal.")


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
    """Applique à l'index les modifications du journal qu'il n'a pas encore appliquées."""
    backend = get_backend(current_app)
    written = backend.catch_up(db.session)
    db.session.commit()
    if written is None:
        click.echo(m.SEARCH_INDEX_BUSY)
    else:
        click.echo(m.SEARCH_PENDING_WRITTEN.format(count=written))


@search_cli.command("prune")
@click.option("--days", type=click.IntRange(1), default=30, show_default=True)
def prune(days: int):
    """Oublie les entrées du journal de plus de DAYS jours (un index plus en retard se
    reconstruira entièrement)."""
    last_old = db.session.scalar(
        select(func.max(SearchChange.id)).where(
            SearchChange.changed_at < utcnow() - timedelta(days=days)
        )
    )
    removed = 0
    if last_old:
        removed = db.session.execute(delete(SearchChange).where(SearchChange.id < last_old))
        removed = removed.rowcount
        # The newest forgotten row stands for them all: an index behind it rebuilds itself.
        db.session.execute(
            update(SearchChange).where(SearchChange.id == last_old).values(document=EVERYTHING)
        )
    db.session.commit()
    click.echo(m.SEARCH_LOG_PRUNED.format(count=removed))


def register(app: Flask) -> None:
    """Attach the command group to the application."""
    app.cli.add_command(search_cli)
