"""Every model, imported once so that SQLAlchemy and Alembic see the whole schema."""

from directory.fiches.models import (  # noqa: F401
    Contact,
    DispositifType,
    Fiche,
    FicheHistory,
    FicheLink,
    FicheTerritory,
    FicheValue,
    ReferentielValue,
    Source,
)
from directory.organisations.models import Organisation  # noqa: F401
from directory.territoires.models import (  # noqa: F401
    Commune,
    CommunePostcode,
    Departement,
    Epci,
    Region,
)
