"""`flask territoires build|load`: the reference geography of Grand Est."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from directory.extensions import db
from directory.territoires import services

territoires_cli = AppGroup(
    "territoires",
    help="Référentiel géographique du Grand Est : région, départements, EPCI et communes.",
)


def _number(value: int) -> str:
    """Format an integer the French way (5 115)."""
    return f"{value:,}".replace(",", "\u202f")


def _seconds(elapsed: float) -> str:
    """Format a duration the French way (2,4 s)."""
    return f"{elapsed:.1f} s".replace(".", ",")


def _summary(counts: dict) -> str:
    """Describe the counts in French."""
    return (
        f"{_number(counts['regions'])} région, {_number(counts['departements'])} départements, "
        f"{_number(counts['epcis'])} EPCI, {_number(counts['communes'])} communes, "
        f"{_number(counts['commune_postcodes'])} codes postaux"
    )


@territoires_cli.command("build")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier de sortie (par défaut : le dossier du référentiel dans l'instance).",
)
@click.option(
    "--node-modules",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Dossier node_modules contenant @etalab/decoupage-administratif.",
)
def build_command(out: Path | None, node_modules: Path | None) -> None:
    """Construit le référentiel à partir des paquets npm et PyPI installés."""
    from directory.territoires.build import BuildError, build  # shapely: only when building

    out = out or services.build_dir(current_app)
    start = time.perf_counter()
    try:
        counts = build(out, node_modules)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    elapsed = time.perf_counter() - start
    click.echo(f"Référentiel construit dans {out} en {_seconds(elapsed)} : {_summary(counts)}.")


@territoires_cli.command("load")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier du référentiel construit (par défaut : celui de l'instance).",
)
def load_command(directory: Path | None) -> None:
    """Charge le référentiel construit dans la base (remplace les tables géographiques)."""
    directory = directory or services.build_dir(current_app)
    if not (directory / "communes.json").is_file():
        raise click.ClickException(
            f"Référentiel introuvable dans {directory} : "
            "lancez d'abord « flask territoires build »."
        )
    start = time.perf_counter()
    counts = services.load_reference(directory)
    db.session.commit()
    elapsed = time.perf_counter() - start
    click.echo(f"Référentiel chargé en {_seconds(elapsed)} : {_summary(counts)}.")


def register(app: Flask) -> None:
    """Add the `territoires` command group to the application."""
    app.cli.add_command(territoires_cli)
