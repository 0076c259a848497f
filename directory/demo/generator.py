"""`flask seed demo`: clearly fictional fiches for scale tests, on throw-away databases.

The fiches come from `demo_records` and go in with Core bulk inserts (no ORM objects, no session
events), batch by batch, numbered after the demo fiches already there.
"""

import re
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from itertools import islice

import click
from flask.cli import with_appcontext
from sqlalchemy import insert, select
from tqdm import tqdm

from directory import messages as m
from directory.core.models import utcnow
from directory.demo.records import DEMO_SOURCE_TITLE, generate_records, record_words
from directory.extensions import db
from directory.fiches.models import (
    DispositifType,
    Fiche,
    FicheHistory,
    FicheTerritory,
    FicheValue,
    ReferentielValue,
    Source,
    SourceLevel,
    Statut,
)
from directory.fiches.schemas import CODED_LISTS
from directory.fiches.services import NESTED, SCALARS, completeness
from directory.territoires.models import Commune, Epci

__all__ = [
    "DEMO_SOURCE_TITLE",
    "DemoUnavailable",
    "demo_command",
    "generate_records",
    "insert_demo",
    "record_words",
    "reference_inputs",
]

MAX_COUNT = 100_000
DEMO_ACTOR_LABEL = "demo"


class DemoUnavailable(Exception):
    """The référentiels or the geography the demo fiches need are not loaded."""


# --- Database ------------------------------------------------------------------------------


def reference_inputs() -> dict:
    """Read the communes, types, référentiel values and EPCI names that records are made of."""
    types = db.session.scalars(
        select(DispositifType.code)
        .where(DispositifType.status != "historique")
        .order_by(DispositifType.position)
    ).all()
    if not types:
        raise DemoUnavailable(m.NO_REFERENTIELS)
    columns = [getattr(Commune, c.name) for c in Commune.__table__.columns]
    communes = db.session.execute(select(*columns).order_by(Commune.code)).all()
    if not communes:
        raise DemoUnavailable(m.NO_GEOGRAPHY)
    values = defaultdict(list)
    query = select(ReferentielValue.kind, ReferentielValue.code).order_by(
        ReferentielValue.kind, ReferentielValue.position
    )
    for kind, code in db.session.execute(query):
        values[kind].append(code)
    epcis = dict(db.session.execute(select(Epci.code, Epci.name)).all())
    return {"communes": communes, "types": types, "values": dict(values), "epcis": epcis}


def next_number() -> int:
    """Return the number after the last demo fiche (demo fiches are inserted in order)."""
    slug = db.session.scalar(
        select(Fiche.slug)
        .where(Fiche.fictive.is_(True), Fiche.slug.like("demo-%"))
        .order_by(Fiche.id.desc())
        .limit(1)
    )
    match = re.match(r"demo-(\d+)-", slug or "")
    return int(match.group(1)) + 1 if match else 1


def _fiche_row(record: dict, now) -> dict:
    n = int(record["slug"].split("-")[1])
    updated_at = now - timedelta(days=(n * 37) % 540, minutes=(n * 7) % 1440)
    row = {attr: record[attr] for attr in SCALARS}
    for key, columns in NESTED.items():
        row.update({column: record[key][sub] for sub, column in columns.items()})
    row.update(
        slug=record["slug"],
        type_code=record["type"],
        status=Statut(record["status"]),
        national_frame_fields=[],
        completeness=completeness(record)[0],
        version=1,
        created_at=updated_at - timedelta(days=(n * 11) % 400),
        updated_at=updated_at,
        verified_on=updated_at.date() if n % 3 else None,
    )
    return row


def _insert_batch(records: list[dict], now) -> None:
    """Insert fiches and their rows with Core bulk inserts (no ORM objects, no events)."""
    fiche_rows = [_fiche_row(record, now) for record in records]
    table = Fiche.__table__
    if db.session.get_bind().dialect.insert_executemany_returning:
        statement = insert(table).returning(table.c.id, table.c.slug)
        ids = {slug: id_ for id_, slug in db.session.execute(statement, fiche_rows)}
    else:
        db.session.execute(insert(table), fiche_rows)
        slugs = [row["slug"] for row in fiche_rows]
        query = select(table.c.slug, table.c.id).where(table.c.slug.in_(slugs))
        ids = dict(db.session.execute(query).all())
    rows = defaultdict(list)
    for record, fiche_row in zip(records, fiche_rows, strict=True):
        fiche_id = ids[record["slug"]]
        for attr, kind in CODED_LISTS.items():
            rows[FicheValue].extend(
                {"fiche_id": fiche_id, "kind": kind, "code": code, "position": i}
                for i, code in enumerate(record[attr])
            )
        rows[FicheTerritory].extend({"fiche_id": fiche_id, **t} for t in record["territory"])
        rows[Source].extend(
            {
                "fiche_id": fiche_id,
                "title": s["title"],
                "url": s["url"],
                "level": SourceLevel(s["level"]),
                "fields": s["fields"],
                "position": i,
            }
            for i, s in enumerate(record["sources"])
        )
        rows[FicheHistory].append(
            {
                "fiche_id": fiche_id,
                "change_id": str(uuid.uuid4()),
                "actor_id": None,
                "actor_label": DEMO_ACTOR_LABEL,
                "changed_at": fiche_row["created_at"],
                "field": "creation",
                "before": None,
                "after": "fiche fictive générée",
            }
        )
    for model, model_rows in rows.items():
        if model_rows:
            db.session.execute(insert(model.__table__), model_rows)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_demo(
    count: int,
    *,
    batch_size: int = 2000,
    progress: bool = True,
    seed: int = 0,
    on_batch: Callable[[], None] | None = None,
) -> int:
    """Insert `count` demo fiches after the existing ones; flush per batch, never commit.

    `on_batch` runs after each batch (the command passes `db.session.commit` to keep memory flat).
    """
    inputs = reference_inputs()
    records = generate_records(count, seed=seed, start=next_number(), **inputs)
    now = utcnow()
    with tqdm(
        total=count, desc=m.DEMO_PROGRESS, unit=" fiches", file=sys.stderr, disable=not progress
    ) as bar:
        for batch in _batches(records, batch_size):
            _insert_batch(batch, now)
            db.session.flush()
            if on_batch is not None:
                on_batch()
            bar.update(len(batch))
    return count


@click.command("demo")
@click.option(
    "--count",
    type=click.IntRange(1, MAX_COUNT),
    required=True,
    help="Nombre de fiches fictives à créer (1 à 100 000).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Graine du générateur : même graine, mêmes fiches.",
)
@with_appcontext
def demo_command(count: int, seed: int) -> None:
    """Génère des fiches fictives pour les essais de charge, sur une base jetable.

    Chaque fiche porte le mot fictif ou fictive dans son nom, et le drapeau fictive. Rien
    n'étant jamais supprimé dans l'annuaire, lancez cette commande seulement sur une base de
    test que vous jetterez ensuite. Chaque lancement ajoute COUNT fiches à la suite des
    précédentes. Il faut d'abord charger les référentiels (flask referentiels load) et la
    géographie (flask territoires load) ; reconstruisez ensuite l'index de recherche.
    """
    try:
        created = insert_demo(count, seed=seed, on_batch=db.session.commit)
    except DemoUnavailable as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(m.DEMO_DONE.format(count=created))
