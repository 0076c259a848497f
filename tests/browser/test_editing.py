"""« Done when », first bullet, in a real headless Chromium: an admin invites a service, the
invited editor sets a password, writes its fiche (territory included), publishes it, finds it in
« Qui intervient à … » and reads the diff in its history."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.browser.conftest import LIVE_APP, OUTBOX, sign_in

pytestmark = pytest.mark.browser

ADMIN_EMAIL, ADMIN_PASSWORD = "animation@exemple.fr", "mot-de-passe-animation"
EDITOR_EMAIL, EDITOR_PASSWORD = "claire@tilleuls.example", "mot-de-passe-claire"


def _create_admin() -> None:
    result = (
        LIVE_APP["app"]
        .test_cli_runner()
        .invoke(
            args=[
                "users",
                "create-admin",
                "--email",
                ADMIN_EMAIL,
                "--name",
                "Anne Animatrice",
                "--password-stdin",
            ],
            input=ADMIN_PASSWORD + "\n",
        )
    )
    assert result.exit_code == 0, result.output


def _invitation_link(outbox: Path, live_server: str) -> str:
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if EDITOR_EMAIL in message["To"]:
            body = message.get_body(("plain",)).get_content()
            link = re.search(r"https?://\S+/invitation/\S+", body).group(0)
            assert link.startswith(live_server + "/invitation/"), link
            return link
    raise AssertionError("aucune invitation dans la boîte d'envoi")


def _text(page, selector="main") -> str:
    return " ".join(page.locator(selector).inner_text().replace("\xa0", " ").split())


def test_invited_service_writes_publishes_and_finds_its_fiche(
    live_server, offline_page, artifacts, tmp_path_factory
):
    page = offline_page.page
    _create_admin()

    # The admin signs in and invites the service, with a new organisation.
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(live_server + "/admin/invitations")
    page.get_by_label("Adresse électronique de la personne invitée").fill(EDITOR_EMAIL)
    page.get_by_label("Ou nouvelle organisation : nom").fill("Association Les Tilleuls")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    assert f"Invitation envoyée à {EDITOR_EMAIL}." in _text(page)
    page.context.clear_cookies()

    # The invited person follows the e-mailed link and sets a password.
    link = _invitation_link(tmp_path_factory.getbasetemp() / OUTBOX, live_server)
    page.goto(link)
    page.get_by_label("Votre nom").fill("Claire Martin")
    page.get_by_label("Nouveau mot de passe").fill(EDITOR_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    assert "Association Les Tilleuls" in _text(page)

    # It writes its fiche, the territory typed by name.
    page.get_by_role("link", name="Créer une fiche").click()
    page.get_by_label("Nom du dispositif").fill("PCPE des Tilleuls")
    page.locator("input[name=type][value=pcpe]").check()
    page.get_by_label("Résumé (280 caractères au plus)").fill("Des prestations pour enfants.")
    page.locator("textarea[name=missions]").fill(
        "Évaluer et accompagner les enfants sans solution."
    )
    page.locator("input[name='communes-0']").fill("Saint-Dié-des-Vosges")
    page.get_by_role("button", name="Créer la fiche (brouillon)").click()
    assert "Brouillon — non publiée" in _text(page)

    # It edits it: the commune picker suggests names as one types (JavaScript enhancement).
    page.get_by_role("link", name="Modifier la fiche").click()
    page.get_by_label("Résumé (280 caractères au plus)").fill("Des prestations pour les enfants.")
    commune = page.locator("input[name='communes-1']")
    commune.press_sequentially("Epin", delay=30)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#suggestions-communes option')]"
        ".some(o => o.value === 'Épinal (88, 88160)')"
    )
    commune.fill("Épinal (88, 88160)")
    page.screenshot(path=str(artifacts / "formulaire-fiche.png"), full_page=False)
    page.get_by_role("button", name="Enregistrer les modifications").click()
    assert "Modifications enregistrées." in _text(page)

    page.get_by_role("button", name="Publier la fiche").click()
    assert "La fiche est publiée." in _text(page)
    assert "Brouillon — non publiée" not in _text(page)

    # The published fiche answers « Qui intervient à Saint-Dié-des-Vosges ? ».
    page.goto(live_server + "/qui-intervient?commune=88413")
    page.get_by_role("link", name="PCPE des Tilleuls").click()

    # Its history shows who changed what.
    page.get_by_role("link", name="Historique").click()
    history = _text(page)
    assert "par Claire Martin" in history
    assert (
        "Résumé : avant : Des prestations pour enfants. → après : Des prestations pour les enfants."
        in history
    )
    assert "Territoire : ajouté : Épinal" in history
    assert "Statut : avant : brouillon → après : publiée" in history
    page.screenshot(path=str(artifacts / "historique-fiche-editee.png"), full_page=True)
    assert offline_page.outside == []
