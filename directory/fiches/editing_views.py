"""Editing pages of fiches: new, edit, lifecycle buttons, verification, history, look-ups."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from directory import messages as m
from directory.accounts import permissions as perm
from directory.core.errors import abort_fr
from directory.extensions import db
from directory.fiches import blueprint, editing, history
from directory.fiches import editing_actions as actions
from directory.fiches.forms import GROUPS, ConfirmForm, FicheForm, NewFicheForm, SelectChoice
from directory.fiches.models import Fiche
from directory.fiches.services import StaleFiche, fiche_to_data
from directory.messages import FIELD_LABELS
from directory.organisations.models import Organisation
from directory.territoires.services import find_communes


def _fiche_for_editing(slug: str) -> Fiche:
    """Load a fiche the current user may edit: 404 if it must stay unknown, 403 if read-only."""
    fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
    if fiche is None:
        abort(404)
    perm.require(perm.can_view_fiche(current_user, fiche), hide=True)
    perm.require(perm.can_edit_fiche(current_user, fiche))
    return fiche


def _by_service(fiche_or_org) -> bool:
    """True when the user edits as an éditeur of a porteur (the service itself)."""
    orgs = fiche_or_org.porteurs if isinstance(fiche_or_org, Fiche) else [fiche_or_org]
    return any(perm.is_editor_of(current_user, o) for o in orgs)


def _added_row(form) -> bool:
    """Handle « ajouter une ligne » (works without JavaScript): True when one was asked for."""
    group = request.form.get("ajouter")
    if group not in GROUPS:
        return False
    form.grow()
    form[group].append_entry()
    return True


def _check(form, fiche: Fiche | None, porteur_orgs=None) -> tuple[dict | None, list[str]]:
    """Validate the form as the API does; attach errors beside fields; return (data, loose)."""
    record, territory_errors = editing.form_to_record(form)
    record["statut"] = "brouillon"
    linkable = editing.linkable_by(current_user, fiche)
    data, errors = editing.load_record(record, fiche.slug if fiche else None, linkable)
    for entry, messages in territory_errors.items():
        entry.errors = list(entry.errors or []) + messages
    if porteur_orgs is not None and data is not None:
        names = {p["name"] for p in data["porteurs"]}
        if not any(o.name in names for o in porteur_orgs):
            errors = {**errors, "porteurs": [m.PORTEUR_REQUIRED]}
    loose = editing.attach_errors(form, errors)
    if errors or territory_errors:
        return None, loose
    return data, loose


def _render_form(template, form, status=200, **context):
    form.grow()
    return render_template(template, form=form, **context), status


@blueprint.route("/fiches/nouvelle", methods=["GET", "POST"])
@login_required
def new_fiche():
    organisations = perm.editable_organisations(current_user)
    perm.require(bool(organisations))
    form = NewFicheForm()
    form.organisation.choices = [SelectChoice(str(o.id), o.name) for o in organisations]
    if request.method == "GET" or _added_row(form):
        return _render_form("fiches/edit.html", form, fiche=None)
    if not form.validate():
        return _render_form("fiches/edit.html", form, 400, fiche=None, invalid=form.errors)
    org = db.session.get(Organisation, int(form.organisation.data or 0))
    if org is None or not perm.can_create_fiche_for(current_user, org):
        form.organisation.errors = [m.ORGANISATION_NOT_ALLOWED]
        return _render_form("fiches/edit.html", form, 422, fiche=None, invalid=True)
    data, loose = _check(form, None)
    if data is None:
        return _render_form("fiches/edit.html", form, 422, fiche=None, loose=loose, invalid=True)
    fiche = actions.create_for(org, data, current_user, by_service=_by_service(org))
    db.session.commit()
    flash(m.FICHE_CREATED.format(name=fiche.name), "success")
    return redirect(url_for("fiches.show_fiche", slug=fiche.slug))


@blueprint.route("/fiches/<slug>/modifier", methods=["GET", "POST"])
def edit_fiche(slug: str):
    fiche = _fiche_for_editing(slug)
    if request.method == "GET":
        record = editing.record_of(fiche_to_data(fiche))
        form = editing.build_form(record, formdata=None)
        form.version.data, form.last_change.data = fiche.version, history.last_row_id(fiche)
        return _render_form("fiches/edit.html", form, fiche=fiche)
    form = FicheForm()
    if _added_row(form):
        return _render_form("fiches/edit.html", form, fiche=fiche)
    if not form.validate():
        return _render_form("fiches/edit.html", form, 400, fiche=fiche, invalid=form.errors)
    keep = None if perm.is_admin(current_user) else current_user.organisations
    data, loose = _check(form, fiche, keep)
    if data is None:
        return _render_form("fiches/edit.html", form, 422, fiche=fiche, loose=loose, invalid=True)
    try:
        changes = actions.save(
            fiche,
            data,
            current_user,
            expected_version=_int(form.version.data),
            by_service=_by_service(fiche),
        )
        db.session.commit()
    except (StaleFiche, StaleDataError):
        return _stale(fiche, form)
    flash(m.FICHE_SAVED if changes else m.FICHE_UNCHANGED, "success" if changes else "info")
    return redirect(url_for("fiches.show_fiche", slug=fiche.slug))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _stale(fiche: Fiche, form):
    """Refuse a save based on an old version: show what changed, keep the editor's input."""
    db.session.rollback()
    fiche = db.session.get(Fiche, fiche.id)
    since = history.changes(fiche, _int(form.last_change.data))
    form.version.data, form.last_change.data = fiche.version, history.last_row_id(fiche)
    return _render_form("fiches/edit.html", form, 409, fiche=fiche, stale=since)


def _lifecycle(slug: str, action: str, message: str):
    fiche = _fiche_for_editing(slug)
    if not ConfirmForm().validate():
        abort(400)
    if not actions.can_change_status(fiche, action):
        statut = m.STATUS_LABELS[fiche.status.value]
        abort_fr(409, m.STATUS_NOT_ALLOWED.format(statut=statut))
    actions.change_status(fiche, action, current_user)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("fiches.show_fiche", slug=slug))


@blueprint.route("/fiches/<slug>/publier", methods=["POST"])
def publish_fiche(slug: str):
    return _lifecycle(slug, "fiche_published", m.FICHE_PUBLISHED)


@blueprint.route("/fiches/<slug>/archiver", methods=["POST"])
def archive_fiche(slug: str):
    return _lifecycle(slug, "fiche_archived", m.FICHE_ARCHIVED)


@blueprint.route("/fiches/<slug>/restaurer", methods=["POST"])
def restore_fiche(slug: str):
    return _lifecycle(slug, "fiche_restored", m.FICHE_RESTORED)


@blueprint.route("/fiches/<slug>/verifier", methods=["POST"])
def verify_fiche(slug: str):
    fiche = _fiche_for_editing(slug)
    if not ConfirmForm().validate():
        abort(400)
    actions.verify(fiche, current_user)
    db.session.commit()
    flash(m.FICHE_VERIFIED.format(date=format_date(fiche.verified_on, "d MMMM y")), "success")
    return redirect(url_for("fiches.show_fiche", slug=slug))


@blueprint.route("/fiches/<slug>/historique")
def fiche_history(slug: str):
    fiche = _fiche_for_editing(slug)
    return render_template(
        "fiches/history.html",
        fiche=fiche,
        changes=history.changes(fiche),
        confirm=ConfirmForm(),
    )


@blueprint.route("/fiches/<slug>/historique/<change_id>/restaurer", methods=["POST"])
def restore_version(slug: str, change_id: str):
    fiche = _fiche_for_editing(slug)
    if not ConfirmForm().validate():
        abort(400)
    current = editing.record_of(fiche_to_data(fiche))
    record = history.state_after(fiche, change_id, current)
    if record is None:
        abort(404)
    when = history.changes(fiche)
    at = next(c.at for c in when if c.change_id == change_id)
    try:
        actions.restore_version(fiche, record, current_user, change_id=change_id)
    except actions.VersionInvalid as error:
        db.session.rollback()
        fields = ", ".join(FIELD_LABELS.get(key, key) for key in error.errors)
        abort_fr(409, m.VERSION_INVALID.format(errors=fields))
    db.session.commit()
    flash(m.VERSION_RESTORED.format(date=format_date(at, "d MMMM y")), "success")
    return redirect(url_for("fiches.fiche_history", slug=slug))


@blueprint.route("/territoires/communes.json")
def communes_json():
    """Suggest communes for the territory picker: [{code, label}]."""
    text = request.args.get("q", "").strip()
    found = find_communes(text, limit=10) if len(text) >= 2 else []
    return jsonify([{"code": c.code, "label": editing.commune_label(c)} for c in found])


@blueprint.route("/territoires/epci.json")
def epcis_json():
    """Suggest EPCI for the territory picker: [{code, label}]."""
    text = request.args.get("q", "").strip()
    found = editing.find_epcis(text) if len(text) >= 2 else []
    return jsonify([{"code": e.code, "label": editing.epci_label(e)} for e in found])


@blueprint.app_template_filter("history_value")
def history_value(value, key: str) -> str:
    """Show a value of the fiche's history in French."""
    return history.value_text(value, key)


@blueprint.app_template_global("describe_change")
def describe_change(row):
    """Describe one changed field for the history page."""
    return history.describe(row)
