"""What editors do to a fiche: create, save, publish, archive, restore, verify, restore a version.

Each action flushes, records the fiche's history and the audit trail; the request commits.
"""

from datetime import date

from flask_babel import format_date

from directory import messages as m
from directory.extensions import db
from directory.fiches import history
from directory.fiches.models import Fiche, SourceLevel, Statut
from directory.fiches.services import (
    Actor,
    create_fiche,
    fiche_to_data,
    normalize,
    update_fiche,
)
from directory.organisations.models import Organisation


class VersionInvalid(Exception):
    """A past version no longer passes validation (e.g. it links to a fiche since renamed)."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def actor_of(user) -> Actor:
    """Return the history actor of a signed-in user."""
    return Actor(label=user.label, user_id=user.id)


def _audit(user, action: str, fiche: Fiche, details: dict | None = None) -> None:
    from directory.accounts.services import record_event

    record_event(user, action, "fiche", fiche.id, {"slug": fiche.slug, **(details or {})})


def declare(data: dict, today: date | None = None) -> dict:
    """Return data with the service's own `declare` source, dated today (FICHE.md, Sources)."""
    title = m.DECLARED_SOURCE.format(date=format_date(today or date.today(), "d MMMM y"))
    others = [s for s in data.get("sources") or [] if s["level"] != SourceLevel.DECLARE.value]
    declared = {"title": title, "url": None, "level": SourceLevel.DECLARE.value, "fields": []}
    return {**data, "sources": [*others, declared]}


def create_for(organisation: Organisation, data: dict, user, *, by_service: bool) -> Fiche:
    """Create a draft fiche carried by an organisation."""
    porteurs = [p for p in data.get("porteurs") or [] if p["name"] != organisation.name]
    data = {**data, "status": Statut.BROUILLON.value, "slug": None}
    data["porteurs"] = [{"name": organisation.name}, *porteurs]
    if by_service:
        data = declare(data)
    fiche = create_fiche(data, actor_of(user))
    _audit(user, "fiche_created", fiche)
    return fiche


def save(fiche: Fiche, data: dict, user, *, expected_version: int, by_service: bool) -> dict:
    """Save an edited fiche (StaleFiche when someone saved first); return the changes."""
    data = {**data, "status": fiche.status.value}
    if by_service and _content_changes(fiche, data):
        data = declare(data)
    changes = update_fiche(fiche, data, actor_of(user), expected_version=expected_version)
    if changes:
        fields = sorted(history.STANDARD_KEYS.get(k, k) for k in changes)
        _audit(user, "fiche_updated", fiche, {"champs": fields})
    return changes


def _content_changes(fiche: Fiche, data: dict) -> bool:
    # The declared source alone is no change: don't add it to a save that changes nothing.
    from directory.fiches.services import diff

    current = normalize(fiche_to_data(fiche))
    return bool(diff(current, normalize({**data, "slug": fiche.slug})))


ALLOWED = {
    "fiche_published": {Statut.BROUILLON},
    "fiche_archived": {Statut.BROUILLON, Statut.PUBLIEE},
    "fiche_restored": {Statut.ARCHIVEE},
}


def can_change_status(fiche: Fiche, action: str) -> bool:
    """Return True when the lifecycle allows this action from the fiche's status."""
    return fiche.status in ALLOWED[action]


def change_status(fiche: Fiche, action: str, user) -> None:
    """Publish, archive or restore a fiche (a restored fiche gets back its status before)."""
    target = {
        "fiche_published": Statut.PUBLIEE,
        "fiche_archived": Statut.ARCHIVEE,
        "fiche_restored": _status_before_archive(fiche),
    }[action]
    data = {**normalize(fiche_to_data(fiche)), "status": target.value}
    update_fiche(fiche, data, actor_of(user))
    _audit(user, action, fiche, {"statut": target.value})


def _status_before_archive(fiche: Fiche) -> Statut:
    for row in reversed(history.history_rows(fiche)):
        if row.field == "statut" and row.after == Statut.ARCHIVEE.value and row.before:
            return Statut(row.before)
    return Statut.BROUILLON


def verify(fiche: Fiche, user, today: date | None = None) -> None:
    """Record that the service confirms the fiche is up to date, without any other change."""
    today = today or date.today()
    before = fiche.verified_on
    fiche.verified_on = today
    history.record_history(fiche, {"verified_on": (before, today)}, actor_of(user))
    db.session.flush()
    _audit(user, "fiche_verified", fiche, {"verifie_le": today.isoformat()})


def restore_version(fiche: Fiche, record: dict, user, *, change_id: str) -> dict:
    """Bring a fiche back to a past record (its status and verification date are kept)."""
    from directory.fiches.editing import linkable_by, load_record

    record = {k: v for k, v in record.items() if k not in ("statut", "verifie_le")}
    record["statut"] = fiche.status.value
    record["contacts"] = [
        c for c in record.get("contacts") or [] if c.get("nom") != m.PERSONAL_DATA_REMOVED
    ]
    data, errors = load_record(record, fiche.slug, linkable_by(user, fiche))
    if errors:
        raise VersionInvalid(errors)
    changes = update_fiche(fiche, data, actor_of(user))
    _audit(user, "fiche_version_restored", fiche, {"change_id": change_id})
    return changes
