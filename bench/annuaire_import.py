"""Annuaire import benchmark: time and peak memory of `flask imports annuaire` (dry run) on a
file of the national « base de données locales » size, made of fictional records.

    .venv/bin/python bench/annuaire_import.py
    .venv/bin/python bench/annuaire_import.py --records 63000 --kept 100

The file is the data.gouv layout ({"service": [...]}) with `--records` records (about 63,000
local services in the real base), `--kept` of them CLIC of Grand Est, the others town halls of
other départements; it is written both as JSON and as the .tar.bz2 archive data.gouv serves.
Each run is a separate process on a scratch SQLite database. Aim: memory that does not grow
with the file (the JSON is streamed).
"""

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from finess_import import run_command, scratch_database  # noqa: E402 — the sibling bench


def fictional_records(path: Path, records: int, kept: int) -> None:
    """Write the data.gouv JSON, record by record (names say FICTIF)."""
    from tests.imports.dataset_files import annuaire_record

    with path.open("w", encoding="utf-8") as out:
        out.write('{"service": [')
        for i in range(records):
            if i < kept:
                record = annuaire_record(f"clic-57463-{i:04d}", nom=f"CLIC FICTIF N° {i}")
            else:
                record = annuaire_record(
                    f"mairie-75056-{i:05d}", nom=f"Mairie fictive n° {i}",
                    code_insee_commune="75056", pivot=[{"type_service_local": "mairie"}],
                )  # fmt: skip
            out.write(("," if i else "") + json.dumps(record, ensure_ascii=False))
        out.write("]}")


def prepare(scratch: Path, records: int, kept: int) -> None:
    scratch_database(f"sqlite:///{scratch}/bench.sqlite3")
    path = scratch / "fictif.gouv_local.json"
    fictional_records(path, records, kept)
    with tarfile.open(scratch / "annuaire.tar.bz2", "w:bz2") as tar:
        tar.add(path, arcname=path.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=63_000)
    parser.add_argument("--kept", type=int, default=100)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.records, args.kept)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, __file__, "--prepare", scratch, "--records", str(args.records)]
        subprocess.run([*command, "--kept", str(args.kept)], check=True, capture_output=True)
        url = f"sqlite:///{scratch}/bench.sqlite3"
        for name in ("fictif.gouv_local.json", "annuaire.tar.bz2"):
            path = Path(scratch) / name
            seconds, rss, summary = run_command(url, "annuaire", path)
            size = path.stat().st_size / 1e6
            print(
                f"{name:24} {size:5.0f} Mo {seconds:6.1f} s  pic mémoire {rss:5.0f} Mio  {summary}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
