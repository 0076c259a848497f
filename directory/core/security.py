"""HTTP hardening: the secret key, proxy headers, cookie flags and security headers.

Headers come from Flask-Talisman: a Content-Security-Policy without 'unsafe-inline' (the few
inline scripts, the maps', carry the request's nonce: `csp_nonce()` in templates),
X-Content-Type-Options, X-Frame-Options with frame-ancestors, Referrer-Policy. HSTS is sent here
instead, only on HTTPS requests: Talisman's own HSTS believes any client's X-Forwarded-Proto.
"""

from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from directory import messages
from directory.config import Config
from directory.core.site import is_production

MIN_SECRET_KEY_LENGTH = 32


def configure(app: Flask) -> None:
    """Trust the configured proxies, set cookie flags and security headers."""
    trust_proxies(app)
    set_cookie_flags(app)
    set_headers(app)


def check_secret_key(app: Flask) -> None:
    """Refuse an empty key anywhere, and the development or a short key in production."""
    key = app.config.get("SECRET_KEY")
    if not key:
        raise RuntimeError(messages.SECRET_KEY_EMPTY)
    if is_production(app) and (key == Config.SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH):
        raise RuntimeError(messages.SECRET_KEY_MISSING.format(length=MIN_SECRET_KEY_LENGTH))


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For and -Proto from exactly PROXY_COUNT proxies, and nobody else.

    With no proxy configured the headers are ignored: whoever sends them could otherwise choose
    their address (and so dodge the sign-in limits) or pretend to be on HTTPS.
    """
    value = app.config.get("PROXY_COUNT") or 0
    count = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise RuntimeError(messages.PROXY_COUNT_INVALID.format(value=value))
    app.config["PROXY_COUNT"] = count
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def set_cookie_flags(app: Flask) -> None:
    """Session and remember-me cookies: HttpOnly and SameSite always, Secure in production."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = app.config["SESSION_COOKIE_SAMESITE"]
    if is_production(app):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def content_security_policy(app: Flask) -> dict[str, str]:
    """Return the policy: everything from the site itself, map tiles from their server."""
    images = ["'self'", "data:"]
    tiles = app.config.get("MAP_TILES_URL")
    if tiles:
        parts = urlsplit(tiles)
        # "{s}.tile.example.org" names several servers: allow them all.
        images.append(f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}")
    return {
        "default-src": "'self'",
        "script-src": "'self'",  # + the request's nonce (content_security_policy_nonce_in)
        "style-src": "'self'",
        "img-src": " ".join(images),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def set_headers(app: Flask) -> None:
    """Bind Talisman (CSP with nonces, nosniff, frame options, referrer) and HSTS."""
    from directory.extensions import talisman

    talisman.init_app(
        app,
        content_security_policy=content_security_policy(app),
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={
            "browsing-topics": "()",
            "camera": "()",
            "geolocation": "()",
            "microphone": "()",
        },
        # The reverse proxy redirects HTTP to HTTPS (docs/deploy.md); HSTS and the Secure
        # cookie are set above and below, on this app's own knowledge of the scheme.
        force_https=False,
        strict_transport_security=False,
        session_cookie_secure=False,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    max_age = int(app.config.get("HSTS_MAX_AGE", 365 * 24 * 3600))

    @app.after_request
    def strict_transport_security(response):
        # request.is_secure follows X-Forwarded-Proto only through ProxyFix (PROXY_COUNT).
        if request.is_secure and max_age:
            response.headers["Strict-Transport-Security"] = f"max-age={max_age}"
        return response
