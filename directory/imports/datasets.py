"""Bring the rows of an open dataset in: drafts for the new ones, proposals for the known ones.

`plan` only reads: it matches every row (see `matching`), works out the field-level proposals
and validates every draft against the standard, so a dry run reports exactly what `apply` then
writes. `apply` writes drafts and proposals only (never a published fiche, never a field of an
existing fiche) and flushes; the command commits once, or rolls everything back.
"""

import math
from dataclasses import dataclass, field

from directory import messages as m
from directory.extensions import db
from directory.fiches.editing import load_record, record_of
from directory.fiches.models import DispositifType, Fiche, Statut
from directory.fiches.services import Actor, create_fiche, fiche_to_data, unique_slug
from directory.imports.matching import Candidate, FicheIndex
from directory.imports.models import ProposalKind, ProposalOrigin
from directory.imports.proposals import ORIGIN_LABELS, SourceInfo, already_proposed, propose
from directory.territoires.services import fold, get_commune

# Fields a dataset row may give, in the standard's terms; the rest of a draft is left empty.
CONTACT_KEYS = ("telephone", "courriel", "site_web", "horaires", "adresse")
# Values left out of a draft, rather than refusing the file, when they do not pass the standard.
DROPPABLE = {*CONTACT_KEYS, "identifiants", "latitude", "longitude"}
NEAR_METRES = 50  # a position closer than this to the fiche's is not worth a proposal


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


@dataclass
class Outcome:
    """What happens to one row: "create", "propose", "unchanged" or "archived"."""

    row: DatasetRow
    action: str
    how: str | None = None
    fiche: Candidate | None = None
    changes: dict = field(default_factory=dict)
    duplicates: list[Candidate] = field(default_factory=list)
    data: dict | None = None  # the draft's loaded data
    dropped: list[str] = field(default_factory=list)  # values that did not pass the standard


@dataclass
class Plan:
    file: DatasetFile
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def of(self, action: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.action == action]


def plan(file: DatasetFile) -> Plan:
    """Match every row and work out what `apply` would write; read only."""
    index = FicheIndex(file.extra)
    result, taken = Plan(file), set()
    for row in file.rows:
        match = index.match(
            type_code=row.type_code,
            name=row.name,
            commune=row.commune,
            finess=row.finess,
            siret=row.siret,
            refs=row.refs or (row.ref,),
        )
        if match.fiche is None:
            outcome = _draft(row, taken, result.errors)
            outcome.duplicates = match.duplicates
        elif match.fiche.status == Statut.ARCHIVEE:
            outcome = Outcome(row, "archived", match.how, match.fiche)
        else:
            changes = proposed_changes(db.session.get(Fiche, match.fiche.id), row)
            action = "propose" if changes else "unchanged"
            outcome = Outcome(row, action, match.how, match.fiche, changes)
        result.outcomes.append(outcome)
    return result


def apply(result: Plan, actor: Actor) -> dict[str, int]:
    """Write the plan's drafts and proposals (flush only); return what was written."""
    written = {"drafts": 0, "proposals": 0}
    for outcome in result.outcomes:
        row = outcome.row
        if outcome.action == "create":
            draft = create_fiche(outcome.data, actor)
            written["drafts"] += 1
            for look_alike in outcome.duplicates:
                written["proposals"] += _duplicate(row, db.session.get(Fiche, look_alike.id), draft)
        for key, value in outcome.changes.items():
            fiche = db.session.get(Fiche, outcome.fiche.id)
            written["proposals"] += propose(fiche, key, value, row.source) is not None
    db.session.flush()
    return written


def _duplicate(row: DatasetRow, fiche: Fiche, draft: Fiche) -> bool:
    message = m.DATASET_DUPLICATE.format(
        name=row.name, origin=ORIGIN_LABELS[row.origin], ref=row.ref, place=place(row.commune),
        slug=draft.slug,
    )  # fmt: skip
    proposal = propose(
        fiche,
        None,
        f"{row.origin.value}:{row.ref}",
        row.source,
        kind=ProposalKind.DOUBLON,
        message=message,
        related_fiche=draft,
    )
    return proposal is not None


# --- proposals on a known fiche ---


def proposed_changes(fiche: Fiche, row: DatasetRow) -> dict:
    """Return standard key → value for what the row says differently from the fiche, leaving
    out what was already proposed (open or rejected) and the dataset's names."""
    current = record_of(fiche_to_data(fiche))
    wanted = {k: v for k, v in row.values.items() if k in CONTACT_KEYS and v}
    wanted = {k: v for k, v in wanted.items() if _differs(k, current.get(k), v)}
    wanted.update(_position(current, row.values))
    identifiers = _identifiers(current.get("identifiants") or {}, row)
    if identifiers:
        wanted["identifiants"] = identifiers
    return {
        key: value
        for key, value in wanted.items()
        if not already_proposed(fiche, key, value, row.source)
    }


def _digits(text) -> str:
    return "".join(c for c in str(text or "") if c.isdigit())


def _differs(key: str, current, proposed) -> bool:
    if current in (None, "", {}):
        return True
    if key == "telephone":
        return _digits(current) != _digits(proposed)
    if key == "adresse":
        return any(
            fold(current.get(part)) != fold(proposed.get(part))
            for part in ("ligne1", "code_postal", "commune")
        )
    if key == "site_web":
        return current.rstrip("/").lower() != proposed.rstrip("/").lower()
    return fold(current) != fold(proposed)


def _position(current: dict, values: dict) -> dict:
    lat, lon = values.get("latitude"), values.get("longitude")
    if lat is None or lon is None:
        return {}
    here = current.get("latitude"), current.get("longitude")
    if None not in here and metres(here, (lat, lon)) < NEAR_METRES:
        return {}
    return {"latitude": lat, "longitude": lon}


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the distance between two (latitude, longitude) points (equirectangular)."""
    mean = math.radians((a[0] + b[0]) / 2)
    dy = math.radians(b[0] - a[0])
    dx = math.radians(b[1] - a[1]) * math.cos(mean)
    return 6_371_000 * math.hypot(dx, dy)


def _identifiers(current: dict, row: DatasetRow) -> dict | None:
    """Return the identifiers with the row's FINESS / SIRET added where the fiche has none."""
    added = {k: v for k, v in (("finess", row.finess), ("siret", row.siret)) if v}
    added = {k: v for k, v in added.items() if not current.get(k)}
    if not added:
        return None
    return {"finess": None, "siret": None, "ror": None, **current, **added}


# --- drafts ---


def _draft(row: DatasetRow, taken: set[str], errors: list[str]) -> Outcome:
    dtype = db.session.get(DispositifType, row.type_code)
    slug = unique_slug(row.draft_name, taken)
    taken.add(slug)
    record, dropped = draft_record(row, dtype), []
    data, problems = load_record(record, slug)
    if problems and set(problems) <= DROPPABLE:
        dropped = sorted(problems)  # keep the draft, leave out what does not pass
        for key in dropped:
            record.pop(key, None)
        record["sources"][0]["champs"] = _given(record)
        data, problems = load_record(record, slug)
    for key, messages in problems.items():
        errors += [
            m.DATASET_ROW_ERROR.format(ref=row.ref, name=row.name, field=key, msg=text)
            for text in _texts(messages)
        ]
    return Outcome(row, "create", data=data, dropped=dropped)


def _texts(messages) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    values = messages.values() if isinstance(messages, dict) else messages
    return [text for sub in values for text in _texts(sub)]


def draft_record(row: DatasetRow, dtype: DispositifType) -> dict:
    """Return the standard's record of a new draft: the row's facts, the type's national
    definition as missions (« selon le cadre national »), the dataset as its source."""
    record = {
        "nom": row.draft_name[:255],
        "type": row.type_code,
        "statut": Statut.BROUILLON.value,
        "resume": _summary(row, dtype),
        "missions": dtype.definition,
        "cadre_national": ["missions"],
        "identifiants": {"finess": row.finess, "siret": row.siret},
        **{k: v for k, v in row.values.items() if v not in (None, "", {})},
    }
    dataset = {
        "titre": row.source.title,
        "url": row.source.url,
        "niveau": "tiers",
        "champs": [],
        "date": row.source.date,
    }
    record["sources"] = [dataset, *_national_frame(dtype)]
    dataset["champs"] = _given(record)
    return record


def _given(record: dict) -> list[str]:
    keys = ("nom", "type", "identifiants", *CONTACT_KEYS, "latitude", "longitude")
    return [k for k in keys if record.get(k) not in (None, "", {}, {"finess": None, "siret": None})]


def _national_frame(dtype: DispositifType) -> list[dict]:
    # Only the type's reference source (a public body, the national network, an official text)
    # is cited as « vérifié »: a type's other sources may be secondary pages.
    url = getattr(dtype, "reference_source", None)
    if not url:
        return []
    title = m.DATASET_NATIONAL_FRAME.format(acronym=dtype.acronym)
    return [{"titre": title, "url": url, "niveau": "verifie", "champs": ["missions"]}]


def _summary(row: DatasetRow, dtype: DispositifType) -> str:
    when = m.DATASET_AS_OF.format(date=french_date(row.source.date)) if row.source.date else ""
    text = m.DATASET_DRAFT_SUMMARY.format(
        type=dtype.name, acronym=dtype.acronym, place=place(row.commune), facts=row.facts, when=when
    )
    return text[:280]


def place(code: str | None) -> str:
    """Return « à Metz (57) », or that the commune is unknown."""
    commune = get_commune(code)
    return f"à {commune.name} ({commune.departement_code})" if commune else m.DATASET_NO_COMMUNE


def french_date(iso: str | None) -> str:
    """Return 2026-05-12 as 12/05/2026 (a year or a month stays as it is)."""
    parts = (iso or "").split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else (iso or "")
