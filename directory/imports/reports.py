"""« Signaler une erreur ou proposer une modification »: a visitor's report becomes a proposal.

A report on a plain text field (phone, e-mail, hours…) whose text passes the standard becomes a
field proposal, which the éditeur can apply in one click; anything else is a remark that the
éditeur reads and acts on in the edit form.
"""

from marshmallow import ValidationError

from directory.fiches.models import Fiche
from directory.fiches.schemas import FicheSchema
from directory.imports.models import Proposal, ProposalKind, ProposalOrigin
from directory.imports.proposals import SourceInfo, propose

# (code, label shown to the visitor, the standard's field it may replace or None)
REPORT_PARTS = (
    ("telephone", "Le numéro de téléphone", "telephone"),
    ("courriel", "L'adresse électronique", "courriel"),
    ("site_web", "Le site web", "site_web"),
    ("adresse", "L'adresse ou les lieux d'accueil", None),
    ("horaires", "Les horaires", "horaires"),
    ("saisine", "Comment saisir le dispositif", "modalites_saisine"),
    ("publics", "Pour qui (publics, âges, situations)", None),
    ("territoire", "Le territoire couvert", None),
    ("missions", "Ce que fait le dispositif", None),
    ("ferme", "Ce dispositif a fermé ou a changé de nom", None),
    ("autre", "Autre chose", None),
)
PART_LABELS = {code: label for code, label, _ in REPORT_PARTS}
_FIELDS = {code: field for code, _, field in REPORT_PARTS}


def _fits(field: str, text: str) -> bool:
    """Tell whether the text is a valid value of the field (e.g. a well-formed e-mail)."""
    schema = FicheSchema(only=(_attribute(field),), partial=True)
    try:
        schema.load({field: text})
    except ValidationError:
        return False
    return True


def _attribute(field: str) -> str:
    return next(name for name, f in FicheSchema().fields.items() if (f.data_key or name) == field)


def report(fiche: Fiche, part: str, text: str, email: str | None) -> Proposal:
    """Turn a visitor's report into a proposal on the fiche."""
    text = text.strip()
    field = _FIELDS.get(part)
    source = SourceInfo(origin=ProposalOrigin.SIGNALEMENT, title="Signalement d'un visiteur")
    if field and _fits(field, text):
        proposal = propose(fiche, field, text, source, message=text, reporter_email=email or None)
        if proposal is not None:
            return proposal
    return propose(
        fiche,
        part,
        None,
        source,
        kind=ProposalKind.REMARQUE,
        message=text,
        reporter_email=email or None,
    )
