"""axe-core (installed by npm from package.json) run inside a Playwright page."""

import json

from tests.conftest import ROOT

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_FR = ROOT / "node_modules" / "axe-core" / "locales" / "fr.json"
BLOCKING = ("critical", "serious")


def axe_source() -> str:
    """Return axe's script followed by its French locale (`make install` runs `npm ci`)."""
    if not AXE_JS.is_file():
        raise AssertionError(f"{AXE_JS} absent : lancez `make install-test` (npm ci).")
    locale = json.loads(AXE_FR.read_text(encoding="utf-8"))
    return (
        AXE_JS.read_text(encoding="utf-8") + f"\n;axe.configure({{locale: {json.dumps(locale)}}});"
    )


def run_axe(page) -> list[dict]:
    """Run every axe rule (WCAG 2.x A/AA and best practices) on the page; return violations.

    The script is evaluated through the DevTools protocol, not added as a <script>: the page's
    Content-Security-Policy (no inline scripts) applies to the page, not to the test's probe.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )


def blocking(violations: list[dict]) -> list[dict]:
    """Return the critical and serious violations."""
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """Say each violation, with the elements it was found on, for a failing assertion."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']} : {v['help']} ({len(v['nodes'])} élément(s))")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))} — {node['html'][:160]}")
    return "\n".join(lines)
