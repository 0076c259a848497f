"""Demo fiches as canonical data: realistic, clearly fictional, deterministic.

Every demo fiche has the `fictive` flag, « fictif » or « fictive » in its name and a slug
`demo-<n>-…`; it sits in a real commune of Grand Est (weighted by population) but has no
telephone, no person and only a reserved `.invalid` e-mail address. Fiche n of seed s is always
the same, whatever the batch it is made in.
"""

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from random import Random

from slugify import slugify

from directory.demo import text as demo_text
from directory.demo.text import Choices, Writer, a_place, de_place
from directory.fiches.models import Statut
from directory.fiches.schemas import CODED_LISTS
from directory.fiches.services import LEVEL_RANK

DEMO_SOURCE_TITLE = "Fiche fictive générée pour les essais de charge"
STATUSES = (Statut.PUBLIEE.value, Statut.BROUILLON.value, Statut.ARCHIVEE.value)
STATUS_WEIGHTS = (95, 3, 2)
PROFILE_KINDS = {
    "publics": "publics",
    "financeurs": "financeurs",
    "situations": "situations",
    "qui_peut_saisir": "qui_peut_saisir",
    "modes_intervention": "modes",
}
# Fields every demo fiche leaves empty: no identifiers, no person, no telephone, no links.
EMPTY_FIELDS = {
    "fictive": True,
    "porteurs": [],
    "identifiers": {"finess": None, "siret": None, "ror": None},
    "legal_text": {"title": None, "url": None},
    "saisine_url": None,
    "cost_details": None,
    "latitude": None,  # the map uses the commune's centre
    "longitude": None,
    "acceslibre_url": None,
    "phone": None,
    "contacts": [],
    "links": [],
    "national_frame": [],
    "verification_months": 12,
}
TEXT_FIELDS = (
    "name",
    "acronym",
    "summary",
    "missions",
    "access_conditions",
    "saisine_terms",
    "required_documents",
    "opening_hours",
    "team",
)


# --- Geography -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    departement: str
    epci: str | None
    region: str
    postcode: str | None
    weight: int
    latitude: float
    longitude: float

    @classmethod
    def of(cls, commune) -> "Place":
        """Read a Commune, a row of its columns or a dict of the geography build."""
        get = commune.get if isinstance(commune, dict) else lambda key: getattr(commune, key)
        return cls(
            get("code"),
            get("name"),
            get("departement_code"),
            get("epci_code"),
            get("region_code"),
            (get("postcodes") or [None])[0],
            max(get("population") or 0, 50),
            get("latitude"),
            get("longitude"),
        )


class Geography:
    """Communes weighted by population, grouped by EPCI, with each EPCI's nearest neighbours."""

    def __init__(self, communes: Iterable, epcis: dict[str, str]):
        self.places = sorted(map(Place.of, communes), key=lambda p: p.code)
        self.cumulative = list(accumulate(p.weight for p in self.places))
        self.epci_names = epcis
        self.by_epci = defaultdict(list)
        for place in self.places:
            if place.epci:
                self.by_epci[place.epci].append(place)
        centres = {
            code: (
                sum(p.latitude for p in ps) / len(ps),
                sum(p.longitude for p in ps) / len(ps),
                {p.departement for p in ps},
            )
            for code, ps in self.by_epci.items()
        }
        self.neighbours = {
            code: sorted(
                (
                    other
                    for other, (_, _, deps) in centres.items()
                    if other != code and deps & centre[2]
                ),
                key=lambda other: math.dist(centres[other][:2], centre[:2]),
            )[:4]
            for code, centre in centres.items()
        }

    def pick(self, rng: Random) -> Place:
        """Pick a commune, the bigger the likelier."""
        index = bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.places[min(index, len(self.places) - 1)]

    def nearby(self, place: Place, rng: Random, k: int) -> list[Place]:
        """Return up to k other communes of the same EPCI."""
        others = [p for p in self.by_epci.get(place.epci, []) if p.code != place.code]
        return rng.sample(others, min(k, len(others)))

    def territory(self, level: str, place: Place, rng: Random) -> tuple[list[dict], dict]:
        """Return the territory of a fiche and how to name it (name endings, locative)."""
        commune, de_commune = place.name, de_place(place.name)
        if level == "epci" and place.epci in self.epci_names:
            return [{"level": "epci", "code": place.epci}], self._epci_words(place.epci)
        if level == "departement":
            de_dep = (
                demo_text.vocabulary()
                .data["departements"]
                .get(place.departement, f"du {place.departement}")
            )
            return (
                [{"level": "departement", "code": place.departement}],
                {"names": [de_dep], "locative": f"dans le département {de_dep}"},
            )
        if level == "region":
            return (
                [{"level": "region", "code": place.region}],
                {
                    "names": ["du Grand Est", "— Grand Est"],
                    "locative": "dans toute la région Grand Est",
                },
            )
        words = {"names": [f"— {commune}", de_commune], "locative": a_place(commune)}
        if level != "plusieurs" or not place.epci:
            return [{"level": "commune", "code": place.code}], words
        words = {
            "names": [f"du secteur {de_commune}", f"du bassin {de_commune}"],
            "locative": f"{a_place(commune)} et dans les communes voisines",
        }
        others = self.nearby(place, rng, rng.randint(2, 7))
        if rng.random() < 0.5 and len(others) >= 2:
            return [{"level": "commune", "code": p.code} for p in [place, *others]], words
        epcis = [place.epci, *self.neighbours.get(place.epci, [])[: rng.randint(1, 3)]]
        return [{"level": "epci", "code": code} for code in epcis], words

    def _epci_words(self, code: str) -> dict:
        name = self.epci_names[code]
        kind, _, short = name.partition(" ")
        kinds = {
            "CC": "la communauté de communes",
            "CA": "la communauté d'agglomération",
            "CU": "la communauté urbaine",
        }
        if kind not in kinds:
            article = {"Métropole": "la ", "Eurométropole": "l'"}.get(kind, "")
            return {
                "names": [f"— {name}"],
                "locative": f"sur le territoire {de_place(article + name)}",
            }
        own = short.startswith(("du ", "de ", "des ", "d'"))
        return {
            "names": [short if own else f"— {short}"],
            "locative": f"sur le territoire de {kinds[kind]} {short}",
        }


# --- Records -------------------------------------------------------------------------------


def _profiles(types: Iterable) -> list[tuple[str, dict]]:
    """Return (code, profile) of the active types the vocabulary describes."""
    described = demo_text.vocabulary().data["types"]
    codes = [getattr(t, "code", t) for t in types if getattr(t, "status", "actif") != "historique"]
    return [(code, described[code]) for code in codes if code in described]


def _codes(rng: Random, preferred: list[str], available: list[str], most: int) -> list[str]:
    pool = [code for code in preferred if code in available] or list(available)
    if not pool:
        return []
    codes = Choices(pool).sample(rng, rng.randint(1, min(most, len(pool))))
    if available and rng.random() < 0.1:  # a less usual code now and then
        extra = rng.choice(available)
        codes += [] if extra in codes else [extra]
    return codes


def _ages(age_min, age_max) -> str:
    if age_min is not None and age_max is not None:
        return f"de {age_min} à {age_max} ans"
    if age_min is not None:
        return f"de {age_min} ans et plus"
    return f"de moins de {age_max} ans" if age_max is not None else "de tous âges"


def _name(rng: Random, profile: dict, words: dict) -> str:
    parts = [
        profile["libelle"],
        rng.choice(profile["variantes"]),
        "fictive" if profile["genre"] == "f" else "fictif",
    ]
    if rng.random() < 0.2:
        parts.append(f"« {rng.choice(demo_text.vocabulary().data['noms_propres'])} »")
    parts.append(rng.choice(words["names"]))
    return " ".join(part for part in parts if part)


def _context(
    rng: Random, profile: dict, place: Place, words: dict, ages: str, geo: "Geography"
) -> dict:
    gender = profile["genre"]
    subjects = [("m", "le service"), ("f", "l'équipe"), ("m", "le dispositif")]
    if profile["sigle"]:
        article = "la " if gender == "f" else "le "
        article = "l'" if demo_text.elides(profile["sigle"]) else article
        subjects += [(gender, article + profile["sigle"])] * 3

    def neighbours(writer: Writer) -> str:
        names = [p.name for p in geo.nearby(place, rng, rng.randint(2, 3))] or ["ses environs"]
        return " et ".join(filter(None, [", ".join(names[:-1]), names[-1]]))

    return {
        "sujet": subjects,
        "sigle": profile["sigle"] or profile["libelle"],
        "type_cap": profile["nom"][:1].upper() + profile["nom"][1:],
        "fictif": "fictive" if gender == "f" else "fictif",
        "public": lambda writer: writer.fill(rng.choice(profile["public"])),
        "ages": ages,
        "commune": place.name,
        "a_commune": a_place(place.name),
        "territoire": words["locative"],
        "voisines": neighbours,
    }


def _texts(rng: Random, writer: Writer, profile: dict) -> tuple[str, str]:
    phrases = demo_text.vocabulary().data["phrases"]
    for _ in range(5):
        summary = writer.render(rng.choice(phrases["resume"]))
        if len(summary) <= 280:
            break
    else:
        summary = summary[:279].rsplit(" ", 1)[0] + "…"
    own = rng.sample(profile["missions"], rng.randint(1, len(profile["missions"])))
    sentences = [writer.render(t) for t in rng.sample(phrases["generales"], rng.randint(4, 7))]
    sentences.insert(0, own[0])
    for sentence in own[1:]:
        sentences.insert(rng.randint(1, len(sentences)), sentence)
    cut = rng.randint(2, max(2, len(sentences) - 2))
    return summary, " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])


def _maybe(rng: Random, chance: float, value):
    return value() if rng.random() < chance else None


def _details(rng: Random, writer: Writer, profile: dict, n: int) -> dict:
    """Return the optional fields, each filled as often as on a real directory."""
    phrases = demo_text.vocabulary().data["phrases"]

    def text(kind):
        return lambda: writer.render(rng.choice(phrases[kind]))

    first, last = profile["annee"]
    return {
        "acronym": _maybe(rng, 0.85, lambda: profile["sigle"]),
        "creation_year": _maybe(rng, 0.7, lambda: rng.randint(first, last)),
        "access_conditions": _maybe(rng, 0.6, text("conditions")),
        "mdph_notification_required": _maybe(rng, 0.8, lambda: profile["notification"]),
        "saisine_terms": _maybe(rng, 0.8, text("saisine")),
        "required_documents": _maybe(rng, 0.4, text("documents")),
        "free_of_charge": _maybe(rng, 0.85, lambda: rng.random() < 0.95),
        "opening_hours": _maybe(rng, 0.7, lambda: rng.choice(phrases["horaires"])),
        "team": _maybe(rng, 0.5, text("equipe")),
        # Reserved names only (RFC 2606): nobody can receive these e-mails.
        "email": _maybe(rng, 0.75, lambda: f"contact@demo-{n}.invalid"),
        "website": _maybe(rng, 0.4, lambda: f"https://demo-{n}.invalid/"),
    }


def generate_record(n: int, rng: Random, geo: Geography, profiles: list, values: dict) -> dict:
    """Return demo fiche number n as canonical data."""
    code, profile = rng.choices(profiles, weights=[p["poids"] for _, p in profiles])[0]
    place = geo.pick(rng)
    levels = profile.get("niveaux") or demo_text.vocabulary().data["niveaux"]
    territory, words = geo.territory(rng.choices(*zip(*levels.items(), strict=True))[0], place, rng)
    age_min, age_max = rng.choice(profile["ages"])
    writer = Writer(rng, _context(rng, profile, place, words, _ages(age_min, age_max), geo))
    name = _name(rng, profile, words)
    summary, missions = _texts(rng, writer, profile)
    services = Choices(profile["prestations"]).sample(rng, rng.randint(2, 5))
    services += [writer.fill("{gnb:actions}") for _ in range(rng.randint(0, 2))]
    recourse = profile["recours"] in values.get("niveaux-de-recours", []) and rng.random() < 0.8
    record = {
        **EMPTY_FIELDS,
        **_details(rng, writer, profile, n),
        "slug": f"demo-{n}-{slugify(name, max_length=140, word_boundary=True)}",
        "name": name,
        "type": code,
        "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
        "summary": summary,
        "missions": missions,
        "services": list(dict.fromkeys(services)),
        "recourse_level": profile["recours"] if recourse else None,
        "age_min": age_min,
        "age_max": age_max,
        "territory": sorted(territory, key=lambda t: (-LEVEL_RANK[t["level"]], t["code"])),
        "address": {
            "line1": None,
            "line2": None,
            "postcode": place.postcode,
            "commune": place.code,
        },
        "sites": [],
        "sources": [
            {
                "title": DEMO_SOURCE_TITLE,
                "url": None,
                "level": "declare",
                "fields": [],
                "date": None,
            },
        ],
    }
    for attr, kind in CODED_LISTS.items():
        most = 2 if attr == "financeurs" else 3
        record[attr] = _codes(rng, profile[PROFILE_KINDS[attr]], values.get(kind, []), most)
    return record


def generate_records(
    count: int,
    communes: list,
    types: list,
    values: dict[str, list[str]],
    seed: int = 0,
    *,
    start: int = 1,
    epcis: dict[str, str] | None = None,
) -> Iterator[dict]:
    """Yield `count` demo fiches numbered from `start`, as canonical data (deterministic)."""
    geo = Geography(communes, epcis or {})
    profiles = _profiles(types)
    for n in range(start, start + count):
        # Random, not secrets: fictive data must be reproducible, not unpredictable.
        yield generate_record(n, Random(f"demo:{seed}:{n}"), geo, profiles, values)  # noqa: S311


def record_words(record: dict) -> list[str]:
    """Return the words of a record's texts (for measuring the vocabulary)."""
    texts = [record.get(field) or "" for field in TEXT_FIELDS] + list(record["services"])
    return demo_text.words(" ".join(texts))
