"""Account operations: audit trail, users, memberships, invitations, passwords.

Every function flushes and never commits: the request or the command commits once.
"""

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from slugify import slugify
from sqlalchemy import func, select

from directory import messages
from directory.accounts.models import (
    AuditEvent,
    Invitation,
    Membership,
    Role,
    User,
    password_matches,
)
from directory.core.models import utcnow
from directory.extensions import db
from directory.fiches.models import Fiche, fiche_porteurs
from directory.organisations.models import Organisation
from directory.organisations.services import find_organisation

TOKEN_SALTS = {"invitation": "accounts-invitation", "reset": "accounts-password-reset"}


class TokenError(Exception):
    """A link that is invalid, expired or already used; its message is French."""


def record_event(actor, action: str, target_type=None, target_id=None, details=None):
    """Append one entry to the audit trail (actor: a User, anonymous, None or a label)."""
    actor_id, label = None, "système"
    if isinstance(actor, str):
        label = actor
    elif actor is not None and getattr(actor, "is_authenticated", False):
        actor_id, label = actor.id, actor.label
    details = dict(details or {})
    if has_request_context() and request.remote_addr:
        details.setdefault("ip", request.remote_addr)
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=label[:255],
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """Return the user with this e-mail address, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user matching the credentials, recording the attempt either way."""
    user = find_user(email)
    matches = password_matches(user, password)
    if user is None or not user.active or not matches:
        record_event(
            "anonyme", "login_failed", "user", None, {"email": normalise_email(email)[:255]}
        )
        return None
    user.last_login_at = utcnow()
    record_event(user, "login", "user", user.id)
    return user


def create_user(email: str, password: str | None, name: str = "", role=Role.MEMBRE) -> User:
    """Create a user; the caller checks the address is free."""
    user = User(email=normalise_email(email), name=name.strip(), role=Role(role))
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def add_membership(actor, user: User, organisation: Organisation) -> Membership:
    """Make the user éditeur of the organisation (idempotent)."""
    for membership in user.memberships:
        if membership.organisation_id == organisation.id:
            return membership
    membership = Membership(user=user, organisation=organisation)
    db.session.add(membership)
    db.session.flush()
    record_event(actor, "membership_added", "user", user.id, {"organisation": organisation.name})
    return membership


def remove_membership(actor, user: User, organisation: Organisation) -> None:
    """Remove the user's éditeur role for the organisation."""
    for membership in list(user.memberships):
        if membership.organisation_id == organisation.id:
            user.memberships.remove(membership)
            db.session.flush()
            record_event(
                actor, "membership_removed", "user", user.id, {"organisation": organisation.name}
            )


def change_role(actor, user: User, role: str, active: bool) -> None:
    """Change a user's global role and active flag, recording what changed."""
    changes = {}
    if user.role != role:
        changes["role"] = [user.role.value, Role(role).value]
        user.role = Role(role)
    if user.active != active:
        changes["actif"] = [user.active, active]
        user.active = active
    if changes:
        db.session.flush()
        record_event(actor, "user_changed", "user", user.id, changes)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALTS[purpose])


def make_token(purpose: str, payload: dict) -> str:
    """Sign a payload for a link sent by e-mail."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> dict:
    """Return the payload of a valid, unexpired token, or raise TokenError in French."""
    max_age = current_app.config["ACCOUNT_TOKEN_MAX_AGE"]
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(messages.TOKEN_EXPIRED) from exc
    except BadSignature as exc:
        raise TokenError(messages.TOKEN_INVALID) from exc


def create_organisation(name: str, siret: str | None = None, finess: str | None = None):
    """Create an organisation with a unique slug."""
    base = slugify(name)[:100] or "organisation"
    slug, n = base, 1
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    organisation = Organisation(
        slug=slug, name=name.strip(), siret=siret or None, finess=finess or None
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation


def invite(
    actor,
    email: str,
    organisation: Organisation | None,
    message: str = "",
    fiche: Fiche | None = None,
) -> Invitation:
    """Record an invitation, for an organisation and/or to keep one fiche; the caller e-mails
    its link (see `invitation_token`)."""
    invitation = Invitation(
        email=normalise_email(email),
        organisation=organisation,
        fiche=fiche,
        role=Role.MEMBRE.value,
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
        message=(message or "").strip() or None,
    )
    db.session.add(invitation)
    db.session.flush()
    record_event(
        actor,
        "invitation_sent",
        "invitation",
        invitation.id,
        {
            "email": invitation.email,
            "organisation": organisation.name if organisation else None,
            "fiche": fiche.slug if fiche else None,
        },
    )
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return make_token("invitation", {"invitation": invitation.id})


def pending_invitation(token: str) -> Invitation:
    """Return the invitation a token names, refusing used or unknown ones."""
    payload = read_token("invitation", token)
    invitation = db.session.get(Invitation, payload.get("invitation"))
    if invitation is None:
        raise TokenError(messages.TOKEN_INVALID)
    if invitation.accepted_at is not None:
        raise TokenError(messages.TOKEN_USED)
    return invitation


def accept_invitation(
    invitation: Invitation,
    name: str,
    password: str,
    organisation_name: str | None = None,
    siret: str | None = None,
) -> User:
    """Create (or reuse) the invited user, set its password and make it éditeur.

    An invitation to keep a fiche that has no porteur takes the organisation the person names:
    an existing one (same SIRET, else same normalised name) before any is created; it becomes
    the fiche's porteur.
    """
    user = find_user(invitation.email)
    if user is None:
        user = create_user(invitation.email, password, name, invitation.role)
    else:
        user.set_password(password)
        user.name = name.strip() or user.name
    invitation.accepted_at = utcnow()
    record_event(user, "invitation_accepted", "invitation", invitation.id, {"email": user.email})
    organisation = invitation.organisation
    if organisation is None and invitation.fiche is not None and (organisation_name or "").strip():
        organisation = find_organisation(siret, organisation_name)
        if organisation is None:
            organisation = create_organisation(organisation_name, siret)
            record_event(
                user,
                "organisation_created",
                "organisation",
                organisation.id,
                {"nom": organisation.name},
            )
        invitation.organisation = organisation
    if organisation is not None:
        add_membership(user, user, organisation)
        if invitation.fiche is not None:
            _carry(invitation.fiche, organisation, user)
    return user


def _carry(fiche: Fiche, organisation: Organisation, user: User) -> None:
    """Make the organisation a porteur of the fiche, recorded in its history."""
    from directory.fiches.services import Actor, fiche_to_data, normalize, update_fiche

    if organisation in fiche.porteurs:
        return
    data = normalize(fiche_to_data(fiche))
    data["porteurs"] = [*data["porteurs"], {"name": organisation.name, "siret": organisation.siret}]
    update_fiche(fiche, data, Actor(label=user.label, user_id=user.id, via=messages.VIA_INVITATION))


def reset_token(user: User) -> str:
    """Sign a reset link; it carries a hash fragment so it dies once the password changes."""
    return make_token("reset", {"user": user.id, "h": (user.password_hash or "")[-16:]})


def user_for_reset(token: str) -> User:
    """Return the user a reset token names, refusing used tokens (password changed since)."""
    payload = read_token("reset", token)
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.active:
        raise TokenError(messages.TOKEN_INVALID)
    if (user.password_hash or "")[-16:] != payload.get("h"):
        raise TokenError(messages.TOKEN_USED)
    return user


def reset_password(user: User, password: str) -> None:
    user.set_password(password)
    db.session.flush()
    record_event(user, "password_reset", "user", user.id)


def update_account(user: User, name: str, password: str | None) -> None:
    """Save the user's own name and, if given, a new password."""
    user.name = name.strip()
    if password:
        user.set_password(password)
        record_event(user, "password_changed", "user", user.id)
    db.session.flush()


def fiches_of(user: User) -> list[Fiche]:
    """Return the fiches carried by the user's organisations."""
    ids = [m.organisation_id for m in user.memberships]
    if not ids:
        return []
    query = (
        select(Fiche)
        .where(
            Fiche.id.in_(
                select(fiche_porteurs.c.fiche_id).where(fiche_porteurs.c.organisation_id.in_(ids))
            )
        )
        .order_by(Fiche.name)
    )
    return list(db.session.scalars(query))
