"""Proposals: what comes from outside (open datasets, visitors' reports, later the API) waits
here until a fiche's éditeur or an admin accepts or rejects it, field by field."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.models import UTCDateTime, utcnow
from directory.extensions import db
from directory.fiches.models import Fiche


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], length=20)


class ProposalStatus(enum.StrEnum):
    OUVERTE = "ouverte"
    ACCEPTEE = "acceptee"
    REJETEE = "rejetee"


class ProposalOrigin(enum.StrEnum):
    """Where a proposal comes from."""

    FINESS = "finess"
    ANNUAIRE = "annuaire"
    SIGNALEMENT = "signalement"
    API = "api"


class ProposalKind(enum.StrEnum):
    CHAMP = "champ"  # a new value for one field of the standard
    DOUBLON = "doublon"  # another fiche (or dataset row) may describe the same dispositif
    REMARQUE = "remarque"  # a visitor's free text about a part of the fiche


class Proposal(db.Model):
    """One proposed change of one fiche, with its source, reviewed before anything applies."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ProposalKind] = mapped_column(_enum(ProposalKind, "proposal_kind"))
    # A key of the standard (e.g. "telephone", "adresse"), or a part of the fiche for a remark.
    field: Mapped[str | None] = mapped_column(String(60))
    current_value: Mapped[object | None] = mapped_column(JSON(none_as_null=True))
    proposed_value: Mapped[object | None] = mapped_column(JSON(none_as_null=True))
    origin: Mapped[ProposalOrigin] = mapped_column(_enum(ProposalOrigin, "proposal_origin"))
    source_title: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(1000))
    source_ref: Mapped[str | None] = mapped_column(String(120), index=True)  # FINESS n°, DILA id
    source_date: Mapped[str | None] = mapped_column(String(10))  # date of the fact
    message: Mapped[str | None] = mapped_column(Text)
    related_fiche_id: Mapped[int | None] = mapped_column(
        ForeignKey("fiches.id", ondelete="SET NULL")
    )
    # A visitor's address, kept only while the proposal is open (erased when it is closed).
    reporter_email: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[ProposalStatus] = mapped_column(
        _enum(ProposalStatus, "proposal_status"), default=ProposalStatus.OUVERTE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    fiche: Mapped[Fiche] = relationship(foreign_keys=[fiche_id])
    related_fiche: Mapped[Fiche | None] = relationship(foreign_keys=[related_fiche_id])
    decided_by = relationship("User")

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.origin.value} {self.fiche_id}:{self.field}>"

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.OUVERTE


class ProposalDigest(db.Model):
    """The daily e-mail of new proposals sent to one person: at most one a day."""

    __tablename__ = "proposal_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    up_to_id: Mapped[int] = mapped_column(Integer)  # the newest proposal it listed
    proposal_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<ProposalDigest {self.user_id} {self.sent_at:%Y-%m-%d}>"
