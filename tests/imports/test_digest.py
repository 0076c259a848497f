"""`flask proposals digest`: each éditeur gets at most one e-mail a day listing the new
proposals on their fiches; a fiche nobody keeps has its proposals sent to the admins."""

import re
from datetime import timedelta

import pytest

from directory.accounts.mail import outbox_messages
from directory.core.models import utcnow
from directory.extensions import db
from directory.imports.digest import send_digests
from directory.imports.models import ProposalOrigin
from directory.imports.proposals import SourceInfo, propose
from tests.builders import make_fiche, make_org, make_user

REPORT = SourceInfo(ProposalOrigin.SIGNALEMENT, "Signalement d'un visiteur")


@pytest.fixture(autouse=True)
def _isolated(outbox, fresh_search_index):
    """An outbox per test."""


def test_one_email_a_day_lists_the_new_proposals_with_links_on_the_site(runner, app):
    organisation = make_org("CMPP des Tilleuls")
    make_user(email="editeur@tilleuls.example", organisations=[organisation])
    fiche = make_fiche(porteurs=[organisation], name="CMPP des Tilleuls", phone="03 00 00 00 00")
    propose(fiche, "telephone", "03 11 11 11 11", REPORT)
    propose(fiche, "horaires", "Lundi-vendredi", REPORT)
    db.session.commit()

    result = runner.invoke(args=["proposals", "digest"])
    assert "1 courriel(s) de propositions envoyé(s)." in result.output
    [mail] = outbox_messages()
    assert mail.to == "editeur@tilleuls.example"
    assert mail.subject == "2 proposition(s) de modification à examiner"
    assert "CMPP des Tilleuls : 2 proposition(s) (signalement d'un visiteur)" in mail.body
    assert re.search(r"https://annuaire\.test/fiches/\S+/propositions", mail.body)

    propose(fiche, "courriel", "cmpp@tilleuls.example", REPORT)
    db.session.commit()
    again = runner.invoke(args=["proposals", "digest"])
    assert "0 courriel(s)" in again.output  # already written to today

    assert send_digests(now=utcnow() + timedelta(days=1)) == 1
    newest = outbox_messages()[0]
    assert newest.subject == "1 proposition(s) de modification à examiner"


def test_proposals_on_a_fiche_without_editor_go_to_the_admins(app):
    make_user("admin", email="animation@exemple.fr")
    fiche = make_fiche(name="CLIC sans éditeur", phone="03 00 00 00 00")
    propose(fiche, "telephone", "03 22 22 22 22", REPORT)
    db.session.commit()
    assert send_digests() == 1
    [mail] = outbox_messages()
    assert mail.to == "animation@exemple.fr" and "CLIC sans éditeur" in mail.body
