"""HTML error pages for the site, one JSON error shape for the API (decided by path)."""

from flask import Flask, current_app, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, SecurityError

from directory import messages
from directory.core.site import SiteUrlMissing
from directory.extensions import db, login_manager

TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit de modification",
    413: "Requête trop volumineuse",
    414: "Adresse trop longue",
    422: "Données invalides",
    429: "Trop de tentatives",
    500: "Erreur du serveur",
    503: "Service indisponible",
}
UNTRUSTED_HOST = "Cette adresse n'est pas celle de l'annuaire : la requête est refusée."
MESSAGES = {
    400: "La requête n'a pas pu être comprise. Vérifiez l'adresse ou les valeurs saisies.",
    403: "Vous n'avez pas accès à cette page.",
    404: "Cette page n'existe pas ou plus. Elle a peut-être été déplacée.",
    405: "Cette action n'est pas possible sur cette page.",
    409: "La fiche a été modifiée entre-temps : rien n'a été écrit.",
    413: "Les données envoyées sont trop volumineuses : rien n'a été enregistré.",
    414: "L'adresse demandée est trop longue.",
    422: "Les données envoyées ne respectent pas le standard.",
    429: "Trop de tentatives en peu de temps. Réessayez dans quelques minutes.",
    500: "Une erreur inattendue s'est produite. L'équipe a été prévenue ; réessayez plus tard.",
    503: "Ce service est momentanément indisponible. Réessayez plus tard.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith((".json", ".geojson"))


def render_error(code: int, message: str | None = None):
    """Render the French error page (or JSON under /api/) for an HTTP status."""
    message = message or MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        body = {"error": TITLES.get(code, "Erreur"), "message": message, "errors": {}}
        return jsonify(body), code
    return render_template(
        "errors/error.html", code=code, title=TITLES.get(code, "Erreur"), message=message
    ), code


def register(app: Flask) -> None:
    """Register the application-wide error handlers."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, SecurityError):
            # An untrusted Host: no URL can be built for it, so the page links nowhere.
            page = render_template(
                "errors/bare.html", code=400, title=TITLES[400], message=UNTRUSTED_HOST
            )
            return page, 400
        custom = exc.description if getattr(exc, "french", False) else None
        return render_error(exc.code or 500, custom)

    @app.errorhandler(SiteUrlMissing)
    def site_url_missing(exc: SiteUrlMissing):
        # Raised before the commit of the action that e-mails a link: nothing is written.
        db.session.rollback()
        return render_error(503, str(exc))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(exc):
        if not database_unavailable(exc):
            raise exc
        return database_unavailable_page(exc)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_error(500)


# SQLite reports both its busy lock and SQL errors as OperationalError: only these mean "not now".
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: Exception) -> bool:
    """Tell whether a database error means the database cannot be reached or used right now
    (server down or restarting, connection lost, SQLite lock not obtained in time)."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if db.engine.dialect.name == "sqlite":
        return str(exc.orig).lower().startswith(SQLITE_UNAVAILABLE)
    return True


def database_unavailable_page(exc: Exception):
    """Answer 503 with the French page; nothing was committed. The page needs no database."""
    current_app.logger.error("Base de données indisponible : %s", exc)
    try:
        db.session.rollback()
    except DBAPIError:
        pass
    db.session.remove()
    # The layout shows who is signed in: don't ask the database that just failed.
    g._login_user = login_manager.anonymous_user()
    response = current_app.make_response(render_error(503, messages.DATABASE_UNAVAILABLE))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def abort_fr(code: int, message: str):
    """Abort with a French message shown to the user."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=message)
    exc.french = True
    raise exc
