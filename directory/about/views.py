"""Accessibility statement, legal notice, personal data, site plan, robots.txt, sitemap.xml."""

from flask import Response, abort, render_template, url_for

from directory import messages
from directory.about import blueprint, services
from directory.core import site


@blueprint.route("/accessibilite")
def accessibility():
    return render_template(
        "about/accessibility.html", facts=services.publisher(), statement=services
    )


@blueprint.route("/mentions-legales")
def legal_notice():
    return render_template("about/legal_notice.html", facts=services.publisher())


@blueprint.route("/donnees-personnelles")
def personal_data():
    return render_template(
        "about/personal_data.html",
        facts=services.publisher(),
        durations=services.durations(),
        removed_notice=messages.PERSONAL_DATA_REMOVED,
    )


@blueprint.route("/plan-du-site")
def site_plan():
    return render_template("about/site_plan.html", types=services.types_with_counts())


# Pages that a crawler has no business fetching; they also say noindex (see indexing.py).
PRIVATE_ENDPOINTS = (
    "admin.dashboard",
    "accounts.login",
    "accounts.logout",
    "accounts.my_fiches",
    "accounts.my_account",
    "accounts.forgot_password",
    "fiches.new_fiche",
    "search.search_page",  # also /recherche.json and /recherche/suggestions.json
)
PRIVATE_PATTERNS = ("/invitation/", "/mot-de-passe/", "/fiches/*/modifier", "/fiches/*/historique")


@blueprint.route("/robots.txt")
def robots_txt():
    lines = ["User-agent: *"]
    lines += [f"Disallow: {url_for(endpoint)}" for endpoint in PRIVATE_ENDPOINTS]
    lines += [f"Disallow: {pattern}" for pattern in PRIVATE_PATTERNS]
    if site.site_url_configured():
        lines += ["", f"Sitemap: {site.external_url('about.sitemap_xml')}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@blueprint.route("/sitemap.xml")
def sitemap_xml():
    if not site.site_url_configured():
        abort(404)  # its URLs must be absolute, on the site's own address
    xml = render_template("about/sitemap.xml", entries=services.sitemap_entries())
    return Response(xml, mimetype="application/xml")
