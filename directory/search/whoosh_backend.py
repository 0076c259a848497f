"""Whoosh implementation of the search backend: pure Python, the directory's original engine.

Chosen with SEARCH_BACKEND = "whoosh". Same documents, tokens, query plan and marker as the tantivy
backend; one pass of a recording collector ranks the page and gathers the facets' documents.
"""

from __future__ import annotations

import os
from collections import Counter, OrderedDict, defaultdict

from whoosh import collectors, index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, AndMaybe, Every, NumericRange, Or, Prefix, Term
from whoosh.writing import CLEAR

from directory.search.analysis import french_analyzer, plain_analyzer
from directory.search.matching import (
    FIELD_BOOSTS,
    NAME_BOOST,
    PLACE_BOOST,
    PREFIX_NAME_BOOST,
    TYPE_BOOST,
    AgeWithin,
    AnyOf,
    filter_clauses,
    make_hit,
    place_clauses,
    query_stems,
    searched_texts,
    unit_stems,
)
from directory.search.querying import ParsedQuery
from directory.search.replica import MARKER_ID, Marker, ReplicaIndex
from directory.search.results import FACETS, Hit, SearchRequest, SearchResults
from directory.search.vocabulary import IndexVocabulary

SCHEMA_VERSION = 5
DOCSET_CACHE = 32  # filters' document sets kept per process


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
        applied=STORED(),
        schema=STORED(),
        build=STORED(),
    )


def _fields(document: dict) -> dict:
    """Return what the index stores and searches for a document."""
    fields = dict(document)
    fields["titre"], fields["texte"] = searched_texts(document)
    del fields["body"]
    return fields


class WhooshVocabulary(IndexVocabulary):
    """The unstemmed words of one reader."""

    def __init__(self, searcher):
        super().__init__()
        self.reader = searcher.reader()

    def known(self, word: str) -> bool:
        return self.reader.doc_frequency("plain", word) > 0

    def has_prefix(self, word: str) -> bool:
        return next(iter(self.reader.expand_prefix("plain", word)), None) is not None

    def words_starting(self, prefix: str) -> list[tuple[str, int]]:
        return [
            (text.decode("utf-8"), info.doc_frequency())
            for text, info in self.reader.iter_prefix("plain", prefix)
        ]


class WhooshBackend(ReplicaIndex):
    """One Whoosh index folder; one reused searcher per process, reopened after commits."""

    engine = "whoosh"
    schema_version = SCHEMA_VERSION

    def __init__(self, path: str, **kwargs):
        super().__init__(path, **kwargs)
        self._index = None
        self._searcher = None
        self._facet_cache: dict[tuple, dict[int, tuple[str, ...]]] = {}
        self._docsets: OrderedDict[tuple, set[int]] = OrderedDict()

    # --- Engine primitives ---------------------------------------------------------------

    def _on_disk(self) -> bool:
        return index.exists_in(self.path)

    def _open(self):
        if self._index is None:
            self._index = index.open_dir(self.path)
        return self._index

    def _reload(self) -> Marker | None:
        latest = self._open().latest_generation()
        if self._searcher is not None and self._searcher.reader().generation() != latest:
            # Not Searcher.refresh(): it reuses readers whose deletions are out of date.
            self._searcher.close()
            self._searcher = None
        if self._searcher is None:
            self._searcher = self._open().searcher()
        stored = self._searcher.document(id=MARKER_ID)
        if not stored:
            return None
        return Marker(stored["applied"], stored["schema"], stored["build"])

    def _create(self) -> None:
        index.create_in(self.path, make_schema())

    def _commit(self, docs, removed: list[str], marker: Marker, clear: bool) -> None:
        writer = self._open().writer(timeout=self.lock_timeout, limitmb=256 if clear else 32)
        try:
            for doc_id in removed:
                writer.delete_by_term("id", doc_id)
            write = writer.add_document if clear else writer.update_document
            for document in docs:
                write(**_fields(document))
            state = {"applied": marker.applied, "schema": marker.schema, "build": marker.build}
            write(id=MARKER_ID, kind="state", **state)
        except BaseException:
            writer.cancel()
            raise
        if clear:
            writer.commit(mergetype=CLEAR)
        else:
            writer.commit()

    def _missing_files(self) -> list[str]:
        try:
            segments = self._open()._segments()
        except Exception:  # no readable table of contents
            return ["table des matières"]
        present = set(os.listdir(self.path))
        missing = []
        for segment in segments:
            if segment.is_compound():
                name = segment.make_filename(segment.COMPOUND_EXT)
                if name not in present:
                    missing.append(name)
            elif not any(n.startswith(segment.segment_id() + ".") for n in present):
                missing.append(segment.segment_id())
        return missing

    def _release(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._index = None
        self._facet_cache.clear()
        self._docsets.clear()

    # --- Reading -------------------------------------------------------------------------

    def _new_vocabulary(self) -> IndexVocabulary:
        return WhooshVocabulary(self._searcher)

    def _type_entries(self) -> list[dict]:
        return [dict(fields) for fields in self._searcher.documents(kind="type")]

    def _run(self, parsed: ParsedQuery, request: SearchRequest) -> SearchResults:
        searcher = self._searcher
        text_query = self._text_query(parsed)
        scope = [Term("kind", "fiche"), *(_clause(c) for c in place_clauses(parsed))]
        clauses = {name: _clause(c) for name, c in filter_clauses(request.filters).items()}
        scope_docs = set.intersection(*(self._docset(searcher, q) for q in scope))
        filtered = {name: self._docset(searcher, q) for name, q in clauses.items()}
        # One pass over the text query ranks the page and records every match in scope: the
        # filtered ones give the total and most facets, the others the facets of active filters.
        allowed = set.intersection(*filtered.values()) if filtered else None
        per_page = request.per_page
        top = _RecordingCollector(request.page * per_page, allowed)
        collector = collectors.FilterCollector(top, allow=scope_docs)
        searcher.search_with_collector(text_query, collector)
        total = len(top.matched)
        page = min(request.page, max(1, -(-total // per_page)))  # past the last page: the last
        results = collector.results()
        if page != request.page:
            top = _RecordingCollector(page * per_page, allowed)
            collector = collectors.FilterCollector(top, allow=scope_docs)
            searcher.search_with_collector(text_query, collector)
            results = collector.results()
        wanted = query_stems(parsed)
        start = (page - 1) * per_page
        hits = [make_hit(hit.fields(), wanted) for hit in results[start : start + per_page]]
        return SearchResults(
            total=total,
            page=page,
            hits=hits,
            facets=self._facets(searcher, set(top.in_scope), set(top.matched), filtered),
            correction=parsed.correction,
            types=self.lexicon().match(parsed),
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

    def _facet_values(self, searcher, fieldname: str) -> dict[int, tuple[str, ...]]:
        """Return global docnum → codes of a facet field, built once per segment."""
        reader = searcher.reader()
        global_key = ("global", reader.generation(), fieldname)
        result = self._facet_cache.get(global_key)
        if result is not None:
            return result
        result = {}
        for leaf, offset in reader.leaf_readers():
            key = (leaf.segment().segment_id(), fieldname)
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
            if k[-1] == fieldname and (k[0] == "global" or k[0] not in live)
        ]
        for k in stale:
            del self._facet_cache[k]
        self._facet_cache[global_key] = result
        return result

    def _text_query(self, parsed: ParsedQuery):
        """Every unit required; named types, the whole query in a name and places raise rank."""
        units = []
        for unit, alternatives in zip(parsed.units, unit_stems(parsed), strict=True):
            options = [_alternative(stems) for stems in alternatives]
            if unit.prefix:
                options += [
                    Prefix("plain", unit.text),
                    Prefix("nom_plain", unit.text, boost=PREFIX_NAME_BOOST),
                ]
            if options:
                units.append(options[0] if len(options) == 1 else Or(options))
        required = And(units) if len(units) > 1 else (units[0] if units else Every())
        boosts = [
            Term("type", code, boost=TYPE_BOOST)
            for unit in parsed.units
            for code in sorted(unit.types)
        ]
        if len(parsed.units) > 1:
            # A fiche whose name holds every unit outranks one that holds them apart.
            per_unit = [sorted({s for a in alts for s in a}) for alts in unit_stems(parsed)]
            if all(per_unit):
                in_name = [Or([Term("titre", s) for s in stems]) for stems in per_unit]
                boosts.append(And(in_name, boost=NAME_BOOST))
        places = [w for phrase in parsed.place_words for w in phrase.split()]
        boosts += [Term("nom_plain", w, boost=PLACE_BOOST) for w in places]
        return AndMaybe(required, Or(boosts)) if boosts else required

    def _suggest(self, words: list[str], limit: int) -> list[Hit]:
        query = And([Term("nom_plain", w) for w in words[:-1]] + [Prefix("nom_plain", words[-1])])
        return [make_hit(hit.fields()) for hit in self._searcher.search(query, limit=limit)]


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


def _alternative(stems: list[str]):
    """All the words of one alternative, each in any searched field."""
    per_word = [Or([Term(f, s, boost=b) for f, b in FIELD_BOOSTS.items()]) for s in stems]
    return per_word[0] if len(per_word) == 1 else And(per_word)


def _clause(clause: AnyOf | AgeWithin):
    if isinstance(clause, AgeWithin):
        return And(
            [NumericRange("age_min", None, clause.age), NumericRange("age_max", clause.age, None)]
        )
    terms = [Term(clause.field, value) for value in clause.values]
    return terms[0] if len(terms) == 1 else Or(terms)
