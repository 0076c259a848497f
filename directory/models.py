"""Every model, imported once so that SQLAlchemy and Alembic see the whole schema."""

from directory.accounts.models import (  # noqa: F401
    AuditEvent,
    Invitation,
    Membership,
    ReminderSent,
    User,
)
from directory.core.models import ContentState  # noqa: F401
from directory.fiches.models import (  # noqa: F401
    Contact,
    DispositifType,
    Fiche,
    FicheHistory,
    FicheLink,
    FicheTerritory,
    FicheValue,
    ReferentielValue,
    Site,
    Source,
)
from directory.imports.models import Proposal, ProposalDigest  # noqa: F401
from directory.organisations.models import Organisation  # noqa: F401
from directory.search.models import SearchChange  # noqa: F401
from directory.territoires.models import (  # noqa: F401
    Commune,
    CommunePostcode,
    Departement,
    Epci,
    FormerCommune,
    Region,
)
