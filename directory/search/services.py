"""The index follows commits through the change log.

At each flush, the documents touched are written to `search_changes` in the same transaction (a
rollback takes them away with the change). After a commit, this process applies the log to its
index; if it cannot (the writer lock is held, the index is damaged), the change stays in the log
and the next writer, search or `flask search pending` applies it. The request never fails for it.

Bulk statements through the session (`flask seed demo`'s inserts) log "*": the next search
rebuilds the index. Statements outside the session are not followed: rebuild after them.
"""

import logging
import os
import signal

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from directory.extensions import db
from directory.fiches.models import (
    Contact,
    DispositifType,
    Fiche,
    FicheLink,
    FicheTerritory,
    FicheValue,
    Site,
    Source,
)
from directory.organisations.models import Organisation
from directory.search.backend import get_backend
from directory.search.models import EVERYTHING
from directory.search.replica import IndexBroken, log_change

FICHE_CHILDREN = (FicheValue, FicheTerritory, Source, Contact, Site)
# Tables whose bulk statements (insert/update/delete through the session) change documents.
INDEXED_TABLES = {
    "fiches",
    "fiche_values",
    "fiche_territories",
    "sources",
    "contacts",
    "fiche_links",
    "fiche_porteurs",
    "dispositif_types",
    "organisations",
}
CHANGED = "search_changed"
LOCKED = "search_log_locked"
log = logging.getLogger(__name__)


def _documents(objects) -> set[str]:
    """Return the search documents that a flush of these objects changes."""
    keys = set()
    for obj in objects:
        if isinstance(obj, Fiche):
            keys.add(f"fiche:{obj.id}")
        elif isinstance(obj, FICHE_CHILDREN):
            keys.add(f"fiche:{obj.fiche_id}")
        elif isinstance(obj, FicheLink):
            keys.update((f"fiche:{obj.from_id}", f"fiche:{obj.to_id}"))
        elif isinstance(obj, DispositifType):
            keys.add(f"type:{obj.code}")
        elif isinstance(obj, Organisation) and obj.id is not None:
            keys.add(f"organisation:{obj.id}")
    return {k for k in keys if not k.endswith(":None")}


def _indexed(obj) -> bool:
    return isinstance(obj, (Fiche, DispositifType, Organisation, FicheLink, *FICHE_CHILDREN))


def _lock(session) -> None:
    """On PostgreSQL, take the log's lock before the first indexed write of a transaction.

    Log ids then follow commit order, as on SQLite where writers are serialised: an index that
    applied id N never misses an id below N committed later. Readers are not blocked.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if session.info.get(LOCKED) is not transaction:
        session.connection().exec_driver_sql("LOCK TABLE search_changes IN EXCLUSIVE MODE")
        session.info[LOCKED] = transaction


def _lock_log(session, _context, _instances) -> None:
    if any(_indexed(o) for o in (*session.new, *session.dirty, *session.deleted)):
        _lock(session)


def _log_bulk(state) -> None:
    """A bulk statement on an indexed table: log everything (the next search rebuilds)."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in INDEXED_TABLES:
        _lock(state.session)
        log_change(state.session, {EVERYTHING})
        state.session.info[CHANGED] = True


def _log(session, _context) -> None:
    """Write the documents touched by this flush to the change log (ids are known after it)."""
    keys = _documents((*session.new, *session.dirty, *session.deleted))
    if keys:
        log_change(session, keys)
        session.info[CHANGED] = True


def _forget(session, previous_transaction) -> None:
    """A whole rollback takes the log rows with it: nothing to apply."""
    if previous_transaction.parent is None:
        session.info.pop(CHANGED, None)
        session.info.pop(LOCKED, None)


def _apply(session) -> None:
    """After a commit that logged changes, apply the log to this process's index."""
    session.info.pop(LOCKED, None)
    if not session.info.pop(CHANGED, False) or not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config.get("SEARCH_ENABLED", True):
        return
    if app.testing and app.config.get("SEARCH_KILL_AFTER_COMMIT"):
        # Test-only fault: die between the database commit and the index write.
        os.kill(os.getpid(), signal.SIGKILL)
    catch_up(app)


def catch_up(app: Flask) -> None:
    """Apply the log to the index, from a short session of its own; never raise."""
    backend = get_backend(app)
    try:
        # The bind is the engine, or the tests' connection: both see what was just committed.
        with Session(bind=db.engine, join_transaction_mode="create_savepoint") as own:
            # A missing or damaged index is rebuilt by the next search, not in this request.
            if backend.catch_up(own, rebuild=False) is None:
                log.info("index de recherche occupé ou absent : la modification reste au journal")
    except IndexBroken as exc:
        backend.broken = str(exc)
        log.error("index de recherche endommagé (%s) : reconstruit à la prochaine recherche", exc)
    except Exception:  # the change is committed and stays in the log: never fail the request
        log.exception("écriture de l'index de recherche impossible : reprise au prochain usage")


def listen() -> None:
    """Listen to db.session's flushes, commits and rollbacks (once per process)."""
    if event.contains(db.session, "after_flush", _log):
        return
    event.listen(db.session, "before_flush", _lock_log)
    event.listen(db.session, "after_flush", _log)
    event.listen(db.session, "do_orm_execute", _log_bulk)
    event.listen(db.session, "after_commit", _apply)
    event.listen(db.session, "after_soft_rollback", _forget)


def configure(app: Flask) -> None:
    """Start following commits."""
    listen()
