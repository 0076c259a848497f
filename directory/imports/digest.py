"""The daily e-mail of new proposals (`flask proposals digest`, run by cron): each éditeur gets
at most one a day, listing the proposals received on their fiches since their last one; a fiche
without an éditeur has its proposals sent to the admins."""

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from directory import messages as m
from directory.accounts.mail import send_mail
from directory.accounts.models import Membership, Role, User
from directory.core.models import utcnow
from directory.core.site import external_url
from directory.extensions import db
from directory.imports.models import Proposal, ProposalDigest, ProposalStatus
from directory.imports.proposals import ORIGIN_LABELS

PARIS = ZoneInfo("Europe/Paris")


def _reviewers(proposal: Proposal) -> list[User]:
    """Return the active éditeurs of the fiche's porteurs, else the active admins."""
    organisation_ids = [o.id for o in proposal.fiche.porteurs]
    editors = []
    if organisation_ids:
        editors = db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id.in_(organisation_ids), User.active.is_(True))
            .distinct()
        ).all()
    if editors:
        return list(editors)
    return list(
        db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True)))
    )


def _last_digest(user: User) -> ProposalDigest | None:
    return db.session.scalar(
        select(ProposalDigest)
        .where(ProposalDigest.user_id == user.id)
        .order_by(ProposalDigest.id.desc())
        .limit(1)
    )


def _paris_day(moment: datetime):
    return moment.astimezone(PARIS).date()


def send_digests(now: datetime | None = None) -> int:
    """E-mail each reviewer the open proposals received since their last digest; return how
    many e-mails were sent. A reviewer already written to today gets nothing more."""
    now = now or utcnow()
    pending = db.session.scalars(
        select(Proposal).where(Proposal.status == ProposalStatus.OUVERTE).order_by(Proposal.id)
    ).all()
    by_user: dict[int, list[Proposal]] = defaultdict(list)
    users: dict[int, User] = {}
    for proposal in pending:
        for user in _reviewers(proposal):
            users[user.id] = user
            by_user[user.id].append(proposal)
    sent = 0
    for user_id, proposals in sorted(by_user.items()):
        user, last = users[user_id], _last_digest(users[user_id])
        if last is not None and _paris_day(last.sent_at) == _paris_day(now):
            continue
        new = [p for p in proposals if last is None or p.id > last.up_to_id]
        if not new:
            continue
        send_mail(user.email, m.MAIL_DIGEST_SUBJECT.format(count=len(new)), _body(new))
        db.session.add(
            ProposalDigest(
                user_id=user.id,
                sent_at=now,
                up_to_id=max(p.id for p in new),
                proposal_ids=[p.id for p in new],
            )
        )
        sent += 1
    db.session.flush()
    return sent


def _body(proposals: list[Proposal]) -> str:
    by_fiche: dict[int, list[Proposal]] = defaultdict(list)
    for proposal in proposals:
        by_fiche[proposal.fiche_id].append(proposal)
    lines = [
        "Bonjour,",
        "",
        "De nouvelles propositions de modification attendent votre relecture dans l'annuaire.",
        "Rien ne change sur les fiches avant que vous les acceptiez.",
        "",
    ]
    for items in by_fiche.values():
        fiche = items[0].fiche
        origins = sorted({ORIGIN_LABELS[p.origin] for p in items})
        lines += [
            f"- {fiche.name} : {len(items)} proposition(s) ({', '.join(origins)})",
            f"  {external_url('imports.fiche_proposals', slug=fiche.slug)}",
        ]
    lines += ["", "Vous recevez au plus un message de ce type par jour."]
    return "\n".join(lines)
