"""Administration: freshness dashboard, invitations, users and roles, outbox, audit trail."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
