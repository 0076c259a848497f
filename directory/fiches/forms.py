"""Forms of the fiche pages: the one set of filter parameters shared by lists, search and map."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from directory.fiches import referentiels
from directory.territoires import services as territoires

BOOLEAN_CHOICES = [
    SelectChoice("", "Indifférent"),
    SelectChoice("oui", "Requise"),
    SelectChoice("non", "Non requise"),
]


class FilterForm(FlaskForm):
    """Filters read from the query string: q, type, departement, commune, public, age, …"""

    class Meta:
        csrf = False  # a GET form that changes nothing

    q = SearchField("Mots-clés", validators=[Optional()])
    type = SelectMultipleField("Type de dispositif", validators=[Optional()])
    departement = SelectField("Département", validators=[Optional()])
    commune = SearchField("Commune couverte (code INSEE)", validators=[Optional()])
    public = SelectMultipleField("Public", validators=[Optional()])
    age = IntegerField("Âge de la personne", validators=[Optional(), NumberRange(0, 120)])
    qui_peut_saisir = SelectMultipleField("Qui peut saisir", validators=[Optional()])
    notification_mdph = SelectField(
        "Notification MDPH", choices=BOOLEAN_CHOICES, validators=[Optional()]
    )
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = [
            SelectChoice(t.code, f"{t.acronym} — {t.name}") for t in referentiels.types()
        ]
        self.departement.choices = [SelectChoice("", "Tous")] + [
            SelectChoice(d.code, f"{d.name} ({d.code})") for d in territoires.departements()
        ]
        self.public.choices = [
            SelectChoice(v.code, v.label) for v in referentiels.values("publics")
        ]
        self.qui_peut_saisir.choices = [
            SelectChoice(v.code, v.label) for v in referentiels.values("qui-peut-saisir")
        ]

    def filters(self) -> dict:
        """Return the valid, non-empty filters as a plain dict."""
        names = (
            "q",
            "type",
            "departement",
            "commune",
            "public",
            "age",
            "qui_peut_saisir",
            "notification_mdph",
        )
        return {n: self[n].data for n in names if self[n].data not in (None, "", [])}
