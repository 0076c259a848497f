"""The permission grid: every route × every role, and URL tampering.

Roles: anonyme, membre (signed in, no organisation), editeur_autre (éditeur of another
organisation), editeur (éditeur of the fiches' organisation), admin. Fiche cases: pub (published),
draft (brouillon), arch (archivée), absent (unknown slug), "-" for routes without a fiche.

`test_every_route_is_in_the_grid` enumerates `app.url_map`: a new route fails it until its row
is added to GRID. Rows whose route is not registered (yet) are skipped with the reason.
"""

import re

import pytest
from flask import url_for

from directory.extensions import db
from tests.accounts.grid_world import (
    MEMBER_CONTACT,
    MEMBER_EMAIL,
    ROLES,
    SECRETS_FOR_ANONYMOUS,
    SECRETS_FOR_OTHERS,
    build_world,
)
from tests.builders import csrf_token, page_text, sign_in_session

OK = {200}
DONE = {200, 302, 303, 400, 409}  # allowed: done, or refused for its content, never for rights
LOGIN = {302}  # anonymous visitors are sent to the sign-in page
HIDDEN = {404}
FORBIDDEN = {403}
BAD = {400}


def row(anonyme, membre, editeur_autre, editeur, admin) -> dict:
    return dict(zip(ROLES, (anonyme, membre, editeur_autre, editeur, admin), strict=True))


EVERYONE = row(OK, OK, OK, OK, OK)
SIGNED_IN = row(LOGIN, OK, OK, OK, OK)
ADMINS = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
ADMINS_DO = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, DONE)
NOT_FOUND = row(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
PUBLIC_OR_EDITORS = row(HIDDEN, HIDDEN, HIDDEN, OK | HIDDEN, OK | HIDDEN)
EDIT_PUBLISHED = row(LOGIN, FORBIDDEN, FORBIDDEN, DONE, DONE)
EDIT_HIDDEN = row(HIDDEN, HIDDEN, HIDDEN, DONE, DONE)
EDIT_HIDDEN_ANY = row(HIDDEN, HIDDEN, HIDDEN, DONE | HIDDEN, DONE | HIDDEN)
FICHE_CASES = ("pub", "draft", "arch", "absent")


def fiche_rows(pub, draft, arch, absent=NOT_FOUND) -> dict:
    return dict(zip(FICHE_CASES, (pub, draft, arch, absent), strict=True))


EDITING = fiche_rows(EDIT_PUBLISHED, EDIT_HIDDEN, EDIT_HIDDEN)

# (endpoint, method) → {case: {role: allowed statuses}}
GRID: dict[tuple[str, str], dict[str, dict]] = {
    # public pages
    ("core.home", "GET"): {"-": EVERYONE},
    ("core.sources", "GET"): {"-": EVERYONE},
    ("fiches.list_fiches", "GET"): {"-": EVERYONE},
    ("fiches.list_types", "GET"): {"-": EVERYONE},
    ("fiches.show_type", "GET"): {"-": EVERYONE},
    ("fiches.list_referentiels", "GET"): {"-": EVERYONE},
    ("fiches.qui_intervient", "GET"): {"-": EVERYONE},
    ("fiches.standard_schema", "GET"): {"-": EVERYONE},
    ("fiches.standard_referentiel", "GET"): {"-": EVERYONE},
    ("fiches.communes_json", "GET"): {"-": EVERYONE},
    ("fiches.epcis_json", "GET"): {"-": EVERYONE},
    ("search.search_page", "GET"): {"-": EVERYONE},
    ("search.search_json", "GET"): {"-": EVERYONE},
    ("search.suggestions_json", "GET"): {"-": EVERYONE},
    ("map.fiches_geojson", "GET"): {"-": EVERYONE},
    ("map.map_page", "GET"): {"-": EVERYONE},
    ("map.coverage", "GET"): {"-": EVERYONE},
    ("map.legend_css", "GET"): {"-": EVERYONE},
    ("about.accessibility", "GET"): {"-": EVERYONE},
    ("about.legal_notice", "GET"): {"-": EVERYONE},
    ("about.personal_data", "GET"): {"-": EVERYONE},
    ("about.site_plan", "GET"): {"-": EVERYONE},
    ("about.robots_txt", "GET"): {"-": EVERYONE},
    ("about.sitemap_xml", "GET"): {"-": EVERYONE},
    # a fiche: drafts and archived ones do not exist for those who may not edit them
    ("fiches.show_fiche", "GET"): fiche_rows(EVERYONE, PUBLIC_OR_EDITORS, PUBLIC_OR_EDITORS),
    ("fiches.fiche_json", "GET"): fiche_rows(EVERYONE, PUBLIC_OR_EDITORS, PUBLIC_OR_EDITORS),
    # editing (the EDITING feature's routes)
    ("fiches.edit_fiche", "GET"): EDITING,
    ("fiches.edit_fiche", "POST"): EDITING,
    ("fiches.fiche_history", "GET"): EDITING,
    ("fiches.publish_fiche", "POST"): EDITING,
    ("fiches.archive_fiche", "POST"): EDITING,
    ("fiches.restore_fiche", "POST"): EDITING,
    ("fiches.verify_fiche", "POST"): EDITING,
    ("fiches.restore_version", "POST"): fiche_rows(
        row(LOGIN, FORBIDDEN, FORBIDDEN, DONE | HIDDEN, DONE | HIDDEN),
        EDIT_HIDDEN_ANY,
        EDIT_HIDDEN_ANY,
    ),
    ("fiches.new_fiche", "GET"): {"-": row(LOGIN, FORBIDDEN, OK, OK, OK)},
    ("fiches.new_fiche", "POST"): {"-": row(LOGIN, FORBIDDEN, DONE, DONE, DONE)},
    # accounts
    ("accounts.login", "GET"): {"-": row(OK, LOGIN, LOGIN, LOGIN, LOGIN)},
    ("accounts.login", "POST"): {"-": row(BAD, LOGIN, LOGIN, LOGIN, LOGIN)},
    ("accounts.logout", "POST"): {"-": row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)},
    ("accounts.my_account", "GET"): {"-": SIGNED_IN},
    ("accounts.my_account", "POST"): {"-": row(LOGIN, DONE, DONE, DONE, DONE)},
    ("accounts.my_fiches", "GET"): {"-": SIGNED_IN},
    ("accounts.forgot_password", "GET"): {"-": EVERYONE},
    ("accounts.forgot_password", "POST"): {"-": row(BAD, BAD, BAD, BAD, BAD)},
    ("accounts.accept_invitation", "GET"): {"-": row(BAD, BAD, BAD, BAD, BAD)},
    ("accounts.accept_invitation", "POST"): {"-": row(BAD, BAD, BAD, BAD, BAD)},
    ("accounts.reset_password", "GET"): {"-": row(BAD, BAD, BAD, BAD, BAD)},
    ("accounts.reset_password", "POST"): {"-": row(BAD, BAD, BAD, BAD, BAD)},
    # administration
    ("admin.dashboard", "GET"): {"-": ADMINS},
    ("admin.fiches", "GET"): {"-": ADMINS},
    ("admin.invitations", "GET"): {"-": ADMINS},
    ("admin.invitations", "POST"): {"-": ADMINS_DO},
    ("admin.users", "GET"): {"-": ADMINS},
    ("admin.edit_user", "GET"): {"-": ADMINS},
    ("admin.edit_user", "POST"): {"-": ADMINS_DO},
    ("admin.add_membership", "POST"): {"-": ADMINS_DO},
    ("admin.remove_membership", "POST"): {"-": ADMINS_DO},
    ("admin.outbox", "GET"): {"-": ADMINS},
    ("admin.outbox_message", "GET"): {"-": row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)},
    ("admin.audit", "GET"): {"-": ADMINS},
    # proposals: anyone reports an error on a published fiche; its éditeurs and admins review
    ("imports.report_fiche", "GET"): fiche_rows(EVERYONE, NOT_FOUND, NOT_FOUND),
    ("imports.report_fiche", "POST"): fiche_rows(
        row(DONE, DONE, DONE, DONE, DONE), NOT_FOUND, NOT_FOUND
    ),
    ("imports.fiche_proposals", "GET"): EDITING,
    ("imports.accept_proposal", "POST"): EDITING,
    ("imports.reject_proposal", "POST"): EDITING,
    ("imports.erase_proposal", "POST"): fiche_rows(
        ADMINS_DO, ADMINS_DO, ADMINS_DO, row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)
    ),
    ("imports.admin_proposals", "GET"): {"-": ADMINS},
}
# Static files are the same for everyone.
UNCHECKED = {"static", "core.static", "search.static", "map.static", "map.vendor"}

CASES = [
    pytest.param(endpoint, method, case, role, id=f"{endpoint}-{method}-{case}-{role}")
    for (endpoint, method), cases in GRID.items()
    for case in cases
    for role in ROLES
]


@pytest.fixture
def world(app):
    built = build_world()
    db.session.commit()
    return built


def _client(app, world, role):
    client = app.test_client()
    if world.users[role] is not None:
        sign_in_session(client, world.users[role])
    return client


def _values(rule, world, case) -> dict:
    values = {}
    for name in rule.arguments:
        if name == "slug":
            values[name] = world.fiches[case].slug if case in world.fiches else "fiche-absente"
        elif name == "token":
            values[name] = "jeton-invalide"
        elif name == "user_id":
            values[name] = world.users["editeur"].id
        elif name == "organisation_id":
            values[name] = world.organisation_id
        elif name == "name":
            values[name] = "types" if rule.endpoint.startswith("fiches.") else "absent.eml"
        elif name == "code":
            values[name] = world.fiches["pub"].type_code
        elif name == "change_id":
            values[name] = "inconnu"
        elif name == "proposal_id":
            values[name] = world.proposals[case] if case in world.proposals else 987654
        else:
            pytest.fail(f"Paramètre d'URL sans valeur dans la grille : {rule.endpoint} <{name}>")
    return values


def _url(app, rule, world, case) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **_values(rule, world, case))


def _rule(app, endpoint, method):
    for rule in app.url_map.iter_rules(endpoint) if endpoint in app.view_functions else []:
        if method in rule.methods:
            return rule
    pytest.skip(f"route {endpoint} ({method}) absente de l'application pour l'instant")


@pytest.mark.parametrize(("endpoint", "method", "case", "role"), CASES)
def test_route_grid(app, world, endpoint, method, case, role):
    rule = _rule(app, endpoint, method)
    client = _client(app, world, role)
    url = _url(app, rule, world, case)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    body = page_text(response)
    expected = GRID[(endpoint, method)][case][role]
    assert response.status_code in expected, f"{method} {url} en {role} : {body[:300]}"
    if response.status_code == 403:
        assert "Vous n'avez pas les droits nécessaires" in body
    if role in ("anonyme", "membre", "editeur_autre"):
        for secret in SECRETS_FOR_OTHERS:
            assert secret not in body, f"{secret} visible en {role} sur {url}"


def test_every_route_is_in_the_grid(app):
    missing = sorted(
        f"{rule.endpoint} {method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNCHECKED
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in GRID
    )
    assert not missing, "Routes absentes de la grille des permissions :\n" + "\n".join(missing)


def _get_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in UNCHECKED
    ]


def _longest_word(text: str) -> str:
    return max(re.split(r"\W+", text), key=len)


SEARCH_LIKE = ("search.", "fiches.list_fiches", "fiches.qui_intervient", "map.")


@pytest.mark.parametrize("role", ["anonyme", "membre", "editeur_autre"])
def test_no_page_leaks_drafts_archives_or_members_only_contacts(app, world, role):
    """Every GET route, every fiche case, and search-like routes queried for the secrets."""
    client = _client(app, world, role)
    secrets = SECRETS_FOR_ANONYMOUS if role == "anonyme" else SECRETS_FOR_OTHERS
    for rule in _get_rules(app):
        cases = FICHE_CASES if "slug" in rule.arguments else ("-",)
        for case in cases:
            url = _url(app, rule, world, case)
            urls = [url]
            if rule.endpoint.startswith(SEARCH_LIKE):
                # Query one word of each secret (a page may echo the query), look for all of it.
                urls += [f"{url}?q={_longest_word(secret)}" for secret in secrets]
            for target in urls:
                response = client.get(target)
                assert response.status_code < 500, target
                body = page_text(response)
                for secret in secrets:
                    assert secret not in body, f"{secret} visible en {role} sur {target}"


@pytest.mark.parametrize("role", ["editeur", "admin"])
def test_every_form_refuses_a_post_without_csrf_token(app, world, role):
    client = _client(app, world, role)
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        for case in ("pub", "draft") if "slug" in rule.arguments else ("-",):
            url = _url(app, rule, world, case)
            response = client.post(url, data={})
            assert response.status_code == 400, f"POST {url} sans jeton CSRF"
            response.close()


def test_members_see_members_only_contacts_and_anonymous_visitors_do_not(app, world):
    url = f"/fiches/{world.fiches['pub'].slug}"
    anonymous = page_text(_client(app, world, "anonyme").get(url))
    assert "Paule Publique" in anonymous and MEMBER_CONTACT not in anonymous
    member = page_text(_client(app, world, "membre").get(url))
    assert MEMBER_CONTACT in member and MEMBER_EMAIL in member


@pytest.mark.parametrize(
    "path", ["/recherche.json?q=Brouillon", "/recherche/suggestions.json?q=Brou"]
)
def test_search_json_never_returns_a_draft(app, world, path):
    if not any(rule.rule == path.split("?")[0] for rule in app.url_map.iter_rules()):
        pytest.skip(f"{path.split('?')[0]} n'existe pas encore")
    body = page_text(_client(app, world, "anonyme").get(path))
    assert "Xylophagebleu" not in body


def test_map_geojson_lists_published_fiches_only(app, world):
    if not any(rule.rule == "/carte/fiches.geojson" for rule in app.url_map.iter_rules()):
        pytest.skip("/carte/fiches.geojson n'existe pas encore (fonctionnalité carte)")
    for role in ROLES[:3]:
        body = page_text(_client(app, world, role).get("/carte/fiches.geojson"))
        assert "Xylophagebleu" not in body and "Quetzalcoatlgris" not in body
        assert MEMBER_CONTACT not in body
