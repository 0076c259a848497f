"""The fiche standard as marshmallow schemas: French keys outside, English attributes inside.

Schemas work on the fiche's canonical data (see `services.fiche_to_data`): `load` validates a
record of the published standard (schemas/fiche.schema.json) and returns that data; `dump` turns it
back into the standard, per audience (public, membre, éditeur).
"""

from marshmallow import ValidationError, post_dump, post_load, pre_load, validates_schema

from directory import messages as m
from directory.core.schema import (
    URL,
    Boolean,
    Date,
    DateTime,
    Email,
    Float,
    FrenchSchema,
    Integer,
    Length,
    List,
    Nested,
    OneOf,
    Range,
    String,
    regexp,
)
from directory.fiches.models import LinkKind, SourceLevel, Statut, Visibility

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SIRET_RE = r"^[0-9]{14}$"
FINESS_RE = r"^[0-9AB]{9}$"
POSTCODE_RE = r"^[0-9]{5}$"
INSEE_RE = r"^[0-9][0-9AB][0-9]{3}$"
TERRITORY_CODE_RE = r"^[0-9AB]{2,9}$"
# A fact's date, as precise as its source: a year, a month or a day.
FACT_DATE_RE = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
LEVELS = ("region", "departement", "epci", "commune")
NATIONAL_FRAME_FIELDS = {
    "missions": "missions",
    "publics": "publics",
    "situations": "situations",
    "age_min": "age_min",
    "age_max": "age_max",
    "conditions_acces": "access_conditions",
    "qui_peut_saisir": "qui_peut_saisir",
    "notification_mdph_requise": "mdph_notification_required",
    "modalites_saisine": "saisine_terms",
}
# Longest texts of the standard (since 1.1.0): a fiche is read on a phone, not a report.
LONG_TEXT = 2000
SHORT_TEXT = 500
# Référentiel-coded list fields: attribute → référentiel kind.
CODED_LISTS = {
    "publics": "publics",
    "financeurs": "financeurs",
    "situations": "situations",
    "qui_peut_saisir": "qui-peut-saisir",
    "modes_intervention": "modes-intervention",
}


def _text(key, size=None, **kw):
    validators = [Length(min=1, max=size)] if size else [Length(min=1)]
    return String(data_key=key, allow_none=True, validate=validators, **kw)


def _url(key, size=500):
    return URL(data_key=key, allow_none=True, validate=Length(max=size), schemes={"http", "https"})


def _codes(key):
    return List(String(validate=Length(min=1, max=60)), data_key=key, load_default=list)


class _Part(FrenchSchema):
    """Base of nested parts: unknown keys are refused, blank strings count as empty."""

    @pre_load
    def blank_to_none(self, data, **kwargs):
        if isinstance(data, dict):
            return {
                k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()
            }
        return data


class PorteurSchema(_Part):
    name = String(data_key="nom", required=True, validate=Length(min=1, max=255))
    siret = String(data_key="siret", allow_none=True, validate=regexp(SIRET_RE, m.SIRET_PATTERN))
    finess = String(
        data_key="finess", allow_none=True, validate=regexp(FINESS_RE, m.FINESS_PATTERN)
    )
    website = _url("site_web")


class IdentifiersSchema(_Part):
    finess = String(
        data_key="finess", allow_none=True, validate=regexp(FINESS_RE, m.FINESS_PATTERN)
    )
    siret = String(data_key="siret", allow_none=True, validate=regexp(SIRET_RE, m.SIRET_PATTERN))
    ror = String(data_key="ror", allow_none=True, validate=Length(max=40))


class LegalTextSchema(_Part):
    title = _text("titre", SHORT_TEXT)
    url = _url("url")


class TerritorySchema(_Part):
    level = String(data_key="niveau", required=True, validate=OneOf(LEVELS))
    code = String(
        data_key="code", required=True, validate=regexp(TERRITORY_CODE_RE, m.TERRITORY_CODE_PATTERN)
    )


class AddressSchema(_Part):
    line1 = _text("ligne1", 255)
    line2 = _text("ligne2", 255)
    postcode = String(
        data_key="code_postal", allow_none=True, validate=regexp(POSTCODE_RE, m.POSTCODE_PATTERN)
    )
    commune = String(
        data_key="commune", allow_none=True, validate=regexp(INSEE_RE, m.INSEE_PATTERN)
    )


class ContactSchema(_Part):
    name = String(data_key="nom", required=True, validate=Length(min=1, max=255))
    role = _text("fonction", 255)
    phone = _text("telephone", 40)
    email = Email(data_key="courriel", allow_none=True, validate=Length(max=255))
    visibility = String(
        data_key="visibilite",
        load_default=Visibility.MEMBRES.value,
        validate=OneOf([v.value for v in Visibility]),
    )


class LinkSchema(_Part):
    kind = String(data_key="type", required=True, validate=OneOf([k.value for k in LinkKind]))
    fiche = String(data_key="fiche", required=True, validate=regexp(SLUG_RE, m.SLUG_PATTERN))


class SourceSchema(_Part):
    title = String(data_key="titre", required=True, validate=Length(min=1, max=SHORT_TEXT))
    url = _url("url", 1000)
    level = String(data_key="niveau", required=True, validate=OneOf([s.value for s in SourceLevel]))
    fields = List(String(validate=Length(max=60)), data_key="champs", load_default=list)
    date = String(
        data_key="date", allow_none=True, validate=regexp(FACT_DATE_RE, m.FACT_DATE_PATTERN)
    )


class SiteSchema(_Part):
    """Another place where the dispositif receives people: a site, an antenne."""

    name = String(data_key="nom", required=True, validate=Length(min=1, max=255))
    address = Nested(AddressSchema, data_key="adresse", load_default=dict)
    latitude = Float(data_key="latitude", allow_none=True, validate=Range(-90, 90))
    longitude = Float(data_key="longitude", allow_none=True, validate=Range(-180, 180))
    opening_hours = _text("horaires", SHORT_TEXT)
    phone = _text("telephone", 40)
    email = Email(data_key="courriel", allow_none=True, validate=Length(max=255))

    @post_load
    def complete_address(self, data, **kwargs):
        data["address"] = data.get("address") or {}
        return data


class FicheSchema(_Part):
    """The whole fiche, as the éditeur sees it; the base of the other audiences."""

    id = Integer(dump_only=True)
    slug = String(validate=[Length(max=160), regexp(SLUG_RE, m.SLUG_PATTERN)], allow_none=True)
    name = String(data_key="nom", required=True, validate=Length(min=1, max=255))
    acronym = _text("sigle", 80)
    type = String(data_key="type", required=True, validate=Length(min=1, max=40))
    status = String(
        data_key="statut",
        load_default=Statut.BROUILLON.value,
        validate=OneOf([s.value for s in Statut]),
    )
    fictive = Boolean(load_default=False)
    porteurs = List(Nested(PorteurSchema), load_default=list)
    financeurs = _codes("financeurs")
    identifiers = Nested(IdentifiersSchema, data_key="identifiants", load_default=dict)
    creation_year = Integer(data_key="annee_creation", allow_none=True, validate=Range(1900, 2100))
    legal_text = Nested(LegalTextSchema, data_key="texte_de_reference", load_default=dict)
    summary = String(data_key="resume", required=True, validate=Length(min=1, max=280))
    missions = String(data_key="missions", required=True, validate=Length(min=1, max=5000))
    services = List(
        String(validate=Length(min=1, max=200)), data_key="prestations", load_default=list
    )
    recourse_level = String(data_key="niveau_de_recours", allow_none=True)
    age_min = Integer(data_key="age_min", allow_none=True, validate=Range(0, 120))
    age_max = Integer(data_key="age_max", allow_none=True, validate=Range(0, 120))
    publics = _codes("publics")
    situations = _codes("situations")
    access_conditions = _text("conditions_acces", LONG_TEXT)
    qui_peut_saisir = _codes("qui_peut_saisir")
    mdph_notification_required = Boolean(data_key="notification_mdph_requise", allow_none=True)
    saisine_terms = _text("modalites_saisine", LONG_TEXT)
    saisine_url = _url("lien_saisine")
    required_documents = _text("documents_requis", LONG_TEXT)
    free_of_charge = Boolean(data_key="gratuit", allow_none=True)
    cost_details = _text("gratuit_precisions", SHORT_TEXT)
    territory = List(Nested(TerritorySchema), data_key="territoire", load_default=list)
    modes_intervention = _codes("modes_intervention")
    address = Nested(AddressSchema, data_key="adresse", load_default=dict)
    latitude = Float(data_key="latitude", allow_none=True, validate=Range(-90, 90))
    longitude = Float(data_key="longitude", allow_none=True, validate=Range(-180, 180))
    opening_hours = _text("horaires", SHORT_TEXT)
    acceslibre_url = _url("acceslibre_url")
    sites = List(Nested(SiteSchema), data_key="sites", load_default=list)
    phone = _text("telephone", 40)
    email = Email(data_key="courriel", allow_none=True, validate=Length(max=255))
    website = _url("site_web")
    contacts = List(Nested(ContactSchema), load_default=list)
    team = _text("equipe", LONG_TEXT)
    links = List(Nested(LinkSchema), data_key="liens", load_default=list)
    sources = List(Nested(SourceSchema), load_default=list)
    national_frame = List(
        String(validate=OneOf(list(NATIONAL_FRAME_FIELDS))),
        data_key="cadre_national",
        load_default=list,
    )
    verification_months = Integer(
        data_key="frequence_verification", load_default=12, validate=Range(1, 60)
    )
    updated_at = DateTime(data_key="mis_a_jour_le", dump_only=True)
    verified_on = Date(data_key="verifie_le", dump_only=True, allow_none=True)
    completeness = Integer(data_key="completude", dump_only=True)
    version = Integer(dump_only=True)

    @validates_schema
    def check_rules(self, data, **kwargs):
        """Cross-field rules of the standard (codes are checked against the database later)."""
        errors = {}
        lo, hi = data.get("age_min"), data.get("age_max")
        if lo is not None and hi is not None and lo > hi:
            errors["age_min"] = [m.AGE_ORDER]
        for attr in (
            "financeurs",
            "publics",
            "situations",
            "qui_peut_saisir",
            "modes_intervention",
        ):
            values = data.get(attr) or []
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                key = self.fields[attr].data_key or attr
                errors[key] = [m.DUPLICATE_VALUE.format(value=", ".join(dupes))]
        if errors:
            raise ValidationError(errors)

    @post_load
    def defaults(self, data, **kwargs):
        for key in ("identifiers", "legal_text", "address"):
            data[key] = data.get(key) or {}
        return data


class EditorFicheSchema(FicheSchema):
    """What an éditeur of the fiche (or an admin) sees: everything."""


class MemberFicheSchema(FicheSchema):
    """What a signed-in professional sees: every contact, no editing bookkeeping."""

    class Meta:
        exclude = ("version",)


class PublicFicheSchema(MemberFicheSchema):
    """What anyone sees: contacts marked members-only are left out."""

    @post_dump
    def drop_members_only_contacts(self, data, **kwargs):
        data["contacts"] = [
            c for c in data.get("contacts", []) if c.get("visibilite") == Visibility.PUBLIC.value
        ]
        return data


SCHEMAS = {"public": PublicFicheSchema, "membre": MemberFicheSchema, "editeur": EditorFicheSchema}
