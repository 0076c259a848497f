"""The proposals queue: one way in for every outside source (open datasets, visitors, the API).

Nothing from outside is written to a fiche until one of its éditeurs or an admin accepts it;
an accepted proposal goes through the same validation and service as the edit form and is
recorded in the fiche's history with its source. Services flush; the caller commits.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from directory import messages as m
from directory.core.models import utcnow
from directory.extensions import db
from directory.fiches.editing import load_record, record_of
from directory.fiches.editing_actions import declare
from directory.fiches.models import Fiche, SourceLevel
from directory.fiches.services import Actor, fiche_to_data, update_fiche
from directory.imports.models import Proposal, ProposalKind, ProposalOrigin, ProposalStatus

ORIGIN_LABELS = {
    ProposalOrigin.FINESS: "FINESS",
    ProposalOrigin.ANNUAIRE: "Annuaire de l'administration",
    ProposalOrigin.SIGNALEMENT: "signalement d'un visiteur",
    ProposalOrigin.API: "API",
}
# Open datasets are third-party lists: an accepted value cites them as « à vérifier ».
DATASET_ORIGINS = {ProposalOrigin.FINESS, ProposalOrigin.ANNUAIRE}


class ProposalInvalid(Exception):
    """The proposed value does not pass the standard's validation: nothing was written."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class SourceInfo:
    """Where a proposal comes from: the dataset or the visitor, and the fact's date."""

    origin: ProposalOrigin
    title: str
    url: str | None = None
    ref: str | None = None
    date: str | None = None


def current_value(fiche: Fiche, field: str):
    """Return a field of the fiche as the standard writes it (French keys)."""
    return record_of(fiche_to_data(fiche)).get(field)


def _same(a, b) -> bool:
    return (a or None) == (b or None)


def propose(
    fiche: Fiche,
    field: str | None,
    proposed,
    source: SourceInfo,
    *,
    kind: ProposalKind = ProposalKind.CHAMP,
    message: str | None = None,
    reporter_email: str | None = None,
    related_fiche: Fiche | None = None,
) -> Proposal | None:
    """Queue a proposal; return None when it would change nothing or was already decided.

    The same value from the same origin is proposed once: an open one is not repeated and a
    rejected one does not come back at the next import.
    """
    current = current_value(fiche, field) if kind == ProposalKind.CHAMP else None
    if kind == ProposalKind.CHAMP and _same(current, proposed):
        return None
    if kind != ProposalKind.REMARQUE and already_proposed(fiche, field, proposed, source, kind):
        return None
    proposal = Proposal(
        fiche_id=fiche.id,
        kind=kind,
        field=field,
        current_value=current,
        proposed_value=proposed,
        origin=source.origin,
        source_title=source.title,
        source_url=source.url,
        source_ref=source.ref,
        source_date=source.date,
        message=message,
        reporter_email=reporter_email,
        related_fiche_id=related_fiche.id if related_fiche else None,
        status=ProposalStatus.OUVERTE,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def already_proposed(fiche, field, proposed, source, kind=ProposalKind.CHAMP) -> bool:
    """Tell whether the same origin already proposed this value (still open, or rejected)."""
    query = select(Proposal).where(
        Proposal.fiche_id == fiche.id,
        Proposal.kind == kind,
        Proposal.origin == source.origin,
        Proposal.status != ProposalStatus.ACCEPTEE,
    )
    query = query.where(Proposal.field.is_(None) if field is None else Proposal.field == field)
    return any(_same(p.proposed_value, proposed) for p in db.session.scalars(query))


def via_label(proposal: Proposal) -> str:
    """Return how history names what brought a change: the proposal and its source."""
    source = ORIGIN_LABELS[proposal.origin]
    detail = f" {proposal.source_ref}" if proposal.source_ref else ""
    return m.PROPOSAL_VIA.format(id=proposal.id, source=source + detail)[:255]


def _dataset_source(proposal: Proposal) -> dict:
    return {
        "titre": proposal.source_title,
        "url": proposal.source_url,
        "niveau": SourceLevel.TIERS.value,
        "champs": [proposal.field],
        "date": proposal.source_date,
    }


def _with_source(record: dict, source: dict) -> dict:
    """Add a source to a record, or the field to the same source's `champs`."""
    sources = [dict(s) for s in record.get("sources") or []]
    for existing in sources:
        if (existing.get("titre"), existing.get("url")) == (source["titre"], source["url"]):
            existing["champs"] = sorted({*(existing.get("champs") or []), *source["champs"]})
            existing["date"] = source["date"] or existing.get("date")
            break
    else:
        sources.append(source)
    return {**record, "sources": sources}


def accept(
    proposal: Proposal, user, *, by_service: bool, expected_version: int | None = None
) -> dict:
    """Apply a proposal to its fiche through the edit service; return the changes.

    A remark or a possible duplicate is only closed: the reviewer edits the fiche (or archives
    the duplicate) with the usual pages. Raise ProposalInvalid (nothing written) when the value
    does not pass the standard, StaleFiche when the fiche changed since the page was opened.
    """
    changes: dict = {}
    if proposal.kind == ProposalKind.CHAMP:
        fiche = proposal.fiche
        record = {**record_of(fiche_to_data(fiche)), proposal.field: proposal.proposed_value}
        if proposal.origin in DATASET_ORIGINS:
            record = _with_source(record, _dataset_source(proposal))
        data, errors = load_record(record, fiche.slug)
        if errors:
            raise ProposalInvalid(errors)
        data["status"] = fiche.status.value
        if by_service:
            data = declare(data)
        actor = Actor(label=user.label, user_id=user.id, via=via_label(proposal))
        changes = update_fiche(fiche, data, actor, expected_version=expected_version)
    _close(proposal, ProposalStatus.ACCEPTEE, user)
    return changes


def reject(proposal: Proposal, user, note: str | None = None) -> None:
    """Close a proposal without changing the fiche; the same value is not proposed again."""
    _close(proposal, ProposalStatus.REJETEE, user, note)


def _close(proposal: Proposal, status: ProposalStatus, user, note: str | None = None) -> None:
    proposal.status = status
    proposal.decided_at = utcnow()
    proposal.decided_by_id = user.id if user is not None else None
    proposal.decision_note = (note or "").strip() or None
    proposal.reporter_email = None  # kept only while the proposal is open
    db.session.flush()


def erase_personal_data(proposal: Proposal) -> int:
    """Remove what a visitor wrote (and their address) from the proposal and from the history
    rows it brought; return how many history rows were redacted."""
    from directory.fiches.models import FicheHistory

    proposal.message = m.PERSONAL_DATA_REMOVED if proposal.message else None
    if proposal.origin == ProposalOrigin.SIGNALEMENT and proposal.proposed_value is not None:
        proposal.proposed_value = m.PERSONAL_DATA_REMOVED
    proposal.reporter_email = None
    rows = db.session.scalars(
        select(FicheHistory).where(
            FicheHistory.fiche_id == proposal.fiche_id, FicheHistory.via == via_label(proposal)
        )
    ).all()
    for row in rows:
        if row.field != "sources":
            row.before, row.after = m.PERSONAL_DATA_REMOVED, m.PERSONAL_DATA_REMOVED
    db.session.flush()
    return len(rows)


def open_proposals(fiche_ids=None) -> list[Proposal]:
    """Return the open proposals, of some fiches or of all, oldest first."""
    query = select(Proposal).where(Proposal.status == ProposalStatus.OUVERTE)
    if fiche_ids is not None:
        query = query.where(Proposal.fiche_id.in_(list(fiche_ids)))
    return list(db.session.scalars(query.order_by(Proposal.id)))


def open_counts(fiche_ids=None) -> dict[int, int]:
    """Return fiche id → number of open proposals."""
    query = (
        select(Proposal.fiche_id, func.count())
        .where(Proposal.status == ProposalStatus.OUVERTE)
        .group_by(Proposal.fiche_id)
    )
    if fiche_ids is not None:
        query = query.where(Proposal.fiche_id.in_(list(fiche_ids)))
    return dict(db.session.execute(query).all())


def counts_by_origin() -> list[tuple[str, str, int]]:
    """Return (origin label, status, count) rows for the admin page."""
    rows = db.session.execute(
        select(Proposal.origin, Proposal.status, func.count()).group_by(
            Proposal.origin, Proposal.status
        )
    ).all()
    return sorted((ORIGIN_LABELS[o], s.value, n) for o, s, n in rows)
