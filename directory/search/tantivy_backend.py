"""tantivy implementation of the search backend: the project's tokens, tantivy's speed.

Texts are analysed by the project's own French analyzer (analysis.py) and handed to tantivy as
tokens separated by spaces, read back by its "whitespace" tokenizer: stems, synonyms, prefixes
and typos stay the project's, the posting lists, BM25 and facet counts are tantivy's (Rust).
Shown fields are stored together as one JSON value, read for the page's hits only.
"""

from __future__ import annotations

import json
import os

import tantivy
from tantivy import Occur, Query

from directory.search.matching import (
    FIELD_BOOSTS,
    NAME_BOOST,
    PLACE_BOOST,
    PREFIX_NAME_BOOST,
    STORED,
    TYPE_BOOST,
    AgeWithin,
    AnyOf,
    filter_clauses,
    make_hit,
    place_clauses,
    plain_words,
    query_stems,
    searched_texts,
    stems_of,
    unit_stems,
)
from directory.search.querying import ParsedQuery
from directory.search.replica import MARKER_ID, Marker, ReplicaIndex
from directory.search.results import FACETS, Hit, SearchRequest, SearchResults
from directory.search.vocabulary import IndexVocabulary

SCHEMA_VERSION = 1
KEYWORDS = ("departement", "territoire", "public", "qui_peut_saisir", "notification_mdph")
SEGMENT_FILES = (".idx", ".term", ".store", ".fast", ".fieldnorm")
WRITE_HEAP = 15_000_000  # bytes: a few changed fiches
BUILD_HEAP = 200_000_000  # bytes: a rebuild, fewer and larger segments
FACET_SIZE = 10_000  # more than any facet's codes: exact counts


def make_schema() -> tantivy.Schema:
    """Return the index schema."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("data", stored=True)
    for name in ("titre", "texte", "nom_plain"):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("plain", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("type", tokenizer_name="raw", index_option="freq", fast=True)
    for name in KEYWORDS:
        builder.add_text_field(
            name, tokenizer_name="raw", index_option="basic", fast=name in FACETS
        )
    builder.add_integer_field("age_min", indexed=True, fast=True)
    builder.add_integer_field("age_max", indexed=True, fast=True)
    builder.add_integer_field("applied", stored=True)
    builder.add_integer_field("schema", stored=True)
    builder.add_text_field("build", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def to_document(document: dict) -> tantivy.Document:
    """Return the tantivy document of a search document, with the project's tokens."""
    doc = tantivy.Document()
    doc.add_text("id", document["id"])
    doc.add_text("kind", document["kind"])
    shown = {name: document.get(name, "") for name in STORED}
    doc.add_bytes("data", json.dumps(shown, ensure_ascii=False).encode())
    titre, texte = searched_texts(document)
    doc.add_text("titre", " ".join(stems_of(titre)))
    doc.add_text("texte", " ".join(stems_of(texte)))
    doc.add_text("plain", " ".join(plain_words(document["plain"])))
    doc.add_text("nom_plain", " ".join(plain_words(document["nom_plain"])))
    doc.add_text("type", document["type"])
    for name in KEYWORDS:
        for value in (document.get(name) or "").split():
            doc.add_text(name, value)
    for name in ("age_min", "age_max"):
        if document.get(name) is not None:
            doc.add_integer(name, document[name])
    return doc


def marker_document(marker: Marker) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", MARKER_ID)
    doc.add_text("kind", "state")
    doc.add_integer("applied", marker.applied)
    doc.add_integer("schema", marker.schema)
    doc.add_text("build", marker.build)
    return doc


class TantivyVocabulary(IndexVocabulary):
    """The unstemmed words of one searcher, read from tantivy's term dictionary."""

    def __init__(self, searcher):
        super().__init__()
        self.searcher = searcher

    def known(self, word: str) -> bool:
        return self.searcher.doc_freq("plain", word) > 0

    def has_prefix(self, word: str) -> bool:
        return bool(self.searcher.terms_with_prefix("plain", word, limit=1))

    def words_starting(self, prefix: str) -> list[tuple[str, int]]:
        return self.searcher.terms_with_prefix("plain", prefix)


class TantivyBackend(ReplicaIndex):
    """One tantivy index folder; a writer per operation, under the folder's writer lock."""

    engine = "tantivy"
    schema_version = SCHEMA_VERSION

    def __init__(self, path: str, **kwargs):
        super().__init__(path, **kwargs)
        self.schema = make_schema()
        self._index = None
        self._searcher = None

    # --- Engine primitives ---------------------------------------------------------------

    def _on_disk(self) -> bool:
        return tantivy.Index.exists(self.path)

    def _open(self):
        if self._index is None:
            self._index = tantivy.Index.open(self.path)
            self._index.config_reader("Manual", 0)  # reloaded when the log says so
        return self._index

    def _reload(self) -> Marker | None:
        fresh = self._index is None
        index = self._open()
        if not fresh:
            index.reload()
        self._searcher = index.searcher()
        found = self._searcher.search(Query.term_query(self.schema, "id", MARKER_ID), 1)
        if not found.hits:
            return None
        stored = self._searcher.doc(found.hits[0][1])
        return Marker(stored.get_first("applied"), stored.get_first("schema"), stored["build"][0])

    def _create(self) -> None:
        tantivy.Index(self.schema, path=self.path, reuse=False)

    def _commit(self, docs, removed: list[str], marker: Marker, clear: bool) -> None:
        heap = BUILD_HEAP if clear else WRITE_HEAP
        writer = self._open().writer(heap, 1)
        try:
            if clear:
                writer.delete_all_documents()
            for doc_id in removed:
                writer.delete_documents_by_term("id", doc_id)
            for document in docs:
                if not clear:
                    writer.delete_documents_by_term("id", document["id"])
                writer.add_document(to_document(document))
            writer.delete_documents_by_term("id", MARKER_ID)
            writer.add_document(marker_document(marker))
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        # Merges run now, while the lock is held: segments stay few, and the writer's own lock
        # is released before the folder's.
        writer.wait_merging_threads()

    def _missing_files(self) -> list[str]:
        try:
            with open(os.path.join(self.path, "meta.json"), encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            return ["meta.json"]
        present = set(os.listdir(self.path))
        missing = []
        for segment in meta.get("segments", []):
            stem = segment["segment_id"].replace("-", "")
            wanted = [stem + ext for ext in SEGMENT_FILES]
            if segment.get("deletes"):
                wanted.append(f"{stem}.{segment['deletes']['opstamp']}.del")
            missing += [name for name in wanted if name not in present]
        return missing

    def _release(self) -> None:
        self._searcher = None
        self._index = None

    # --- Reading -------------------------------------------------------------------------

    def _new_vocabulary(self) -> IndexVocabulary:
        return TantivyVocabulary(self._searcher)

    def _type_entries(self) -> list[dict]:
        found = self._searcher.search(self._term("kind", "type"), 10_000)
        return [self._stored(address) for _, address in found.hits]

    def _stored(self, address) -> dict:
        return json.loads(bytes(self._searcher.doc(address).get_first("data")))

    def _run(self, parsed: ParsedQuery, request: SearchRequest) -> SearchResults:
        searcher = self._searcher
        text = self._text_query(parsed)
        scope = [self._term("kind", "fiche"), *(self._clause(c) for c in place_clauses(parsed))]
        clauses = {n: self._clause(c) for n, c in filter_clauses(request.filters).items()}

        def matching(without: str | None = None):
            # Filters restrict without scoring.
            filters = [*scope, *(q for n, q in clauses.items() if n != without)]
            return _all([text, *(Query.const_score_query(q, 0.0) for q in filters)])

        query = matching()
        per_page = request.per_page
        page = request.page
        found = searcher.search(query, per_page, count=True, offset=(page - 1) * per_page)
        total = found.count
        if page > max(1, -(-total // per_page)):  # past the last page: show the last one
            page = max(1, -(-total // per_page))
            found = searcher.search(query, per_page, count=False, offset=(page - 1) * per_page)
        wanted = query_stems(parsed)
        hits = [make_hit(self._stored(address), wanted) for _, address in found.hits]
        return SearchResults(
            total=total,
            page=page,
            hits=hits,
            facets=self._facets(matching, query, clauses),
            correction=parsed.correction,
            types=self.lexicon().match(parsed),
            place_words=parsed.place_words,
        )

    def _facets(self, matching, query, clauses) -> dict[str, dict[str, int]]:
        """Count facet values; each facet sees every filter but its own."""
        free = [f for f in FACETS if f not in clauses]
        runs = [(query, free)] + [(matching(f), [f]) for f in FACETS if f in clauses]
        counts = {}
        for run_query, names in runs:
            if not names:
                continue
            spec = {n: {"terms": {"field": n, "size": FACET_SIZE}} for n in names}
            result = self._searcher.aggregate(run_query, spec)
            for name in names:
                buckets = result.get(name, {}).get("buckets", [])
                counts[name] = {b["key"]: b["doc_count"] for b in buckets}
        return {f: counts.get(f, {}) for f in FACETS}

    def _term(self, field: str, value: str):
        return Query.term_query(self.schema, field, value)

    def _clause(self, clause: AnyOf | AgeWithin):
        if isinstance(clause, AgeWithin):
            return Query.boolean_query(
                [
                    (Occur.Must, self._range("age_min", None, clause.age)),
                    (Occur.Must, self._range("age_max", clause.age, None)),
                ]
            )
        return _any([self._term(clause.field, v) for v in clause.values])

    def _range(self, field: str, low, high):
        return Query.range_query(self.schema, field, tantivy.FieldType.Integer, low, high)

    def _prefix(self, field: str, text: str):
        return Query.regex_query(self.schema, field, _regex_escape(text) + ".*")

    def _alternative(self, stems: list[str]):
        """All the words of one alternative, each in any searched field."""
        per_word = [
            _any([Query.boost_query(self._term(f, s), b) for f, b in FIELD_BOOSTS.items()])
            for s in stems
        ]
        return _all(per_word)

    def _text_query(self, parsed: ParsedQuery):
        """Every unit required; named types, the whole query in a name and places raise rank."""
        units = []
        for unit, alternatives in zip(parsed.units, unit_stems(parsed), strict=True):
            options = [self._alternative(stems) for stems in alternatives]
            if unit.prefix:
                options.append(self._prefix("plain", unit.text))
                named = self._prefix("nom_plain", unit.text)
                options.append(Query.boost_query(named, PREFIX_NAME_BOOST))
            if options:
                units.append(_any(options))
        required = _all(units) if units else Query.all_query()
        boosts = [
            Query.boost_query(self._term("type", code), TYPE_BOOST)
            for unit in parsed.units
            for code in sorted(unit.types)
        ]
        if len(parsed.units) > 1:
            # A fiche whose name holds every unit outranks one that holds them apart.
            per_unit = [sorted({s for a in alts for s in a}) for alts in unit_stems(parsed)]
            if all(per_unit):
                in_name = _all([_any([self._term("titre", s) for s in u]) for u in per_unit])
                boosts.append(Query.boost_query(in_name, NAME_BOOST))
        places = [w for phrase in parsed.place_words for w in phrase.split()]
        boosts += [Query.boost_query(self._term("nom_plain", w), PLACE_BOOST) for w in places]
        if not boosts:
            return required
        return Query.boolean_query([(Occur.Must, required), (Occur.Should, _any(boosts))])

    def _suggest(self, words: list[str], limit: int) -> list[Hit]:
        parts = [(Occur.Must, self._term("nom_plain", w)) for w in words[:-1]]
        parts.append((Occur.Must, self._prefix("nom_plain", words[-1])))
        found = self._searcher.search(Query.boolean_query(parts), limit)
        return [make_hit(self._stored(address)) for _, address in found.hits]


def _combine(occur, queries: list):
    return queries[0] if len(queries) == 1 else Query.boolean_query([(occur, q) for q in queries])


def _any(queries: list):
    return _combine(Occur.Should, queries)


def _all(queries: list):
    return _combine(Occur.Must, queries)


def _regex_escape(text: str) -> str:
    """Escape what tantivy's regular expressions treat as special (words are folded anyway)."""
    return "".join(f"\\{c}" if not c.isalnum() else c for c in text)
