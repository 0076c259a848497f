"""Sign-in, sign-out, invitation and password pages, the user's account and fiches."""

import hashlib
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from directory import messages
from directory.accounts import blueprint, notifications, services
from directory.accounts.forms import (
    AccountForm,
    ForgotPasswordForm,
    InvitationAcceptForm,
    LoginForm,
    NewPasswordForm,
)
from directory.accounts.services import TokenError
from directory.admin import freshness
from directory.core import site
from directory.extensions import db, limiter
from directory.imports import proposals


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _reset_account_limit() -> str:
    return current_app.config["RESET_ACCOUNT_RATE_LIMIT"]


def _account_key() -> str:
    """Key the limit on the address typed (hashed: the limiter's store holds no address)."""
    email = services.normalise_email(request.form.get("email", ""))
    if not email:
        return "ip:" + (request.remote_addr or "")
    return "compte:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _failed(response) -> bool:
    # Only failed attempts count: a team signing in from one office is not locked out. A refusal
    # by another limit (429) checked no password: it spends no budget, so a stranger hammering
    # from a blocked address does not drain the account's.
    return response.status_code not in (302, 429)


def _safe_next(target: str | None) -> str:
    """Follow ?next= only within the site."""
    if target and target.startswith("/") and not target.startswith("//"):
        if not urlsplit(target).netloc:
            return target
    return url_for("accounts.my_fiches")


# Two limits on failed attempts: per client address (LOGIN_RATE_LIMIT), which stops one host, and
# per account (LOGIN_ACCOUNT_RATE_LIMIT), which stops many hosts guessing one password. The
# account's budget is larger than what one address may spend, so a stranger alone can lock out
# neither everyone (the address is theirs, see PROXY_COUNT) nor one person.
@blueprint.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.my_fiches"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            db.session.commit()
            flash(messages.LOGIN_WELCOME, "success")
            return redirect(_safe_next(request.args.get("next")))
        db.session.commit()  # keeps the failed attempt in the audit trail
        form.form_errors.append(messages.LOGIN_INVALID)
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form), status


@blueprint.route("/deconnexion", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # A copy of the cookie (another device, or stolen) must not outlive the sign-out.
        current_user.end_sessions()
        services.record_event(current_user, "logout", "user", current_user.id)
        db.session.commit()
        logout_user()
    flash(messages.LOGGED_OUT, "success")
    return redirect(url_for("core.home"))


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def accept_invitation(token: str):
    try:
        invitation = services.pending_invitation(token)
    except TokenError as error:
        return render_template("accounts/token_error.html", message=str(error)), 400
    form = InvitationAcceptForm()
    asks_organisation = invitation.fiche is not None and invitation.organisation is None
    valid = form.validate_on_submit()
    if valid and asks_organisation and not (form.organisation.data or "").strip():
        form.organisation.errors = [messages.REQUIRED]
        valid = False
    if valid:
        user = services.accept_invitation(
            invitation,
            form.name.data,
            form.password.data,
            form.organisation.data if asks_organisation else None,
            form.siret.data if asks_organisation else None,
        )
        if current_user.is_authenticated:
            logout_user()
        login_user(user)
        db.session.commit()
        flash(messages.INVITATION_ACCEPTED, "success")
        return redirect(url_for("accounts.my_fiches"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "accounts/invitation.html",
        form=form,
        invitation=invitation,
        asks_organisation=asks_organisation,
    ), status


@blueprint.route("/mot-de-passe/oublie", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_reset_account_limit, key_func=_account_key, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Checked before looking the address up: the answer must not depend on the account.
        if not site.site_url_configured():
            raise site.SiteUrlMissing()
        user = services.find_user(form.email.data)
        if user is not None and user.active:
            notifications.send_reset(user)
            services.record_event("anonyme", "password_reset_requested", "user", user.id)
            db.session.commit()
        # Same answer whether or not the address has an account: no user enumeration.
        flash(messages.RESET_SENT, "info")
        return redirect(url_for("accounts.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


@blueprint.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def reset_password(token: str):
    try:
        user = services.user_for_reset(token)
    except TokenError as error:
        return render_template("accounts/token_error.html", message=str(error)), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        login_user(user)
        db.session.commit()
        flash(messages.PASSWORD_SET, "success")
        return redirect(url_for("accounts.my_fiches"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset_password.html", form=form), status


@blueprint.route("/mon-compte", methods=["GET", "POST"])
@login_required
def my_account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        if form.password.data and not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(messages.PASSWORD_WRONG)
        else:
            services.update_account(current_user, form.name.data, form.password.data)
            if form.password.data:
                # The new password ended every session: this one goes on under the new version.
                login_user(current_user._get_current_object())
            db.session.commit()
            flash(messages.ACCOUNT_SAVED, "success")
            return redirect(url_for("accounts.my_account"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/account.html", form=form), status


@blueprint.route("/mes-fiches")
@login_required
def my_fiches():
    fiches = services.fiches_of(current_user)
    rows = [(fiche, freshness.state(fiche)) for fiche in fiches]
    pending = proposals.open_counts([f.id for f in fiches])
    return render_template(
        "accounts/my_fiches.html",
        rows=rows,
        organisations=current_user.organisations,
        labels=freshness.LABELS,
        pending=pending,
    )
