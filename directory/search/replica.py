"""An index as a replica of the database: it applies the change log, in order, and says where it is.

Every index commit carries a marker document with the id of the last change it applied (tantivy's
writer has no commit payload; Whoosh gets the same marker). An index is behind when the log holds
a larger id: it catches up at start, after each commit of this process, and before serving.
One writer per index folder at a time, under a file lock (`writer.lock`); other processes reload
as readers. An index whose files are damaged is rebuilt from the database.
Engines (tantivy_backend.py, whoosh_backend.py) subclass `ReplicaIndex`; this module never imports
them.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

from filelock import FileLock, Timeout
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.fiches.models import Fiche, fiche_porteurs
from directory.search import documents
from directory.search.matching import TypeLexicon
from directory.search.models import EVERYTHING, SearchChange
from directory.search.querying import ParsedQuery, parse
from directory.search.results import Hit, SearchRequest, SearchResults
from directory.search.vocabulary import IndexVocabulary

log = logging.getLogger(__name__)

LOCK_FILE = "writer.lock"
LOCK_TIMEOUT = 5.0  # seconds a writer waits for another process's writer
REBUILD_WAIT = 900.0  # seconds a search waits for another process building a missing index
MARKER_ID = "state:replica"
BATCH = 1000  # changes applied per index commit when catching up a long way
PARSE_CACHE = 256  # parsed queries kept per process


class IndexBroken(Exception):
    """The index cannot be read or written as it is: rebuild it from the database."""


@dataclass(frozen=True)
class Marker:
    """What an index commit says about itself."""

    applied: int  # id of the last change of the log applied (0: none yet)
    schema: int  # the engine's schema version
    build: str  # changes at every rebuild: with `applied`, names a generation


def last_change(session) -> int:
    """Return the id of the last change of the log (0 when empty)."""
    return session.scalar(select(func.max(SearchChange.id))) or 0


def log_change(session, documents_: set[str]) -> None:
    """Append changes to the log in the session's transaction (use from flush events)."""
    rows = [{"document": d} for d in sorted(documents_)]
    if rows:
        session.connection().execute(SearchChange.__table__.insert(), rows)


class ReplicaIndex(ABC):
    """One index folder following the change log; engines provide the index itself."""

    engine = ""
    schema_version = 0

    def __init__(self, path: str, lock_timeout: float = LOCK_TIMEOUT):
        self.path = path
        self.lock_timeout = lock_timeout
        self.broken: str | None = None  # why the next use must rebuild the index
        self._lock = threading.RLock()  # one thread at a time on this process's index objects
        self._parsed: OrderedDict[tuple, ParsedQuery] = OrderedDict()
        self._marker: Marker | None = None
        self._vocabulary: tuple | None = None
        self._types: tuple | None = None

    # --- What an engine provides ---------------------------------------------------------

    @abstractmethod
    def _on_disk(self) -> bool:
        """True when the folder holds an index of this engine."""

    @abstractmethod
    def _reload(self) -> Marker | None:
        """Open or refresh the reader on the last commit; return its marker (None: no marker)."""

    @abstractmethod
    def _commit(self, docs, removed: list[str], marker: Marker, clear: bool) -> None:
        """Write documents (an iterable, replacing same ids), delete ids and the marker, in one
        commit; with `clear`, the commit holds only these documents."""

    @abstractmethod
    def _create(self) -> None:
        """Create an empty index in the folder (which exists and holds nothing of an index)."""

    @abstractmethod
    def _missing_files(self) -> list[str]:
        """Return the files the last commit names that are not on disk."""

    @abstractmethod
    def _release(self) -> None:
        """Close this process's readers and writers."""

    @abstractmethod
    def _run(self, parsed: ParsedQuery, request: SearchRequest) -> SearchResults: ...

    @abstractmethod
    def _suggest(self, words: list[str], limit: int) -> list[Hit]: ...

    @abstractmethod
    def _new_vocabulary(self) -> IndexVocabulary: ...

    @abstractmethod
    def _type_entries(self) -> list[dict]:
        """Return the stored fields of every entry of the type lexicon."""

    # --- State ---------------------------------------------------------------------------

    def exists(self) -> bool:
        """True when the folder holds an index of this engine."""
        return os.path.isdir(self.path) and self._on_disk()

    @property
    def generation(self) -> tuple:
        """Name the version of the index this process reads (changes at every index commit)."""
        marker = self._marker
        return (marker.build, marker.applied) if marker else ("", -1)

    def applied(self) -> int | None:
        """Return the id of the last change the index applied (None: not built or unreadable)."""
        with self._lock:
            try:
                return self._refresh().applied if self.exists() else None
            except IndexBroken:
                return None

    def is_stale(self, session) -> bool:
        """True when the index is missing, damaged, of another schema or behind the log."""
        applied = self.applied()
        return applied is None or applied < last_change(session)

    def _refresh(self) -> Marker:
        """Reload the reader; raise IndexBroken when it cannot be read or is not ours."""
        try:
            marker = self._reload()
        except Exception as exc:  # the engine's own errors: missing or corrupt files
            self._forget()
            raise IndexBroken(f"{type(exc).__name__}: {exc}") from exc
        if marker is None or marker.schema != self.schema_version:
            self._forget()
            raise IndexBroken("index d'une autre version ou sans repère")
        if marker != self._marker:
            self._marker = marker
            self._parsed.clear()
        return marker

    def _forget(self) -> None:
        self._release()
        self._marker = None
        self._parsed.clear()
        self._vocabulary = self._types = None

    def close(self) -> None:
        """Close readers and writers, forget caches (tests, rebuilds)."""
        with self._lock:
            self._forget()

    # --- Writing -------------------------------------------------------------------------

    @contextmanager
    def _writer_lock(self, timeout: float):
        """Hold the folder's writer lock; yield False when another process kept it too long."""
        os.makedirs(self.path, exist_ok=True)
        lock = FileLock(os.path.join(self.path, LOCK_FILE), thread_local=False)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def rebuild(self, session, timeout: float = REBUILD_WAIT) -> int:
        """Write every document anew from the database; return the published fiche count."""
        with self._lock, self._writer_lock(timeout) as locked:
            if not locked:
                raise TimeoutError(f"index {self.path} verrouillé")
            count = self._rebuild(session)
            self._catch_up(session)
            return count

    def _rebuild(self, session) -> int:
        # The log's position first: documents read afterwards are at least that recent, and
        # changes committed meanwhile are applied again on top (reindexing is idempotent).
        applied = last_change(session)
        try:
            self._refresh()
            damaged = bool(self.broken or self._missing_files())
        except IndexBroken:
            damaged = True
        if damaged:
            self._reset_folder()
        marker = Marker(applied, self.schema_version, uuid.uuid4().hex)
        fiches = 0

        def counted():
            nonlocal fiches
            for document in documents.all_documents(session):
                fiches += document["kind"] == "fiche"
                yield document

        self._write(counted(), [], marker, clear=True)
        self.broken = None
        self._refresh()
        return fiches

    def _write(self, docs, removed: list[str], marker: Marker, clear: bool) -> None:
        try:
            self._commit(docs, removed, marker, clear)
        except Exception as exc:  # the engine's own errors: a damaged folder, a full disk
            self._forget()
            raise IndexBroken(f"{type(exc).__name__}: {exc}") from exc

    def _reset_folder(self) -> None:
        """Remove whatever the folder holds but the lock, and create an empty index."""
        self._forget()
        for name in os.listdir(self.path):
            if name == LOCK_FILE:
                continue
            target = os.path.join(self.path, name)
            if os.path.isdir(target):
                shutil.rmtree(target, ignore_errors=True)
            else:
                os.remove(target)
        self._create()

    def catch_up(self, session, timeout: float | None = None, rebuild: bool = True) -> int | None:
        """Apply the changes the index has not applied yet; return how many.

        None when another writer kept the lock past `timeout`, or when a rebuild is needed
        (index missing or damaged, "*" in the log) and `rebuild` is false: the next search
        does it. Raise IndexBroken when the index turns out damaged.
        """
        with self._lock:
            with self._writer_lock(self.lock_timeout if timeout is None else timeout) as locked:
                if not locked:
                    return None
                if self.broken or not self.exists():
                    if not rebuild:
                        return None
                    self._rebuild(session)
                    return 0
                return self._catch_up(session, rebuild)

    def _catch_up(self, session, rebuild: bool = True) -> int | None:
        marker = self._refresh()
        problems = self._missing_files()
        if problems:
            raise IndexBroken(f"fichiers absents : {', '.join(problems[:3])}")
        done = 0
        while True:
            rows = session.execute(
                select(SearchChange.id, SearchChange.document)
                .where(SearchChange.id > marker.applied)
                .order_by(SearchChange.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return done
            if any(document == EVERYTHING for _, document in rows):
                if not rebuild:
                    return None
                self._rebuild(session)
                return done + len(rows)
            docs, removed = documents_for({document for _, document in rows}, session)
            self._write(docs, removed, Marker(rows[-1][0], marker.schema, marker.build), False)
            marker = self._refresh()
            done += len(rows)

    def ensure(self, session) -> None:
        """Before serving: build a missing or damaged index, catch up when behind the log."""
        with self._lock:
            if self.broken is None and self.exists():
                try:
                    if self._refresh().applied >= last_change(session):
                        return
                except IndexBroken as exc:
                    self.broken = str(exc)
            # Behind: never wait before serving when the writer holding the lock is applying
            # the changes; a missing or damaged index is waited for (another process builds it).
            usable = self.broken is None and self.exists()
            try:
                self.catch_up(session, timeout=0 if usable else REBUILD_WAIT)
            except IndexBroken as exc:
                log.error("index de recherche %s endommagé (%s) : reconstruction", self.path, exc)
                self.broken = str(exc)
                self.catch_up(session, timeout=REBUILD_WAIT)

    # --- Reading -------------------------------------------------------------------------

    def parsed(self, text: str) -> ParsedQuery:
        """Return the parsed query, cached for this generation of the index."""
        key = (self.generation, text)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = self._parsed[key] = parse(text, self.vocabulary())
            while len(self._parsed) > PARSE_CACHE:
                self._parsed.popitem(last=False)
        else:
            self._parsed.move_to_end(key)
        return parsed

    def vocabulary(self) -> IndexVocabulary:
        """Return the index's words for this generation."""
        if self._vocabulary is None or self._vocabulary[0] != self.generation:
            self._vocabulary = (self.generation, self._new_vocabulary())
        return self._vocabulary[1]

    def lexicon(self) -> TypeLexicon:
        """Return the type lexicon of this generation."""
        if self._types is None or self._types[0] != self.generation:
            entries = sorted(self._type_entries(), key=lambda fields: fields["slug"])
            same = self._types is not None and self._types[1] == entries
            lexicon = self._types[2] if same else TypeLexicon(entries)  # types seldom change
            self._types = (self.generation, entries, lexicon)
        return self._types[2]

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search: ranked page of fiches, facet counts, matching types, correction."""
        with self._lock:
            self._refresh()  # cheap: reopens only what another commit changed
            return self._run(self.parsed(request.q), request)

    def suggest(self, text: str, limit: int = 6) -> list[Hit]:
        """Return fiches and types whose name or acronym starts with the typed words."""
        from directory.search.analysis import words

        typed = words(text)
        if not typed:
            return []
        with self._lock:
            self._refresh()
            return self._suggest(typed, limit)


def documents_for(keys: set[str], session: Session) -> tuple[list[dict], list[str]]:
    """Return the documents to write for logged changes, and the document ids to delete."""
    fiche_ids, type_codes, organisation_ids = set(), set(), set()
    for key in keys:
        kind, _, value = key.partition(":")
        if kind == "fiche" and value.isdigit():
            fiche_ids.add(int(value))
        elif kind == "type":
            type_codes.add(value)
        elif kind == "organisation" and value.isdigit():
            organisation_ids.add(int(value))
    if type_codes:  # a fiche's document holds its type's words
        fiche_ids |= set(session.scalars(select(Fiche.id).where(Fiche.type_code.in_(type_codes))))
    if organisation_ids:  # and its porteurs' names
        fiche_ids |= set(
            session.scalars(
                select(fiche_porteurs.c.fiche_id).where(
                    fiche_porteurs.c.organisation_id.in_(organisation_ids)
                )
            )
        )
    found, gone = documents.fiche_documents(fiche_ids, session)
    types = documents.type_documents(type_codes, session) if type_codes else []
    removed = [f"fiche:{i}" for i in sorted(gone)]
    removed += [f"type:{code}" for code in sorted(type_codes - {d["slug"] for d in types})]
    return [*found.values(), *types], removed
