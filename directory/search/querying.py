"""Reading a coordinator's query: typos, synonyms and acronyms, place names, named types.

Independent of the engine: the backend passes a `Vocabulary` (is this word indexed? is it the
start of indexed words? which indexed word is closest?). A parsed query is plain data (no
database objects): engines cache it per query and index generation.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from directory.extensions import db
from directory.fiches.models import DispositifType
from directory.search.analysis import fold, folded_stop_words
from directory.territoires.models import Commune, Departement
from directory.territoires.services import covering_codes

SYNONYMS_FILE = Path(__file__).with_name("synonymes.json")
MAX_PHRASE = 8  # longest synonym or commune name, in words
MIN_PREFIX = 3
STOP_WORDS = folded_stop_words()


class Vocabulary(Protocol):
    def known(self, word: str) -> bool: ...
    def has_prefix(self, word: str) -> bool: ...
    def closest(self, word: str, maxdist: int) -> str | None: ...


@dataclass
class Unit:
    """One thing the fiche must match: a word, a prefix, or a phrase with its alternatives."""

    text: str
    alternatives: list[str] = field(default_factory=list)
    prefix: bool = False
    types: set[str] = field(default_factory=set)


@dataclass
class ParsedQuery:
    units: list[Unit] = field(default_factory=list)
    correction: str | None = None
    departements: set[str] = field(default_factory=set)
    # Communes named in the words: each one's (level, code) pairs of the territories covering it.
    communes: list[tuple[tuple[str, str], ...]] = field(default_factory=list)
    place_words: list[str] = field(default_factory=list)


def key(phrase: str) -> str:
    """Return the folded words of a phrase without stop words: how phrases are compared."""
    return " ".join(w for w in fold(phrase).split() if w not in STOP_WORDS)


@cache
def synonym_table() -> tuple[dict[str, list[str]], int]:
    """Return phrase key → alternatives (itself first), from synonymes.json."""
    data = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    table: dict[str, list[str]] = {}
    for group in data["groupes"]:
        keys = [key(item) for item in group]
        for item in keys:
            table.setdefault(item, [item])
            table[item] += [other for other in keys if other not in table[item]]
    for source, targets in data["vers"].items():
        source = key(source)
        table.setdefault(source, [source])
        table[source] += [key(t) for t in targets if key(t) not in table[source]]
    return table, max(len(k.split()) for k in table)


def type_names() -> dict[str, set[str]]:
    """Return phrase key → type codes: acronyms, names and synonyms of the lexicon."""
    rows = tuple(
        (code, acronym, name, tuple(synonyms or []))
        for code, acronym, name, synonyms in db.session.execute(
            select(
                DispositifType.code,
                DispositifType.acronym,
                DispositifType.name,
                DispositifType.synonyms,
            ).order_by(DispositifType.code)
        )
    )
    return _type_names(rows)


@lru_cache(maxsize=8)
def _type_names(rows: tuple) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for code, acronym, name, synonyms in rows:
        for item in [*re.split(r"[/;]", acronym or ""), name, *synonyms]:
            if key(item):
                names.setdefault(key(item), set()).add(code)
    return names


def _correct(words: list[str], vocabulary: Vocabulary, protected: set[str]) -> list[str]:
    corrected = []
    for word in words:
        if word in protected or word.isdigit() or len(word) < 4 or vocabulary.known(word):
            corrected.append(word)
            continue
        if len(word) >= MIN_PREFIX and vocabulary.has_prefix(word):
            corrected.append(word)
            continue
        best = vocabulary.closest(word, 1 if len(word) <= 5 else 2)
        corrected.append(best or word)
    return corrected


@cache
def _gazetteer(url: str) -> tuple[dict[str, str], frozenset[str]]:
    """Return département code → name and the set of commune names (the geography is static)."""
    deps = dict(db.session.execute(select(Departement.code, Departement.search_name)).all())
    names = frozenset(db.session.scalars(select(Commune.search_name)))
    return deps, names


def _places(words: list[str], parsed: ParsedQuery, protected: set[str]) -> list[str]:
    """Take département codes and names and commune names out of the words."""
    deps, commune_names = _gazetteer(str(db.session.get_bind().engine.url))
    if not deps:
        _gazetteer.cache_clear()  # asked before the geography was loaded: ask again next time
    by_name = {name: code for code, name in deps.items()}
    rest, i = [], 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if size == 1 and (phrase in protected or phrase in STOP_WORDS):
                continue
            if phrase in deps:
                parsed.departements.add(phrase)
            elif phrase in by_name:
                parsed.departements.add(by_name[phrase])
            elif len(phrase) >= 3 and phrase in commune_names:
                communes = db.session.scalars(
                    select(Commune).where(Commune.search_name == phrase)
                ).all()
                if not communes:
                    continue
                parsed.communes += [tuple(covering_codes(c)) for c in communes]
            else:
                continue
            parsed.place_words.append(phrase)
            i += size
            break
        else:
            rest.append(words[i])
            i += 1
    return rest


def _units(words: list[str], types: dict[str, set[str]]) -> list[Unit]:
    table, longest = synonym_table()
    units, i = [], 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in table or (size > 1 and phrase in types):
                alternatives = table.get(phrase, [phrase])
                named = set().union(*(types.get(a, set()) for a in alternatives))
                units.append(Unit(phrase, alternatives, types=named))
                i += size
                break
        else:
            word = words[i]
            units.append(Unit(word, [word], types=types.get(word, set())))
            i += 1
    return units


def _join_compounds(text: str, vocabulary: Vocabulary) -> str:
    """Write "poly-handicap" as "polyhandicap" when the index knows the joined word."""

    def join(match: re.Match) -> str:
        joined = fold(match.group(1) + match.group(2))
        return joined if vocabulary.known(joined) else match.group(0)

    return re.sub(r"(\w+)-(\w+)", join, text)


def parse(text: str, vocabulary: Vocabulary) -> ParsedQuery:
    """Read a query: correct unknown words, then find places, synonyms and named types."""
    original = fold(_join_compounds(text, vocabulary)).split()
    types = type_names()
    protected = set(synonym_table()[0]) | set(types)
    protected |= {w for phrase in protected for w in phrase.split()}
    corrected = _correct(original, vocabulary, protected)
    parsed = ParsedQuery()
    if corrected != original:
        parsed.correction = " ".join(corrected)
    rest = _places(corrected, parsed, protected)
    rest = [w for w in rest if w not in STOP_WORDS or len(rest) == 1]
    parsed.units = _units(rest, types)
    for unit in parsed.units:
        if len(unit.alternatives) == 1 and " " not in unit.text and not vocabulary.known(unit.text):
            unit.prefix = len(unit.text) >= MIN_PREFIX and vocabulary.has_prefix(unit.text)
    return parsed
