"""Caches that never serve anything older than the database.

Every committed change to what visitors see (fiches, organisations, référentiels, geography)
also changes one row, `content_state`, in the same transaction: a new random stamp. Each worker
process keeps what it computed under a stamp (pages for anonymous visitors, the map's GeoJSON,
counts, référentiels) and drops it all as soon as it reads another stamp. That costs one small
query per request and needs no signal between processes, so nothing can be missed: a worker
killed between the commit and anything else leaves nothing stale behind. ETag and Last-Modified
come from the stamp: browsers and proxies revalidate with a conditional GET (304).
"""

import functools
import gzip
import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from cachetools import LRUCache
from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import event, inspect, select, update
from werkzeug.datastructures import HeaderSet
from werkzeug.http import parse_set_header

from directory.core.models import ContentState, utcnow
from directory.extensions import db

# Tables whose changes no cached thing shows (bookkeeping, accounts): writing them keeps caches.
UNSEEN_TABLES = frozenset(
    {
        "content_state",
        "audit_events",
        "search_changes",  # the index's change log: written with the changes, pruned apart
        "users",
        "memberships",
        "invitations",
        "reminders_sent",
        "proposal_digests",
    }
)
# Pages kept for visitors who are not signed in (a signed-in person's pages are their own).
PUBLIC_PAGES = frozenset(
    {
        "core.home",
        "core.sources",
        "fiches.list_fiches",
        "fiches.show_fiche",
        "fiches.list_types",
        "fiches.show_type",
        "fiches.list_referentiels",
        "fiches.qui_intervient",
        "map.map_page",
        "map.coverage",
    }
)
CHANGED = "content_changed"
GZIP_LEVEL = 6


@dataclass(frozen=True)
class State:
    stamp: str
    changed_at: datetime


# --- Following commits -----------------------------------------------------------------------


def _seen(table_name: str | None) -> bool:
    return table_name not in UNSEEN_TABLES


def _note_flush(session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _seen(inspect(obj).mapper.persist_selectable.name):
            session.info[CHANGED] = True
            return


def _note_statement(state) -> None:
    """Note bulk statements (Core inserts of `flask seed demo`, the geography's reload)."""
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if table is None or _seen(getattr(table, "name", None)):
        state.session.info[CHANGED] = True


def _stamp_before_commit(session) -> None:
    """Change the stamp last, in the transaction of the changes (every writer locks it last)."""
    session.flush()  # what commit would flush next may change what visitors see
    if not session.info.get(CHANGED):
        return
    session.execute(
        update(ContentState)
        .where(ContentState.id == 1)
        .values(version=ContentState.version + 1, stamp=uuid.uuid4().hex, changed_at=utcnow())
    )
    session.info.pop(CHANGED, None)


def _forget_state(session, *_args) -> None:
    if has_app_context():
        g.pop("content_state", None)


def _forget_changes(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(CHANGED, None)
    _forget_state(session)


def listen() -> None:
    """Follow db.session's flushes and commits (once per process)."""
    if event.contains(db.session, "after_flush", _note_flush):
        return
    event.listen(db.session, "after_flush", _note_flush)
    event.listen(db.session, "do_orm_execute", _note_statement)
    event.listen(db.session, "before_commit", _stamp_before_commit)
    event.listen(db.session, "after_commit", _forget_state)
    event.listen(db.session, "after_soft_rollback", _forget_changes)


def content_state() -> State | None:
    """Return the current stamp, read once per request; None when nothing may be cached: the
    session holds changes not committed yet, or the migration has not made the row."""
    if db.session.info.get(CHANGED):
        return None
    if "content_state" not in g:
        row = db.session.execute(
            select(ContentState.stamp, ContentState.changed_at).where(ContentState.id == 1)
        ).first()
        g.content_state = State(row.stamp, row.changed_at) if row else None
    return g.content_state


# --- Per-process stores ----------------------------------------------------------------------


class Store:
    """What one process computed under one stamp, least recently used dropped first."""

    def __init__(self, maxsize: int, getsizeof=None):
        self._lock = threading.Lock()
        self._stamp: str | None = None
        self._items = LRUCache(maxsize=maxsize, getsizeof=getsizeof)

    def get(self, stamp: str, key):
        with self._lock:
            if stamp != self._stamp:
                self._items.clear()
                self._stamp = stamp
                return None
            return self._items.get(key)

    def put(self, stamp: str, key, value) -> None:
        with self._lock:
            if stamp != self._stamp or self._items.maxsize <= 0:
                return
            try:
                self._items[key] = value
            except ValueError:  # larger than the whole store
                pass

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _stores(app: Flask) -> dict[str, Store]:
    stores = app.extensions.get("directory_cache")
    if stores is None:
        megabytes = float(app.config["RESPONSE_CACHE_MB"])
        stores = app.extensions["directory_cache"] = {
            "responses": Store(int(megabytes * 1024 * 1024), getsizeof=lambda e: e.size),
            "data": Store(int(app.config["DATA_CACHE_ENTRIES"])),
        }
    return stores


def clear(app: Flask) -> None:
    """Forget everything this process kept (e.g. after changing the configuration)."""
    for store in _stores(app).values():
        store.clear()


def per_content(function: Callable) -> Callable:
    """Memoize a function of hashable arguments until the next committed change.

    Its result is shared by every request of the process: return plain values or read-only
    copies (see `detached_copies`), never objects of a request's session.
    """

    @functools.wraps(function)
    def wrapper(*args):
        state = content_state() if has_app_context() else None
        if state is None:
            return function(*args)
        store = _stores(current_app)["data"]
        key = (function.__module__, function.__qualname__, args)
        value = store.get(state.stamp, key)
        if value is None:
            value = function(*args)
            store.put(state.stamp, key, value)
        return value

    return wrapper


def detached_copies(rows: list) -> list:
    """Return new, unattached instances holding the column values of ORM rows (read-only)."""
    copies = []
    for row in rows:
        mapper = inspect(row).mapper
        if mapper.relationships:
            raise TypeError(f"{mapper.class_.__name__} has relationships: copy plain values")
        copies.append(mapper.class_(**{a.key: getattr(row, a.key) for a in mapper.column_attrs}))
    return copies


# --- Responses -------------------------------------------------------------------------------


class SharedResponse(Response):
    """A response that is the same for every visitor: the session machinery's `Vary: Cookie`
    (Flask adds it whenever the session was read, and Flask-Login always reads it) is left out."""

    @property
    def vary(self) -> HeaderSet:
        def on_update(header_set: HeaderSet) -> None:
            values = [v for v in header_set if v.lower() != "cookie"]
            if values:
                self.headers["Vary"] = ", ".join(values)
            else:
                self.headers.pop("Vary", None)

        return parse_set_header(self.headers.get("Vary"), on_update)


@dataclass(frozen=True)
class Entry:
    """A response body kept gzipped, with what revalidation needs.

    A page holding the request's CSP nonce (the maps' inline scripts) is kept in the pieces
    around it, and each answer gets its own request's nonce: a kept nonce would not match the
    policy sent with the answer.
    """

    status: int
    mimetype: str
    body: bytes  # gzipped; empty when the page is kept in pieces around the nonce
    pieces: tuple[bytes, ...]
    etag: str
    last_modified: datetime
    shared: bool  # the same for everyone (else it varies by user: Vary: Cookie)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(p) for p in self.pieces) + 200

    @classmethod
    def of(cls, body: bytes, mimetype: str, state: State, *, gzipped=False, shared=False):
        plain = gzip.decompress(body) if gzipped else body
        nonce = (getattr(request, "csp_nonce", "") or "").encode()
        if nonce and nonce in plain:
            pieces = tuple(plain.split(nonce))
            etag = hashlib.blake2b(b"\0".join(pieces), digest_size=12).hexdigest()
            return cls(200, mimetype, b"", pieces, etag, state.changed_at, shared)
        packed = body if gzipped else gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        etag = hashlib.blake2b(packed, digest_size=12).hexdigest()
        return cls(200, mimetype, packed, (), etag, state.changed_at, shared)

    def response(self) -> Response:
        """Answer the current request: gzipped if it accepts it, 304 if it has this version."""
        response = (SharedResponse if self.shared else Response)(
            status=self.status, mimetype=self.mimetype
        )
        response.vary.add("Accept-Encoding")
        gzip_ok = request.accept_encodings["gzip"]
        if self.pieces:
            plain = getattr(request, "csp_nonce", "").encode().join(self.pieces)
            body = gzip.compress(plain, compresslevel=1, mtime=0) if gzip_ok else plain
        else:
            body = self.body if gzip_ok else gzip.decompress(self.body)
        response.set_data(body)
        if gzip_ok:
            response.headers["Content-Encoding"] = "gzip"
        response.set_etag(self.etag)
        response.last_modified = self.last_modified
        if self.shared:
            # Kept by browsers and proxies, revalidated on every use. A request with cookies
            # may get a cookie back (a session refresh): a shared cache must not keep that one.
            response.cache_control.public = not request.cookies
            response.cache_control.private = bool(request.cookies)
        response.cache_control.no_cache = True
        return response.make_conditional(request)


def cached_response(key, build: Callable[[], bytes], mimetype: str) -> Response:
    """Answer with the response of `key` built under the current stamp (built now if missing):
    the same for every visitor, with ETag, Last-Modified and conditional GET."""
    state = content_state()
    if state is None:
        return Entry.of(build(), mimetype, State("", utcnow()), shared=True).response()
    store = _stores(current_app)["responses"]
    entry = store.get(state.stamp, key)
    if entry is None:
        entry = Entry.of(build(), mimetype, state, shared=True)
        store.put(state.stamp, key, entry)
    return entry.response()


# --- Pages of visitors who are not signed in -------------------------------------------------


def _page_key() -> tuple | None:
    """Return the cache key of this request's page, or None when it must be rendered for it."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in PUBLIC_PAGES:
        return None
    if float(current_app.config["RESPONSE_CACHE_MB"]) <= 0:
        return None
    if current_user.is_authenticated or "_flashes" in session:
        return None
    # Today's date: pages say which fiches are due for checking.
    return ("page", request.path, request.query_string, date.today())


def serve_kept_page():
    """Answer from the pages kept under the current stamp, or note what to keep afterwards."""
    g.pop("content_state", None)  # tests push one app context around many requests
    key = _page_key()
    state = content_state() if key else None
    if state is None:
        return None
    entry = _stores(current_app)["responses"].get(state.stamp, key)
    if entry is not None:
        return entry.response()
    g.page_to_keep = (state, key)
    return None


def keep_page(response: Response) -> Response:
    """Keep a public page just rendered; give it the same revalidation headers as a kept one."""
    pending = g.pop("page_to_keep", None)
    if (
        pending is None
        or response.status_code != 200
        or response.direct_passthrough
        or session.modified  # e.g. a CSRF token stored: the page holds it
        or "Set-Cookie" in response.headers
    ):
        return response
    state, key = pending
    gzipped = response.headers.get("Content-Encoding") == "gzip"
    entry = Entry.of(response.get_data(), response.mimetype, state, gzipped=gzipped)
    _stores(current_app)["responses"].put(state.stamp, key, entry)
    response.set_etag(entry.etag)
    response.last_modified = entry.last_modified
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def configure(app: Flask) -> None:
    """Follow the commits that change what visitors see; keep public pages under the stamp."""
    listen()
    app.before_request(serve_kept_page)
    app.after_request(keep_page)
