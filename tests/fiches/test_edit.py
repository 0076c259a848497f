"""Editing a fiche through its form, over real HTTP, as its service and the admins would."""

import pytest
from sqlalchemy import select

from directory.accounts.models import AuditEvent
from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory, Statut
from tests.builders import add_contact, login, make_fiche, make_org, make_user, page_text
from tests.fiches.edit_helpers import edit_form, get_form, read_form


@pytest.fixture
def service(app):
    """An organisation, its éditeur and a published fiche it carries."""
    org = make_org("Association Les Tilleuls")
    editor = make_user(organisations=[org], name="Claire Martin")
    fiche = make_fiche("publiee", porteurs=[org], name="PCPE des Tilleuls")
    return org, editor, fiche


def _post(client, slug, form):
    return client.post(f"/fiches/{slug}/modifier", data=form)


def test_editor_edits_every_section_and_the_page_shows_it(client, service):
    _, editor, fiche = service
    login(client, editor)
    form = edit_form(client, fiche.slug)
    form.update(
        {
            "sigle": "PCPE",
            "financeurs": ["ars"],
            "identifiants-finess": "880001234",
            "annee_creation": "2019",
            "texte_de_reference-titre": "Circulaire du 2 mai 2017",
            "resume": "Des prestations pour les enfants sans solution.",
            "missions": "Évaluer, orienter, accompagner.",
            "prestations-0": "évaluation fonctionnelle",
            "age_min": "0",
            "age_max": "20",
            "publics": ["tsa", "tnd"],
            "conditions_acces": "Sur orientation MDPH.",
            "qui_peut_saisir": ["personne-famille"],
            "notification_mdph_requise": "oui",
            "modalites_saisine": "Par courriel.",
            "gratuit": "oui",
            "departements": ["88"],
            "communes-0": "57463",
            "adresse-ligne1": "1 rue des Tilleuls",
            "adresse-code_postal": "88000",
            "adresse-commune": "88160",
            "horaires": "Du lundi au vendredi",
            "telephone": "03 29 00 00 00",
            "courriel": "contact@tilleuls.example",
            "site_web": "https://tilleuls.example",
            "contacts-0-nom": "Jeanne Dupont",
            "contacts-0-fonction": "Coordinatrice",
            "contacts-0-courriel": "jeanne@tilleuls.example",
            "contacts-0-visibilite": "public",
            "equipe": "Deux éducateurs, une psychologue.",
            "sources-0-titre": "Rapport d'activité 2024",
            "sources-0-url": "https://tilleuls.example/rapport.pdf",
            "sources-0-niveau": "verifie",
            "frequence_verification": "6",
        }
    )
    response = _post(client, fiche.slug, form)
    assert response.status_code == 302, _errors(page_text(response))
    page = page_text(client.get(f"/fiches/{fiche.slug}"))
    for text in (
        "Modifications enregistrées.",
        "Des prestations pour les enfants sans solution.",
        "évaluation fonctionnelle",
        "de 0 à 20 ans",
        "Sur orientation MDPH.",
        "Vosges (88)",
        "Metz",
        "1 rue des Tilleuls",
        "Jeanne Dupont",
        "Deux éducateurs, une psychologue.",
        "Rapport d'activité 2024",
        "Déclaré par le service le",
        "tous les 6 mois",
    ):
        assert text in page, text
    db.session.expire_all()
    saved = db.session.get(Fiche, fiche.id)
    assert saved.finess == "880001234" and saved.mdph_notification_required is True
    assert {(t.level, t.code) for t in saved.territories} == {
        ("departement", "88"),
        ("commune", "57463"),
    }
    data = client.get(f"/fiches/{fiche.slug}.json").get_json()
    assert data["publics"] == ["tsa", "tnd"] and data["contacts"][0]["nom"] == "Jeanne Dupont"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "fiche_updated"))
    assert [e.target_id for e in events] == [str(fiche.id)]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("courriel", "pas-une-adresse", "adresse électronique invalide"),
        ("resume", "x" * 281, "280"),
        ("age_min", "dix", "nombre"),
        ("nom", "", "ne peut pas être vide"),
        ("adresse-code_postal", "8800", "code postal"),
        ("sources-0-url", "ftp://exemple", "adresse"),
    ],
)
def test_invalid_input_is_refused_beside_the_field_and_nothing_written(
    client, service, field, value, message
):
    _, editor, fiche = service
    login(client, editor)
    form = edit_form(client, fiche.slug)
    form[field] = value
    if field.startswith("sources-0"):
        form.update({"sources-0-titre": "Une source", "sources-0-niveau": "verifie"})
    form["sigle"] = "CHANGÉ"
    response = _post(client, fiche.slug, form)
    html = page_text(response)
    assert response.status_code == 422
    assert "corrigez les champs signalés" in html
    assert f'id="{field}-erreurs"' in html
    assert f'aria-describedby="{field}-erreurs"' in html or f"{field}-erreurs" in html
    errors = html.split(f'id="{field}-erreurs"')[1].split("</ul>")[0]
    assert message.lower() in errors.lower(), errors
    assert 'aria-invalid="true"' in html
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).acronym is None
    assert (
        db.session.scalars(select(FicheHistory).where(FicheHistory.fiche_id == fiche.id)).all()
        == []
    )


def test_age_order_and_unknown_commune_are_explained_in_french(client, service):
    _, editor, fiche = service
    login(client, editor)
    form = edit_form(client, fiche.slug)
    form.update({"age_min": "18", "age_max": "6", "communes-0": "Zzzyxville"})
    html = page_text(_post(client, fiche.slug, form))
    assert "Aucune commune ne correspond à « Zzzyxville »" in html
    assert 'id="communes-0-erreurs"' in html
    assert 'id="age_min-erreurs"' in html


def test_ambiguous_commune_name_reprompts_with_the_candidates(client, service):
    _, editor, fiche = service
    login(client, editor)
    form = edit_form(client, fiche.slug)
    form["communes-0"] = "Saint"
    response = _post(client, fiche.slug, form)
    html = page_text(response)
    assert response.status_code == 422
    assert "Plusieurs communes correspondent à « Saint »" in html
    assert "Précisez." in html
    # The editor picks one of the candidates by its label: it is understood.
    candidate = html.split("Plusieurs communes correspondent à « Saint » : ")[1].split(", ")[0]
    candidate += ", " + html.split(candidate + ", ")[1].split(")")[0] + ")"
    form = read_form(response, f"/fiches/{fiche.slug}/modifier")
    form["communes-0"] = candidate
    assert _post(client, fiche.slug, form).status_code == 302


def test_add_a_row_without_javascript_keeps_the_input_and_writes_nothing(client, service):
    _, editor, fiche = service
    login(client, editor)
    form = edit_form(client, fiche.slug)
    form.update({"contacts-0-nom": "Paul Durand", "ajouter": "contacts", "sigle": "PT"})
    response = _post(client, fiche.slug, form)
    html = page_text(response)
    assert response.status_code == 200
    assert 'value="Paul Durand"' in html
    assert 'name="contacts-1-nom"' in html and 'name="contacts-2-nom"' in html
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).acronym is None


def test_service_creates_a_draft_for_its_organisation(client, service):
    org, editor, _ = service
    login(client, editor)
    response = get_form(client, "/fiches/nouvelle")
    assert response.status_code == 200
    form = read_form(response, "/fiches/nouvelle")
    form.update(
        {
            "organisation": str(org.id),
            "nom": "Équipe mobile des Tilleuls",
            "type": "pcpe",
            "resume": "Une équipe mobile.",
            "missions": "Intervenir à domicile.",
            "departements": ["88"],
        }
    )
    response = client.post("/fiches/nouvelle", data=form)
    assert response.status_code == 302, page_text(response)[:2000]
    page = page_text(client.get(response.headers["Location"]))
    assert "Brouillon — non publiée" in page
    assert "Association Les Tilleuls" in page and "Déclaré par le service le" in page
    fiche = db.session.scalar(select(Fiche).where(Fiche.name == "Équipe mobile des Tilleuls"))
    assert fiche.status == Statut.BROUILLON
    client.get("/deconnexion")
    assert client.get(f"/fiches/{fiche.slug}").status_code in (200, 404)


def test_new_fiche_for_another_organisation_is_refused(client, service):
    _, editor, _ = service
    other = make_org("Autre association")
    login(client, editor)
    form = read_form(get_form(client, "/fiches/nouvelle"), "/fiches/nouvelle")
    form.update(
        {"organisation": str(other.id), "nom": "X", "type": "pcpe", "resume": "X", "missions": "X"}
    )
    response = client.post("/fiches/nouvelle", data=form)
    assert response.status_code == 422
    assert "Choisissez une organisation dont vous êtes éditeur." in page_text(response)
    assert db.session.scalar(select(Fiche).where(Fiche.name == "X")) is None


def test_publish_archive_restore_and_banners(client, service):
    org, editor, _ = service
    draft = make_fiche("brouillon", porteurs=[org], name="Fiche en préparation")
    login(client, editor)
    token = read_form(client.get(f"/fiches/{draft.slug}"))["csrf_token"]
    assert "Brouillon — non publiée" in page_text(client.get(f"/fiches/{draft.slug}"))
    response = client.post(f"/fiches/{draft.slug}/publier", data={"csrf_token": token})
    assert response.status_code == 302
    page = page_text(client.get(f"/fiches/{draft.slug}"))
    assert "La fiche est publiée." in page and "Brouillon — non publiée" not in page
    assert (
        client.post(f"/fiches/{draft.slug}/publier", data={"csrf_token": token}).status_code == 409
    )
    client.post(f"/fiches/{draft.slug}/archiver", data={"csrf_token": token})
    assert "Archivée" in page_text(client.get(f"/fiches/{draft.slug}"))
    client.post(f"/fiches/{draft.slug}/restaurer", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Fiche, draft.id).status == Statut.PUBLIEE  # back to where it was
    rows = db.session.scalars(
        select(FicheHistory).where(
            FicheHistory.fiche_id == draft.id, FicheHistory.field == "statut"
        )
    ).all()
    assert [(r.before, r.after) for r in rows] == [
        ("brouillon", "publiee"),
        ("publiee", "archivee"),
        ("archivee", "publiee"),
    ]


def test_state_changes_need_the_csrf_token(client, service):
    _, editor, fiche = service
    login(client, editor)
    assert client.post(f"/fiches/{fiche.slug}/archiver").status_code == 400
    assert client.post(f"/fiches/{fiche.slug}/verifier").status_code == 400
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).status == Statut.PUBLIEE


def test_confirm_up_to_date_sets_only_verified_on(client, service):
    _, editor, fiche = service
    login(client, editor)
    token = read_form(client.get(f"/fiches/{fiche.slug}"))["csrf_token"]
    before = fiche.updated_at
    response = client.post(f"/fiches/{fiche.slug}/verifier", data={"csrf_token": token})
    assert response.status_code == 302
    page = page_text(client.get(f"/fiches/{fiche.slug}"))
    assert "la fiche est confirmée à jour le" in page
    assert "vérifiée par le service le" in page.lower()
    db.session.expire_all()
    saved = db.session.get(Fiche, fiche.id)
    assert saved.verified_on is not None and saved.updated_at == before
    rows = db.session.scalars(select(FicheHistory).where(FicheHistory.fiche_id == fiche.id)).all()
    assert [r.field for r in rows] == ["verifie_le"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "fiche_verified"))


def test_members_only_contacts_are_shown_to_members_and_marked(client, service):
    _, _, fiche = service
    add_contact(fiche, "Nadia Membre", "membres", email="nadia@tilleuls.example")
    add_contact(fiche, "Pierre Public", "public")
    db.session.commit()
    anonymous = page_text(client.get(f"/fiches/{fiche.slug}"))
    assert "Pierre Public" in anonymous and "Nadia Membre" not in anonymous
    assert "nadia@" not in str(client.get(f"/fiches/{fiche.slug}.json").get_json())
    login(client, make_user())
    member = page_text(client.get(f"/fiches/{fiche.slug}"))
    assert "Nadia Membre" in member and "visible des membres connectés" in member
    assert "Modifier la fiche" not in member
    contacts = client.get(f"/fiches/{fiche.slug}.json").get_json()["contacts"]
    assert {c["nom"] for c in contacts} == {"Nadia Membre", "Pierre Public"}


EDIT_URLS = ["/modifier", "/historique"]
POST_URLS = ["/publier", "/archiver", "/restaurer", "/verifier"]


@pytest.mark.parametrize("suffix", EDIT_URLS)
@pytest.mark.parametrize("status", ["publiee", "brouillon", "archivee"])
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonyme", {"publiee": 302, "brouillon": 404, "archivee": 404}),
        ("membre", {"publiee": 403, "brouillon": 404, "archivee": 404}),
        ("editeur-autre", {"publiee": 403, "brouillon": 404, "archivee": 404}),
        ("editeur", {"publiee": 200, "brouillon": 200, "archivee": 200}),
        ("admin", {"publiee": 200, "brouillon": 200, "archivee": 200}),
    ],
)
def test_edit_pages_by_role(client, app, suffix, status, who, expected):
    org = make_org()
    fiche = make_fiche(status, porteurs=[org])
    users = {
        "membre": lambda: make_user(),
        "editeur-autre": lambda: make_user(organisations=[make_org()]),
        "editeur": lambda: make_user(organisations=[org]),
        "admin": lambda: make_user("admin"),
    }
    if who in users:
        login(client, users[who]())
    db.session.commit()
    response = client.get(f"/fiches/{fiche.slug}{suffix}")
    assert response.status_code == expected[status]
    if response.status_code == 302:
        assert "/connexion" in response.headers["Location"]
    page = client.get(f"/fiches/{fiche.slug}")
    visible = status == "publiee" or who in ("editeur", "admin")
    assert page.status_code == (200 if visible else 404)
    assert (client.get(f"/fiches/{fiche.slug}.json").status_code == 200) == visible


@pytest.mark.parametrize("suffix", POST_URLS)
def test_others_cannot_change_a_fiche_by_changing_the_url(client, service, suffix):
    _, _, fiche = service
    outsider = make_user(organisations=[make_org()])
    login(client, outsider)
    token = read_form(get_form(client, "/mon-compte"))["csrf_token"]
    response = client.post(f"/fiches/{fiche.slug}{suffix}", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    saved = db.session.get(Fiche, fiche.id)
    assert saved.status == Statut.PUBLIEE and saved.verified_on is None


def test_commune_suggestions_are_french_labels(client, app):
    data = client.get("/territoires/communes.json?q=Saint-Di%C3%A9").get_json()
    assert {"code": "88413", "label": "Saint-Dié-des-Vosges (88, 88413)"} in data
    assert client.get("/territoires/communes.json?q=a").get_json() == []


def _errors(html: str) -> str:
    """The error messages of a form page, for assertion messages."""
    import re

    return repr(re.findall(r'id="([^"]+-erreurs)">\s*(.*?)</ul>', html, re.S)[:20])


def test_every_seeded_fiche_saved_unchanged_records_nothing(client, seeded):
    """The form carries every field of the standard: a round trip loses and changes nothing."""
    login(client, make_user("admin"))
    fiches = db.session.scalars(select(Fiche)).all()
    versions = {f.id: f.version for f in fiches}
    for fiche in fiches:
        response = _post(client, fiche.slug, edit_form(client, fiche.slug))
        assert response.status_code == 302, (fiche.slug, _errors(page_text(response)))
        assert "Aucune modification" in page_text(client.get(f"/fiches/{fiche.slug}")), fiche.slug
    db.session.expire_all()
    assert {f.id: f.version for f in db.session.scalars(select(Fiche))} == versions


def test_anonymous_visitors_are_sent_to_sign_in_to_create(client, app):
    response = client.get("/fiches/nouvelle")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    login(client, make_user())
    assert client.get("/fiches/nouvelle").status_code == 403


def test_an_editor_cannot_drop_its_own_organisation_from_the_porteurs(client, service):
    _, editor, fiche = service
    login(client, editor)
    form = edit_form(client, fiche.slug)
    form["porteurs-0-nom"] = "Une tout autre association"
    response = _post(client, fiche.slug, form)
    assert response.status_code == 422
    assert "Gardez au moins une de vos organisations parmi les porteurs." in page_text(response)
    db.session.expire_all()
    assert [o.name for o in db.session.get(Fiche, fiche.id).porteurs] == [
        "Association Les Tilleuls"
    ]
