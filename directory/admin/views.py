"""Administration pages, for admins only: dashboard, invitations, users, outbox, audit trail."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from directory import messages
from directory.accounts import notifications, permissions, services
from directory.accounts.mail import outbox_messages, read_outbox
from directory.accounts.models import AuditEvent, Invitation, User
from directory.admin import blueprint, freshness, gaps
from directory.admin.forms import (
    AuditFilterForm,
    InvitationForm,
    MembershipForm,
    UserForm,
    organisation_choices,
)
from directory.core.limits import clamp_page
from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.models import Fiche
from directory.organisations.models import Organisation
from directory.organisations.services import find_organisation

AUDIT_PER_PAGE = 50


@blueprint.before_request
def admins_only():
    permissions.require(permissions.can_administer(current_user))


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


@blueprint.route("/")
def dashboard():
    return render_template(
        "admin/dashboard.html",
        board=freshness.dashboard(),
        states=freshness.STATES,
        labels=freshness.LABELS,
        bands=freshness.COMPLETENESS,
        band_labels=freshness.COMPLETENESS_LABELS,
        departements=freshness.departement_names(),
        types={t.code: t for t in referentiels.types()},
        latest=freshness.latest_changes(),
        gaps=gaps.counts(freshness.tracked_fiches()),
        gap_labels=gaps.GAPS,
    )


@blueprint.route("/fiches")
def fiches():
    keys = ("etat", "completude", "departement", "type", "manque")
    filters = {k: request.args.get(k, "") for k in keys}
    if filters["etat"] and filters["etat"] not in freshness.STATES:
        abort(400)
    if filters["manque"] and filters["manque"] not in gaps.GAPS:
        abort(400)
    fiches = freshness.filter_fiches(freshness.tracked_fiches(), filters)
    if filters["manque"]:
        fiches = gaps.with_gap(fiches, filters["manque"])
    rows = [(fiche, freshness.state(fiche), freshness.due_date(fiche)) for fiche in fiches]
    return render_template(
        "admin/fiches.html",
        rows=rows,
        filters=filters,
        labels=freshness.LABELS,
        band_labels=freshness.COMPLETENESS_LABELS,
        departements=freshness.departement_names(),
        gap_labels=gaps.GAPS,
    )


@blueprint.route("/invitations", methods=["GET", "POST"])
def invitations():
    form = InvitationForm()
    form.organisation_id.choices = organisation_choices(_organisations(), "— Choisir —")
    fiche = _invited_fiche(form)
    if form.validate_on_submit():
        organisation = _chosen_organisation(form)
        invitation = services.invite(
            current_user, form.email.data, organisation, form.message.data, fiche=fiche
        )
        notifications.send_invitation(invitation)
        db.session.commit()
        flash(messages.INVITATION_SENT.format(email=invitation.email), "success")
        return redirect(url_for("admin.invitations"))
    sent = db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc())).all()
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/invitations.html", form=form, invitations=sent, fiche=fiche
    ), status


def _invited_fiche(form: InvitationForm) -> Fiche | None:
    """Return the fiche the invitation is for (?fiche=<slug>), prefilling its porteur."""
    slug = form.fiche.data or request.args.get("fiche", "")
    if not slug:
        return None
    fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug)) or abort(404)
    form.fiche.data = fiche.slug
    if not form.is_submitted() and fiche.porteurs:
        form.organisation_id.data = str(fiche.porteurs[0].id)
    return fiche


def _chosen_organisation(form: InvitationForm) -> Organisation | None:
    if form.organisation_id.data:
        return db.session.get(Organisation, int(form.organisation_id.data)) or abort(400)
    name = (form.new_organisation.data or "").strip()
    if not name:
        return None  # a fiche without a porteur: the invited person names their organisation
    existing = find_organisation(form.siret.data, name)
    if existing is not None:
        return existing
    organisation = services.create_organisation(name, form.siret.data, form.finess.data)
    services.record_event(
        current_user,
        "organisation_created",
        "organisation",
        organisation.id,
        {"nom": organisation.name},
    )
    return organisation


@blueprint.route("/utilisateurs")
def users():
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=people)


@blueprint.route("/utilisateurs/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user, role=user.role.value)
    membership_form = MembershipForm(prefix="adhesion")
    mine = {o.id for o in user.organisations}
    membership_form.organisation_id.choices = organisation_choices(
        [o for o in _organisations() if o.id not in mine], "— Choisir —"
    )
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
            form.role.errors.append(messages.CANNOT_DEMOTE_SELF)
        else:
            services.change_role(current_user, user, form.role.data, form.active.data)
            db.session.commit()
            flash(messages.USER_SAVED.format(email=user.email), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/user.html", user=user, form=form, membership_form=membership_form
    ), status


@blueprint.route("/utilisateurs/<int:user_id>/organisations", methods=["POST"])
def add_membership(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = MembershipForm(prefix="adhesion")
    form.organisation_id.choices = organisation_choices(_organisations(), "— Choisir —")
    if not form.validate_on_submit():
        abort(400)
    organisation = db.session.get(Organisation, int(form.organisation_id.data)) or abort(400)
    services.add_membership(current_user, user, organisation)
    db.session.commit()
    flash(
        messages.MEMBERSHIP_ADDED.format(email=user.email, organisation=organisation.name),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@blueprint.route(
    "/utilisateurs/<int:user_id>/organisations/<int:organisation_id>/retirer", methods=["POST"]
)
def remove_membership(user_id: int, organisation_id: int):
    user = db.session.get(User, user_id) or abort(404)
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    services.remove_membership(current_user, user, organisation)
    db.session.commit()
    flash(
        messages.MEMBERSHIP_REMOVED.format(email=user.email, organisation=organisation.name),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@blueprint.route("/courriels")
def outbox():
    return render_template("admin/outbox.html", mails=outbox_messages())


@blueprint.route("/courriels/<name>")
def outbox_message(name: str):
    mail = read_outbox(name) or abort(404)
    return render_template("admin/outbox_message.html", mail=mail)


@blueprint.route("/journal")
def audit():
    form = AuditFilterForm(formdata=request.args)
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    valid = form.validate()
    if valid:
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.acteur.data:
            query = query.where(AuditEvent.actor_label.ilike(f"%{form.acteur.data}%"))
    page = clamp_page(form.page.data) if valid else 1
    pagination = db.paginate(query, page=page, per_page=AUDIT_PER_PAGE, error_out=False)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return render_template(
        "admin/audit.html",
        form=form,
        pagination=pagination,
        actions=list(actions),
        action_labels=messages.AUDIT_ACTIONS,
    ), (200 if valid else 400)
