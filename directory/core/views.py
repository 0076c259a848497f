"""Home page and « Sources et licences »."""

from flask import render_template
from sqlalchemy import func, select

from directory.core import blueprint
from directory.extensions import db
from directory.fiches import queries, referentiels
from directory.fiches.models import Fiche, Statut
from directory.organisations.models import Organisation
from directory.territoires import services as territoires


@blueprint.route("/")
def home():
    published = db.session.scalar(
        select(func.count()).select_from(Fiche).where(Fiche.status == Statut.PUBLIEE)
    )
    type_counts = dict(
        db.session.execute(
            select(Fiche.type_code, func.count())
            .where(Fiche.status == Statut.PUBLIEE)
            .group_by(Fiche.type_code)
        ).all()
    )
    types = [t for t in referentiels.types() if type_counts.get(t.code)]
    departements = [
        (
            d,
            db.session.scalar(
                select(func.count()).select_from(
                    queries.apply_filters(
                        queries.visible_fiches(), {"departement": d.code}
                    ).subquery()
                )
            ),
        )
        for d in territoires.departements()
    ]
    return render_template(
        "core/home.html",
        published=published,
        types=types,
        type_counts=type_counts,
        departements=departements,
    )


@blueprint.route("/sources-et-licences")
def sources():
    networks = db.session.scalars(
        select(Organisation)
        .where(Organisation.description.is_not(None))
        .order_by(Organisation.name)
    ).all()
    return render_template("core/sources.html", organisations=networks)
