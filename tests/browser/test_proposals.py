"""« Done when », in a real headless Chromium: a visitor reports a fiche's phone number without
an account; the fiche's éditeur accepts the proposal; the history shows it with its source."""

import pytest
from sqlalchemy import select

from directory.accounts.models import Membership
from directory.accounts.services import create_user
from directory.extensions import db
from directory.organisations.models import Organisation
from tests.browser.conftest import LIVE_APP

pytestmark = pytest.mark.browser

EDITOR_EMAIL, EDITOR_PASSWORD = "coordination@dac54.example", "mot-de-passe-dac-54"


def _editor_of_dac_54() -> None:
    with LIVE_APP["app"].app_context():
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.name == "Association DAC 54")
        )
        user = create_user(EDITOR_EMAIL, EDITOR_PASSWORD, "Dominique Coordination")
        db.session.add(Membership(user=user, organisation=organisation))
        db.session.commit()


def _text(page, selector="main") -> str:
    return " ".join(page.locator(selector).inner_text().replace("\xa0", " ").split())


def test_a_visitors_report_is_accepted_by_the_editor_and_shown_in_history(
    live_server, offline_page, artifacts
):
    page = offline_page.page
    _editor_of_dac_54()

    # A visitor, without an account, reports the DAC's phone number.
    page.goto(live_server + "/fiches/dac-54")
    page.get_by_role("link", name="Signaler une erreur ou proposer une modification").click()
    page.get_by_label("Le numéro de téléphone").check()
    page.get_by_label("Ce qui est inexact, et ce qu'il faudrait écrire").fill("03 83 12 34 56")
    page.get_by_role("button", name="Envoyer le signalement").click()
    assert "votre signalement est transmis" in _text(page)
    assert "03 83 12 34 56" not in _text(page, "#contacts")  # nothing changed yet

    # The éditeur signs in, finds the proposal in « Mes fiches » and accepts it.
    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill(EDITOR_EMAIL)
    page.get_by_label("Mot de passe").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert "1 proposition(s) de modification" in _text(page)
    page.get_by_role(
        "link",
        name="1 à examiner pour « Dispositif d'appui à la coordination de Meurthe-et-Moselle »",
    ).click()
    assert "03 83 12 34 56" in _text(page)
    page.screenshot(path=str(artifacts / "propositions-fiche.png"), full_page=True)
    page.get_by_role("button", name="Accepter et modifier la fiche").click()
    assert "Proposition acceptée : la fiche est modifiée." in _text(page)

    # The fiche shows the number; its history says who accepted it and where it came from.
    page.goto(live_server + "/fiches/dac-54")
    assert "03 83 12 34 56" in _text(page, "#contacts")
    page.get_by_role("link", name="Historique").click()
    history = _text(page)
    assert "par Dominique Coordination" in history
    assert "(signalement d'un visiteur)" in history and "Source : proposition n°" in history
    assert "Téléphone : avant : (vide) → après : 03 83 12 34 56" in history
    assert offline_page.outside == []
