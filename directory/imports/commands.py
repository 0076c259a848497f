"""Command line: `flask seed …`, `flask fiches import`, `flask referentiels load`,
`flask imports finess|annuaire`."""

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from directory import messages as m
from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.services import Actor
from directory.imports.standard import ImportRefused, import_records, read_records

seed_cli = AppGroup("seed", help="Données de départ : fiches réelles et fiches fictives.")
fiches_cli = AppGroup("fiches", help="Fiches : import au format du standard publié.")
proposals_cli = AppGroup("proposals", help="Propositions de modification venues de l'extérieur.")
referentiels_cli = AppGroup("referentiels", help="Référentiels (types, publics, financeurs…).")
imports_cli = AppGroup(
    "imports",
    help="Jeux de données ouverts (FINESS, Annuaire de l'administration) : brouillons et "
    "propositions à relire, jamais de publication. Essai à blanc par défaut.",
)


def _refuse(exc: ImportRefused) -> None:
    _fail(exc.errors, str(exc))


@seed_cli.command("load")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Dossier du jeu de données (par défaut : seed/ du projet).",
)
def seed_load(directory: Path | None):
    """Charge (ou met à jour) les référentiels, les organisations et les fiches réelles."""
    from directory.imports.seed import SEED_DIR, load_seed

    try:
        report = load_seed(directory or SEED_DIR)
    except ImportRefused as exc:
        _refuse(exc)
    db.session.commit()
    click.echo("\n".join(report.lines()))


@seed_cli.command("stats")
def seed_stats():
    """Compte les fiches publiées : par type, par département, contacts, carte, sources."""
    from directory.imports.stats import holdings, lines

    click.echo("\n".join(lines(holdings())))


@fiches_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", is_flag=True, help="Écrire pour de bon (sinon : essai à blanc).")
def fiches_import(file: Path, apply: bool):
    """Importe un fichier JSON de fiches au format du standard (essai à blanc par défaut)."""
    try:
        report = import_records(read_records(file), Actor(label="import"), apply=apply)
    except ImportRefused as exc:
        _refuse(exc)
    if apply:
        db.session.commit()
        click.echo(m.IMPORT_APPLIED.format(**report.counts()))
    else:
        db.session.rollback()
        click.echo(m.IMPORT_DRY_RUN.format(**report.counts()))


@proposals_cli.command("digest")
def proposals_digest():
    """Écrit aux éditeurs les nouvelles propositions de leurs fiches (une fois par jour au plus)."""
    from directory.core.site import SiteUrlMissing
    from directory.imports.digest import send_digests

    try:
        sent = send_digests()
    except SiteUrlMissing as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(m.DIGEST_SENT.format(count=sent))


@referentiels_cli.command("load")
def referentiels_load():
    """Charge (ou met à jour) les référentiels depuis schemas/referentiels/."""
    written = referentiels.load_referentiels()
    db.session.commit()
    click.echo(m.REFERENTIELS_LOADED.format(**written))


def _fail(errors: list[str], summary: str) -> None:
    for error in errors:
        click.echo(error, err=True)
    click.echo(summary, err=True)
    db.session.rollback()
    sys.exit(1)


def _import_dataset(load, path: Path, apply: bool, actor: str) -> None:
    """Read, plan, report; with `apply`, write drafts and proposals in one transaction."""
    from directory.imports import datasets
    from directory.imports.annuaire_export import AnnuaireRefused
    from directory.imports.datasets_report import report_lines
    from directory.imports.finess import FinessRefused, grand_est_departements

    try:
        result = datasets.plan(load(path, grand_est_departements()))
    except (FinessRefused, AnnuaireRefused) as exc:
        _fail(exc.errors, str(exc))
    if result.errors:
        _fail(result.errors, m.DATASET_REFUSED.format(count=len(result.errors)))
    written = None
    if apply:
        try:
            written = datasets.apply(result, Actor(label=actor))
            db.session.commit()
        except SQLAlchemyError as exc:
            _fail([], m.DATASET_WRITE_FAILED.format(reason=exc.__class__.__name__))
    else:
        db.session.rollback()
    for line in report_lines(result, written):
        click.echo(line)


@imports_cli.command("finess")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--apply", is_flag=True, help="Écrire brouillons et propositions (sinon : essai à blanc)."
)
def imports_finess(file: Path, apply: bool):
    """Importe l'extraction FINESS (etalab-cs1100507-stock-<date>.csv).

    Établissements du Grand Est des catégories qui correspondent aux types du référentiel.
    """
    from directory.imports import finess

    _import_dataset(finess.load, file, apply, "import FINESS")


@imports_cli.command("annuaire")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--apply", is_flag=True, help="Écrire brouillons et propositions (sinon : essai à blanc)."
)
def imports_annuaire(file: Path, apply: bool):
    """Importe l'Annuaire de l'administration (base de données locales).

    Fichier JSON ou archive .tar.bz2 : MDPH, CLIC et plateformes de répit du Grand Est.
    """
    from directory.imports import annuaire_export

    _import_dataset(annuaire_export.load, file, apply, "import Annuaire")


def register(app: Flask) -> None:
    """Attach the command groups to the application."""
    app.cli.add_command(imports_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(fiches_cli)
    app.cli.add_command(referentiels_cli)
    app.cli.add_command(proposals_cli)
