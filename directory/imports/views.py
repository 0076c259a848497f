"""Pages of proposals: a visitor's report on a public fiche, the review by the fiche's éditeurs
and admins, and the admin overview."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from directory import messages as m
from directory.accounts import permissions as perm
from directory.accounts.services import record_event
from directory.extensions import db, limiter
from directory.fiches.models import Fiche, Statut
from directory.fiches.services import StaleFiche
from directory.imports import blueprint, proposals, reports
from directory.imports.forms import ReportForm, ReviewForm
from directory.imports.models import Proposal, ProposalStatus

CLOSED_SHOWN = 20


def _report_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


@blueprint.app_context_processor
def proposal_helpers():
    """Let the fiche's editor bar show its open proposals without fiches knowing of them."""
    return {"open_proposal_count": lambda fiche: proposals.open_counts([fiche.id]).get(fiche.id, 0)}


@blueprint.route("/fiches/<slug>/signaler", methods=["GET", "POST"])
@limiter.limit(_report_limit, methods=["POST"])
def report_fiche(slug: str):
    fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
    if fiche is None or fiche.status != Statut.PUBLIEE:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        if not form.site_internet.data:  # a robot filled the honeypot: thank it, keep nothing
            reports.report(fiche, form.partie.data, form.texte.data, form.courriel.data)
            db.session.commit()
        flash(m.REPORT_THANKS, "success")
        return redirect(url_for("fiches.show_fiche", slug=fiche.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("imports/report.html", fiche=fiche, form=form), status


def _reviewable_fiche(fiche: Fiche | None) -> Fiche:
    if fiche is None:
        abort(404)
    perm.require(perm.can_view_fiche(current_user, fiche), hide=True)
    perm.require(perm.can_edit_fiche(current_user, fiche))
    return fiche


def _render_review(fiche: Fiche, status: int = 200, error: str | None = None):
    closed = db.session.scalars(
        select(Proposal)
        .where(Proposal.fiche_id == fiche.id, Proposal.status != ProposalStatus.OUVERTE)
        .order_by(Proposal.decided_at.desc())
        .limit(CLOSED_SHOWN)
    ).all()
    return render_template(
        "imports/fiche_proposals.html",
        fiche=fiche,
        pending=proposals.open_proposals([fiche.id]),
        closed=closed,
        form=ReviewForm(version=fiche.version),
        error=error,
        part_labels=reports.PART_LABELS,
        origin_labels=proposals.ORIGIN_LABELS,
        can_erase=perm.is_admin(current_user),
    ), status


@blueprint.route("/fiches/<slug>/propositions")
def fiche_proposals(slug: str):
    fiche = _reviewable_fiche(db.session.scalar(select(Fiche).where(Fiche.slug == slug)))
    return _render_review(fiche)


def _proposal_for_review(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    _reviewable_fiche(proposal.fiche)
    return proposal


def _by_service(fiche: Fiche) -> bool:
    return any(perm.is_editor_of(current_user, o) for o in fiche.porteurs)


@blueprint.route("/propositions/<int:proposal_id>/accepter", methods=["POST"])
def accept_proposal(proposal_id: int):
    proposal = _proposal_for_review(proposal_id)
    fiche = proposal.fiche
    form = ReviewForm()
    if not form.validate_on_submit() or not (form.version.data or "").isdigit():
        abort(400)
    if not proposal.is_open:
        flash(m.PROPOSAL_ALREADY_CLOSED, "info")
        return redirect(url_for("imports.fiche_proposals", slug=fiche.slug))
    try:
        changes = proposals.accept(
            proposal,
            current_user,
            by_service=_by_service(fiche),
            expected_version=int(form.version.data),
        )
    except StaleFiche:
        db.session.rollback()
        return _render_review(fiche, 409, m.PROPOSAL_STALE)
    except proposals.ProposalInvalid as exc:
        db.session.rollback()
        errors = "; ".join(str(v) for v in exc.errors.values())
        return _render_review(fiche, 422, m.PROPOSAL_INVALID.format(errors=errors))
    record_event(current_user, "proposal_accepted", "fiche", fiche.id, _details(proposal))
    db.session.commit()
    flash(m.PROPOSAL_ACCEPTED if changes else m.PROPOSAL_CLOSED, "success")
    return redirect(url_for("imports.fiche_proposals", slug=fiche.slug))


@blueprint.route("/propositions/<int:proposal_id>/refuser", methods=["POST"])
def reject_proposal(proposal_id: int):
    proposal = _proposal_for_review(proposal_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    if proposal.is_open:
        proposals.reject(proposal, current_user, form.note.data)
        record_event(
            current_user, "proposal_rejected", "fiche", proposal.fiche_id, _details(proposal)
        )
        db.session.commit()
        flash(m.PROPOSAL_REJECTED, "success")
    else:
        flash(m.PROPOSAL_ALREADY_CLOSED, "info")
    return redirect(url_for("imports.fiche_proposals", slug=proposal.fiche.slug))


@blueprint.route("/propositions/<int:proposal_id>/effacer", methods=["POST"])
def erase_proposal(proposal_id: int):
    perm.require(perm.is_admin(current_user))
    proposal = db.session.get(Proposal, proposal_id) or abort(404)
    if not ReviewForm().validate_on_submit():
        abort(400)
    rows = proposals.erase_personal_data(proposal)
    record_event(current_user, "proposal_erased", "fiche", proposal.fiche_id, {"id": proposal.id})
    db.session.commit()
    flash(m.PROPOSAL_ERASED.format(rows=rows), "success")
    return redirect(url_for("imports.fiche_proposals", slug=proposal.fiche.slug))


def _details(proposal: Proposal) -> dict:
    return {"proposition": proposal.id, "champ": proposal.field, "origine": proposal.origin.value}


@blueprint.route("/admin/propositions")
def admin_proposals():
    perm.require(perm.can_administer(current_user))
    counts = proposals.open_counts()
    fiches = db.session.scalars(
        select(Fiche).where(Fiche.id.in_(list(counts))).order_by(Fiche.name)
    ).all()
    return render_template(
        "imports/admin_proposals.html",
        fiches=[(f, counts[f.id]) for f in fiches],
        by_origin=proposals.counts_by_origin(),
        status_labels={"ouverte": "ouvertes", "acceptee": "acceptées", "rejetee": "refusées"},
    )
