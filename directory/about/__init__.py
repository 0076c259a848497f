"""The pages a public site owes: accessibility statement, legal notice, personal data, site plan,
robots.txt and the sitemap; and which pages search engines may index."""

from flask import Blueprint

blueprint = Blueprint("about", __name__, template_folder="templates")
