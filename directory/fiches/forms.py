"""Forms of the fiche pages: the shared filter parameters, and the editing form of a fiche."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from directory.core.limits import page_field
from directory.fiches import referentiels
from directory.fiches.schemas import NATIONAL_FRAME_FIELDS
from directory.messages import FIELD_LABELS, SEARCH_TOO_LONG
from directory.territoires import services as territoires

BOOLEAN_CHOICES = [
    SelectChoice("", "Indifférent"),
    SelectChoice("oui", "Requise"),
    SelectChoice("non", "Non requise"),
]


# Keywords are a few words: a longer text would make the query (a LIKE per word) or the search
# engine's parse tree grow without bound.
Q_MAX = 200


class FilterForm(FlaskForm):
    """Filters read from the query string: q, type, departement, commune, public, age, …"""

    class Meta:
        csrf = False  # a GET form that changes nothing

    q = SearchField(
        "Mots-clés",
        validators=[Optional(), Length(max=Q_MAX, message=SEARCH_TOO_LONG.format(max=Q_MAX))],
    )
    type = SelectMultipleField("Type de dispositif", validators=[Optional()])
    departement = SelectField("Département", validators=[Optional()])
    commune = SearchField("Commune couverte (code INSEE)", validators=[Optional(), Length(max=100)])
    public = SelectMultipleField("Public", validators=[Optional()])
    age = IntegerField("Âge de la personne", validators=[Optional(), NumberRange(0, 120)])
    qui_peut_saisir = SelectMultipleField("Qui peut saisir", validators=[Optional()])
    notification_mdph = SelectField(
        "Notification MDPH", choices=BOOLEAN_CHOICES, validators=[Optional()]
    )
    page = page_field()

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


# --- Editing: one field per key of the standard, named after it, so the schema's errors map
# straight back onto the form (e.g. `contacts-0-courriel`). Numbers stay text: the schema converts
# them and words its errors in French.

TRISTATE = [
    SelectChoice("", "Non renseigné"),
    SelectChoice("oui", "Oui"),
    SelectChoice("non", "Non"),
]
VISIBILITY_CHOICES = [
    SelectChoice("public", "publique"),
    SelectChoice("membres", "membres connectés seulement"),
]
LINK_CHOICES = [
    SelectChoice("oriente_vers", "Oriente vers"),
    SelectChoice("partenaire_de", "Partenaire de"),
    SelectChoice("conventionne_avec", "Conventionné avec"),
]
SOURCE_CHOICES = [
    SelectChoice("verifie", "Vérifiée (lue sur une page publique)"),
    SelectChoice("tiers", "Liste tierce (à vérifier)"),
    SelectChoice("loi", "Déduite de la loi"),
    SelectChoice("declare", "Déclarée par le service"),
]
# Repeating groups, and the fields that do not count when deciding whether a row is empty.
GROUPS = ("porteurs", "prestations", "sites", "contacts", "liens", "sources", "epcis", "communes")
ROW_DEFAULTS = {"visibilite", "type", "niveau"}


class CheckboxesField(SelectMultipleField):
    """Several référentiel values as checkboxes; `hints` holds each value's definition."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    hints: dict = {}

    def pre_validate(self, form):
        pass  # unknown codes are refused by check_references, in French


class _Row(Form):
    """A row of a repeating group (no CSRF of its own: the page's form carries it)."""


class PorteurForm(_Row):
    nom = StringField("Nom de l'organisation")
    siret = StringField("SIRET")
    finess = StringField("FINESS")
    site_web = URLField("Site web")


class IdentifiantsForm(_Row):
    finess = StringField("FINESS (établissement)")
    siret = StringField("SIRET")
    ror = StringField("Identifiant ROR")


class TexteForm(_Row):
    titre = StringField("Titre du texte de référence")
    url = URLField("Lien vers le texte")


class AdresseForm(_Row):
    ligne1 = StringField("Adresse")
    ligne2 = StringField("Complément d'adresse")
    code_postal = StringField("Code postal")
    commune = StringField("Commune (code INSEE)")


class ContactForm(_Row):
    nom = StringField("Nom")
    fonction = StringField("Fonction")
    telephone = TelField("Téléphone")
    courriel = EmailField("Courriel")
    visibilite = RadioField(
        "Visibilité", choices=VISIBILITY_CHOICES, default="membres", validate_choice=False
    )


class LienForm(_Row):
    type = SelectField("Type de lien", choices=LINK_CHOICES, validate_choice=False)
    fiche = StringField("Fiche liée (identifiant, ex. mdph-moselle)")


class SourceForm(_Row):
    titre = StringField("Titre")
    url = URLField("Adresse web")
    niveau = SelectField("Niveau", choices=SOURCE_CHOICES, validate_choice=False)
    champs = StringField("Champs appuyés (clés séparées par des virgules)")
    date = StringField("Date des faits (AAAA, AAAA-MM ou AAAA-MM-JJ)")


class SiteForm(_Row):
    """Another place of the dispositif; its address fields sit in the row (no sub-form)."""

    nom = StringField("Nom du lieu (ex. « Site de Colmar »)")
    ligne1 = StringField("Adresse")
    ligne2 = StringField("Complément d'adresse")
    code_postal = StringField("Code postal")
    commune = StringField("Commune (code INSEE)")
    latitude = StringField("Latitude")
    longitude = StringField("Longitude")
    horaires = StringField("Horaires")
    telephone = TelField("Téléphone")
    courriel = EmailField("Courriel")


class FicheForm(FlaskForm):
    """Every field of the standard, in the sections of the fiche page."""

    version = HiddenField()
    last_change = HiddenField()  # newest history row when the form was opened
    # Identité
    nom = StringField("Nom du dispositif")
    sigle = StringField("Sigle")
    type = RadioField("Type de dispositif", validate_choice=False)
    porteurs = FieldList(FormField(PorteurForm), label="Porteurs")
    financeurs = CheckboxesField("Financeurs")
    identifiants = FormField(IdentifiantsForm, label="Identifiants")
    annee_creation = StringField("Année de création")
    texte_de_reference = FormField(TexteForm, label="Texte de référence")
    # Ce que fait le dispositif
    resume = TextAreaField("Résumé (280 caractères au plus)")
    missions = TextAreaField("Missions")
    prestations = FieldList(StringField("Prestation"), label="Prestations")
    niveau_de_recours = RadioField("Niveau de recours", validate_choice=False)
    # Pour qui
    age_min = StringField("Âge minimum (ans)")
    age_max = StringField("Âge maximum (ans)")
    publics = CheckboxesField("Publics")
    situations = CheckboxesField("Situations")
    conditions_acces = TextAreaField("Conditions d'accès")
    # Comment saisir
    qui_peut_saisir = CheckboxesField("Qui peut saisir")
    notification_mdph_requise = SelectField("Notification MDPH requise", choices=TRISTATE)
    modalites_saisine = TextAreaField("Modalités de saisine")
    lien_saisine = URLField("Formulaire de saisine (lien)")
    documents_requis = TextAreaField("Documents à fournir")
    gratuit = SelectField("Gratuit", choices=TRISTATE)
    gratuit_precisions = StringField("Précisions sur le coût")
    # Où
    region = BooleanField("Toute la région Grand Est")
    departements = CheckboxesField("Départements couverts")
    epcis = FieldList(StringField("EPCI"), label="EPCI couverts")
    communes = FieldList(StringField("Commune"), label="Communes couvertes")
    modes_intervention = CheckboxesField("Modes d'intervention")
    adresse = FormField(AdresseForm, label="Adresse")
    latitude = StringField("Latitude")
    longitude = StringField("Longitude")
    horaires = StringField("Horaires")
    acceslibre_url = URLField("Fiche acceslibre (lien)")
    sites = FieldList(FormField(SiteForm), label="Autres lieux d'accueil (sites, antennes)")
    # Contacts
    telephone = TelField("Téléphone")
    courriel = EmailField("Courriel")
    site_web = URLField("Site web")
    contacts = FieldList(FormField(ContactForm), label="Interlocuteurs")
    equipe = TextAreaField("Équipe")
    # Liens, sources
    liens = FieldList(FormField(LienForm), label="Liens avec d'autres dispositifs")
    sources = FieldList(FormField(SourceForm), label="Sources")
    # Vie de la fiche
    frequence_verification = StringField("Fréquence de vérification (mois)", default="12")
    cadre_national = CheckboxesField("Textes repris du cadre national du type")
    fictive = BooleanField("Fiche fictive (pour des essais)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = referentiels.types()
        self.type.choices = [SelectChoice(t.code, f"{t.acronym} — {t.name}") for t in types]
        self.type.hints = {t.code: _type_hint(t) for t in types}
        for name, kind in CODED_FIELDS.items():
            values = referentiels.values(kind)
            self[name].choices = [SelectChoice(v.code, v.label) for v in values]
            self[name].hints = {v.code: v.definition for v in values if v.definition}
        self.niveau_de_recours.choices.insert(0, SelectChoice("", "Non renseigné"))
        self.departements.choices = [
            SelectChoice(d.code, f"{d.name} ({d.code})") for d in territoires.departements()
        ]
        self.departements.hints = {}
        self.cadre_national.choices = [
            SelectChoice(key, FIELD_LABELS.get(key, key).capitalize())
            for key in NATIONAL_FRAME_FIELDS
        ]
        self.cadre_national.hints = {}

    def grow(self) -> None:
        """Make sure every repeating group ends with one empty row to fill."""
        for name in GROUPS:
            group = self[name]
            if not group.entries or not row_is_empty(group.entries[-1]):
                group.append_entry()


def _type_hint(type_) -> str:
    level = f" Niveau habituel : {type_.level}." if type_.level else ""
    old = " Type historique : choisissez plutôt son successeur." if type_.is_historical else ""
    return f"{type_.definition}{level}{old}"


CODED_FIELDS = {
    "financeurs": "financeurs",
    "publics": "publics",
    "situations": "situations",
    "qui_peut_saisir": "qui-peut-saisir",
    "modes_intervention": "modes-intervention",
    "niveau_de_recours": "niveaux-de-recours",
}


def row_is_empty(entry) -> bool:
    """Return True when a row of a repeating group has nothing typed in it."""
    data = entry.data
    if isinstance(data, dict):
        return all(not (v or "").strip() for k, v in data.items() if k not in ROW_DEFAULTS)
    return not (data or "").strip()


class ConfirmForm(FlaskForm):
    """An empty form: a button whose POST carries the CSRF token."""


class NewFicheForm(FicheForm):
    """A new fiche: the editing form, and which of the user's organisations carries it."""

    organisation = SelectField("Organisation porteuse", validate_choice=False)
