"""The dashboard lists what to fill next, each list linked: fiches without phone or e-mail,
without an éditeur, never verified, with open proposals."""

from datetime import date

from directory.imports.models import ProposalOrigin
from directory.imports.proposals import SourceInfo, propose
from tests.builders import login, make_fiche, make_org, make_user, page_text


def test_the_dashboard_counts_the_gaps_and_links_to_each_list(client):
    kept = make_org("Service tenu")
    make_user(organisations=[kept])
    make_fiche(
        porteurs=[kept], name="Fiche complète", phone="03 00 00 00 00", verified_on=date.today()
    )
    silent = make_fiche(name="Fiche muette sans éditeur")
    propose(silent, "telephone", "03 11 11 11 11", SourceInfo(ProposalOrigin.FINESS, "FINESS"))
    login(client, make_user("admin"))
    board = page_text(client.get("/admin/"))
    assert "sans téléphone ni courriel" in board
    for gap in ("contact", "editeur", "verification", "propositions"):
        assert f"/admin/fiches?manque={gap}" in board
        listed = page_text(client.get(f"/admin/fiches?manque={gap}"))
        assert "Fiche muette sans éditeur" in listed, gap
        assert "Fiche complète" not in listed, gap
        assert f"/admin/invitations?fiche={silent.slug}" in listed
    assert client.get("/admin/fiches?manque=autre").status_code == 400
