"""Small files in the exact layouts of the open datasets, written by the tests.

Every FINESS row and every current-layout Annuaire record here is fictional: its name says
« FICTIF ». FINESS text carries ’, œ and € (bytes 0x92, 0x9C and 0x80 in Windows-1252, absent
from latin-1) to prove the decoding.
"""

import json
import zlib
from pathlib import Path

from directory.imports.finess import STRUCTURE

EXTRACTION_DATE = "2026-05-12"
LAMBERT = "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)"
# Lambert 93 positions inside Metz and Nancy (pyproj, from the communes' centres).
METZ_XY = ("931774.2", "6895749.5")
NANCY_XY = ("934325.4", "6848275.6")


def structure(number: str, **fields) -> str:
    """Return one `structureet` line: every column of the layout, empty unless given."""
    row = dict.fromkeys(STRUCTURE, "")
    row.update(section="structureet", nofinesset=number, nofinessej="570000000", **fields)
    row["rs"] = row["rs"] or row["rslongue"][:38]
    return ";".join(row[column] for column in STRUCTURE)


def geolocation(number: str, x: str, y: str, source: str = LAMBERT) -> str:
    return f"geolocalisation;{number};{x};{y};{source};2026-05-04"


def write_finess(folder: Path, lines: list[str], name="etalab-cs1100507-stock-fictif.csv") -> Path:
    """Write an extraction: the metadata line, then the lines, in Windows-1252."""
    path = Path(folder) / name
    text = "\n".join([f"finess;etalab;111;{EXTRACTION_DATE}", *lines]) + "\n"
    path.write_bytes(text.encode("cp1252"))
    return path


def camsp_metz(number: str = "570099991") -> list[str]:
    """A fictional CAMSP in Metz, with its position."""
    return [
        structure(
            number,
            rs="CAMSP FICTIF L’ŒUVRE METZ",
            rslongue="CAMSP FICTIF L’ŒUVRE (TEST À 0 €)",
            numvoie="12",
            compvoie="B",
            typvoie="R",
            voie="DE LA CŒUR FICTIVE",
            lieuditbp="BP 99999",
            commune="463",
            departement="57",
            libdepartement="MOSELLE",
            ligneacheminement="57000 METZ",
            telephone="0387999901",
            categetab="190",
            libcategetab="Centre Action Médico-Sociale Précoce (C.A.M.S.P.)",
            siret="99999999900011",
            datemaj="2026-04-01",
        ),
        geolocation(number, *METZ_XY),
    ]


def annuaire_record(ref: str, **fields) -> dict:
    """A record of the current Annuaire export (data.gouv « service » list) — fictional."""
    record = {
        "id": f"00000000-0000-4000-8000-{zlib.crc32(ref.encode()):012d}",
        "ancien_code_pivot": ref,
        "nom": "Point d'information local dédié aux personnes âgées - FICTIF",
        "siret": "",
        "code_insee_commune": "57463",
        "pivot": [{"type_service_local": "clic", "code_insee_commune": ["57463"]}],
        "adresse": [
            {
                "type_adresse": "Adresse",
                "complement1": "Maison fictive",
                "complement2": "",
                "numero_voie": "1 rue Fictive",
                "service_distribution": "",
                "code_postal": "57000",
                "nom_commune": "Metz",
                "pays": "",
                "continent": "",
                "longitude": "6.1757",
                "latitude": "49.1196",
                "accessibilite": "",
                "note_accessibilite": "",
            }
        ],
        "telephone": [{"valeur": "03 87 99 99 02", "description": ""}],
        "adresse_courriel": ["clic-fictif@exemple.fr"],
        "site_internet": [{"libelle": "", "valeur": "https://clic-fictif.exemple.fr"}],
        "plage_ouverture": [
            {
                "nom_jour_debut": "Lundi",
                "nom_jour_fin": "Vendredi",
                "valeur_heure_debut_1": "09:00:00",
                "valeur_heure_fin_1": "12:00:00",
                "valeur_heure_debut_2": "13:30:00",
                "valeur_heure_fin_2": "17:00:00",
                "commentaire": "",
            }
        ],
        "date_modification": "09/08/2025 13:30:19",
        "url_service_public": f"https://lannuaire.service-public.gouv.fr/grand-est/moselle/{ref}",
        "categorie": "SL",
    }
    record.update(fields)
    return record


def write_annuaire(folder: Path, records: list[dict], name="fictif.gouv_local.json") -> Path:
    """Write records as the data.gouv file does: {"service": [...]}."""
    path = Path(folder) / name
    path.write_text(json.dumps({"service": records}, ensure_ascii=False), encoding="utf-8")
    return path
