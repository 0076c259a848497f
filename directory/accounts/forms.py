"""Forms of the account pages: sign-in, passwords, invitation, profile."""

from flask import current_app
from flask_wtf import FlaskForm
from marshmallow import ValidationError as SchemaError
from marshmallow.validate import Email as EmailRule
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from directory import messages


def _min_length(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(messages.PASSWORD_TOO_SHORT.format(min=minimum))


def valid_email(form, field):
    """Check the address with the API's rule (marshmallow), so both agree."""
    try:
        EmailRule(error=messages.NOT_AN_EMAIL)(field.data or "")
    except SchemaError as error:
        raise ValidationError(messages.NOT_AN_EMAIL) from error


def email_field(label="Adresse électronique"):
    return EmailField(
        label,
        validators=[DataRequired(messages.REQUIRED), valid_email, Length(max=255)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Mot de passe", validators=[DataRequired(messages.REQUIRED)])


class NewPasswordForm(FlaskForm):
    """Choosing a password, after an invitation or a reset."""

    password = PasswordField(
        "Nouveau mot de passe", validators=[DataRequired(messages.REQUIRED), _min_length]
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[
            DataRequired(messages.REQUIRED),
            EqualTo("password", messages.PASSWORD_MISMATCH),
        ],
    )


class InvitationAcceptForm(NewPasswordForm):
    name = StringField("Votre nom", validators=[DataRequired(messages.REQUIRED), Length(max=255)])
    # Asked only when the invitation names a fiche without a porteur (see the view).
    organisation = StringField("Votre organisation (le service qui porte la fiche)")
    siret = StringField(
        "SIRET de l'organisation (facultatif)",
        validators=[Optional(), Regexp(r"^\d{14}$", message=messages.SIRET_PATTERN)],
    )


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class AccountForm(FlaskForm):
    """The signed-in user's own name and, optionally, a new password."""

    name = StringField("Nom", validators=[DataRequired(messages.REQUIRED), Length(max=255)])
    current_password = PasswordField("Mot de passe actuel")
    password = PasswordField("Nouveau mot de passe (laisser vide pour le garder)")
    confirm = PasswordField(
        "Confirmez le nouveau mot de passe",
        validators=[EqualTo("password", messages.PASSWORD_MISMATCH)],
    )

    def validate_password(self, field):
        if field.data:
            _min_length(self, field)
