"""The list of page kinds keeps up with the app: a new page fails here until it joins the list
(and so the axe checks of test_accessibility.py). Needs no browser."""

from tests.browser.page_kinds import NOT_PAGES, PAGE_KINDS


def test_every_page_route_has_a_kind(app):
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    missing = sorted(pages - NOT_PAGES - {kind.endpoint for kind in PAGE_KINDS})
    assert not missing, (
        "Pages absentes de tests/browser/page_kinds.py (ajoutez-les à PAGE_KINDS, ou à "
        "NOT_PAGES si elles ne sont pas du HTML) :\n" + "\n".join(missing)
    )


def test_every_kind_names_a_route_and_a_unique_id(app):
    assert {kind.endpoint for kind in PAGE_KINDS} <= set(app.view_functions)
    assert NOT_PAGES <= set(app.view_functions)
    ids = [kind.id for kind in PAGE_KINDS]
    assert len(ids) == len(set(ids))
