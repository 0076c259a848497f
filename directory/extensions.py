"""Flask extensions, created unbound and bound by the application factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# "create_savepoint" only matters when the session is bound to a connection already in a
# transaction (the tests' rolled-back transaction): commits then release a savepoint.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Security headers and the CSP nonce; configured in directory.core.security.
talisman = Talisman()
# No default limit: only the sign-in and password pages are limited (see accounts.views).
limiter = Limiter(key_func=get_remote_address)
