"""Forms of the administration pages."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from directory import messages
from directory.accounts import services
from directory.accounts.forms import email_field
from directory.core.limits import page_field
from directory.organisations.models import Organisation

ROLE_CHOICES = [SelectChoice("membre", "Membre"), SelectChoice("admin", "Administrateur")]


def organisation_choices(organisations: list[Organisation], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [SelectChoice(str(o.id), o.name) for o in organisations]


class InvitationForm(FlaskForm):
    """Invite a service: an existing organisation or a new one, and an address."""

    email = email_field("Adresse électronique de la personne invitée")
    fiche = HiddenField()  # the slug of the fiche to keep, when the invitation is for one
    organisation_id = SelectField("Organisation existante", validators=[Optional()])
    new_organisation = StringField(
        "Ou nouvelle organisation : nom", validators=[Optional(), Length(max=255)]
    )
    siret = StringField(
        "SIRET (facultatif)",
        validators=[Optional(), Regexp(r"^\d{14}$", message=messages.SIRET_PATTERN)],
    )
    finess = StringField(
        "FINESS (facultatif)",
        validators=[Optional(), Regexp(r"^[0-9AB]{9}$", message=messages.FINESS_PATTERN)],
    )
    message = TextAreaField("Message personnel (facultatif)", validators=[Length(max=2000)])

    def validate_email(self, field):
        if services.find_user(field.data):
            raise ValidationError(messages.EMAIL_TAKEN_HINT)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # For a fiche without a porteur, the invited person names their organisation.
        if self.fiche.data:
            return valid
        if not self.organisation_id.data and not (self.new_organisation.data or "").strip():
            self.organisation_id.errors = [
                *self.organisation_id.errors,
                messages.ORGANISATION_REQUIRED,
            ]
            return False
        return valid


class UserForm(FlaskForm):
    """An admin changes a user's global role and whether the account is active."""

    role = SelectField("Rôle", choices=ROLE_CHOICES)
    active = BooleanField("Compte actif")


class MembershipForm(FlaskForm):
    organisation_id = SelectField("Organisation", validators=[DataRequired(messages.REQUIRED)])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    action = StringField("Action", validators=[Optional(), Length(max=60)])
    acteur = StringField("Acteur", validators=[Optional(), Length(max=255)])
    page = page_field()
