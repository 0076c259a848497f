"""Annuaire des dispositifs de coordination — Grand Est."""

import os

from flask import Flask

from directory.config import Config, database_url
from directory.core import security, site


def create_app(config: dict | None = None) -> Flask:
    """Create the application: defaults, instance/config.py, DIRECTORY_* variables, then config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("DIRECTORY")
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    security.check_secret_key(app)
    site.configure(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from directory import models  # noqa: F401  (the whole schema, for Alembic)
    from directory.accounts import auth
    from directory.core import cache, database, i18n, limits, text
    from directory.extensions import babel, csrf, db, limiter, login_manager, migrate
    from directory.search import services as search_services

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "fr", timezone_selector=lambda: "Europe/Paris")
    login_manager.init_app(app)
    limiter.init_app(app)
    security.configure(app)
    limits.configure(app)
    auth.configure(app)
    database.configure(app)
    cache.configure(app)
    search_services.configure(app)
    i18n.register_filters(app)
    text.register_filters(app)


def register_blueprints(app: Flask) -> None:
    # The factory is the one place that imports view modules: they attach routes to blueprints.
    from directory.about import blueprint as about
    from directory.about import indexing as _about_indexing  # noqa: F401
    from directory.about import views as _about_views  # noqa: F401
    from directory.accounts import blueprint as accounts
    from directory.accounts import views as _account_views  # noqa: F401
    from directory.admin import blueprint as admin
    from directory.admin import views as _admin_views  # noqa: F401
    from directory.core import blueprint as core
    from directory.core import views as _core_views  # noqa: F401
    from directory.fiches import blueprint as fiches
    from directory.fiches import editing_views as _fiche_editing_views  # noqa: F401
    from directory.fiches import views as _fiche_views  # noqa: F401
    from directory.imports import blueprint as imports
    from directory.imports import views as _import_views  # noqa: F401
    from directory.map import blueprint as map_
    from directory.map import views as _map_views  # noqa: F401
    from directory.search import blueprint as search
    from directory.search import views as _search_views  # noqa: F401

    app.register_blueprint(core)
    app.register_blueprint(accounts)
    app.register_blueprint(admin)
    app.register_blueprint(fiches)
    app.register_blueprint(imports)
    app.register_blueprint(search)
    app.register_blueprint(map_)
    app.register_blueprint(about)


def register_errorhandlers(app: Flask) -> None:
    from directory.core import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    from directory.accounts import commands as account_commands
    from directory.core import commands as core_commands
    from directory.demo import commands as demo_commands
    from directory.imports import commands as import_commands
    from directory.search import commands as search_commands
    from directory.territoires import commands as territoire_commands

    import_commands.register(app)
    demo_commands.register(app)
    search_commands.register(app)
    account_commands.register(app)
    territoire_commands.register(app)
    core_commands.register(app)
