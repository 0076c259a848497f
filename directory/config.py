"""Configuration defaults; instance/config.py and DIRECTORY_* variables override them."""

import os


class Config:
    ENV = "development"  # DIRECTORY_ENV=production: real secret key, site URL and trusted hosts
    SECRET_KEY = "dev-only-change-me"  # noqa: S105 - development only: production refuses it
    SQLALCHEMY_DATABASE_URI = None  # set by the factory: DATABASE_URL or instance/directory.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite: seconds a save waits for another writer before the "try again" page (503).
    SQLITE_BUSY_TIMEOUT = 15
    # Per worker process: megabytes of gzipped pages and map data kept until the next change
    # (0: none), and how many computed values (counts, référentiels) are kept.
    RESPONSE_CACHE_MB = 64
    DATA_CACHE_ENTRIES = 2048
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    WTF_I18N_ENABLED = True
    FICHES_PER_PAGE = 20
    # Folder of the reference geography built at install time (relative to the instance folder).
    TERRITOIRES_DIR = "territoires"
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    SEARCH_INDEX_DIR = "search"  # search index folder, relative to the instance folder
    # Map: no tile server by default (outlines only, works offline); e.g.
    # MAP_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png" to add OpenStreetMap.
    MAP_TILES_URL = None
    MAP_TILES_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
    # Accounts: memory:// suits one process; set a redis:// URL with several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    # Failed sign-ins per client address, then per account from all addresses (see
    # accounts.views.login): one address alone can never spend an account's budget.
    LOGIN_RATE_LIMIT = "10 per 5 minutes; 20 per hour; 50 per day"
    LOGIN_ACCOUNT_RATE_LIMIT = "50 per hour; 200 per day"
    RESET_ACCOUNT_RATE_LIMIT = "5 per hour"  # reset e-mails asked for one address
    REPORT_RATE_LIMIT = "5 per hour;20 per day"  # visitors' reports on a fiche, per address
    ACCOUNT_TOKEN_MAX_AGE = 7 * 24 * 3600  # seconds an invitation or reset link stays valid
    PASSWORD_MIN_LENGTH = 10
    # Mail: SMTP when MAIL_SERVER is set, else .eml files in OUTBOX_DIR (default instance/outbox).
    MAIL_SERVER = None
    MAIL_PORT = 587
    MAIL_USE_STARTTLS = True
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_SENDER = "annuaire@localhost"
    OUTBOX_DIR = None
    # The site's public address, e.g. "https://annuaire.example.fr": every link in an e-mail is
    # built on it (never on the request's Host). Defaults to http://127.0.0.1:5000 outside
    # production; in production, e-mails with links are refused until it is set.
    SITE_URL = None
    # Hosts the app answers in production (others get a 400); defaults to SITE_URL's host.
    TRUSTED_HOSTS = None
    # Facts only the publisher can give, stated by /mentions-legales, /donnees-personnelles and
    # /accessibilite (directory/about/services.py lists them); each one left empty shows
    # « à compléter par l'éditeur du site ». E.g. DIRECTORY_PUBLISHER_NAME="Association …".
    PUBLISHER_NAME = None
    PUBLISHER_ID = None  # SIREN, SIRET or RNA
    PUBLISHER_ADDRESS = None
    PUBLISHER_EMAIL = None  # contact for the site, accessibility and personal data requests
    PUBLICATION_DIRECTOR = None
    HOSTING_PROVIDER = None  # name, address and telephone of the host
    DATA_PROTECTION_CONTACT = None
    DATA_LEGAL_BASIS = None
    AUDIT_RETENTION = None  # e.g. "pendant 12 mois, puis effacés" (the app purges nothing)
    SERVER_LOG_RETENTION = None
    SOURCE_CODE_URL = None
    DATA_LICENCE = None  # e.g. "Licence Ouverte / Etalab 2.0"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"  # and Secure in production (directory.core.security)
    # Reverse proxies in front of the app (DIRECTORY_PROXY_COUNT=1 behind one nginx): only then
    # are X-Forwarded-For and X-Forwarded-Proto believed. 0: they are ignored.
    PROXY_COUNT = 0
    HSTS_MAX_AGE = 365 * 24 * 3600  # seconds, sent on HTTPS responses only; 0 sends none
    # Request limits (directory.core.limits): a body, one form field, form parts, query string.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500_000
    MAX_FORM_PARTS = 1_000
    MAX_QUERY_STRING = 8_000


def database_url(instance_path: str) -> str:
    """Return DATABASE_URL, normalised for psycopg 3, or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "directory.sqlite3")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
