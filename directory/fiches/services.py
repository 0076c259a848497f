"""State changes of fiches. Services flush and record history; the caller commits once."""

from collections.abc import Callable
from dataclasses import dataclass

from slugify import slugify
from sqlalchemy import select

from directory import messages as m
from directory.core.models import utcnow
from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.history import (
    STANDARD_KEYS,
    record_history,
    redact_contacts,
    removed_contacts,
)
from directory.fiches.models import (
    Contact,
    DispositifType,
    Fiche,
    FicheLink,
    FicheTerritory,
    FicheValue,
    LinkKind,
    ReferentielValue,
    Site,
    Source,
    SourceLevel,
    Statut,
    Visibility,
)
from directory.fiches.schemas import CODED_LISTS, NATIONAL_FRAME_FIELDS, FicheSchema
from directory.organisations.models import Organisation
from directory.territoires.models import Commune, Departement, Epci, Region

READ_ONLY = ("id", "updated_at", "verified_on", "completeness", "version")
SCALARS = (
    "name",
    "acronym",
    "fictive",
    "creation_year",
    "summary",
    "missions",
    "services",
    "recourse_level",
    "age_min",
    "age_max",
    "access_conditions",
    "mdph_notification_required",
    "saisine_terms",
    "saisine_url",
    "required_documents",
    "free_of_charge",
    "cost_details",
    "latitude",
    "longitude",
    "opening_hours",
    "acceslibre_url",
    "phone",
    "email",
    "website",
    "team",
    "verification_months",
)
NESTED = {
    "identifiers": {"finess": "finess", "siret": "siret", "ror": "ror_id"},
    "legal_text": {"title": "legal_text_title", "url": "legal_text_url"},
    "address": {
        "line1": "address_line1",
        "line2": "address_line2",
        "postcode": "postcode",
        "commune": "commune_code",
    },
}
SITE_COLUMNS = {
    "name": "name",
    "latitude": "latitude",
    "longitude": "longitude",
    "opening_hours": "opening_hours",
    "phone": "phone",
    "email": "email",
}
SITE_ADDRESS = NESTED["address"]
LEVEL_RANK = {
    level: rank for rank, level in enumerate(("commune", "epci", "departement", "region"))
}


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a user id when signed in, and a label such as "seed" or "import";
    `via` names what brought it from outside (a proposal and its source)."""

    label: str
    user_id: int | None = None
    via: str | None = None


class StaleFiche(Exception):
    """The fiche changed since the editor loaded it (optimistic locking)."""

    def __init__(self, fiche: Fiche):
        super().__init__(m.STALE_FICHE)
        self.fiche = fiche


def fiche_to_data(fiche: Fiche) -> dict:
    """Return the canonical data of a fiche (English keys, the standard's shape)."""
    data = {attr: getattr(fiche, attr) for attr in SCALARS}
    data["services"] = list(fiche.services or [])
    data.update(id=fiche.id, slug=fiche.slug, type=fiche.type_code, status=fiche.status.value)
    for key, columns in NESTED.items():
        data[key] = {sub: getattr(fiche, column) for sub, column in columns.items()}
    for attr, kind in CODED_LISTS.items():
        data[attr] = [
            v.code for v in sorted(fiche.values, key=lambda v: v.position) if v.kind == kind
        ]
    data["porteurs"] = [
        {"name": o.name, "siret": o.siret, "finess": o.finess, "website": o.website}
        for o in fiche.porteurs
    ]
    data["territory"] = [{"level": t.level, "code": t.code} for t in _sorted_territory(fiche)]
    data["contacts"] = [
        {
            "name": c.name,
            "role": c.role,
            "phone": c.phone,
            "email": c.email,
            "visibility": c.visibility.value,
        }
        for c in fiche.contacts
    ]
    data["links"] = sorted(
        ({"kind": link.kind.value, "fiche": link.to_fiche.slug} for link in fiche.links_out),
        key=lambda link: (link["kind"], link["fiche"]),
    )
    data["sites"] = [_site_data(site) for site in fiche.sites]
    data["sources"] = [
        {
            "title": s.title,
            "url": s.url,
            "level": s.level.value,
            "fields": list(s.fields or []),
            "date": s.fact_date,
        }
        for s in fiche.sources
    ]
    data["national_frame"] = list(fiche.national_frame_fields or [])
    data.update(
        updated_at=fiche.updated_at,
        verified_on=fiche.verified_on,
        completeness=fiche.completeness,
        version=fiche.version,
    )
    return data


def _site_data(site: Site) -> dict:
    data = {key: getattr(site, column) for key, column in SITE_COLUMNS.items()}
    data["address"] = {sub: getattr(site, column) for sub, column in SITE_ADDRESS.items()}
    return data


def _normal_site(site: dict) -> dict:
    result = {key: site.get(key) for key in SITE_COLUMNS}
    address = site.get("address") or {}
    result["address"] = {sub: address.get(sub) for sub in SITE_ADDRESS}
    return result


def _sorted_territory(fiche: Fiche) -> list[FicheTerritory]:
    return sorted(fiche.territories, key=lambda t: (-LEVEL_RANK.get(t.level, 0), t.code))


def normalize(data: dict) -> dict:
    """Return loaded data in canonical form (every key present, nested parts complete)."""
    empty = FicheSchema().load({"nom": "x", "type": "x", "resume": "x", "missions": "x"})
    result = {key: data.get(key, empty.get(key)) for key in STANDARD_KEYS if key not in READ_ONLY}
    for key, columns in NESTED.items():
        part = data.get(key) or {}
        result[key] = {sub: part.get(sub) for sub in columns}
    result["porteurs"] = (
        [{k: p.get(k) for k in ("name", "siret", "finess", "website")} for p in data["porteurs"]]
        if data.get("porteurs")
        else []
    )
    result["territory"] = sorted(
        ({"level": t["level"], "code": t["code"]} for t in data.get("territory") or []),
        key=lambda t: (-LEVEL_RANK[t["level"]], t["code"]),
    )
    result["contacts"] = [
        {k: c.get(k) for k in ("name", "role", "phone", "email", "visibility")}
        for c in data.get("contacts") or []
    ]
    result["links"] = sorted(
        ({"kind": link["kind"], "fiche": link["fiche"]} for link in data.get("links") or []),
        key=lambda link: (link["kind"], link["fiche"]),
    )
    result["sites"] = [_normal_site(site) for site in data.get("sites") or []]
    result["sources"] = [
        {
            "title": s["title"],
            "url": s.get("url"),
            "level": s["level"],
            "fields": list(s.get("fields") or []),
            "date": s.get("date"),
        }
        for s in data.get("sources") or []
    ]
    return result


def diff(before: dict, after: dict) -> dict[str, tuple]:
    """Return {attribute: (before, after)} for every editable field that differs."""
    return {
        key: (before.get(key), after.get(key))
        for key in after
        if key not in READ_ONLY
        and key != "slug"
        and _comparable(key, before.get(key)) != _comparable(key, after.get(key))
    }


def _comparable(key: str, value):
    # Porteurs are references to organisations, whose own details live on the organisation.
    if key == "porteurs":
        return sorted(p["name"] for p in value or [])
    # Checkbox lists come back in the référentiel's order: their order carries no meaning.
    if key in CODED_LISTS or key == "national_frame":
        return sorted(value or [])
    return value


class KnownCodes:
    """Code sets of the référentiels and the geography, each read once per validation run."""

    def __init__(self):
        self._sets: dict[tuple[str, str], set[str]] = {}

    def referentiel(self, kind: str) -> set[str]:
        if ("ref", kind) not in self._sets:
            query = select(ReferentielValue.code).where(ReferentielValue.kind == kind)
            self._sets["ref", kind] = set(db.session.scalars(query))
        return self._sets["ref", kind]

    def territory(self, level: str) -> set[str]:
        if ("geo", level) not in self._sets:
            self._sets["geo", level] = set(db.session.scalars(select(_LEVEL_MODELS[level].code)))
        return self._sets["geo", level]


def check_references(
    data: dict,
    known_slugs: set[str] | None = None,
    known: KnownCodes | None = None,
    linkable: Callable[[Fiche], bool] | None = None,
) -> dict[str, list[str]]:
    """Check the codes of loaded data against the référentiels and the geography.

    `linkable` tells which existing fiches a link may point at (default: any).
    """
    errors: dict[str, list[str]] = {}
    known = known or KnownCodes()

    def add(attr, message):
        errors.setdefault(STANDARD_KEYS[attr], []).append(message)

    if db.session.get(DispositifType, data["type"]) is None:
        add("type", m.UNKNOWN_TYPE.format(code=data["type"]))
    for attr, kind in CODED_LISTS.items():
        for code in data.get(attr) or []:
            if code not in known.referentiel(kind):
                add(attr, m.UNKNOWN_CODE.format(referentiel=kind, code=code))
    level = data.get("recourse_level")
    if level and level not in known.referentiel("niveaux-de-recours"):
        add("recourse_level", m.UNKNOWN_CODE.format(referentiel="niveaux-de-recours", code=level))
    for item in data.get("territory") or []:
        if item["code"] not in known.territory(item["level"]):
            add("territory", m.UNKNOWN_TERRITORY.format(niveau=item["level"], code=item["code"]))
    commune = (data.get("address") or {}).get("commune")
    if commune and commune not in known.territory("commune"):
        add("address", m.UNKNOWN_COMMUNE.format(code=commune))
    for site in data.get("sites") or []:
        commune = (site.get("address") or {}).get("commune")
        if commune and commune not in known.territory("commune"):
            add("sites", m.UNKNOWN_COMMUNE.format(code=commune))
    for link in data.get("links") or []:
        if link["fiche"] == data.get("slug"):
            add("links", m.SELF_LINK)
        elif link["fiche"] not in (known_slugs or set()) and not _can_link(link["fiche"], linkable):
            # Same words for a fiche the user may not see: its existence is not told.
            add("links", m.UNKNOWN_LINKED_FICHE.format(slug=link["fiche"]))
    for attr in data.get("national_frame") or []:
        if data.get(NATIONAL_FRAME_FIELDS[attr]) in (None, "", []):
            add("national_frame", m.NATIONAL_FRAME_NOT_FILLED.format(field=attr))
    return errors


_LEVEL_MODELS = {"commune": Commune, "epci": Epci, "departement": Departement, "region": Region}


def _slug_exists(slug: str) -> bool:
    return db.session.scalar(select(Fiche.id).where(Fiche.slug == slug)) is not None


def _can_link(slug: str, linkable: Callable[[Fiche], bool] | None) -> bool:
    target = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
    return target is not None and (linkable is None or linkable(target))


def unique_slug(name: str, taken: set[str] | None = None) -> str:
    """Return a free slug made from a name."""
    base = slugify(name, max_length=150, word_boundary=True) or "fiche"
    slug, n = base, 2
    while slug in (taken or set()) or _slug_exists(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def completeness(data: dict) -> tuple[int, list[str]]:
    """Return the weighted share of filled criteria (0–100) and the missing items in French."""
    score, missing = 0, []
    for criterion in referentiels.completeness_criteria():
        if any(_filled(_lookup(data, path)) for path in criterion["champs"]):
            score += criterion["poids"]
        else:
            missing.append(criterion["manque"])
    return score, missing


_BY_STANDARD_KEY = {}


def _lookup(data: dict, path: str):
    """Read a dotted path of French keys (e.g. "adresse.commune") in canonical data."""
    if not _BY_STANDARD_KEY:
        _BY_STANDARD_KEY.update({v: k for k, v in STANDARD_KEYS.items()})
        _BY_STANDARD_KEY.update(
            {"ligne1": "line1", "commune": "commune", "code_postal": "postcode"}
        )
    value = data
    for part in path.split("."):
        value = (value or {}).get(_BY_STANDARD_KEY.get(part, part))
    return value


def _filled(value) -> bool:
    return value not in (None, "", [], {})


def apply_data(fiche: Fiche, data: dict) -> None:
    """Write canonical data onto a fiche and its rows (no history, no flush)."""
    for attr in SCALARS:
        setattr(fiche, attr, data.get(attr))
    fiche.services = list(data.get("services") or [])
    fiche.fictive = bool(data.get("fictive"))
    fiche.verification_months = data.get("verification_months") or 12
    fiche.type_code = data["type"]
    fiche.status = Statut(data.get("status") or Statut.BROUILLON.value)
    for key, columns in NESTED.items():
        part = data.get(key) or {}
        for sub, column in columns.items():
            setattr(fiche, column, part.get(sub))
    fiche.values = [
        FicheValue(kind=kind, code=code, position=i)
        for attr, kind in CODED_LISTS.items()
        for i, code in enumerate(data.get(attr) or [])
    ]
    fiche.porteurs = [_organisation(p) for p in data.get("porteurs") or []]
    fiche.territories = [
        FicheTerritory(level=t["level"], code=t["code"]) for t in data.get("territory") or []
    ]
    fiche.contacts = [
        Contact(
            name=c["name"],
            role=c.get("role"),
            phone=c.get("phone"),
            email=c.get("email"),
            visibility=Visibility(c.get("visibility") or "membres"),
            position=i,
        )
        for i, c in enumerate(data.get("contacts") or [])
    ]
    fiche.sites = [
        Site(
            **{column: site.get(key) for key, column in SITE_COLUMNS.items()},
            **{
                column: (site.get("address") or {}).get(sub) for sub, column in SITE_ADDRESS.items()
            },
            position=i,
        )
        for i, site in enumerate(data.get("sites") or [])
    ]
    fiche.sources = [
        Source(
            title=s["title"],
            url=s.get("url"),
            level=SourceLevel(s["level"]),
            fields=s.get("fields") or [],
            fact_date=s.get("date"),
            position=i,
        )
        for i, s in enumerate(data.get("sources") or [])
    ]
    fiche.national_frame_fields = list(data.get("national_frame") or [])
    fiche.completeness = completeness(data)[0]


def _organisation(porteur: dict) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.name == porteur["name"]))
    if org is None:
        org = Organisation(slug=slugify(porteur["name"], max_length=120), name=porteur["name"])
        db.session.add(org)
    for attr in ("siret", "finess", "website"):
        if porteur.get(attr) and getattr(org, attr) != porteur[attr]:
            setattr(org, attr, porteur[attr])
    return org


def set_links(fiche: Fiche, links: list[dict]) -> None:
    """Replace the outgoing links of a fiche (targets by slug, which must exist)."""
    targets = {link["fiche"] for link in links}
    by_slug = {f.slug: f for f in db.session.scalars(select(Fiche).where(Fiche.slug.in_(targets)))}
    wanted = {(link["kind"], link["fiche"]) for link in links}
    for link in list(fiche.links_out):
        if (link.kind.value, link.to_fiche.slug) not in wanted:
            fiche.links_out.remove(link)
    present = {(link.kind.value, link.to_fiche.slug) for link in fiche.links_out}
    for kind, slug in sorted(wanted - present):
        fiche.links_out.append(FicheLink(kind=LinkKind(kind), to_fiche=by_slug[slug]))


def create_fiche(data: dict, actor: Actor, *, with_history: bool = True) -> Fiche:
    """Create a fiche from loaded data; its links must point at existing fiches."""
    data = normalize(data)
    fiche = Fiche(slug=data.get("slug") or unique_slug(data["name"]))
    data["slug"] = fiche.slug
    apply_data(fiche, data)
    db.session.add(fiche)
    set_links(fiche, data["links"])
    db.session.flush()
    if with_history:
        empty = {key: None for key in data}
        empty.update({key: [] for key, value in data.items() if isinstance(value, list)})
        empty.update(
            {
                key: {sub: None for sub in value}
                for key, value in data.items()
                if isinstance(value, dict)
            }
        )
        record_history(fiche, diff(empty, data), actor)
    return fiche


def update_fiche(
    fiche: Fiche, data: dict, actor: Actor, *, expected_version: int | None = None
) -> dict[str, tuple]:
    """Apply loaded data to a fiche; return the changes (nothing is written when none)."""
    if expected_version is not None and expected_version != fiche.version:
        raise StaleFiche(fiche)
    before = normalize(fiche_to_data(fiche))
    after = normalize({**data, "slug": fiche.slug})
    changes = diff(before, after)
    if changes:
        with db.session.no_autoflush:  # one UPDATE, so one version step per change
            apply_data(fiche, after)
            fiche.updated_at = utcnow()
            set_links(fiche, after["links"])
        record_history(fiche, changes, actor)
        if "contacts" in changes:
            redact_contacts(fiche, removed_contacts(*changes["contacts"]))
        db.session.flush()
    return changes
