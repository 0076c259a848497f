"""History of a fiche: recording changes per field, reading them back, redacting people."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from directory import messages as m
from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.models import DispositifType, Fiche, FicheHistory
from directory.fiches.schemas import CODED_LISTS, FicheSchema
from directory.territoires.services import territory_label

_SCHEMA = FicheSchema()
# Canonical data attribute → French key of the standard, for history and messages.
STANDARD_KEYS = {name: (f.data_key or name) for name, f in _SCHEMA.fields.items()}
PERSONAL_KEYS = ("nom", "fonction", "telephone", "courriel")
# Codes inside list items (contacts, sources, links), as the history page words them.
CODE_LABELS = {
    ("visibilite", "public"): "visible de tous",
    ("visibilite", "membres"): "visible des membres connectés",
    ("niveau", "verifie"): "source vérifiée",
    ("niveau", "tiers"): "liste tierce",
    ("niveau", "loi"): "déduite de la loi",
    ("niveau", "declare"): "déclarée par le service",
    ("type", "oriente_vers"): "oriente vers",
    ("type", "partenaire_de"): "partenaire de",
    ("type", "conventionne_avec"): "conventionné avec",
}
CODED_KEYS = {
    **{STANDARD_KEYS[a]: kind for a, kind in CODED_LISTS.items()},
    "niveau_de_recours": "niveaux-de-recours",
}


def record_history(fiche: Fiche, changes: dict[str, tuple], actor) -> str:
    """Record one history row per changed field, under one change id; return that id."""
    change_id = str(uuid.uuid4())
    for attr, (before, after) in changes.items():
        db.session.add(
            FicheHistory(
                fiche_id=fiche.id,
                change_id=change_id,
                actor_id=actor.user_id,
                actor_label=actor.label,
                via=getattr(actor, "via", None),
                field=STANDARD_KEYS.get(attr, attr),
                before=standard_value(attr, before),
                after=standard_value(attr, after),
            )
        )
    return change_id


def standard_value(attr: str, value):
    """Return a field's value as the published standard writes it (French keys)."""
    if value is None or attr not in _SCHEMA.fields:
        return value
    return _SCHEMA.fields[attr].serialize(attr, {attr: value})


@dataclass
class Change:
    """One change of a fiche as the history page shows it."""

    change_id: str
    actor: str
    at: datetime
    via: str | None = None
    rows: list[FicheHistory] = field(default_factory=list)
    last_id: int = 0


def history_rows(fiche: Fiche, after_id: int = 0) -> list[FicheHistory]:
    """Return the history rows of a fiche newer than a row id, oldest first."""
    query = (
        select(FicheHistory)
        .where(FicheHistory.fiche_id == fiche.id, FicheHistory.id > after_id)
        .order_by(FicheHistory.id)
    )
    return list(db.session.scalars(query))


def last_row_id(fiche: Fiche) -> int:
    """Return the id of the newest history row of a fiche (0 when none)."""
    rows = history_rows(fiche)
    return rows[-1].id if rows else 0


def changes(fiche: Fiche, after_id: int = 0) -> list[Change]:
    """Group history rows into changes, newest first."""
    grouped: dict[str, Change] = {}
    for row in history_rows(fiche, after_id):
        change = grouped.setdefault(
            row.change_id, Change(row.change_id, row.actor_label, row.changed_at, row.via)
        )
        change.rows.append(row)
        change.last_id = row.id
    return sorted(grouped.values(), key=lambda c: c.last_id, reverse=True)


def state_after(fiche: Fiche, change_id: str, current: dict) -> dict | None:
    """Return the fiche's record (standard keys) as it was right after a change, or None."""
    rows = history_rows(fiche)
    ids = [r.id for r in rows if r.change_id == change_id]
    if not ids:
        return None
    record = dict(current)
    for row in reversed([r for r in rows if r.id > max(ids)]):
        record[row.field] = row.before
    return record


def redact_contacts(fiche: Fiche, removed: list[dict]) -> int:
    """Replace a removed person's values by a notice in every history row; return rows changed."""
    names = {c["name"] for c in removed if c.get("name")}
    if not names:
        return 0
    db.session.flush()
    count = 0
    query = select(FicheHistory).where(
        FicheHistory.fiche_id == fiche.id, FicheHistory.field == "contacts"
    )
    for row in db.session.scalars(query):
        before, after = _redacted(row.before, names), _redacted(row.after, names)
        if (before, after) != (row.before, row.after):
            row.before, row.after = before, after  # new lists, so the JSON column sees the change
            count += 1
    return count


def _redacted(contacts, names: set[str]):
    if not contacts:
        return contacts
    return [
        {**c, **{k: m.PERSONAL_DATA_REMOVED for k in PERSONAL_KEYS}} if c.get("nom") in names else c
        for c in contacts
    ]


def removed_contacts(before: list[dict], after: list[dict]) -> list[dict]:
    """Return the contacts (canonical data) present before and no longer after, by name."""
    kept = {c["name"] for c in after or []}
    return [c for c in before or [] if c["name"] not in kept]


def value_text(value, key: str) -> str:
    """Return a history value as a French reader sees it."""
    if value in (None, "", [], {}):
        return "(vide)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return " ; ".join(item_text(v, key) for v in value)
    if isinstance(value, dict):
        return item_text(value, key)
    if key in CODED_KEYS:
        return referentiels.labels(CODED_KEYS[key]).get(value, value)
    if key == "statut":
        return m.STATUS_LABELS.get(value, value)
    if key == "type":
        type_ = db.session.get(DispositifType, value)
        return f"{type_.acronym} — {type_.name}" if type_ else value
    return str(value)


def item_text(item, key: str) -> str:
    """Return one element of a list field (a code, a territory, a contact…) as text."""
    if key == "territoire" and isinstance(item, dict):
        return territory_label(item.get("niveau"), item.get("code"))
    if isinstance(item, dict):
        item = {k: CODE_LABELS.get((k, v), v) if isinstance(v, str) else v for k, v in item.items()}
        parts = [value_text(v, "") for k, v in item.items() if v not in (None, "", [], {})]
        return ", ".join(parts) or "(vide)"
    if key in CODED_KEYS:
        return referentiels.labels(CODED_KEYS[key]).get(item, item)
    return str(item)


def describe(row: FicheHistory) -> dict:
    """Return a row for the history page: label, before → after, or items added and removed."""
    before, after = row.before, row.after
    if isinstance(before, list) or isinstance(after, list):
        old = [item_text(v, row.field) for v in before or []]
        new = [item_text(v, row.field) for v in after or []]
        return {
            "field": row.field,
            "added": [v for v in new if v not in old],
            "removed": [v for v in old if v not in new],
            "reordered": sorted(old) == sorted(new),
        }
    return {
        "field": row.field,
        "before": value_text(before, row.field),
        "after": value_text(after, row.field),
    }
