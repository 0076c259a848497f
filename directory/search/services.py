"""The index follows commits: changes are collected at flush, written after a commit succeeded.

Bulk Core inserts (`flask seed demo`) bypass the session events: rebuild after them.
"""

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from directory.extensions import db
from directory.fiches.models import (
    Contact,
    DispositifType,
    Fiche,
    FicheLink,
    FicheTerritory,
    FicheValue,
    Source,
    fiche_porteurs,
)
from directory.organisations.models import Organisation
from directory.search.backend import get_backend

FICHE_CHILDREN = (FicheValue, FicheTerritory, Source, Contact)
KEY = "search_changes"


def _collect(session, _context) -> None:
    """Note the fiches and types touched by this flush (ids are known after it)."""
    fiche_ids, type_codes, organisation_ids = session.info.setdefault(KEY, (set(), set(), set()))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Fiche):
            fiche_ids.add(obj.id)
        elif isinstance(obj, FICHE_CHILDREN):
            fiche_ids.add(obj.fiche_id)
        elif isinstance(obj, FicheLink):
            fiche_ids.update((obj.from_id, obj.to_id))
        elif isinstance(obj, DispositifType):
            type_codes.add(obj.code)
        elif isinstance(obj, Organisation) and obj.id is not None:
            organisation_ids.add(obj.id)


def _discard(session, previous_transaction) -> None:
    """Forget the changes when the whole transaction rolled back (not a savepoint)."""
    if previous_transaction.parent is None:
        session.info.pop(KEY, None)


def _apply(session) -> None:
    """Write the collected changes to the index, from a short session of its own."""
    changes = session.info.pop(KEY, None)
    if not changes or not has_app_context() or not current_app.config.get("SEARCH_ENABLED", True):
        return
    fiche_ids, type_codes, organisation_ids = changes
    fiche_ids.discard(None)
    backend = get_backend(current_app)
    if not backend.exists():
        return  # built from the database on first use
    # The bind is the engine, or the tests' connection: both see what was just committed.
    with Session(bind=db.engine, join_transaction_mode="create_savepoint") as own:
        if type_codes:
            fiche_ids |= set(own.scalars(select(Fiche.id).where(Fiche.type_code.in_(type_codes))))
        if organisation_ids:
            fiche_ids |= set(
                own.scalars(
                    select(fiche_porteurs.c.fiche_id).where(
                        fiche_porteurs.c.organisation_id.in_(organisation_ids)
                    )
                )
            )
        backend.apply(own, fiche_ids, type_codes)


def listen() -> None:
    """Listen to db.session's flushes, commits and rollbacks (once per process)."""
    if event.contains(db.session, "after_flush", _collect):
        return
    event.listen(db.session, "after_flush", _collect)
    event.listen(db.session, "after_commit", _apply)
    event.listen(db.session, "after_soft_rollback", _discard)


def configure(app: Flask) -> None:
    """Start following commits."""
    listen()
