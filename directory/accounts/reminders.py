"""Freshness reminders: e-mail the éditeurs of overdue fiches, once per verification period."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from directory.accounts import notifications
from directory.accounts.models import Membership, ReminderSent, User
from directory.accounts.services import record_event
from directory.admin import freshness
from directory.extensions import db
from directory.fiches.models import Fiche, Statut


def editor_emails(fiche: Fiche) -> list[str]:
    """Return the addresses of the active éditeurs of the fiche's porteurs."""
    ids = [o.id for o in fiche.porteurs]
    if not ids:
        return []
    query = (
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_(ids), User.active.is_(True))
        .distinct()
        .order_by(User.email)
    )
    return list(db.session.scalars(query))


def _last_sent(fiche_id: int) -> datetime | None:
    return db.session.scalar(
        select(func.max(ReminderSent.sent_at)).where(ReminderSent.fiche_id == fiche_id)
    )


def _reminded_this_period(fiche: Fiche, today: date) -> bool:
    last = _last_sent(fiche.id)
    if last is None:
        return False
    if last.tzinfo is None:  # SQLite returns aggregates without the column's type
        last = last.replace(tzinfo=UTC)
    return freshness.add_months(last.date(), fiche.verification_months or 12) > today


def send_reminders(today: date | None = None) -> list[ReminderSent]:
    """Remind the éditeurs of each overdue published fiche; nothing is unpublished."""
    today = today or date.today()
    fiches = db.session.scalars(select(Fiche).where(Fiche.status == Statut.PUBLIEE))
    sent = []
    for fiche in fiches:
        if freshness.state(fiche, today) != "en_retard" or _reminded_this_period(fiche, today):
            continue
        recipients = editor_emails(fiche)
        if not recipients:
            continue
        notifications.send_reminder(fiche, recipients, freshness.due_date(fiche))
        reminder = ReminderSent(fiche_id=fiche.id, recipients=recipients)
        db.session.add(reminder)
        record_event("rappels", "reminder_sent", "fiche", fiche.id, {"destinataires": recipients})
        sent.append(reminder)
    db.session.flush()
    return sent
