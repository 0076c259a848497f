"""axe-core on every kind of page (tests/browser/page_kinds.py), in Chromium: zero critical or
serious violation, pages as their users see them (signed in, forms with errors, map loaded)."""

import json

import pytest

from tests.browser.axe import blocking, describe, run_axe
from tests.browser.page_kinds import PAGE_KINDS

pytestmark = pytest.mark.browser

REPORT: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def axe_report(artifacts):
    """Write every page's violations, by impact, to test-artifacts/axe-report.json."""
    yield REPORT
    path = artifacts / "axe-report.json"
    path.write_text(json.dumps(REPORT, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.mark.parametrize("kind", PAGE_KINDS, ids=[k.id for k in PAGE_KINDS])
def test_no_critical_or_serious_violation(kind, live_server, live_people, page_as):
    offline = page_as(kind.role)
    page = offline.page
    response = page.goto(live_server + kind.path.format(**vars(live_people)))
    assert response.status == kind.status, f"{kind.label} : {response.status}"
    if kind.prepare:
        kind.prepare(page)
    if kind.errors:
        summary = page.locator(".error-summary")
        assert summary.is_visible(), f"{kind.label} : pas de récapitulatif des erreurs"
        assert summary.evaluate("node => node === document.activeElement"), (
            f"{kind.label} : le focus n'est pas sur le récapitulatif des erreurs"
        )
    # WTForms writes an attribute given None as the text "None" (aria-invalid="None"…).
    assert '="None"' not in page.content(), f"{kind.label} : attribut valant « None »"
    violations = run_axe(page)
    REPORT[kind.id] = {
        "page": kind.label,
        "url": page.url.removeprefix(live_server),
        "role": kind.role,
        "violations": {
            v["id"]: {"impact": v["impact"], "nodes": len(v["nodes"])} for v in violations
        },
    }
    assert not blocking(violations), f"{kind.label} ({page.url}) :\n" + describe(
        blocking(violations)
    )
    assert offline.outside == []
