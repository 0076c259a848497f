"""The site's own address: links in e-mails and the hosts the app answers.

A link sent by e-mail is built from the configured SITE_URL, never from the request: the request's
Host header is chosen by whoever sends the request, and a reset link on an attacker's host hands
them the token. In production the app answers only its trusted hosts (Flask's TRUSTED_HOSTS).
"""

from urllib.parse import urlsplit

from flask import Flask, current_app

from directory import messages

DEVELOPMENT_SITE_URL = "http://127.0.0.1:5000"  # where `make run` serves


class SiteUrlMissing(RuntimeError):
    """SITE_URL is not configured: no link can be e-mailed."""

    def __init__(self) -> None:
        super().__init__(messages.SITE_URL_MISSING)


def is_production(app: Flask) -> bool:
    """Tell whether the app runs in production (DIRECTORY_ENV=production)."""
    return app.config.get("ENV") == "production"


def configure(app: Flask) -> None:
    """Settle SITE_URL and TRUSTED_HOSTS: a default in development, never in production."""
    site = (app.config.get("SITE_URL") or "").strip().rstrip("/") or None
    if site is not None and urlsplit(site).scheme not in ("http", "https"):
        raise RuntimeError(messages.SITE_URL_INVALID.format(url=site))
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):  # DIRECTORY_TRUSTED_HOSTS="annuaire.example.fr, www.…"
        hosts = [h.strip() for h in hosts.split(",") if h.strip()]
    if is_production(app):
        if not site and not hosts:
            raise RuntimeError(messages.PRODUCTION_HOSTS_MISSING)
        if not hosts:
            hosts = [urlsplit(site).hostname]
        if not site:
            app.logger.error(messages.SITE_URL_MISSING)
    elif not site:
        site = DEVELOPMENT_SITE_URL
    app.config["SITE_URL"] = site
    app.config["TRUSTED_HOSTS"] = hosts or None


def site_url_configured() -> bool:
    """Tell whether links can be e-mailed (SITE_URL is set)."""
    return bool(current_app.config.get("SITE_URL"))


def external_url(endpoint: str, **values) -> str:
    """Return the absolute URL of an endpoint on the configured site, whatever the request."""
    site = current_app.config.get("SITE_URL")
    if not site:
        current_app.logger.error(messages.SITE_URL_MISSING)
        raise SiteUrlMissing()
    parts = urlsplit(site)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
