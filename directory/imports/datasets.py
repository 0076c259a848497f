"""Bring the rows of an open dataset in: drafts for the new ones, proposals for the known ones.

`plan` only reads: it matches every row (see `matching`), works out the field-level proposals
and validates every draft against the standard, so a dry run reports exactly what `apply` then
writes. `apply` writes drafts and proposals only (never a published fiche, never a field of an
existing fiche) and flushes; the command commits once, or rolls everything back.
"""

from dataclasses import dataclass, field

from marshmallow import ValidationError

from directory import messages as m
from directory.extensions import db
from directory.fiches.models import DispositifType, Fiche, Statut
from directory.fiches.schemas import FicheSchema
from directory.fiches.services import (
    Actor,
    KnownCodes,
    check_references,
    create_fiche,
    unique_slug,
)
from directory.imports.differences import proposed_changes
from directory.imports.drafting import draft_record, place
from directory.imports.matching import Candidate, FicheIndex
from directory.imports.models import ProposalKind
from directory.imports.proposals import ORIGIN_LABELS, propose
from directory.imports.rows import CONTACT_KEYS, DatasetFile, DatasetRow
from directory.territoires.services import get_commune

# Values left out, rather than refusing the file, when they do not pass the standard.
DROPPABLE = {*CONTACT_KEYS, "latitude", "longitude"}


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
    index, known = FicheIndex(file.extra), KnownCodes()
    result, taken = Plan(file), set()
    for row in file.rows:
        dropped = _leave_out_invalid(row, known)
        match = index.match(
            type_code=row.type_code,
            name=row.name,
            commune=row.commune,
            finess=row.finess,
            siret=row.siret,
            refs=row.refs or (row.ref,),
        )
        if match.fiche is None:
            outcome = _draft(row, taken, known, result.errors)
            outcome.duplicates = match.duplicates
        elif match.fiche.status == Statut.ARCHIVEE:
            outcome = Outcome(row, "archived", match.how, match.fiche)
        else:
            changes = proposed_changes(db.session.get(Fiche, match.fiche.id), row)
            action = "propose" if changes else "unchanged"
            outcome = Outcome(row, action, match.how, match.fiche, changes)
        outcome.dropped = dropped
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


# --- drafts ---


def _validated(record: dict, slug: str, known: KnownCodes) -> tuple[dict | None, dict]:
    """Validate a record like the forms do (`editing.load_record`), reading the référentiels
    and the geography once per import."""
    try:
        data = FicheSchema().load(record)
    except ValidationError as error:
        return None, error.normalized_messages()
    data["slug"] = slug
    errors = check_references(data, known=known)
    return (None, errors) if errors else (data, {})


def _draft(row: DatasetRow, taken: set[str], known: KnownCodes, errors: list[str]) -> Outcome:
    dtype = db.session.get(DispositifType, row.type_code)
    slug = unique_slug(row.draft_name, taken)
    taken.add(slug)
    data, problems = _validated(draft_record(row, dtype), slug, known)
    name = f"« {row.name} »" if row.name else m.DATASET_NO_NAME
    for key, messages in problems.items():
        errors += [
            m.DATASET_ROW_ERROR.format(ref=row.ref, name=name, field=key, msg=text)
            for text in _texts(messages)
        ]
    return Outcome(row, "create", data=data)


def _texts(messages) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    values = messages.values() if isinstance(messages, dict) else messages
    return [text for sub in values for text in _texts(sub)]


def _leave_out_invalid(row: DatasetRow, known: KnownCodes) -> list[str]:
    """Drop the row's values that do not pass the standard (an e-mail without a domain, a
    commune merged since); return their keys. They are neither drafted nor proposed."""
    dropped = []
    address = row.values.get("adresse") or {}
    code = address.get("commune")
    if code and code not in known.territory("commune"):
        # A commune merged since takes the code of the one it joined; an unknown code goes.
        current = get_commune(code)
        row.values["adresse"] = {**address, "commune": current.code if current else None}
        row.commune = row.values["adresse"]["commune"] if row.commune == code else row.commune
        dropped += [] if current else ["adresse.commune"]
    values = {k: v for k, v in row.values.items() if v not in (None, "", {})}
    probe = {"nom": "x", "type": row.type_code, "resume": "x", "missions": "x", **values}
    _, problems = _validated(probe, None, known)
    invalid = {k for k in problems if k in DROPPABLE}
    if {"latitude", "longitude"} & invalid:
        invalid |= {"latitude", "longitude"}
    for key in invalid:
        row.values.pop(key, None)
    return dropped + sorted(invalid)
