"""What both engines share: searched texts, filters as plain clauses, the lexicon, snippets.

Engines translate these into their own queries; nothing here imports an engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import escape

from directory.search.analysis import french_analyzer, plain_analyzer
from directory.search.querying import ParsedQuery
from directory.search.results import Hit

# Two searched fields: the name and acronym weigh most; in the text, the type's words and the
# résumé are written twice.
FIELD_BOOSTS = {"titre": 6.0, "texte": 1.0}
TYPE_BOOST = 8.0
NAME_BOOST = 4.0
PLACE_BOOST = 2.0
PREFIX_NAME_BOOST = 3.0
STORED = ("slug", "nom", "sigle", "type", "kind", "resume", "type_text")
_ANALYZER = french_analyzer()  # one per process: its stem cache is reused
_PLAIN = plain_analyzer()


def stems_of(text: str) -> list[str]:
    """Return the stems of a text, as the index holds them."""
    return [t.text for t in _ANALYZER(text)]


def plain_words(text: str) -> list[str]:
    """Return the unstemmed, folded words of a text (prefixes, typos, suggestions)."""
    return [t.text for t in _PLAIN(text)]


def searched_texts(document: dict) -> tuple[str, str]:
    """Return the two searched texts of a document: its title and its text."""
    titre = f"{document['nom']}\n{document['sigle']}"
    twice = f"{document['type_text']}\n{document['resume']}\n"
    return titre, f"{twice}{twice}{document['body']}"


@dataclass(frozen=True)
class AnyOf:
    """A document matches when its field holds one of the values."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class AgeWithin:
    """A fiche matches when the age lies between its minimum and maximum ages."""

    age: int


def place_clauses(parsed: ParsedQuery) -> list[AnyOf]:
    """Filters read from place names in the words: a département, a commune covered."""
    clauses = []
    if parsed.departements:
        clauses.append(AnyOf("departement", tuple(sorted(parsed.departements))))
    if parsed.communes:
        pairs = sorted({f"{lvl}:{code}" for pairs in parsed.communes for lvl, code in pairs})
        clauses.append(AnyOf("territoire", tuple(pairs)))
    return clauses


def filter_clauses(filters: dict) -> dict[str, AnyOf | AgeWithin]:
    """Turn the FilterForm's filters into one clause per facet or filter name."""
    from directory.territoires.services import covering_codes, get_commune

    clauses: dict[str, AnyOf | AgeWithin] = {}
    for name in ("type", "public", "qui_peut_saisir"):
        if filters.get(name):
            clauses[name] = AnyOf(name, tuple(filters[name]))
    for name in ("departement", "notification_mdph"):
        if filters.get(name):
            clauses[name] = AnyOf(name, (filters[name],))
    if filters.get("commune"):
        commune = get_commune(filters["commune"])
        pairs = covering_codes(commune) if commune else [("commune", filters["commune"])]
        clauses["commune"] = AnyOf("territoire", tuple(f"{lvl}:{code}" for lvl, code in pairs))
    if filters.get("age") is not None:
        clauses["age"] = AgeWithin(int(filters["age"]))
    return clauses


def unit_stems(parsed: ParsedQuery) -> list[list[list[str]]]:
    """Return, per unit, the stems of each alternative (empty alternatives dropped, no repeats)."""
    units = []
    for unit in parsed.units:
        alternatives, seen = [], set()
        for alternative in unit.alternatives:
            stems = stems_of(alternative)
            if stems and tuple(stems) not in seen:
                seen.add(tuple(stems))
                alternatives.append(stems)
        units.append(alternatives)
    return units


def query_stems(parsed: ParsedQuery) -> set[str]:
    """Return the stems a snippet highlights: every alternative of every unit."""
    return {s for unit in parsed.units for a in unit.alternatives for s in stems_of(a)}


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str | None:
    stems = stems_of(word)
    return stems[0] if stems else None


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


def make_hit(fields: dict, wanted: set[str] | None = None) -> Hit:
    """Return the hit of stored fields; the snippet is highlighted only when words were asked."""
    extrait = highlight(fields.get("resume", ""), wanted) if wanted is not None else ""
    return Hit(
        slug=fields["slug"],
        nom=fields["nom"],
        sigle=fields.get("sigle", ""),
        type=fields["type"],
        extrait=extrait if fields["kind"] == "fiche" else "",
        kind=fields["kind"],
    )


class TypeLexicon:
    """The entries of the type lexicon, matched in memory (a few dozen)."""

    def __init__(self, entries: list[dict]):
        self.entries = []
        for fields in sorted(entries, key=lambda f: f["slug"]):
            text = " ".join(fields.get(f, "") for f in ("nom", "sigle", "type_text", "resume"))
            self.entries.append((fields, set(stems_of(text)), set(plain_words(text))))

    def match(self, parsed: ParsedQuery, limit: int = 5) -> list[Hit]:
        """Return the types holding every unit of the query; the types it names first."""
        if not parsed.units:
            return []
        units = [(unit, [set(stems_of(a)) for a in unit.alternatives]) for unit in parsed.units]
        ranked = []
        for position, (fields, stems, words) in enumerate(self.entries):
            for unit, alternatives in units:
                if not any(a and a <= stems for a in alternatives) and not (
                    unit.prefix and any(w.startswith(unit.text) for w in words)
                ):
                    break
            else:
                named = any(fields["slug"] in unit.types for unit in parsed.units)
                ranked.append((-named, position, fields))
        ranked.sort(key=lambda r: r[:2])
        return [make_hit(fields) for *_, fields in ranked[:limit]]
