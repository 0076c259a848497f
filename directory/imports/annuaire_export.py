"""The Annuaire de l'administration (DILA, service-public.gouv.fr) as it is published today, and
the reading of an annuaire file in either layout as dataset rows.

Current layout (« Base de données locales » on data.gouv.fr, described by the DILA's
« Spécifications datagouv base de données locales Service-public » and served the same way by
the API Annuaire de l'administration): a JSON object `{"service": [...]}` (the data.gouv file,
`…gouv_local.json` inside a .tar.bz2 archive) or a JSON list of records (the API's export),
each record with `id` (a UUID), `ancien_code_pivot` (the former id, e.g.
« maison_handicapees-57463-01 », the one the 2016 layout calls `id`), `nom`, `siret`,
`code_insee_commune`, `pivot` [{type_service_local, code_insee_commune[]}], `adresse`
[{type_adresse, complement1, complement2, numero_voie, service_distribution, code_postal,
nom_commune, longitude, latitude}], `telephone` [{valeur, description}], `adresse_courriel` [...],
`site_internet` [{libelle, valeur}], `plage_ouverture` [{nom_jour_debut, nom_jour_fin,
valeur_heure_debut_1, valeur_heure_fin_1, valeur_heure_debut_2, valeur_heure_fin_2,
commentaire}], `date_modification` (« 09/08/2023 13:30:19 ») and `url_service_public`. The API
writes the nested lists as JSON text: both are read. Licence Ouverte 2.0 (DILA).

The 2016 layout (the shared extract) is read by `annuaire.parse`. Big files are streamed.
"""

import io
import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ijson
from tqdm import tqdm
from tqdm.utils import CallbackIOWrapper

from directory import messages as m
from directory.imports.annuaire import (
    PIVOT_TYPES,
    AnnuaireEntry,
    contact_fields,
    national_phone,
    parse,
    source,
    split_address,
)
from directory.imports.models import ProposalOrigin
from directory.imports.proposals import SourceInfo
from directory.imports.rows import DatasetFile, DatasetRow

DATASET_URL = (
    "https://www.data.gouv.fr/fr/datasets/"
    "service-public-fr-annuaire-de-l-administration-base-de-donnees-locales/"
)
# How the DILA names each pivot in its records' names (« <label> - <commune> »): words of the
# type, left out of the normalised name like the référentiel's own.
PIVOT_LABELS = {
    "mdph": {"Maison départementale des personnes handicapées"},
    "clic": {"Point d'information local dédié aux personnes âgées"},
    "plateforme-repit": {
        "Plateforme d'accompagnement et de répit pour les aidants de personnes âgées"
    },
}
FR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})")


class AnnuaireRefused(Exception):
    """The file cannot be read as an annuaire file: nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__(m.ANNUAIRE_REFUSED.format(count=len(errors)))
        self.errors = errors


@dataclass
class ExportEntry(AnnuaireEntry):
    """A record of the current layout: a few more facts than the 2016 one."""

    siret: str | None = None
    opening_hours: str | None = None
    url: str | None = None
    refs: tuple[str, ...] = ()


def _decoded(value):
    """The API writes nested lists as JSON text; the data.gouv file as JSON."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _listed(value) -> list:
    value = _decoded(value)
    return value if isinstance(value, list) else ([value] if value else [])


def _first(value, key: str = "valeur") -> str | None:
    for item in _listed(value):
        text = item.get(key) if isinstance(item, dict) else item
        if text and str(text).strip():
            return str(text).strip()
    return None


def _iso(text: str | None) -> str | None:
    match = FR_DATE.match(text or "")
    if match:
        return f"{match.group(3)}-{match.group(2)}-{match.group(1)}"
    return (text or "")[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text or "") else None


def _hours(value) -> str | None:
    """Write the opening hours as one line per range of days (« Lundi au vendredi : 09:00–12:00
    et 13:30–17:00 »)."""
    lines = []
    for day in _listed(value):
        if not isinstance(day, dict) or not day.get("nom_jour_debut"):
            continue
        days = day["nom_jour_debut"]
        if day.get("nom_jour_fin") and day["nom_jour_fin"] != days:
            days = f"{days} au {day['nom_jour_fin'].lower()}"
        spans = [
            f"{day[f'valeur_heure_debut_{n}'][:5]}–{day[f'valeur_heure_fin_{n}'][:5]}"
            for n in (1, 2)
            if day.get(f"valeur_heure_debut_{n}") and day.get(f"valeur_heure_fin_{n}")
        ]
        note = f" ({day['commentaire'].strip()})" if (day.get("commentaire") or "").strip() else ""
        lines.append(f"{days} : {' et '.join(spans) or m.ANNUAIRE_NO_HOURS}{note}")
    return "\n".join(lines) or None


def parse_current(raw: dict) -> ExportEntry | None:
    """Return the entry of a record of the current layout, or None when its pivot is not a
    type of the référentiel."""
    pivots = [p for p in _listed(raw.get("pivot")) if isinstance(p, dict)]
    type_code = next(
        (
            PIVOT_TYPES[p["type_service_local"]]
            for p in pivots
            if p.get("type_service_local") in PIVOT_TYPES
        ),
        None,
    )
    if type_code is None:
        return None
    addresses = [a for a in _listed(raw.get("adresse")) if isinstance(a, dict)]
    place = next(
        (a for a in addresses if (a.get("type_adresse") or "").lower() == "adresse"),
        addresses[0] if addresses else {},
    )
    parts = ("complement1", "complement2", "numero_voie", "service_distribution")
    line1, line2 = split_address([place.get(k) or "" for k in parts])
    commune = (raw.get("code_insee_commune") or "").strip() or None
    postcode = (place.get("code_postal") or "").strip()
    refs = tuple(r for r in (raw.get("ancien_code_pivot"), raw.get("id")) if r)
    website = _first(raw.get("site_internet"))
    siret = (raw.get("siret") or "").strip()
    return ExportEntry(
        ref=refs[0],
        type_code=type_code,
        name=(raw.get("nom") or "").strip(),
        commune=commune,
        date=_iso(raw.get("date_modification")),
        address={
            "ligne1": line1,
            "ligne2": line2,
            "code_postal": postcode if re.fullmatch(r"\d{5}", postcode) else None,
            "commune": commune,
        },
        latitude=_coordinate(place.get("latitude")),
        longitude=_coordinate(place.get("longitude")),
        phone=national_phone(_first(raw.get("telephone"))),
        email=_first(raw.get("adresse_courriel")),
        website=website if re.match(r"https?://", website or "") else None,
        raw=raw,
        siret=siret if re.fullmatch(r"\d{14}", siret) else None,
        opening_hours=_hours(raw.get("plage_ouverture")),
        url=(raw.get("url_service_public") or "").strip() or None,
        refs=refs,
    )


def _coordinate(value) -> float | None:
    try:
        return round(float(value), 6) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def entry_of(raw) -> AnnuaireEntry | None:
    """Return the entry of a record in either layout (None when out of the référentiel)."""
    if not isinstance(raw, dict) or not raw.get("id"):
        return None
    if (
        "pivot" in raw
        or "ancien_code_pivot" in raw
        or isinstance(_decoded(raw.get("adresse")), list)
    ):
        return parse_current(raw)
    return parse(raw)


def dataset_row(entry: AnnuaireEntry) -> DatasetRow:
    """Turn an entry into a dataset row in the standard's terms."""
    values = contact_fields(entry)
    values["site_web"] = entry.website
    values["horaires"] = getattr(entry, "opening_hours", None)
    cited = source(entry, [], url=getattr(entry, "url", None) or None)
    return DatasetRow(
        origin=ProposalOrigin.ANNUAIRE,
        ref=entry.ref,
        type_code=entry.type_code,
        name=entry.name,
        draft_name=entry.name,
        commune=entry.commune,
        values=values,
        source=SourceInfo(
            origin=ProposalOrigin.ANNUAIRE,
            title=cited["titre"],
            url=cited["url"],
            ref=entry.ref,
            date=entry.date,
        ),
        facts=m.ANNUAIRE_FACTS.format(ref=entry.ref),
        siret=getattr(entry, "siret", None),
        refs=getattr(entry, "refs", ()) or (entry.ref,),
    )


class _Prefixed(io.RawIOBase):
    """A stream that gives back the bytes already read to look at the file's start."""

    def __init__(self, head: bytes, rest):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.head[: len(buffer)] if self.head else self.rest.read(len(buffer))
        self.head = self.head[len(data) :] if self.head else b""
        buffer[: len(data)] = data
        return len(data)


def _records(stream) -> Iterator[dict]:
    head = stream.read(65536)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    stream = _Prefixed(head[len(head) - len(text) :], stream)
    if text.startswith(b"["):
        yield from ijson.items(stream, "item", use_float=True)
    elif re.match(rb'\{\s*"service"\s*:', text):
        yield from ijson.items(stream, "service.item", use_float=True)
    elif re.search(rb'"services"\s*:\s*\[', text):
        yield from ijson.items(stream, "services.item", use_float=True)
    elif text.startswith(b"{"):  # one record per line (the .sjson files of the 2016 layout)
        yield from ijson.items(stream, "", multiple_values=True, use_float=True)
    else:
        raise AnnuaireRefused([m.ANNUAIRE_NOT_JSON])


def read_records(path: Path) -> Iterator[dict]:
    """Yield the records of an annuaire file (.json, or the data.gouv .tar.bz2 archive), read
    as a stream with a progress bar on big files."""
    path = Path(path)
    size = path.stat().st_size
    archive = tarfile.is_tarfile(path)
    bar = tqdm(total=size, unit="o", unit_scale=True, desc=m.ANNUAIRE_PROGRESS,
               disable=None if size > 5_000_000 else True)  # fmt: skip
    try:
        with path.open("rb") as raw, bar:
            stream = CallbackIOWrapper(bar.update, raw, "read")
            if not archive:
                yield from _records(stream)
                return
            with tarfile.open(fileobj=stream, mode="r|*") as tar:
                member = next((t for t in tar if t.isfile() and t.name.endswith(".json")), None)
                if member is None:
                    raise AnnuaireRefused([m.ANNUAIRE_NO_JSON_IN_ARCHIVE])
                yield from _records(tar.extractfile(member))
    except (ijson.JSONError, tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise AnnuaireRefused([m.ANNUAIRE_UNREADABLE.format(reason=exc)]) from exc


def load(path: Path, departements: set[str]) -> DatasetFile:
    """Read an annuaire file; keep the records of the référentiel's types in the départements."""
    found, read = {}, 0
    for raw in read_records(path):
        read += 1
        entry = entry_of(raw)
        if entry is not None and entry.departement in departements:
            found.setdefault(entry.ref, entry)  # a record listed twice is read once
    dates = sorted(e.date for e in found.values() if e.date)
    return DatasetFile(
        dataset=m.ANNUAIRE_DATASET,
        date=dates[-1] if dates else None,
        read=read,
        rows=[dataset_row(e) for e in found.values()],
        extra=PIVOT_LABELS,
    )
