"""Command line: `flask users create-admin|list`, `flask reminders send`."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from directory import messages
from directory.accounts import services
from directory.accounts.models import Role, User
from directory.accounts.reminders import send_reminders
from directory.core.site import SiteUrlMissing
from directory.extensions import db

users_cli = AppGroup("users", help="Comptes : premier administrateur, liste des comptes.")
reminders_cli = AppGroup("reminders", help="Rappels de vérification des fiches.")


@users_cli.command("create-admin")
@click.option("--email", required=True, help="Adresse électronique de l'administrateur.")
@click.option("--name", default="", help="Nom affiché.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
def create_admin(email: str, name: str, password_stdin: bool):
    """Crée un compte administrateur (le mot de passe est demandé)."""
    from flask import current_app

    if services.find_user(email) is not None:
        click.echo(messages.USER_EXISTS.format(email=email), err=True)
        sys.exit(1)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        click.echo(messages.PASSWORD_TOO_SHORT.format(min=minimum), err=True)
        sys.exit(1)
    user = services.create_user(email, password, name, Role.ADMIN)
    services.record_event("ligne de commande", "admin_created", "user", user.id, {"email": email})
    db.session.commit()
    click.echo(messages.ADMIN_CREATED.format(email=user.email))


@users_cli.command("list")
def list_users():
    """Liste les comptes, leur rôle et leurs organisations."""
    for user in db.session.scalars(db.select(User).order_by(User.email)):
        organisations = ", ".join(o.name for o in user.organisations) or "—"
        state = "actif" if user.active else "désactivé"
        click.echo(f"{user.email}\t{user.role.value}\t{state}\t{organisations}")


@reminders_cli.command("send")
def send():
    """Envoie un rappel aux éditeurs des fiches en retard de vérification."""
    try:
        sent = send_reminders()
    except SiteUrlMissing as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(messages.REMINDERS_SENT.format(count=len(sent)))


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(reminders_cli)
