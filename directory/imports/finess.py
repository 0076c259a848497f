"""FINESS, « extraction du fichier des établissements » (data.gouv.fr, Licence Ouverte): read
the Grand Est établissements of the categories that match a type of the référentiel.

Layout of etalab-cs1100507-stock-<date>.csv: `;`-separated, Windows-1252 (cp1252), no header.
Line 1 is metadata (`finess;etalab;<version>;<date of the extraction>`), then one
`structureet;…` row per établissement (nofinesset, nofinessej, rs, rslongue, complrs,
compldistrib, numvoie, typvoie, voie, compvoie, lieuditbp, commune, departement,
libdepartement, ligneacheminement, telephone, telecopie, categetab, libcategetab, categagretab,
libcategagretab, siret, codeape, codemft, libmft, codesph, libsph, dateouv, dateautor, datemaj,
numuai — the last one only in recent files), then one
`geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj` row per établissement
with its position in the projection that sourcecoordet names (Lambert 93, EPSG:2154, in
metropolitan France), converted here to WGS 84. `commune` is the 3-character code of the commune
inside its département: INSEE = departement + commune. The file (about 100 MB) is read line by
line; only the rows kept stay in memory.
"""

import csv
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pyproj import Transformer
from pyproj.exceptions import ProjError
from sqlalchemy import select
from tqdm import tqdm

from directory import messages as m
from directory.extensions import db
from directory.fiches.models import DispositifType
from directory.imports.annuaire import national_phone
from directory.imports.models import ProposalOrigin
from directory.imports.proposals import SourceInfo
from directory.imports.rows import DatasetFile, DatasetRow
from directory.territoires.models import Departement

STRUCTURE = (
    "section nofinesset nofinessej rs rslongue complrs compldistrib numvoie typvoie voie "
    "compvoie lieuditbp commune departement libdepartement ligneacheminement telephone "
    "telecopie categetab libcategetab categagretab libcategagretab siret codeape codemft libmft "
    "codesph libsph dateouv dateautor datemaj numuai"
).split()
GEOLOCATION = "section nofinesset coordxet coordyet sourcecoordet datemaj".split()
DATASET_URL = (
    "https://www.data.gouv.fr/fr/datasets/finess-extraction-du-fichier-des-etablissements/"
)
PUBLISHER = "FINESS"
EPSG = re.compile(r"EPSG:(\d{4,5})")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_ERRORS = 20
# FINESS street types (typvoie) as they are written out in an address.
STREET_TYPES = {
    "R": "rue", "RUE": "rue", "AV": "avenue", "BD": "boulevard", "PL": "place", "RTE": "route",
    "CHE": "chemin", "CHEM": "chemin", "ALL": "allée", "IMP": "impasse", "QUAI": "quai",
    "QU": "quai", "CRS": "cours", "SQ": "square", "FG": "faubourg", "PASS": "passage",
    "ESP": "esplanade", "RPT": "rond-point", "LD": "lieu-dit", "CITE": "cité", "RES": "résidence",
    "PROM": "promenade", "SENT": "sentier", "MTE": "montée", "PRV": "parvis", "VOIE": "voie",
    "ZA": "ZA", "ZI": "ZI", "ZAC": "ZAC", "GR": "grande rue", "HAM": "hameau", "TRA": "traverse",
}  # fmt: skip
SMALL_WORDS = {"de", "du", "des", "d", "la", "le", "les", "l", "et", "en", "au", "aux", "a", "sur"}
SMALL_WORDS |= {"à", "sous", "pour", "par", "dans"}


class FinessRefused(Exception):
    """The file is not a FINESS extraction in the expected layout: nothing was read into the
    database."""

    def __init__(self, errors: list[str]):
        super().__init__(m.FINESS_REFUSED.format(count=len(errors)))
        self.errors = errors


@dataclass
class Extraction:
    """What was kept of a FINESS file."""

    date: str | None
    read: int = 0  # établissements in the file
    rows: dict[str, dict] = field(default_factory=dict)  # nofinesset → structure row
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)  # (lat, lon)


def categories() -> dict[str, str]:
    """Return FINESS category → type code, from the référentiel's `finess_categorie`."""
    found = {}
    for dtype in db.session.scalars(select(DispositifType)):
        code = re.match(r"\s*(\d{3})", (dtype.official_codes or {}).get("finess_categorie") or "")
        if code and dtype.status == "actif":
            found[code.group(1)] = dtype.code
    return found


def _lines(path: Path):
    """Yield (number, text) for each line, decoded as cp1252, with a progress bar on big files."""
    size = path.stat().st_size
    with (
        path.open("rb") as raw,
        tqdm(
            total=size,
            unit="o",
            unit_scale=True,
            desc=m.FINESS_PROGRESS,
            disable=None if size > 5_000_000 else True,  # no bar on small files nor off a TTY
        ) as bar,
    ):
        for number, line in enumerate(raw, start=1):
            bar.update(len(line))
            try:
                yield number, line.decode("cp1252").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise FinessRefused([m.FINESS_NOT_CP1252.format(line=number, reason=exc)]) from exc


def read_extraction(path: Path, departements: set[str], kept_categories: set[str]) -> Extraction:
    """Read a FINESS file; keep the structure rows of the given départements and categories."""
    lines = _lines(Path(path))
    first = next(lines, (1, ""))[1].split(";")
    if first[0] != "finess" or len(first) < 4:
        raise FinessRefused([m.FINESS_NO_METADATA])
    extraction = Extraction(date=first[3] if ISO_DATE.match(first[3]) else None)
    errors: list[str] = []
    reader = csv.reader((text for _, text in lines), delimiter=";")
    for fields in reader:
        number = reader.line_num + 1  # the metadata line was read apart
        section = fields[0] if fields else ""
        if section == "structureet":
            _structure(extraction, fields, number, departements, kept_categories, errors)
        elif section == "geolocalisation":
            _geolocation(extraction, fields, number, errors)
        elif fields and any(fields):
            errors.append(m.FINESS_UNKNOWN_SECTION.format(line=number, section=section[:30]))
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise FinessRefused(errors)
    return extraction


def _structure(extraction, fields, number, departements, kept, errors) -> None:
    if len(fields) < len(STRUCTURE) - 1:  # numuai came later: older files have one column less
        errors.append(
            m.FINESS_COLUMNS.format(line=number, found=len(fields), expected=len(STRUCTURE))
        )
        return
    extraction.read += 1
    row = dict(zip(STRUCTURE, (value.strip() for value in fields), strict=False))
    if row["departement"] in departements and row["categetab"] in kept:
        extraction.rows[row["nofinesset"]] = row


def _geolocation(extraction, fields, number, errors) -> None:
    if len(fields) < len(GEOLOCATION) - 1:
        errors.append(
            m.FINESS_COLUMNS.format(line=number, found=len(fields), expected=len(GEOLOCATION))
        )
        return
    row = dict(zip(GEOLOCATION, fields, strict=False))
    if row["nofinesset"] in extraction.rows:
        position = to_wgs84(row["coordxet"], row["coordyet"], row["sourcecoordet"])
        if position:
            extraction.positions[row["nofinesset"]] = position


@cache
def _transformer(epsg: str) -> Transformer:
    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def to_wgs84(x: str, y: str, source: str | None) -> tuple[float, float] | None:
    """Return (latitude, longitude) of a FINESS position; Lambert 93 unless the source says
    otherwise. None when the position is missing or unreadable."""
    match = EPSG.search(source or "")
    try:
        lon, lat = _transformer(match.group(1) if match else "2154").transform(float(x), float(y))
    except (ValueError, TypeError, ProjError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return round(lat, 6), round(lon, 6)


def rows(extraction: Extraction, types: dict[str, str]) -> list[DatasetRow]:
    """Turn the kept rows into dataset rows in the standard's terms."""
    acronyms = _acronyms()
    return [
        _dataset_row(row, extraction, types[row["categetab"]], acronyms)
        for row in extraction.rows.values()
    ]


def _dataset_row(row, extraction, type_code, acronyms) -> DatasetRow:
    number = row["nofinesset"]
    # A code of a commune merged since is left out later, with the other invalid values.
    commune = row["departement"] + row["commune"] if len(row["commune"]) == 3 else None
    postcode = row["ligneacheminement"][:5]
    address = {
        "ligne1": street(row, acronyms) or None,
        "ligne2": ", ".join(x for x in (row["compldistrib"], row["lieuditbp"]) if x) or None,
        "code_postal": postcode if postcode.isdigit() and len(postcode) == 5 else None,
        "commune": commune,
    }
    lat, lon = extraction.positions.get(number, (None, None))
    siret = row["siret"] if re.fullmatch(r"\d{14}", row["siret"]) else None
    return DatasetRow(
        origin=ProposalOrigin.FINESS,
        ref=number,
        type_code=type_code,
        name=row["rslongue"] or row["rs"],
        draft_name=readable(row["rslongue"] or row["rs"], acronyms),
        commune=commune,
        values={
            "telephone": national_phone(row["telephone"]),
            "adresse": address if (address["ligne1"] or commune) else None,
            "latitude": lat,
            "longitude": lon,
        },
        source=SourceInfo(
            origin=ProposalOrigin.FINESS,
            title=f"{PUBLISHER} — « {row['rs'] or row['rslongue']} », établissement n° {number}",
            url=DATASET_URL,
            ref=number,
            date=extraction.date or row["datemaj"][:10] or None,
        ),
        facts=m.FINESS_FACTS.format(number=number, category=row["libcategetab"]),
        finess=number if re.fullmatch(r"[0-9AB]{9}", number) else None,
        siret=siret,
    )


def _acronyms() -> set[str]:
    words = set()
    for acronym in db.session.scalars(select(DispositifType.acronym)):
        words |= {w for w in re.split(r"[^A-Za-z0-9]+", acronym or "") if w.isupper()}
    return words | {"FINESS", "PMI", "APF", "ADAPEI", "UNAPEI", "CHU", "CHR", "CH"}


def street(row: dict, acronyms: set[str]) -> str:
    """Return « 12 bis rue des Jardins » from the FINESS street columns."""
    kind = STREET_TYPES.get(row["typvoie"].upper(), row["typvoie"].lower())
    number = " ".join(x for x in (row["numvoie"], row["compvoie"].lower()) if x)
    return " ".join(x for x in (number, kind, readable(row["voie"], acronyms, first=False)) if x)


def readable(text: str, acronyms: set[str], first: bool = True) -> str:
    """Turn an upper-case FINESS name into a readable one (« CAMSP DE METZ » → « CAMSP de
    Metz »): the référentiel's acronyms stay upper-case, small words go lower-case. Accents that
    FINESS left out cannot be restored; a name already in mixed case is kept."""
    if not text or any(c.islower() for c in text):
        return text
    words = []
    for i, word in enumerate(text.split()):
        inside = bool(i) or not first
        if word in acronyms or any(c.isdigit() or c == "." for c in word):
            words.append(word)
        elif word.lower() in SMALL_WORDS and inside:
            words.append(word.lower())
        else:
            word = re.sub(r"[^\W\d_]+", lambda p: p.group(0).capitalize(), word.lower())
            if inside:  # « Centre d'Action », « Maison l'Arbre »
                word = re.sub(r"^[DL]['’]", lambda p: p.group(0).lower(), word)
            words.append(word)
    return " ".join(words)


def grand_est_departements() -> set[str]:
    """Return the codes of the départements of the geography (Grand Est)."""
    return set(db.session.scalars(select(Departement.code)))


def load(path: Path, departements: set[str]) -> DatasetFile:
    """Read a FINESS file; keep the établissements of the référentiel's categories in the
    départements."""
    types = categories()
    extraction = read_extraction(path, departements, set(types))
    labels: dict[str, set[str]] = {}
    for row in extraction.rows.values():
        labels.setdefault(types[row["categetab"]], set()).add(row["libcategetab"])
    return DatasetFile(
        dataset=m.FINESS_DATASET,
        date=extraction.date,
        read=extraction.read,
        rows=rows(extraction, types),
        extra=labels,
    )
