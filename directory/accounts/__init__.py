"""Accounts: users, roles, memberships, invitations, sign-in, mail and the audit trail."""

from flask import Blueprint

blueprint = Blueprint("accounts", __name__, template_folder="templates")
