"""Find which fiche a row of an open dataset (FINESS, Annuaire de l'administration) describes.

One cascade, shared by every dataset import, tried in this order:

1. **Identifier.** The row's FINESS number equals a fiche's FINESS; or the row's record id in
   the Annuaire de l'administration (its DILA id, e.g. « clic-08105-01 ») is the one a fiche's
   source cites (« … enregistrement clic-08105-01 »); or the row's SIRET equals the SIRET of
   exactly one fiche *of the same type* (one SIRET often covers several services of one
   association, so the type must agree). → field-level proposals on that fiche.
2. **Type + commune + normalised name.** Same type, the row's commune is the commune of the
   fiche's address or of one of its sites, the normalised names are equal, and exactly one fiche
   is so. → field-level proposals (the row's identifiers included, so that the next run matches
   at step 1).
3. **Normalised name alone.** Same type and same normalised name, but the commune differs, the
   fiche has none, or several fiches of that commune share the name: nothing confirms which
   dispositif it is. → the row becomes a draft and each look-alike gets a « doublon possible »
   proposal pointing to it; never a merge.
4. Otherwise the row becomes a draft fiche.

**Normalised name** (« nom normalisé »): the name in lower case, accents folded (é → e, œ → oe),
every punctuation mark (apostrophes ' and ’, hyphens, dots, commas, parentheses, slashes) turned
into a space, dotted acronyms joined (« C.M.P.P. » → « cmpp »), « St »/« Ste » read as « saint »/
« sainte », the articles and small linking words removed (le, la, les, l', un, une, de, du, des,
d', au, aux, à, en, et), and the type's own words removed: its acronym, its full name and its
synonyms from the référentiel of types (« CMPP », « centre médico-psycho-pédagogique »), plus the
label the dataset gives the type (FINESS category label, DILA « pivot » label). So « CMPP de
Metz », « C.M.P.P. DE METZ » and « Centre médico-psycho-pédagogique - Metz » all become « metz ».
A name left empty by this (« CAMSP ») never matches anything.

Fictional (demo) fiches are never matched.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from unidecode import unidecode

from directory.extensions import db
from directory.fiches.models import DispositifType, Fiche, Site, Source, Statut

SMALL_WORDS = {"le", "la", "les", "l", "un", "une", "de", "du", "des", "d", "au", "aux", "a"}
SMALL_WORDS |= {"en", "et"}
ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
# The record id a source cites: annuaire.source() titles end with « enregistrement <id> », and
# the current Annuaire pages end with it.
CITED_REF = re.compile(r"enregistrement ([A-Za-z0-9_-]+)")
ANNUAIRE_PAGE = re.compile(r"lannuaire\.service-public(?:\.gouv)?\.fr/.*/([A-Za-z0-9_-]+)/?$")


def _words(text: str | None) -> list[str]:
    text = unidecode(text or "").lower()
    text = re.sub(r"\b((?:[a-z]\.){2,})", lambda m: m.group(1).replace(".", ""), text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return [ABBREVIATIONS.get(w, w) for w in words]


def type_phrases(dtype: DispositifType | None, extra=()) -> list[list[str]]:
    """Return the type's own words as phrases (lists of words), longest first."""
    texts = list(extra)
    if dtype is not None:
        texts += [dtype.acronym, dtype.name, *(dtype.synonyms or [])]
        texts += [part for text in (dtype.acronym, dtype.name) for part in text.split("/")]
    phrases = {tuple(w for w in _words(t) if w not in SMALL_WORDS) for t in texts if t}
    return sorted((list(p) for p in phrases if p), key=len, reverse=True)


def normalised_name(name: str | None, phrases: list[list[str]]) -> str:
    """Return the normalised name: see the module's docstring."""
    words = [w for w in _words(name) if w not in SMALL_WORDS]
    for phrase in phrases:
        size, i = len(phrase), 0
        while i + size <= len(words):
            if words[i : i + size] == phrase:
                del words[i : i + size]
            else:
                i += 1
    return " ".join(words)


@dataclass
class Candidate:
    """What the matching needs to know of one fiche."""

    id: int
    slug: str
    name: str
    type_code: str
    status: Statut
    finess: str | None
    siret: str | None
    communes: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)


@dataclass
class Match:
    """The outcome of the cascade for one row: `how` is "identifiant", "nom-commune",
    "doublon" (then `fiche` is None and `duplicates` lists the look-alikes) or None."""

    how: str | None
    fiche: Candidate | None = None
    duplicates: list[Candidate] = field(default_factory=list)


class FicheIndex:
    """Every non-fictional fiche, indexed by identifier and by normalised name; read once."""

    def __init__(self, extra_type_words: dict[str, set[str]] | None = None):
        self.extra = extra_type_words or {}
        self.phrases = {
            t.code: type_phrases(t, self.extra.get(t.code, ()))
            for t in db.session.scalars(select(DispositifType))
        }
        self.by_id = {c.id: c for c in self._candidates()}
        self.finess: dict[str, list[Candidate]] = defaultdict(list)
        self.siret: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
        self.refs: dict[str, list[Candidate]] = defaultdict(list)
        self.names: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
        for c in self.by_id.values():
            self._add(c)

    def _candidates(self) -> list[Candidate]:
        rows = db.session.execute(
            select(
                Fiche.id,
                Fiche.slug,
                Fiche.name,
                Fiche.type_code,
                Fiche.status,
                Fiche.finess,
                Fiche.siret,
                Fiche.commune_code,
            ).where(Fiche.fictive.is_(False))
        )
        found = {}
        for row in rows:
            found[row.id] = Candidate(*row[:7], communes={row.commune_code} - {None})
        sites = select(Site.fiche_id, Site.commune_code).where(Site.commune_code.is_not(None))
        for fiche_id, commune in db.session.execute(sites):
            if fiche_id in found:
                found[fiche_id].communes.add(commune)
        cited = select(Source.fiche_id, Source.title, Source.url).where(
            or_(Source.title.contains("enregistrement "), Source.url.contains("lannuaire."))
        )
        for fiche_id, title, url in db.session.execute(cited):
            if fiche_id in found:
                found[fiche_id].refs |= set(CITED_REF.findall(title or ""))
                page = ANNUAIRE_PAGE.search(url or "")
                found[fiche_id].refs |= {page.group(1)} if page else set()
        return list(found.values())

    def _add(self, c: Candidate) -> None:
        if c.finess:
            self.finess[c.finess].append(c)
        if c.siret:
            self.siret[c.type_code, c.siret].append(c)
        for ref in c.refs:
            self.refs[ref].append(c)
        name = normalised_name(c.name, self.phrases.get(c.type_code, []))
        if name:
            self.names[c.type_code, name].append(c)

    def normalise(self, name: str, type_code: str) -> str:
        """Return a row's normalised name with the words of its type."""
        return normalised_name(name, self.phrases.get(type_code, []))

    def _by_identifier(self, type_code, finess, siret, refs) -> list[Candidate]:
        if finess and finess in self.finess:
            return self.finess[finess]
        for ref in refs:
            if ref in self.refs:
                return self.refs[ref]
        same_siret = self.siret.get((type_code, siret)) if siret else None
        return same_siret if same_siret and len(same_siret) == 1 else []

    def match(self, *, type_code, name, commune=None, finess=None, siret=None, refs=()) -> Match:
        """Run the cascade for one row of a dataset."""
        by_identifier = self._by_identifier(type_code, finess, siret, refs)
        if by_identifier:
            return Match("identifiant", _best(by_identifier))
        alike = self.names.get((type_code, self.normalise(name, type_code)), [])
        same_place = [c for c in alike if commune and commune in c.communes]
        if len(same_place) == 1:
            return Match("nom-commune", same_place[0])
        if alike:
            return Match("doublon", duplicates=sorted(alike, key=lambda c: c.id))
        return Match(None)


def _best(candidates: list[Candidate]) -> Candidate:
    """Prefer a live fiche to an archived one, then the oldest."""
    return min(candidates, key=lambda c: (c.status == Statut.ARCHIVEE, c.id))
