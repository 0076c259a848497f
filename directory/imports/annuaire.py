"""The Annuaire de l'administration (DILA, service-public.fr), « base de données locales »: read
its records and turn each into the standard's terms (a fiche, or the fields of one).

Layout read here: the 2016 conversion of the DILA export by cquest/annuaire-services-publics
(one JSON object per service: id, type, nom, codeinsee, writeAddress {streetAddress[],
postalCode, addressLocality}, contact_phone, contact_email, website[], commentaire, latitude,
longitude, update; a `geo` block geocoded with the BAN). Licence Ouverte (DILA); the BAN
geocoding is ODbL, so positions are taken from the DILA's own latitude/longitude.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from marshmallow import ValidationError, validate
from slugify import slugify

# The DILA « pivot » of each record → the type of the référentiel.
PIVOT_TYPES = {
    "maison_handicapees": "mdph",
    "clic": "clic",
    "accompagnement_personnes_agees": "plateforme-repit",
}
PUBLISHER = "Annuaire de l'administration (DILA)"
LICENCE = "Licence Ouverte / Open Licence (DILA, service-public.fr)"
STREET_WORDS = re.compile(
    r"\b(rue|avenue|av\.|boulevard|bd|allée|allee|place|route|chemin|cours|quai|impasse|"
    r"espace|square|faubourg|grand'rue|grande rue|cité|cite|esplanade|rond-point|parc|"
    r"résidence|zone|za|zi|lieu-dit)\b",
    re.IGNORECASE,
)
POSTAL_BOX = re.compile(r"^(BP|CS|TSA)\s*\d+", re.IGNORECASE)


@dataclass
class AnnuaireEntry:
    """One record of the Annuaire de l'administration, in the standard's terms."""

    ref: str  # the DILA id, e.g. "clic-08105-01"
    type_code: str
    name: str
    commune: str | None
    date: str | None  # the record's own update date: the date of its facts
    address: dict = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    comment: str | None = None
    raw: dict = field(default_factory=dict)

    @property
    def departement(self) -> str | None:
        return self.commune[:2] if self.commune else None


def read_extract(path: Path) -> list[dict]:
    """Read a file of records: a JSON list, an object with a "services" list, or one JSON
    object per line (the .sjson files of the conversion)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        content = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(content, dict):
        content = content.get("services", [])
    return list(content)


def national_phone(text: str | None) -> str | None:
    """Return a French number in the national format (03 24 41 39 50), else the text as given."""
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return text.strip()
    if not phonenumbers.is_valid_number(number):
        return text.strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def split_address(lines: list[str]) -> tuple[str | None, str | None]:
    """Return (ligne1, ligne2): the street line first, the rest (building, BP, CS…) after."""
    lines = [line.strip() for line in lines or [] if line and line.strip()]
    if not lines:
        return None, None
    street = next(
        (line for line in lines if STREET_WORDS.search(line) and not POSTAL_BOX.match(line)),
        next((line for line in lines if not POSTAL_BOX.match(line)), lines[0]),
    )
    rest = [line for line in lines if line is not street]
    return street[:255], (", ".join(rest)[:255] or None)


def valid_email(text: str | None) -> str | None:
    """Return the address when it is well formed (some records hold « direction@ »)."""
    text = (text or "").strip()
    try:
        return validate.Email()(text) if text else None
    except ValidationError:
        return None


def _float(value) -> float | None:
    try:
        return round(float(value), 6) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse(raw: dict) -> AnnuaireEntry | None:
    """Return the entry of a record, or None when its type is not one of the référentiel."""
    type_code = PIVOT_TYPES.get(raw.get("type") or "")
    if type_code is None:
        return None
    where = raw.get("writeAddress") or {}
    line1, line2 = split_address(where.get("streetAddress") or [])
    postcode = (where.get("postalCode") or "").strip()
    websites = raw.get("website") or []
    if isinstance(websites, str):
        websites = [websites]
    return AnnuaireEntry(
        ref=raw["id"],
        type_code=type_code,
        name=(raw.get("nom") or "").strip(),
        commune=(raw.get("codeinsee") or "").strip() or None,
        date=(raw.get("update") or "")[:10] or None,
        address={
            "ligne1": line1,
            "ligne2": line2,
            "code_postal": postcode if re.fullmatch(r"[0-9]{5}", postcode) else None,
            "commune": (raw.get("codeinsee") or "").strip() or None,
        },
        latitude=_float(raw.get("latitude")),
        longitude=_float(raw.get("longitude")),
        phone=national_phone(raw.get("contact_phone")),
        email=valid_email(raw.get("contact_email")),
        website=next((w for w in websites if re.match(r"https?://", w or "")), None),
        comment=(raw.get("commentaire") or "").strip() or None,
        raw=raw,
    )


def source_url(entry: AnnuaireEntry) -> str:
    """Return the address of the published copy the shared extract was taken from."""
    return (
        "https://github.com/cquest/annuaire-services-publics/blob/"
        "f7713da88c44fbb9570d782868d6cab979451f06/data/"
        f"annuaire-{entry.departement}.sjson"
    )


def source(entry: AnnuaireEntry, fields: list[str], url: str | None = None) -> dict:
    """Return the standard's source of an entry: third-party, dated, for the given fields."""
    return {
        "titre": f"{PUBLISHER} — « {entry.name} », enregistrement {entry.ref}",
        "url": url if url is not None else source_url(entry),
        "niveau": "tiers",
        "champs": fields,
        "date": entry.date,
    }


def contact_fields(entry: AnnuaireEntry) -> dict:
    """Return the standard's contact and place fields an entry gives (phone, e-mail, address,
    position); empty ones left out."""
    values = {
        "telephone": entry.phone,
        "courriel": entry.email,
        "adresse": entry.address if entry.address.get("commune") else None,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
    }
    return {k: v for k, v in values.items() if v not in (None, "", {})}


NAMED_LINE = re.compile(r"centre local d'information et de coordination|^clic\b", re.IGNORECASE)
# What each kind of record says of its public (the DILA « pivot » names it).
PIVOT_PUBLICS = {"clic": ["personnes-agees"], "plateforme-repit": ["aidants", "personnes-agees"]}
SUMMARY = {
    "clic": (
        "{name}, à {commune} ({departement}), d'après l'Annuaire de l'administration ({year}). "
        "Depuis, certains CLIC ont rejoint un DAC ou une MDA : coordonnées à confirmer."
    ),
    "plateforme-repit": (
        "Plateforme d'accompagnement et de répit pour les aidants de personnes âgées, à "
        "{commune} ({departement}), d'après l'Annuaire de l'administration ({year}) : "
        "coordonnées à confirmer."
    ),
}
GENERIC_NAMES = {
    "clic": "Point d'information local dédié aux personnes âgées",
    "plateforme-repit": "Plateforme d'accompagnement et de répit des aidants de personnes âgées",
}


def fiche_name(entry: AnnuaireEntry, commune_name: str) -> str:
    """Name a fiche after the record: the CLIC's own name when an address line gives it, else
    the kind of service and the commune (record names carry typos such as « Réims »)."""
    for line in (entry.raw.get("writeAddress") or {}).get("streetAddress") or []:
        if NAMED_LINE.search(line or ""):
            return " ".join(line.split())
    generic = GENERIC_NAMES.get(entry.type_code, entry.name.split(" - ")[0])
    return f"{generic} — {commune_name}"


def fiche_slug(entry: AnnuaireEntry, commune_slug: str) -> str:
    """Return a stable slug from the record's kind, commune and rank (clic-08105-02 → -2)."""
    prefix = {"clic": "clic", "plateforme-repit": "plateforme-repit-aidants"}.get(
        entry.type_code, entry.type_code
    )
    rank = entry.ref.rsplit("-", 1)[-1]
    suffix = "" if rank in ("01", "1") else f"-{int(rank)}" if rank.isdigit() else f"-{rank}"
    return f"{prefix}-{commune_slug}{suffix}"


def fiche_record(entry: AnnuaireEntry, type_, commune, status: str) -> dict:
    """Return a fiche of the standard made of a record's facts and its type's national frame
    (missions, access), every fact dated by the record."""
    contacts = contact_fields(entry)
    frame = ["missions"]
    record = {
        "slug": fiche_slug(entry, slugify(commune.name)),
        "nom": fiche_name(entry, commune.name),
        "sigle": type_.acronym,
        "type": type_.code,
        "statut": status,
        "resume": SUMMARY.get(entry.type_code, "{name}").format(
            name=fiche_name(entry, commune.name),
            commune=commune.name,
            departement=commune.departement.name,
            year=(entry.date or "")[:4] or "date inconnue",
        )[:280],
        "missions": type_.definition,
        "publics": PIVOT_PUBLICS.get(entry.type_code, []),
        "site_web": entry.website,
        **contacts,
    }
    if entry.comment:
        record["modalites_saisine"] = entry.comment
    elif type_.saisine:
        record["modalites_saisine"] = type_.saisine
        frame.append("modalites_saisine")
    record["cadre_national"] = frame
    backed = sorted({"nom", "publics", *contacts, *(["site_web"] if entry.website else [])})
    if entry.comment:
        backed.append("modalites_saisine")
    record["sources"] = [source(entry, backed)]
    return record
