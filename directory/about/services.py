"""Facts the pages of this package state: the publisher's (from the configuration), the app's own
(durations it applies), and the URLs of the sitemap."""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import func

from directory.core.site import external_url
from directory.extensions import db
from directory.fiches import queries, referentiels
from directory.fiches.models import Fiche

# The RGAA statement. « non conforme » is the status the RGAA requires while no audit has been
# made; axe-core and keyboard checks are not an audit. Change it only with an audit's results.
ACCESSIBILITY_STATUS = "non conforme"
ACCESSIBILITY_STATUS_DETAIL = "audit non réalisé"
STATEMENT_DATE = date(2026, 12, 1)
AXE_VERSION = "4.14.1"  # tests/browser/axe.py runs the copy npm installs (package.json)
RGAA_VERSION = "4.1.2"

# Facts only the publisher knows: set them in instance/config.py or as DIRECTORY_* variables.
# The pages show the missing ones as « à compléter par l'éditeur du site ».
PUBLISHER_FACTS = (
    "PUBLISHER_NAME",  # legal name of the publisher (association, GIP, collectivité…)
    "PUBLISHER_ID",  # SIREN, SIRET or RNA number
    "PUBLISHER_ADDRESS",
    "PUBLISHER_EMAIL",  # contact for the site, accessibility and personal data requests
    "PUBLICATION_DIRECTOR",  # directeur ou directrice de la publication
    "HOSTING_PROVIDER",  # name, address and telephone of the host
    "DATA_PROTECTION_CONTACT",  # délégué à la protection des données, if one is appointed
    "DATA_LEGAL_BASIS",  # legal basis of the processing (RGPD article 6)
    "AUDIT_RETENTION",  # how long the publisher keeps the audit trail and the outbox
    "SERVER_LOG_RETENTION",  # how long the host keeps the web server's access logs
    "SOURCE_CODE_URL",  # where the AGPL source code of this instance is offered
    "DATA_LICENCE",  # licence of the fiches' data for reuse (e.g. Licence Ouverte 2.0)
)


def publisher() -> dict[str, str | None]:
    """Return the publisher's facts, None for those not configured."""
    config = current_app.config
    return {key: (str(config.get(key) or "").strip() or None) for key in PUBLISHER_FACTS}


@dataclass(frozen=True)
class Durations:
    """How long the app itself keeps or accepts things, from its configuration."""

    token_days: int  # invitation and password links
    login_window_minutes: int  # failed sign-ins counted per address
    login_attempts: int


def durations() -> Durations:
    config = current_app.config
    limit = parse_limit(config["LOGIN_RATE_LIMIT"])
    return Durations(
        token_days=config["ACCOUNT_TOKEN_MAX_AGE"] // 86400,
        login_window_minutes=max(1, limit.get_expiry() // 60),
        login_attempts=limit.amount,
    )


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: date | None = None


# Public pages listed in the sitemap before the fiches and types.
SITEMAP_PAGES = (
    "core.home",
    "fiches.list_fiches",
    "fiches.qui_intervient",
    "fiches.list_types",
    "fiches.list_referentiels",
    "map.map_page",
    "core.sources",
    "about.site_plan",
    "about.accessibility",
    "about.legal_notice",
    "about.personal_data",
)


def sitemap_entries() -> list[SitemapEntry]:
    """Return the sitemap's URLs on the configured site: the public pages, the types and every
    published fiche that describes a real dispositif (fictive ones are for trials)."""
    entries = [SitemapEntry(external_url(endpoint)) for endpoint in SITEMAP_PAGES]
    entries += [
        SitemapEntry(external_url("fiches.show_type", code=t.code)) for t in referentiels.types()
    ]
    rows = db.session.execute(
        queries.visible_fiches()
        .where(Fiche.fictive.is_(False))
        .with_only_columns(Fiche.slug, Fiche.updated_at)
        .order_by(Fiche.slug)
    )
    entries += [
        SitemapEntry(external_url("fiches.show_fiche", slug=slug), updated.date())
        for slug, updated in rows
    ]
    return entries


def types_with_counts() -> list[tuple]:
    """Return (type, published fiches) for the site plan, in référentiel order."""
    counts = dict(
        db.session.execute(
            queries.visible_fiches()
            .with_only_columns(Fiche.type_code, func.count())
            .group_by(Fiche.type_code)
        ).all()
    )
    return [(t, counts.get(t.code, 0)) for t in referentiels.types()]
