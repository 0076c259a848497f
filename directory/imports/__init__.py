"""Everything that brings data in: the seed, imports in the standard, official open datasets
(FINESS, Annuaire de l'administration) and proposals from outside, reviewed before they apply."""

from flask import Blueprint

blueprint = Blueprint("imports", __name__, template_folder="templates")
