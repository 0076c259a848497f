"""Every kind of page of the site, as the accessibility checks visit it: the one list.

A page kind is a route seen in one state (empty, filled, with errors…) by one role. A route that
serves HTML and has no kind here fails `test_every_page_route_has_a_kind`: a change that adds a
page adds its kinds here, and axe then checks them with the others.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

Prepare = Callable[..., None]


@dataclass(frozen=True)
class PageKind:
    id: str  # pytest id and report key
    label: str  # what the page is, in the closing note and the report
    endpoint: str  # the route it covers
    path: str  # str.format()ted with the fields of LivePeople
    role: str = "anonyme"  # anonyme, editeur, admin
    prepare: Prepare | None = None  # what a user does first (fill a form, open a list…)
    status: int = 200  # of the first response
    errors: bool = False  # the page then shows an error summary, which must hold the focus


# Routes that answer data or files, not pages a person reads (no HTML to check).
NOT_PAGES = {
    "static",
    "core.static",
    "search.static",
    "map.static",
    "map.vendor",
    "map.legend_css",
    "fiches.fiche_json",
    "fiches.standard_schema",
    "fiches.standard_referentiel",
    "fiches.communes_json",
    "fiches.epcis_json",
    "search.search_json",
    "search.suggestions_json",
    "map.fiches_geojson",
    "about.robots_txt",
    "about.sitemap_xml",
}


def click(name: str) -> Prepare:
    """Press a button, as a user submitting the form as it is."""

    def prepare(page):
        page.get_by_role("button", name=name, exact=True).click()
        page.wait_for_load_state()

    return prepare


def fill_and_click(fields: dict[str, str], name: str) -> Prepare:
    """Fill fields (by their label), then press a button."""

    def prepare(page):
        for label, value in fields.items():
            page.get_by_label(label, exact=True).fill(value)
        click(name)(page)

    return prepare


def map_loaded(page) -> None:
    """Wait until the map has fetched and placed its markers."""
    page.wait_for_function(
        "() => { const m = document.querySelector('.folium-map');"
        " return m && m.dataset.markers && m.dataset.markers !== '0'; }"
    )
    page.locator(".marker-cluster, .map-marker").first.wait_for()


def small_map_drawn(page) -> None:
    page.locator(".map-frame path.leaflet-interactive").first.wait_for()


def suggestions_open(page) -> None:
    """Type in the header search box until its suggestions list opens."""
    page.get_by_role("combobox", name="Rechercher un dispositif").press_sequentially(
        "autis", delay=20
    )
    page.get_by_role("listbox", name="Suggestions").get_by_role("option").first.wait_for()


def first_outbox_message(page) -> None:
    page.locator("main table a").first.click()
    page.wait_for_url(re.compile(r"/admin/courriels/.+\.eml$"))


def edit_form_errors(page) -> None:
    """Save the fiche with its name emptied and a year that is not one."""
    page.get_by_label("Nom du dispositif", exact=True).fill("")
    page.get_by_label("Année de création", exact=True).fill("vers 2010")
    click("Enregistrer les modifications")(page)


FICHE = "/fiches/{edited_slug}"
PAGE_KINDS = [
    # public pages
    PageKind("accueil", "Accueil", "core.home", "/"),
    PageKind("liste", "Toutes les fiches", "fiches.list_fiches", "/fiches"),
    PageKind(
        "liste-filtres",
        "Toutes les fiches, filtrées",
        "fiches.list_fiches",
        "/fiches?type=cra&departement=54&q=autisme&page=1",
    ),
    PageKind(
        "liste-filtre-invalide",
        "Toutes les fiches, filtre invalide",
        "fiches.list_fiches",
        "/fiches?age=cent&type=inconnu",
        status=400,
        errors=True,
    ),
    PageKind(
        "fiche",
        "Fiche d'identité (avec sa carte)",
        "fiches.show_fiche",
        FICHE,
        prepare=small_map_drawn,
    ),
    PageKind("types", "Qui fait quoi (lexique des types)", "fiches.list_types", "/types"),
    PageKind("type", "Un type de dispositif", "fiches.show_type", "/types/cra"),
    PageKind("referentiels", "Référentiels", "fiches.list_referentiels", "/referentiels"),
    PageKind(
        "qui-intervient-form",
        "Qui intervient à… ? (formulaire)",
        "fiches.qui_intervient",
        "/qui-intervient",
    ),
    PageKind(
        "qui-intervient",
        "Qui intervient à Saint-Dié-des-Vosges ?",
        "fiches.qui_intervient",
        "/qui-intervient?commune=88413",
    ),
    PageKind("recherche", "Résultats de recherche", "search.search_page", "/recherche?q=autisme"),
    PageKind(
        "recherche-correction",
        "Recherche corrigée (« autsime »)",
        "search.search_page",
        "/recherche?q=autsime",
    ),
    PageKind(
        "recherche-vide", "Recherche sans résultat", "search.search_page", "/recherche?q=zzzzqqqq"
    ),
    PageKind(
        "suggestions",
        "Suggestions de la recherche, ouvertes",
        "search.search_page",
        "/recherche",
        prepare=suggestions_open,
    ),
    PageKind("carte", "Carte des dispositifs", "map.map_page", "/carte", prepare=map_loaded),
    PageKind(
        "couverture",
        "Couverture d'un type",
        "map.coverage",
        "/carte/couverture?type=DAC",
        prepare=small_map_drawn,
    ),
    PageKind("sources", "Sources et licences", "core.sources", "/sources-et-licences"),
    PageKind(
        "accessibilite", "Déclaration d'accessibilité", "about.accessibility", "/accessibilite"
    ),
    PageKind("mentions-legales", "Mentions légales", "about.legal_notice", "/mentions-legales"),
    PageKind(
        "donnees-personnelles",
        "Données personnelles",
        "about.personal_data",
        "/donnees-personnelles",
    ),
    PageKind("plan-du-site", "Plan du site", "about.site_plan", "/plan-du-site"),
    PageKind(
        "erreur-404", "Page introuvable", "fiches.show_fiche", "/fiches/fiche-absente", status=404
    ),
    # forms, empty and with errors
    PageKind(
        "signaler", "Signaler une erreur sur une fiche", "imports.report_fiche", FICHE + "/signaler"
    ),
    PageKind(
        "signaler-erreurs",
        "Signaler une erreur, sans texte",
        "imports.report_fiche",
        FICHE + "/signaler",
        prepare=click("Envoyer le signalement"),
        errors=True,
    ),
    PageKind("connexion", "Se connecter", "accounts.login", "/connexion"),
    PageKind(
        "connexion-erreurs",
        "Se connecter, champs vides",
        "accounts.login",
        "/connexion",
        prepare=click("Se connecter"),
        errors=True,
    ),
    PageKind(
        "connexion-refusee",
        "Se connecter, mot de passe faux",
        "accounts.login",
        "/connexion",
        prepare=fill_and_click(
            {"Adresse électronique": "personne@exemple.fr", "Mot de passe": "faux"}, "Se connecter"
        ),
        errors=True,
    ),
    PageKind(
        "mot-de-passe-oublie",
        "Mot de passe oublié",
        "accounts.forgot_password",
        "/mot-de-passe/oublie",
    ),
    PageKind(
        "mot-de-passe-oublie-erreurs",
        "Mot de passe oublié, adresse invalide",
        "accounts.forgot_password",
        "/mot-de-passe/oublie",
        prepare=fill_and_click({"Adresse électronique": "pas-une-adresse"}, "Recevoir le lien"),
        errors=True,
    ),
    PageKind(
        "invitation",
        "Créer son compte (invitation)",
        "accounts.accept_invitation",
        "/invitation/{invitation_token}",
    ),
    PageKind(
        "invitation-erreurs",
        "Créer son compte, mots de passe différents",
        "accounts.accept_invitation",
        "/invitation/{invitation_token}",
        prepare=fill_and_click(
            {"Nouveau mot de passe": "court", "Confirmez le mot de passe": "autre"},
            "Créer mon compte",
        ),
        errors=True,
    ),
    PageKind(
        "lien-invalide",
        "Lien invalide ou expiré",
        "accounts.accept_invitation",
        "/invitation/jeton-invalide",
        status=400,
    ),
    PageKind(
        "nouveau-mot-de-passe",
        "Choisir un nouveau mot de passe",
        "accounts.reset_password",
        "/mot-de-passe/{reset_token}",
    ),
    PageKind(
        "nouveau-mot-de-passe-erreurs",
        "Nouveau mot de passe, champs vides",
        "accounts.reset_password",
        "/mot-de-passe/{reset_token}",
        prepare=click("Enregistrer le mot de passe"),
        errors=True,
    ),
    # editor pages
    PageKind("mes-fiches", "Mes fiches", "accounts.my_fiches", "/mes-fiches", "editeur"),
    PageKind("mon-compte", "Mon compte", "accounts.my_account", "/mon-compte", "editeur"),
    PageKind(
        "mon-compte-erreurs",
        "Mon compte, mot de passe actuel faux",
        "accounts.my_account",
        "/mon-compte",
        "editeur",
        prepare=fill_and_click(
            {
                "Mot de passe actuel": "faux",
                "Nouveau mot de passe (laisser vide pour le garder)": "nouveau-mot-de-passe",
                "Confirmez le nouveau mot de passe": "nouveau-mot-de-passe",
            },
            "Enregistrer",
        ),
        errors=True,
    ),
    PageKind(
        "fiche-editeur",
        "Fiche vue par son éditeur (barre d'édition)",
        "fiches.show_fiche",
        FICHE,
        "editeur",
        prepare=small_map_drawn,
    ),
    PageKind(
        "brouillon",
        "Brouillon vu par son éditeur",
        "fiches.show_fiche",
        "/fiches/{draft_slug}",
        "editeur",
    ),
    PageKind("modifier", "Modifier une fiche", "fiches.edit_fiche", FICHE + "/modifier", "editeur"),
    PageKind(
        "modifier-erreurs",
        "Modifier une fiche, avec erreurs",
        "fiches.edit_fiche",
        FICHE + "/modifier",
        "editeur",
        prepare=edit_form_errors,
        errors=True,
    ),
    PageKind("nouvelle-fiche", "Nouvelle fiche", "fiches.new_fiche", "/fiches/nouvelle", "editeur"),
    PageKind(
        "nouvelle-fiche-erreurs",
        "Nouvelle fiche, vide",
        "fiches.new_fiche",
        "/fiches/nouvelle",
        "editeur",
        prepare=click("Créer la fiche (brouillon)"),
        errors=True,
    ),
    PageKind(
        "historique",
        "Historique d'une fiche",
        "fiches.fiche_history",
        FICHE + "/historique",
        "editeur",
    ),
    PageKind(
        "propositions",
        "Propositions de modification d'une fiche",
        "imports.fiche_proposals",
        FICHE + "/propositions",
        "editeur",
    ),
    # admin pages
    PageKind("admin", "Administration : tableau de bord", "admin.dashboard", "/admin/", "admin"),
    PageKind(
        "admin-fiches-manque",
        "Administration : fiches sans téléphone ni courriel",
        "admin.fiches",
        "/admin/fiches?manque=contact",
        "admin",
    ),
    PageKind(
        "admin-propositions",
        "Administration : propositions",
        "imports.admin_proposals",
        "/admin/propositions",
        "admin",
    ),
    PageKind(
        "admin-invitation-fiche",
        "Administration : inviter un éditeur pour une fiche",
        "admin.invitations",
        "/admin/invitations?fiche={edited_slug}",
        "admin",
    ),
    PageKind("admin-fiches", "Administration : fiches", "admin.fiches", "/admin/fiches", "admin"),
    PageKind(
        "admin-invitations",
        "Administration : invitations",
        "admin.invitations",
        "/admin/invitations",
        "admin",
    ),
    PageKind(
        "admin-invitations-erreurs",
        "Administration : invitation incomplète",
        "admin.invitations",
        "/admin/invitations",
        "admin",
        prepare=click("Envoyer l'invitation"),
        errors=True,
    ),
    PageKind(
        "admin-utilisateurs",
        "Administration : utilisateurs",
        "admin.users",
        "/admin/utilisateurs",
        "admin",
    ),
    PageKind(
        "admin-utilisateur",
        "Administration : un utilisateur",
        "admin.edit_user",
        "/admin/utilisateurs/{user_id}",
        "admin",
    ),
    PageKind("admin-journal", "Administration : journal", "admin.audit", "/admin/journal", "admin"),
    PageKind(
        "admin-courriels",
        "Administration : courriels envoyés",
        "admin.outbox",
        "/admin/courriels",
        "admin",
    ),
    PageKind(
        "admin-courriel",
        "Administration : un courriel",
        "admin.outbox_message",
        "/admin/courriels",
        "admin",
        prepare=first_outbox_message,
    ),
]
