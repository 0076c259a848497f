"""Flask-Login wiring: loading the signed-in user, the sign-in page, template helpers."""

from flask import Flask, g

from directory import messages
from directory.accounts import permissions
from directory.extensions import db, login_manager


def configure(app: Flask) -> None:
    """Bind the user loader and the French sign-in settings; expose predicates to templates."""
    from directory.accounts.models import User

    login_manager.login_view = "accounts.login"
    login_manager.login_message = messages.LOGIN_REQUIRED
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        # "id:version" (User.get_id): a session older than the user's last sign-out or new
        # password names an old version and is anonymous from then on.
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @app.before_request
    def forget_previous_request_state():
        # `g` outlives a request when an app context was pushed around several (the tests do):
        # the user and the CSRF token must come from this request's session, not a cached one.
        g.pop("_login_user", None)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)

    @app.context_processor
    def permission_helpers():
        return {"perm": permissions}
