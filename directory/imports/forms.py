"""Forms of proposals: a visitor's report, and the review buttons of an éditeur."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from directory import messages as m
from directory.accounts.forms import valid_email
from directory.imports.reports import REPORT_PARTS


class ReportForm(FlaskForm):
    """« Signaler une erreur ou proposer une modification », without an account."""

    partie = RadioField(
        "Quelle partie de la fiche est inexacte ?",
        choices=[SelectChoice(code, label) for code, label, _ in REPORT_PARTS],
        default="autre",
    )
    texte = TextAreaField(
        "Ce qui est inexact, et ce qu'il faudrait écrire",
        validators=[
            DataRequired(m.REPORT_TEXT_REQUIRED),
            Length(max=2000, message=m.REPORT_TEXT_TOO_LONG),
        ],
    )
    courriel = EmailField(
        "Votre adresse électronique (facultatif)",
        validators=[Optional(), valid_email, Length(max=255)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    # A honeypot: hidden from people (and screen readers), filled in by robots.
    site_internet = StringField("Ne remplissez pas ce champ")


class ReviewForm(FlaskForm):
    """Accept or reject one proposal; the version guards against a stale page."""

    version = HiddenField()
    note = StringField("Note (facultative)", validators=[Optional(), Length(max=500)])
