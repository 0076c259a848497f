"""What the facilitator fills next: fiches nobody can call, nobody keeps, nobody confirmed, or
with proposals waiting — each a list on the dashboard, linked to the filtered fiches."""

from sqlalchemy import select

from directory.accounts.models import Membership, User
from directory.extensions import db
from directory.fiches.models import Fiche
from directory.imports.proposals import open_counts

GAPS = {
    "contact": "Sans téléphone ni courriel",
    "editeur": "Sans éditeur",
    "verification": "Jamais vérifiées par le service",
    "propositions": "Avec des propositions à examiner",
}


def _kept_organisations() -> set[int]:
    """Return the organisations that have at least one active éditeur."""
    query = (
        select(Membership.organisation_id)
        .join(User, User.id == Membership.user_id)
        .where(User.active.is_(True))
    )
    return set(db.session.scalars(query))


def _predicates() -> dict:
    kept, pending = _kept_organisations(), open_counts()
    return {
        "contact": lambda f: not (f.phone or f.email or any(s.phone or s.email for s in f.sites)),
        "editeur": lambda f: not any(o.id in kept for o in f.porteurs),
        "verification": lambda f: f.verified_on is None,
        "propositions": lambda f: f.id in pending,
    }


def with_gap(fiches: list[Fiche], gap: str) -> list[Fiche]:
    """Keep the fiches that have the gap."""
    test = _predicates()[gap]
    return [f for f in fiches if test(f)]


def counts(fiches: list[Fiche]) -> dict[str, int]:
    """Return gap → how many of the fiches have it."""
    tests = _predicates()
    return {gap: sum(1 for f in fiches if tests[gap](f)) for gap in GAPS}
