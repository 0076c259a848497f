"""The world of the permission grid: two organisations, five roles, fiches in every state."""

from dataclasses import dataclass

from directory.accounts.models import User
from directory.fiches.models import Fiche
from directory.imports.models import ProposalKind, ProposalOrigin
from directory.imports.proposals import SourceInfo, propose
from tests.builders import add_contact, make_fiche, make_org, make_user

ROLES = ("anonyme", "membre", "editeur_autre", "editeur", "admin")
# Unusual words, so that finding them in a page can only mean a leak.
DRAFT_NAME = "Brouillon Xylophagebleu"
ARCHIVED_NAME = "Archive Quetzalcoatlgris"
MEMBER_CONTACT = "Zorglubienne Réservée"
MEMBER_EMAIL = "zorglubienne@reserve.example"
MEMBER_PHONE = "03 99 88 77 66"
SECRETS_FOR_ANONYMOUS = (DRAFT_NAME, ARCHIVED_NAME, MEMBER_CONTACT, MEMBER_EMAIL, MEMBER_PHONE)
SECRETS_FOR_OTHERS = (DRAFT_NAME, ARCHIVED_NAME)


@dataclass
class World:
    users: dict[str, User | None]
    fiches: dict[str, Fiche]
    organisation_id: int
    other_organisation_id: int
    proposals: dict[str, int]


def build_world() -> World:
    """Create the organisations, users and fiches every grid test uses."""
    mine, other = make_org("Association Grille"), make_org("Autre Association")
    published = make_fiche(
        porteurs=[mine],
        name="Dispositif Publié Grille",
        commune_code="88160",
        latitude=48.17,
        longitude=6.45,
    )
    add_contact(published, "Paule Publique", "public", role="Coordinatrice")
    add_contact(published, MEMBER_CONTACT, "membres", email=MEMBER_EMAIL, phone=MEMBER_PHONE)
    draft = make_fiche("brouillon", porteurs=[mine], name=DRAFT_NAME, commune_code="88160")
    archived = make_fiche("archivee", porteurs=[mine], name=ARCHIVED_NAME, commune_code="88160")
    users = {
        "anonyme": None,
        "membre": make_user(),
        "editeur_autre": make_user(organisations=[other]),
        "editeur": make_user(organisations=[mine]),
        "admin": make_user("admin"),
    }
    fiches = {"pub": published, "draft": draft, "arch": archived}
    report = SourceInfo(ProposalOrigin.SIGNALEMENT, "Signalement d'un visiteur")
    proposals = {
        case: propose(
            fiche, "autre", None, report, kind=ProposalKind.REMARQUE, message="À revoir"
        ).id
        for case, fiche in fiches.items()
    }
    return World(users, fiches, mine.id, other.id, proposals)
