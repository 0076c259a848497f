"""Who may do what: the one place for permissions, as named predicates.

`user` is `flask_login.current_user` (possibly anonymous) or a `User`.
"""

from typing import Literal

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, exists, or_, select

from directory import messages
from directory.core.errors import abort_fr
from directory.extensions import db, login_manager
from directory.fiches.models import Fiche, Statut, fiche_porteurs
from directory.organisations.models import Organisation

Audience = Literal["public", "membre", "editeur"]


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_admin(user) -> bool:
    """Return True for an active admin (a facilitator of the community)."""
    return _signed_in(user) and user.role == "admin"


def is_member(user) -> bool:
    """Return True for any signed-in, active user: they see the members-only contacts."""
    return _signed_in(user)


def organisation_ids(user) -> set[int]:
    """Return the ids of the organisations the user is éditeur of."""
    if not _signed_in(user):
        return set()
    return {m.organisation_id for m in user.memberships}


def is_editor_of(user, organisation: Organisation) -> bool:
    """Return True when the user is éditeur of this organisation."""
    return organisation is not None and organisation.id in organisation_ids(user)


def can_edit_fiche(user, fiche: Fiche) -> bool:
    """Admins edit every fiche; éditeurs edit the fiches one of their organisations carries."""
    if is_admin(user):
        return True
    mine = organisation_ids(user)
    return bool(mine) and any(o.id in mine for o in fiche.porteurs)


def can_create_fiche_for(user, organisation: Organisation) -> bool:
    """Return True when the user may create a fiche carried by this organisation."""
    return is_admin(user) or is_editor_of(user, organisation)


def editable_organisations(user) -> list[Organisation]:
    """Return the organisations the user may create fiches for (all of them for an admin)."""
    if is_admin(user):
        return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    if not _signed_in(user):
        return []
    return user.organisations


def can_view_fiche(user, fiche: Fiche) -> bool:
    """Published fiches are public; drafts and archived ones only for their éditeurs and admins."""
    return fiche.status == Statut.PUBLIEE or can_edit_fiche(user, fiche)


def can_view_history(user, fiche: Fiche) -> bool:
    """History shows every past value, drafts included: only for those who may edit."""
    return can_edit_fiche(user, fiche)


def can_administer(user) -> bool:
    """Return True for the admin pages (dashboard, invitations, users, outbox, audit trail)."""
    return is_admin(user)


def visible_fiches(user) -> Select:
    """Select the fiches the user may see: published ones, plus those the user may edit."""
    query = select(Fiche)
    if is_admin(user):
        return query
    mine = organisation_ids(user)
    if not mine:
        return query.where(Fiche.status == Statut.PUBLIEE)
    carried = exists().where(
        fiche_porteurs.c.fiche_id == Fiche.id, fiche_porteurs.c.organisation_id.in_(mine)
    )
    return query.where(or_(Fiche.status == Statut.PUBLIEE, carried))


def fiche_audience(user, fiche: Fiche) -> Audience:
    """Return which view of the fiche the user gets: its contacts depend on it."""
    if can_edit_fiche(user, fiche):
        return "editeur"
    if is_member(user):
        return "membre"
    return "public"


def require(allowed: bool, *, hide: bool = False) -> None:
    """Abort with a French 403, or a 404 when the resource must not even be known to exist."""
    if allowed:
        return
    if hide:
        abort(404)
    if not _signed_in(current_user):
        # Anonymous visitors are sent to the sign-in page, which brings them back afterwards.
        abort(login_manager.unauthorized())
    abort_fr(403, messages.FORBIDDEN)
