"""Whoosh implementation of the search backend: schema, writes under a lock, reused searchers."""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import replace
from functools import lru_cache

from markupsafe import escape
from sqlalchemy import delete, select
from whoosh import collectors, index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import And, AndMaybe, Every, NumericRange, Or, Prefix, Term
from whoosh.writing import CLEAR

from directory.search import documents
from directory.search.analysis import french_analyzer, plain_analyzer
from directory.search.backend import FACETS, Hit, SearchRequest, SearchResults
from directory.search.models import SearchPending
from directory.search.querying import ParsedQuery, Unit, parse

SCHEMA_VERSION = 4
LOCK_TIMEOUT = 5.0  # seconds a writer waits for another process's writer
STATE_FILE = "state.json"
# Two searched fields: few matchers per word keep queries fast at 100,000 fiches. The name and
# acronym weigh most; in the text, the type's words and the résumé are written twice.
FIELD_BOOSTS = {"titre": 6.0, "texte": 1.0}
TYPE_BOOST = 8.0
NAME_BOOST = 4.0
DOCSET_CACHE = 32  # filters' document sets kept per process
_ANALYZER = french_analyzer()
PLACE_BOOST = 2.0


def make_schema() -> Schema:
    """Return the index schema (the analyzers are pickled into the index)."""
    french, plain = french_analyzer(), plain_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        slug=STORED(),
        nom=STORED(),
        sigle=STORED(),
        type=ID(stored=True),
        type_text=STORED(),
        resume=STORED(),
        titre=TEXT(analyzer=french),
        texte=TEXT(analyzer=french),
        plain=TEXT(analyzer=plain, phrase=False),
        nom_plain=TEXT(analyzer=plain, phrase=False),
        departement=KEYWORD(),
        territoire=KEYWORD(),
        public=KEYWORD(),
        qui_peut_saisir=KEYWORD(),
        notification_mdph=ID(),
        age_min=NUMERIC(int),
        age_max=NUMERIC(int),
    )


class _FileLock:
    """An exclusive lock on a file, held between processes."""

    def __init__(self, path: str):
        self.path = path

    def __enter__(self):
        self.handle = open(self.path, "w")  # noqa: SIM115
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class IndexVocabulary:
    """The unstemmed words of the index, for prefixes and typo correction."""

    def __init__(self, searcher):
        self.reader = searcher.reader()

    def known(self, word: str) -> bool:
        return self.reader.doc_frequency("plain", word) > 0

    def has_prefix(self, word: str) -> bool:
        return next(iter(self.reader.expand_prefix("plain", word)), None) is not None

    def closest(self, word: str, maxdist: int) -> str | None:
        candidates = list(self.reader.terms_within("plain", word, maxdist, prefix=1))
        if not candidates:
            return None
        # Closest first, then the most common word.
        from whoosh.support.levenshtein import distance

        return min(
            candidates,
            key=lambda c: (distance(word, c), -self.reader.doc_frequency("plain", c), c),
        )


class WhooshBackend:
    """One index folder; one reused searcher per process, refreshed after writes."""

    def __init__(self, path: str, lock_timeout: float = LOCK_TIMEOUT):
        self.path = path
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()
        self._index = None
        self._searcher = None
        self._facet_cache: dict[tuple, dict[int, tuple[str, ...]]] = {}
        self._docsets: OrderedDict[tuple, set[int]] = OrderedDict()

    # --- State ---------------------------------------------------------------------------

    def exists(self) -> bool:
        return os.path.isdir(self.path) and index.exists_in(self.path)

    def _state_path(self) -> str:
        return os.path.join(self.path, STATE_FILE)

    def read_state(self) -> dict | None:
        try:
            with open(self._state_path(), encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def _write_state(self, session) -> None:
        state = {"schema": SCHEMA_VERSION, **documents.database_state(session)}
        tmp = self._state_path() + f".{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(state, handle, default=str)
        os.replace(tmp, self._state_path())

    def is_stale(self, session) -> bool:
        """True when the index is missing or differs from the database's count or last change."""
        if not self.exists():
            return True
        expected = {"schema": SCHEMA_VERSION, **documents.database_state(session)}
        return json.loads(json.dumps(expected, default=str)) != self.read_state()

    # --- Writing -------------------------------------------------------------------------

    def _open(self):
        if self._index is None:
            self._index = index.open_dir(self.path)
        return self._index

    def rebuild(self, session) -> int:
        """Write every document anew (create the index if missing); return the fiche count."""
        with self._build_lock():
            count = self._rebuild(session)
        self.retry_pending(session)
        return count

    def ensure(self, session) -> None:
        """Build the index on first use when it is missing (once, under a lock)."""
        if self.exists():
            return
        with self._build_lock():
            if index.exists_in(self.path):
                return
            self._rebuild(session)

    def _rebuild(self, session) -> int:
        state = self.read_state() or {}
        if not index.exists_in(self.path) or state.get("schema") != SCHEMA_VERSION:
            index.create_in(self.path, make_schema())  # new, or made by an older version
        with self._lock:
            self.close()
        writer = self._open().writer(timeout=self.lock_timeout, limitmb=256)
        count = 0
        try:
            for document in documents.all_documents(session):
                writer.add_document(**_fields(document))
                count += document["kind"] == "fiche"
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        self._write_state(session)
        return count

    def _build_lock(self):
        """Serialise index creation between processes (a file lock beside the index)."""
        os.makedirs(self.path, exist_ok=True)
        return _FileLock(os.path.join(self.path, "build.lock"))

    def close(self) -> None:
        """Close the searcher and forget the index (tests, rebuilds)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._index = None
            self._facet_cache.clear()
            self._docsets.clear()

    def apply(self, session, fiche_ids: set[int], type_codes: set[str]) -> bool:
        """Reindex some fiches and types from the database; queue them when the index is busy."""
        if not self.exists():
            return True  # the first use builds it from the database
        keys = [f"fiche:{i}" for i in sorted(fiche_ids)] + [f"type:{c}" for c in sorted(type_codes)]
        try:
            writer = self._open().writer(timeout=self.lock_timeout)
        except LockError as exc:
            self._queue(session, keys, str(exc) or "index verrouillé")
            return False
        pending = session.scalars(select(SearchPending)).all()
        keys += [p.document for p in pending]
        try:
            self._write(writer, session, keys)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._write_state(session)
        if pending:
            _forget(session, pending)
        return True

    def _write(self, writer, session, keys: list[str]) -> None:
        fiche_ids = {int(k.split(":", 1)[1]) for k in keys if k.startswith("fiche:")}
        type_codes = {k.split(":", 1)[1] for k in keys if k.startswith("type:")}
        found, removed = documents.fiche_documents(fiche_ids, session)
        for document in found.values():
            writer.update_document(**_fields(document))
        for fiche_id in removed:
            writer.delete_by_term("id", f"fiche:{fiche_id}")
        types = documents.type_documents(type_codes, session) if type_codes else []
        for document in types:
            writer.update_document(**_fields(document))
        for code in type_codes - {d["slug"] for d in types}:
            writer.delete_by_term("id", f"type:{code}")

    def _queue(self, session, keys: list[str], error: str) -> None:
        for key in keys:
            session.add(SearchPending(document=key, op="index", last_error=error))
        session.commit()

    def retry_pending(self, session) -> int:
        """Write the queued documents; return how many were written (0 if still locked)."""
        pending = session.scalars(select(SearchPending)).all()
        if not pending or not self.exists():
            return 0
        try:
            writer = self._open().writer(timeout=self.lock_timeout)
        except LockError as exc:
            for row in pending:
                row.attempts += 1
                row.last_error = str(exc) or "index verrouillé"
            session.commit()
            return 0
        try:
            self._write(writer, session, [p.document for p in pending])
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._write_state(session)
        _forget(session, pending)
        return len(pending)

    # --- Reading -------------------------------------------------------------------------

    def searcher(self):
        """Return this process's searcher, reopened if the index changed since."""
        with self._lock:
            latest = self._open().latest_generation()
            if self._searcher is not None and self._searcher.reader().generation() != latest:
                # Not Searcher.refresh(): it reuses readers whose deletions are out of date.
                self._searcher.close()
                self._searcher = None
            if self._searcher is None:
                self._searcher = self._open().searcher()
            return self._searcher

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search: ranked page of fiches, facet counts, matching types, correction."""
        # One search at a time per process: a refresh closes what the previous searcher used.
        with self._lock:
            return self._search(self.searcher(), request)

    def _search(self, searcher, request: SearchRequest) -> SearchResults:
        parsed = parse(request.q, IndexVocabulary(searcher))
        text_query = build_query(parsed)
        scope = [Term("kind", "fiche"), *place_filters(parsed)]
        clauses = filter_clauses(request.filters)
        scope_docs = set.intersection(*(self._docset(searcher, q) for q in scope))
        filtered = {name: self._docset(searcher, q) for name, q in clauses.items()}
        # One pass over the text query ranks the page and records every match in scope: the
        # filtered ones give the total and most facets, the others the facets of active filters.
        allowed = set.intersection(*filtered.values()) if filtered else None
        top = _RecordingCollector(request.page * request.per_page, allowed)
        collector = collectors.FilterCollector(top, allow=scope_docs)
        searcher.search_with_collector(text_query, collector)
        results = collector.results()
        total = len(top.matched)
        pages = max(1, -(-total // request.per_page))
        page = min(request.page, pages)
        start = (page - 1) * request.per_page
        if page != request.page:  # past the last page: show the last one
            return self._search(searcher, replace(request, page=page))
        wanted = query_stems(parsed)
        hits = [_hit(hit, wanted) for hit in results[start : start + request.per_page]]
        return SearchResults(
            total=total,
            page=page,
            hits=hits,
            facets=self._facets(searcher, set(top.in_scope), set(top.matched), filtered),
            correction=parsed.correction,
            types=self._types(searcher, parsed) if parsed.units else [],
            place_words=parsed.place_words,
        )

    def _docset(self, searcher, query) -> set[int]:
        """Return the documents of a filter, cached for this version of the index."""
        key = (searcher.reader().generation(), repr(query))
        docs = self._docsets.get(key)
        if docs is None:
            docs = self._docsets[key] = set(searcher.docs_for_query(query))
            while len(self._docsets) > DOCSET_CACHE:
                self._docsets.popitem(last=False)
        else:
            self._docsets.move_to_end(key)
        return docs

    def _facets(self, searcher, in_scope, matched, filtered) -> dict[str, dict[str, int]]:
        """Count facet values; each facet sees every filter but its own."""
        counts = {}
        for facet in FACETS:
            docs = matched
            if facet in filtered:
                docs = in_scope
                for name, docset in filtered.items():
                    if name != facet:
                        docs = docs & docset
            values = self._facet_values(searcher, facet)
            counts[facet] = dict(Counter(code for doc in docs for code in values.get(doc, ())))
        return counts

    def _types(self, searcher, parsed: ParsedQuery) -> list[Hit]:
        """Match the lexicon in memory: a type matches when it holds every unit of the query."""
        key = (self.path, "types", searcher.reader().generation())
        entries = self._facet_cache.get(key)
        if entries is None:
            entries = []
            for fields in searcher.documents(kind="type"):
                text = " ".join(fields.get(f, "") for f in ("nom", "sigle", "type_text", "resume"))
                words = {t.text for t in plain_analyzer()(text)}
                entries.append((fields, set(stems_of(text)), words))
            for old in [k for k in self._facet_cache if k[1] == "types"]:
                del self._facet_cache[old]
            self._facet_cache[key] = entries
        ranked = []
        for position, (fields, stems, words) in enumerate(entries):
            for unit in parsed.units:
                alternatives = [set(stems_of(a)) for a in unit.alternatives]
                if not any(a and a <= stems for a in alternatives) and not (
                    unit.prefix and any(w.startswith(unit.text) for w in words)
                ):
                    break
            else:
                named = any(fields["slug"] in unit.types for unit in parsed.units)
                ranked.append((-named, position, fields))
        return [_type_hit(fields) for *_, fields in sorted(ranked, key=lambda r: r[:2])[:5]]

    def _facet_values(self, searcher, fieldname: str) -> dict[int, tuple[str, ...]]:
        """Return global docnum → codes of a facet field, built once per segment."""
        reader = searcher.reader()
        global_key = (self.path, "global", reader.generation(), fieldname)
        result = self._facet_cache.get(global_key)
        if result is not None:
            return result
        result = {}
        for leaf, offset in reader.leaf_readers():
            key = (self.path, leaf.segment().segment_id(), fieldname)
            local = self._facet_cache.get(key)
            if local is None:
                lists = defaultdict(list)
                for term in leaf.lexicon(fieldname):
                    for docnum in leaf.postings(fieldname, term).all_ids():
                        lists[docnum].append(term.decode("utf-8"))
                local = self._facet_cache[key] = {d: tuple(v) for d, v in lists.items()}
            result.update({d + offset: v for d, v in local.items()} if offset else local)
        # Forget what belongs to older versions: merged segments, previous totals.
        live = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
        stale = [
            k
            for k in self._facet_cache
            if k[-1] == fieldname and (k[1] == "global" or k[1] not in live)
        ]
        for k in stale:
            del self._facet_cache[k]
        self._facet_cache[global_key] = result
        return result

    def suggest(self, text: str, limit: int = 6) -> list[Hit]:
        """Return fiches and types whose name or acronym starts with the typed words."""
        from directory.search.analysis import words

        typed = words(text)
        if not typed:
            return []
        query = And([Term("nom_plain", w) for w in typed[:-1]] + [Prefix("nom_plain", typed[-1])])
        with self._lock:
            results = self.searcher().search(query, limit=limit)
            return [_hit(hit) for hit in results]


class _RecordingCollector(collectors.TopCollector):
    """Rank the allowed documents; record every match in scope and every allowed one."""

    def __init__(self, limit: int, allowed: set[int] | None):
        # Every match is visited anyway: no block skipping, no matcher rewriting on the way.
        super().__init__(limit=limit, usequality=False, replace=0)
        self.allowed = allowed
        self.in_scope: list[int] = []
        self.matched: list[int] = []

    def _use_block_quality(self):
        return False  # every match must be seen

    def _collect(self, global_docnum, score):
        self.in_scope.append(global_docnum)
        if self.allowed is None or global_docnum in self.allowed:
            self.matched.append(global_docnum)
            return super()._collect(global_docnum, score)
        return 0


def stems_of(text: str) -> list[str]:
    """Return the stems of a text (one analyzer per process: its stem cache is reused)."""
    return [t.text for t in _ANALYZER(text)]


def _type_hit(fields: dict) -> Hit:
    return Hit(
        slug=fields["slug"],
        nom=fields["nom"],
        sigle=fields.get("sigle", ""),
        type=fields["type"],
        extrait="",
        kind="type",
    )


def _fields(document: dict) -> dict:
    """Return what the index stores and searches for a document."""
    fields = dict(document)
    body = fields.pop("body")
    fields["titre"] = f"{document['nom']}\n{document['sigle']}"
    twice = f"{document['type_text']}\n{document['resume']}\n"
    fields["texte"] = f"{twice}{twice}{body}"
    return fields


def _forget(session, pending: list[SearchPending]) -> None:
    """Delete the queued operations just written, in their own transaction."""
    session.execute(delete(SearchPending).where(SearchPending.id.in_([p.id for p in pending])))
    session.commit()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str | None:
    stems = stems_of(word)
    return stems[0] if stems else None


def query_stems(parsed: ParsedQuery) -> set[str]:
    """Return the stems a snippet highlights: every alternative of every unit."""
    return {s for unit in parsed.units for a in unit.alternatives for s in stems_of(a)}


def highlight(text: str, wanted: set[str]) -> str:
    """Return the text escaped, with <mark> around the words whose stem was searched."""
    parts, last = [], 0
    for match in re.finditer(r"\w+", text):
        if _stem(match.group()) in wanted:
            parts += [str(escape(text[last : match.start()])), "<mark>"]
            parts += [str(escape(match.group())), "</mark>"]
            last = match.end()
    parts.append(str(escape(text[last:])))
    return "".join(parts)


def _hit(hit, wanted: set[str] | None = None) -> Hit:
    extrait = highlight(hit.get("resume", ""), wanted) if wanted is not None else ""
    return Hit(
        slug=hit["slug"],
        nom=hit["nom"],
        sigle=hit.get("sigle", ""),
        type=hit["type"],
        extrait=extrait,
        kind=hit["kind"],
    )


def _alternative(text: str):
    """All the words of one alternative, each in any text field (stemmed)."""
    stems = stems_of(text)
    if not stems:
        return None
    per_word = [Or([Term(f, s, boost=b) for f, b in FIELD_BOOSTS.items()]) for s in stems]
    return per_word[0] if len(per_word) == 1 else And(per_word)


def _unit_query(unit: Unit):
    options, seen = [], set()
    for alternative in unit.alternatives:
        query = _alternative(alternative)
        if query is not None and query not in seen:
            seen.add(query)
            options.append(query)
    if unit.prefix:
        options += [Prefix("plain", unit.text), Prefix("nom_plain", unit.text, boost=3.0)]
    if not options:
        return None
    return options[0] if len(options) == 1 else Or(options)


def _all_in_name(units: list[Unit]):
    """A fiche whose name holds every unit of the query outranks one that holds them apart."""
    per_unit = []
    for unit in units:
        stems = {s for a in unit.alternatives for s in stems_of(a)}
        per_unit.append(Or([Term("titre", s) for s in sorted(stems)]))
    return And(per_unit, boost=NAME_BOOST)


def build_query(parsed: ParsedQuery):
    """Return the query: every unit required; named types and places raise a fiche's rank."""
    units = [q for q in (_unit_query(u) for u in parsed.units) if q is not None]
    required = And(units) if len(units) > 1 else (units[0] if units else Every())
    boosts = [Term("type", code, boost=TYPE_BOOST) for u in parsed.units for code in u.types]
    if len(parsed.units) > 1:
        boosts.append(_all_in_name(parsed.units))
    places = [w for phrase in parsed.place_words for w in phrase.split()]
    boosts += [Term("nom_plain", w, boost=PLACE_BOOST) for w in places]
    return AndMaybe(required, Or(boosts)) if boosts else required


def place_filters(parsed: ParsedQuery) -> list:
    """Filters read from place names in the words: a département, a commune covered."""
    from directory.territoires.services import covering_codes

    filters = []
    if parsed.departements:
        filters.append(Or([Term("departement", d) for d in sorted(parsed.departements)]))
    if parsed.communes:
        pairs = {pair for c in parsed.communes for pair in covering_codes(c)}
        filters.append(Or([Term("territoire", f"{lvl}:{code}") for lvl, code in sorted(pairs)]))
    return filters


def filter_clauses(filters: dict) -> dict:
    """Turn the FilterForm's filters into one query per facet or filter name."""
    from directory.territoires.services import covering_codes, get_commune

    clauses = {}
    for name in ("type", "public", "qui_peut_saisir"):
        if filters.get(name):
            clauses[name] = Or([Term(name, code) for code in filters[name]])
    if filters.get("departement"):
        clauses["departement"] = Term("departement", filters["departement"])
    if filters.get("notification_mdph"):
        clauses["notification_mdph"] = Term("notification_mdph", filters["notification_mdph"])
    if filters.get("commune"):
        commune = get_commune(filters["commune"])
        pairs = covering_codes(commune) if commune else [("commune", filters["commune"])]
        clauses["commune"] = Or([Term("territoire", f"{lvl}:{code}") for lvl, code in pairs])
    if filters.get("age") is not None:
        age = filters["age"]
        clauses["age"] = And(
            [NumericRange("age_min", None, age), NumericRange("age_max", age, None)]
        )
    return clauses
