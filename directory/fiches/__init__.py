"""The fiche d'identité: model, standard, services, public pages."""

from flask import Blueprint

blueprint = Blueprint("fiches", __name__, template_folder="templates")
