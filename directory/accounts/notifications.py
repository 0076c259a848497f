"""The French e-mails of the accounts feature: invitation, password reset, freshness reminder."""

from flask import current_app
from flask_babel import format_date

from directory import messages
from directory.accounts import services
from directory.accounts.mail import send_mail
from directory.accounts.models import Invitation, User
from directory.core.site import external_url as _external


def _days() -> int:
    return current_app.config["ACCOUNT_TOKEN_MAX_AGE"] // 86400


def send_invitation(invitation: Invitation) -> None:
    """E-mail the invitation link to the invited person."""
    link = _external("accounts.accept_invitation", token=services.invitation_token(invitation))
    inviter = invitation.invited_by.label if invitation.invited_by else "L'équipe de l'annuaire"
    if invitation.fiche is not None:
        organisation = f" pour tenir la fiche « {invitation.fiche.name} »"
    elif invitation.organisation is not None:
        organisation = f" pour tenir la fiche de « {invitation.organisation.name} »"
    else:
        organisation = ""
    lines = [
        "Bonjour,",
        "",
        f"{inviter} vous invite à rejoindre l'annuaire des dispositifs de coordination "
        f"du Grand Est{organisation}.",
    ]
    if invitation.message:
        lines += ["", invitation.message]
    lines += [
        "",
        "Pour créer votre compte et choisir votre mot de passe, ouvrez ce lien :",
        link,
        "",
        f"Ce lien est valable {_days()} jours et ne sert qu'une fois.",
    ]
    send_mail(invitation.email, messages.MAIL_INVITATION_SUBJECT, "\n".join(lines))


def send_reset(user: User) -> None:
    """E-mail a link to choose a new password."""
    link = _external("accounts.reset_password", token=services.reset_token(user))
    body = "\n".join(
        [
            "Bonjour,",
            "",
            "Une demande de nouveau mot de passe a été faite pour votre compte de l'annuaire.",
            "Pour choisir un nouveau mot de passe, ouvrez ce lien :",
            link,
            "",
            f"Ce lien est valable {_days()} jours et ne sert qu'une fois.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.",
        ]
    )
    send_mail(user.email, messages.MAIL_RESET_SUBJECT, body)


def send_reminder(fiche, recipients: list[str], due) -> None:
    """E-mail the éditeurs of an overdue fiche, asking them to check it."""
    body = "\n".join(
        [
            "Bonjour,",
            "",
            f"La fiche « {fiche.name} » devait être vérifiée avant le "
            f"{format_date(due, 'long')} (tous les {fiche.verification_months} mois).",
            "Relisez-la, corrigez ce qui a changé, ou confirmez simplement qu'elle est à jour :",
            _external("accounts.my_fiches"),
            "",
            "La fiche reste publiée : rien n'est retiré automatiquement.",
        ]
    )
    send_mail(recipients, messages.MAIL_REMINDER_SUBJECT.format(name=fiche.name), body)
