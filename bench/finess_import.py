"""FINESS import benchmark: time and peak memory of `flask imports finess` on a file of the real
extraction's size, made of fictional rows.

    .venv/bin/python bench/finess_import.py
    .venv/bin/python bench/finess_import.py --rows 100000 --kept 700

The file has `--rows` établissements (structure rows, then one geolocalisation row each, about
100 MB for 100,000 like the real extraction), of which `--kept` are in Grand Est in categories
of the référentiel. Each run is a separate `flask` process on a scratch SQLite database
(geography and référentiels loaded; nothing touches instance/): the dry run, `--apply`, then
`--apply` again (which must create nothing). Aim: the whole file read in well under a minute,
with memory that does not grow with the file.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GEO_DIR = ROOT / "instance" / "territoires"
OTHER_DEPARTEMENTS = ["01", "13", "33", "59", "69", "75", "2A", "971"]
GRAND_EST = ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]
KEPT_CATEGORIES = ["182", "189", "190", "445", "446", "186", "463", "604", "606"]
OTHER_CATEGORIES = ["500", "355", "620", "183", "207", "253"]


def fictional_file(path: Path, rows: int, kept: int, communes: dict[str, list[str]]) -> None:
    """Write a FINESS extraction of fictional rows (names say FICTIF), in cp1252, row by row,
    with columns as long as the real ones."""
    from directory.imports.finess import STRUCTURE

    rng = random.Random(2154)
    keep = set(rng.sample(range(rows), kept))
    numbers = []
    with path.open("w", encoding="cp1252", newline="\n") as out:
        out.write("finess;etalab;111;2026-05-12\n")
        for i in range(rows):
            in_grand_est = i in keep or rng.random() < 0.06
            departement = rng.choice(GRAND_EST if in_grand_est else OTHER_DEPARTEMENTS)
            category = rng.choice(KEPT_CATEGORIES if i in keep else OTHER_CATEGORIES)
            commune = rng.choice(communes.get(departement) or ["00001"])[2:]
            number = f"{departement[:2]}9{i:06d}"
            row = dict.fromkeys(STRUCTURE, "")
            row.update(
                section="structureet", nofinesset=number, nofinessej=f"{departement[:2]}0000000",
                rs=f"ETABLISSEMENT FICTIF N° {i}",
                rslongue=f"ÉTABLISSEMENT FICTIF L’ŒUVRE DE LA VILLE FICTIVE N° {i}",
                numvoie=str(rng.randint(1, 200)), typvoie="R", voie="DE LA PAIX FICTIVE",
                commune=commune, departement=departement, libdepartement="DÉPARTEMENT FICTIF",
                ligneacheminement=f"{departement[:2]}000 VILLE FICTIVE", telephone="0300000000",
                telecopie="0300000001", categetab=category,
                libcategetab="Catégorie fictive d'établissement", categagretab="4106",
                libcategagretab="Services d'aide fictifs", siret=f"{i:014d}", codeape="8891A",
                codemft="34", libmft="ARS / Assurance Maladie fictive", codesph="0",
                libsph="Non concerné", dateouv="2001-01-01", dateautor="2001-01-01",
                datemaj="2026-01-01",
            )  # fmt: skip
            out.write(";".join(row[c] for c in STRUCTURE) + "\n")
            numbers.append(number)
        for number in numbers:
            x, y = rng.uniform(850_000, 1_050_000), rng.uniform(6_750_000, 6_950_000)
            source = "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)"
            out.write(f"geolocalisation;{number};{x:.1f};{y:.1f};{source};2026-05-04\n")


def scratch_database(url: str) -> dict[str, list[str]]:
    """Migrate a scratch database, load the geography and référentiels; return its communes."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from directory import create_app
    from directory.extensions import db
    from directory.fiches import referentiels
    from directory.territoires.models import Commune
    from directory.territoires.services import load_reference

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "TERRITOIRES_DIR": str(GEO_DIR)})  # fmt: skip
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        referentiels.load_referentiels()
        db.session.commit()
        communes: dict[str, list[str]] = {}
        for code, departement in db.session.execute(select(Commune.code, Commune.departement_code)):
            communes.setdefault(departement, []).append(code)
        db.engine.dispose()
    return communes


def run_command(url: str, dataset: str, path: Path, *options: str) -> tuple[float, float, str]:
    """Run `flask imports <dataset>` in its own process: (seconds, peak RSS in MiB, summary)."""
    env = {**os.environ, "DATABASE_URL": url, "DIRECTORY_TERRITOIRES_DIR": str(GEO_DIR)}
    command = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "imports", dataset]
    start = time.perf_counter()
    process = subprocess.Popen(
        [*command, str(path), *options], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"échec ({status}) :\n{output}")
    summary = [line for line in output.splitlines() if not line.startswith("  - ")]
    return elapsed, usage.ru_maxrss / 1024, " | ".join(summary[1:])


def prepare(scratch: Path, rows: int, kept: int) -> None:
    """Build the database and the file (in a process of its own: the runs measured below start
    from a small parent, so that their peak memory is their own)."""
    communes = scratch_database(f"sqlite:///{scratch}/bench.sqlite3")
    fictional_file(scratch / "etalab-cs1100507-stock-fictif.csv", rows, kept, communes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--kept", type=int, default=700)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.rows, args.kept)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, __file__, "--prepare", scratch, "--rows", str(args.rows)]
        subprocess.run([*command, "--kept", str(args.kept)], check=True, capture_output=True)
        url = f"sqlite:///{scratch}/bench.sqlite3"
        path = Path(scratch) / "etalab-cs1100507-stock-fictif.csv"
        print(f"Fichier : {args.rows:,} établissements, {path.stat().st_size / 1e6:.0f} Mo")
        for label, options in (("essai à blanc", ()), ("--apply", ("--apply",)),
                               ("--apply, 2e fois", ("--apply",))):  # fmt: skip
            seconds, rss, summary = run_command(url, "finess", path, *options)
            print(f"{label:18} {seconds:6.1f} s  pic mémoire {rss:6.0f} Mio  {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
