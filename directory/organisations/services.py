"""Finding an organisation before creating one: by SIRET first, then by normalised name."""

import re

from sqlalchemy import select

from directory.extensions import db
from directory.organisations.models import Organisation
from directory.territoires.services import fold

# Words that do not tell two organisations apart.
ARTICLES = {"l", "le", "la", "les", "de", "du", "des", "d", "et", "a", "au", "aux", "en"}


def normalised_name(name: str | None) -> str:
    """Return a name for comparison: lower case, no accents, punctuation as spaces, dots of
    acronyms dropped (« A.P.A.J.H. » is « apajh »), articles left out."""
    text = re.sub(r"(?<=\w)\.(?=\w)", "", name or "")
    return " ".join(w for w in fold(text).split() if w not in ARTICLES)


def find_organisation(siret: str | None, name: str | None) -> Organisation | None:
    """Return the organisation with this SIRET, else the one whose normalised name is the same."""
    if siret:
        found = db.session.scalar(select(Organisation).where(Organisation.siret == siret))
        if found is not None:
            return found
    wanted = normalised_name(name)
    if not wanted:
        return None
    return next(
        (o for o in db.session.scalars(select(Organisation)) if normalised_name(o.name) == wanted),
        None,
    )
