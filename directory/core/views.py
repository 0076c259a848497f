"""Home page and « Sources et licences »."""

from flask import render_template
from sqlalchemy import select

from directory.core import blueprint
from directory.extensions import db
from directory.fiches import queries, referentiels
from directory.organisations.models import Organisation
from directory.territoires import services as territoires


@blueprint.route("/")
def home():
    type_counts = queries.count_by_type()
    published = sum(type_counts.values())
    types = [t for t in referentiels.types() if type_counts.get(t.code)]
    departements = [(d, queries.count_in_departement(d.code)) for d in territoires.departements()]
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
