"""Proposals: a visitor reports an error without an account, the fiche's éditeurs review it;
nothing from outside reaches a fiche before an accept, which history records with its source."""

import pytest
from sqlalchemy import select

from directory.accounts.models import AuditEvent
from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory, SourceLevel
from directory.imports.models import Proposal, ProposalOrigin, ProposalStatus
from directory.imports.proposals import SourceInfo, propose
from tests.builders import login, make_fiche, make_org, make_user, page_text, post_form
from tests.fiches.edit_helpers import get_form, read_form

FINESS = SourceInfo(
    ProposalOrigin.FINESS, "FINESS — extraction du 4 novembre 2026", ref="880000000"
)


@pytest.fixture(autouse=True)
def _isolated(outbox, fresh_search_index):
    """Fresh rate limits, outbox and index for every test here."""


@pytest.fixture
def service():
    organisation = make_org("Association des Tilleuls")
    editor = make_user(email="claire@tilleuls.example", organisations=[organisation])
    fiche = make_fiche(
        porteurs=[organisation],
        name="Plateforme de répit des Tilleuls",
        phone="03 29 11 11 11",
        commune_code="88160",
    )
    db.session.commit()
    return organisation, editor, fiche


def _report(client, fiche, **fields):
    url = f"/fiches/{fiche.slug}/signaler"
    form = read_form(get_form(client, url), None)
    data = {"csrf_token": form["csrf_token"], "partie": "autre", "texte": "", **fields}
    return client.post(url, data=data)


def _proposals(fiche) -> list[Proposal]:
    return db.session.scalars(select(Proposal).where(Proposal.fiche_id == fiche.id)).all()


def test_a_visitor_reports_a_new_phone_number_and_nothing_changes_yet(client, service):
    _, _, fiche = service
    page = page_text(client.get(f"/fiches/{fiche.slug}"))
    assert "Signaler une erreur ou proposer une modification" in page
    response = _report(
        client, fiche, partie="telephone", texte="03 29 22 22 22", courriel="visiteur@exemple.fr"
    )
    assert response.status_code == 302 and response.location == f"/fiches/{fiche.slug}"
    assert "votre signalement est transmis" in page_text(client.get(response.location))
    [proposal] = _proposals(fiche)
    assert (proposal.field, proposal.proposed_value) == ("telephone", "03 29 22 22 22")
    assert proposal.current_value == "03 29 11 11 11"
    assert proposal.origin == ProposalOrigin.SIGNALEMENT
    assert proposal.reporter_email == "visiteur@exemple.fr"
    db.session.refresh(fiche)
    assert fiche.phone == "03 29 11 11 11"


def test_a_report_that_is_not_a_valid_value_becomes_a_remark(client, service):
    _, _, fiche = service
    _report(client, fiche, partie="courriel", texte="l'adresse ne répond plus")
    [proposal] = _proposals(fiche)
    assert proposal.kind.value == "remarque" and proposal.field == "courriel"
    assert proposal.message == "l'adresse ne répond plus"


def test_an_empty_report_gets_a_french_error_and_a_robot_gets_thanked_for_nothing(client, service):
    _, _, fiche = service
    empty = _report(client, fiche, texte="  ")
    assert empty.status_code == 400
    assert "Dites ce qui est inexact" in page_text(empty)
    robot = _report(client, fiche, texte="Achetez !", site_internet="http://spam.example")
    assert robot.status_code == 302
    assert _proposals(fiche) == []


def test_reports_are_limited_per_address(client, service, app):
    _, _, fiche = service
    for _ in range(5):
        assert _report(client, fiche, texte="Le numéro a changé.").status_code == 302
    limited = _report(client, fiche, texte="Encore.")
    assert limited.status_code == 429
    assert "Trop de tentatives" in page_text(limited)


def test_drafts_cannot_be_reported(client, service):
    organisation, _, _ = service
    draft = make_fiche("brouillon", porteurs=[organisation])
    db.session.commit()
    assert client.get(f"/fiches/{draft.slug}/signaler").status_code == 404


def _accept(client, proposal, version=None):
    page = get_form(client, f"/fiches/{proposal.fiche.slug}/propositions")
    form = read_form(page, f"/propositions/{proposal.id}/accepter")
    if version is not None:
        form["version"] = str(version)
    return client.post(f"/propositions/{proposal.id}/accepter", data=form)


def test_the_editor_accepts_a_report_and_history_shows_its_source(client, service):
    _, editor, fiche = service
    _report(client, fiche, partie="telephone", texte="03 29 22 22 22", courriel="v@exemple.fr")
    [proposal] = _proposals(fiche)
    login(client, editor)
    mine = page_text(client.get("/mes-fiches"))
    assert "1 proposition(s) de modification" in mine and "1 à examiner" in mine
    review = page_text(client.get(f"/fiches/{fiche.slug}/propositions"))
    assert "03 29 11 11 11" in review and "03 29 22 22 22" in review
    assert "v@exemple.fr" in review
    response = _accept(client, proposal)
    assert response.status_code == 302
    assert "Proposition acceptée" in page_text(client.get(response.location))
    db.session.expire_all()
    fiche = db.session.get(Fiche, fiche.id)
    assert fiche.phone == "03 29 22 22 22"
    assert any(s.level == SourceLevel.DECLARE for s in fiche.sources)  # the service declares
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status == ProposalStatus.ACCEPTEE and proposal.reporter_email is None
    [row] = db.session.scalars(
        select(FicheHistory).where(
            FicheHistory.fiche_id == fiche.id, FicheHistory.field == "telephone"
        )
    ).all()
    assert row.actor_id == editor.id and (row.before, row.after) == (
        "03 29 11 11 11",
        "03 29 22 22 22",
    )
    assert row.via == f"proposition n° {proposal.id} (signalement d'un visiteur)"
    history = page_text(client.get(f"/fiches/{fiche.slug}/historique"))
    assert f"Source : proposition n° {proposal.id} (signalement d'un visiteur)" in history.replace(
        "\xa0", " "
    )
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal_accepted"))


def test_a_dataset_value_accepted_cites_the_dataset_with_its_date(client, service):
    _, editor, fiche = service
    proposal = propose(
        fiche,
        "courriel",
        "contact@tilleuls.example",
        SourceInfo(**{**vars(FINESS), "date": "2026-11"}),
    )
    db.session.commit()
    login(client, editor)
    assert _accept(client, proposal).status_code == 302
    db.session.expire_all()
    fiche = db.session.get(Fiche, fiche.id)
    [cited] = [s for s in fiche.sources if s.title.startswith("FINESS")]
    assert cited.level == SourceLevel.TIERS and cited.fields == ["courriel"]
    assert cited.fact_date == "2026-11"


def test_a_rejected_value_is_not_proposed_again(client, service):
    _, editor, fiche = service
    proposal = propose(fiche, "telephone", "03 29 99 99 99", FINESS)
    db.session.commit()
    login(client, editor)
    page = get_form(client, f"/fiches/{fiche.slug}/propositions")
    form = read_form(page, f"/propositions/{proposal.id}/refuser")
    form["note"] = "Ancien numéro du standard"
    response = client.post(f"/propositions/{proposal.id}/refuser", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).phone == "03 29 11 11 11"
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.REJETEE
    assert propose(db.session.get(Fiche, fiche.id), "telephone", "03 29 99 99 99", FINESS) is None
    assert "Ancien numéro du standard" in page_text(
        client.get(f"/fiches/{fiche.slug}/propositions")
    )


def test_an_unchanged_value_is_not_proposed(service):
    _, _, fiche = service
    assert propose(fiche, "telephone", "03 29 11 11 11", FINESS) is None


def test_accepting_on_a_stale_page_writes_nothing(client, service):
    _, editor, fiche = service
    proposal = propose(fiche, "telephone", "03 29 99 99 99", FINESS)
    db.session.commit()
    login(client, editor)
    response = _accept(client, proposal, version=fiche.version - 1)
    assert response.status_code == 409
    assert "rien n'a été écrit" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).phone == "03 29 11 11 11"
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.OUVERTE


def test_a_value_that_breaks_the_standard_is_refused_in_french(client, service):
    _, editor, fiche = service
    proposal = propose(fiche, "courriel", "pas-une-adresse", FINESS)
    db.session.commit()
    login(client, editor)
    response = _accept(client, proposal)
    assert response.status_code == 422
    assert "ne respecte pas le standard" in page_text(response)
    assert "Adresse électronique invalide" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).email is None


def test_another_organisation_cannot_review(client, service):
    _, _, fiche = service
    proposal = propose(fiche, "telephone", "03 29 99 99 99", FINESS)
    stranger = make_user(organisations=[make_org("Autre")])
    login(client, stranger)
    assert client.get(f"/fiches/{fiche.slug}/propositions").status_code == 403
    response = post_form(client, f"/propositions/{proposal.id}/accepter", {"version": "1"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).phone == "03 29 11 11 11"


def test_an_admin_erases_what_a_visitor_wrote_everywhere(client, service):
    _, _, fiche = service
    _report(client, fiche, partie="horaires", texte="Mardi, demander Mme Dupont")
    [proposal] = _proposals(fiche)
    admin = make_user("admin")
    login(client, admin)
    assert _accept(client, proposal).status_code == 302
    page = get_form(client, f"/fiches/{fiche.slug}/propositions")
    form = read_form(page, f"/propositions/{proposal.id}/effacer")
    response = client.post(f"/propositions/{proposal.id}/effacer", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).message == "donnée personnelle supprimée"
    rows = db.session.scalars(
        select(FicheHistory).where(
            FicheHistory.fiche_id == fiche.id, FicheHistory.field == "horaires"
        )
    ).all()
    assert rows and all("Dupont" not in str(r.after) for r in rows)
    history = page_text(client.get(f"/fiches/{fiche.slug}/historique"))
    assert "Dupont" not in history


def test_a_rejected_report_about_a_person_is_erased_by_an_admin(client, service):
    _, _, fiche = service
    _report(client, fiche, texte="Mon fils Léo B., 4 ans, attend depuis mai", courriel="m@ex.fr")
    [proposal] = _proposals(fiche)
    login(client, make_user("admin"))
    page = get_form(client, f"/fiches/{fiche.slug}/propositions")
    form = read_form(page, f"/propositions/{proposal.id}/refuser")
    client.post(f"/propositions/{proposal.id}/refuser", data=form)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).reporter_email is None  # erased when closed
    page = get_form(client, f"/fiches/{fiche.slug}/propositions")
    form = read_form(page, f"/propositions/{proposal.id}/effacer")
    client.post(f"/propositions/{proposal.id}/effacer", data=form)
    review = page_text(client.get(f"/fiches/{fiche.slug}/propositions"))
    assert "Léo" not in review
