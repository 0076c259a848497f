"""Configuration defaults; instance/config.py and DIRECTORY_* variables override them."""

import os


class Config:
    SECRET_KEY = "dev-only-change-me"
    SQLALCHEMY_DATABASE_URI = None  # set by the factory: DATABASE_URL or instance/directory.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    WTF_I18N_ENABLED = True
    FICHES_PER_PAGE = 20
    # Folder of the reference geography built at install time (relative to the instance folder).
    TERRITOIRES_DIR = "territoires"
    SEND_FILE_MAX_AGE_DEFAULT = 3600


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
