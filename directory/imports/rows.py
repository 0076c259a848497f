"""A row of an open dataset in the standard's terms, and what an import read from its file."""

from dataclasses import dataclass, field

from directory.imports.models import ProposalOrigin
from directory.imports.proposals import SourceInfo

# Fields a dataset row may give, in the standard's terms; the rest of a draft is left empty.
CONTACT_KEYS = ("telephone", "courriel", "site_web", "horaires", "adresse")


@dataclass
class DatasetRow:
    """One row of a dataset, already in the standard's terms."""

    origin: ProposalOrigin
    ref: str  # the row's id in its dataset: FINESS number, DILA id
    type_code: str
    name: str  # as the dataset writes it
    draft_name: str  # the name a new draft gets
    commune: str | None  # INSEE code
    values: dict  # standard keys: telephone, courriel, site_web, horaires, adresse, lat/long
    source: SourceInfo
    facts: str  # « établissement FINESS n° … »: what the draft's résumé says of the row
    finess: str | None = None
    siret: str | None = None
    refs: tuple[str, ...] = ()  # every id of the row in its dataset (current and former)


@dataclass
class DatasetFile:
    """What an import read from its file: the rows it keeps and how many it read."""

    dataset: str  # « FINESS », « Annuaire de l'administration »
    date: str | None  # the extraction's date, or the newest record's
    read: int
    rows: list[DatasetRow]
    extra: dict[str, set[str]] = field(default_factory=dict)  # type code → dataset's labels
