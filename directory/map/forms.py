"""The coverage view's form: which type of dispositif to map."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from directory.fiches import referentiels


class CoverageForm(FlaskForm):
    """The type whose coverage is shown, read from the query string."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    type = SelectField("Type de dispositif", validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = [SelectChoice("", "Choisir un type")] + [
            SelectChoice(t.code, f"{t.acronym} — {t.name}") for t in referentiels.types()
        ]
