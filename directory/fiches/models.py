"""The fiche d'identité of a dispositif: référentiels, territory, contacts, links, history."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.models import UTCDateTime, utcnow
from directory.extensions import db
from directory.organisations.models import Organisation


class Statut(enum.StrEnum):
    """Lifecycle of a fiche; archived is a state, not a deletion."""

    BROUILLON = "brouillon"
    PUBLIEE = "publiee"
    ARCHIVEE = "archivee"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    MEMBRES = "membres"


class LinkKind(enum.StrEnum):
    ORIENTE_VERS = "oriente_vers"
    PARTENAIRE_DE = "partenaire_de"
    CONVENTIONNE_AVEC = "conventionne_avec"


class SourceLevel(enum.StrEnum):
    VERIFIE = "verifie"
    TIERS = "tiers"
    LOI = "loi"
    DECLARE = "declare"


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], length=20)


class DispositifType(db.Model):
    """One entry of the référentiel of types, with its national definition."""

    __tablename__ = "dispositif_types"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    acronym: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="actif")
    successor_code: Mapped[str | None] = mapped_column(String(40))
    public: Mapped[str | None] = mapped_column(Text)
    saisine: Mapped[str | None] = mapped_column(Text)
    notification_mdph: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    official_codes: Mapped[dict] = mapped_column(JSON, default=dict)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The most authoritative source (a public body, the national network, an official text):
    # a fiche of this type cites it first as its « cadre national ».
    reference_source: Mapped[str | None] = mapped_column(String(1000))
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<DispositifType {self.code}>"

    @property
    def is_historical(self) -> bool:
        return self.status == "historique"


class ReferentielValue(db.Model):
    """A value of a controlled vocabulary (publics, financeurs, qui peut saisir…)."""

    __tablename__ = "referentiel_values"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(255))
    definition: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<ReferentielValue {self.kind}:{self.code}>"


fiche_porteurs = Table(
    "fiche_porteurs",
    db.metadata,
    Column("fiche_id", ForeignKey("fiches.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)


class Fiche(db.Model):
    __tablename__ = "fiches"
    # The public list walks published fiches by name, a page at a time.
    __table_args__ = (Index("ix_fiches_status_name", "status", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    acronym: Mapped[str | None] = mapped_column(String(80))
    type_code: Mapped[str] = mapped_column(ForeignKey("dispositif_types.code"), index=True)
    status: Mapped[Statut] = mapped_column(_enum(Statut, "fiche_statut"), index=True)
    fictive: Mapped[bool] = mapped_column(Boolean, default=False)

    # Identity
    finess: Mapped[str | None] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14))
    ror_id: Mapped[str | None] = mapped_column(String(40))
    creation_year: Mapped[int | None] = mapped_column(Integer)
    legal_text_title: Mapped[str | None] = mapped_column(Text)
    legal_text_url: Mapped[str | None] = mapped_column(String(500))

    # What it does
    summary: Mapped[str] = mapped_column(String(280))
    missions: Mapped[str] = mapped_column(Text)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)  # prestations
    recourse_level: Mapped[str | None] = mapped_column(String(40))

    # For whom
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    access_conditions: Mapped[str | None] = mapped_column(Text)

    # Saisine
    mdph_notification_required: Mapped[bool | None] = mapped_column(Boolean)
    saisine_terms: Mapped[str | None] = mapped_column(Text)
    saisine_url: Mapped[str | None] = mapped_column(String(500))
    required_documents: Mapped[str | None] = mapped_column(Text)
    free_of_charge: Mapped[bool | None] = mapped_column(Boolean)
    cost_details: Mapped[str | None] = mapped_column(Text)

    # Where
    address_line1: Mapped[str | None] = mapped_column(String(255))
    address_line2: Mapped[str | None] = mapped_column(String(255))
    postcode: Mapped[str | None] = mapped_column(String(5))
    commune_code: Mapped[str | None] = mapped_column(String(5), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    acceslibre_url: Mapped[str | None] = mapped_column(String(500))

    # Generic contact
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(500))
    team: Mapped[str | None] = mapped_column(Text)  # equipe

    # Fields whose text is the type's national frame (« selon le cadre national »).
    national_frame_fields: Mapped[list[str]] = mapped_column(JSON, default=list)

    # Life of the fiche
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    verified_on: Mapped[date | None] = mapped_column(Date)
    verification_months: Mapped[int] = mapped_column(Integer, default=12)
    completeness: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    type: Mapped[DispositifType] = relationship(lazy="joined")
    porteurs: Mapped[list[Organisation]] = relationship(
        secondary=fiche_porteurs, order_by=Organisation.name
    )
    territories: Mapped[list["FicheTerritory"]] = relationship(
        back_populates="fiche", cascade="all, delete-orphan"
    )
    values: Mapped[list["FicheValue"]] = relationship(
        back_populates="fiche", cascade="all, delete-orphan", order_by="FicheValue.position"
    )
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="fiche", cascade="all, delete-orphan", order_by="Contact.position"
    )
    sources: Mapped[list["Source"]] = relationship(
        back_populates="fiche", cascade="all, delete-orphan", order_by="Source.position"
    )
    links_out: Mapped[list["FicheLink"]] = relationship(
        foreign_keys="FicheLink.from_id", back_populates="from_fiche", cascade="all, delete-orphan"
    )
    links_in: Mapped[list["FicheLink"]] = relationship(
        foreign_keys="FicheLink.to_id", back_populates="to_fiche", cascade="all, delete-orphan"
    )
    sites: Mapped[list["Site"]] = relationship(
        back_populates="fiche", cascade="all, delete-orphan", order_by="Site.position"
    )

    def __repr__(self) -> str:
        return f"<Fiche {self.slug}>"

    def codes(self, kind: str) -> list[str]:
        """Return the référentiel codes of one kind held by the fiche."""
        return [v.code for v in self.values if v.kind == kind]

    @property
    def is_published(self) -> bool:
        return self.status == Statut.PUBLIEE

    @property
    def existence_from_law(self) -> bool:
        """True when only the law backs the fiche's existence: the other sources back only texts
        taken from the type's national frame, or are third-party lists (dated contacts)."""
        frame = set(self.national_frame_fields or [])
        law = [s for s in self.sources if s.level == SourceLevel.LOI]
        others = [s for s in self.sources if s.level not in (SourceLevel.LOI, SourceLevel.TIERS)]
        return bool(law) and all(s.fields and set(s.fields) <= frame for s in others)

    @classmethod
    def published(cls):
        """Select the published fiches."""
        return select(cls).where(cls.status == Statut.PUBLIEE)


class FicheValue(db.Model):
    """A référentiel code held by a fiche (publics, financeurs, qui_peut_saisir, modes…)."""

    __tablename__ = "fiche_values"

    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("fiches.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    fiche: Mapped[Fiche] = relationship(back_populates="values")


class FicheTerritory(db.Model):
    """One territory a fiche covers, by official code: (fiche, niveau, code)."""

    __tablename__ = "fiche_territories"
    # « Qui intervient », the territory filters and the counts look territories up by code.
    __table_args__ = (Index("ix_fiche_territories_level_code", "level", "code"),)

    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("fiches.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(9), primary_key=True)

    fiche: Mapped[Fiche] = relationship(back_populates="territories")


class Contact(db.Model):
    """A named person of the dispositif, shown only as far as they agreed."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(255))  # fonction
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(255))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "contact_visibility"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    fiche: Mapped[Fiche] = relationship(back_populates="contacts")


class Site(db.Model):
    """A place where the dispositif receives people (a site, an antenne), beside its address."""

    __tablename__ = "fiche_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    address_line1: Mapped[str | None] = mapped_column(String(255))
    address_line2: Mapped[str | None] = mapped_column(String(255))
    postcode: Mapped[str | None] = mapped_column(String(5))
    commune_code: Mapped[str | None] = mapped_column(String(5), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)

    fiche: Mapped[Fiche] = relationship(back_populates="sites")

    def __repr__(self) -> str:
        return f"<Site {self.fiche_id} {self.name}>"


class Source(db.Model):
    """Where a fact of the fiche comes from, and when the fact dates from when known."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1000))
    level: Mapped[SourceLevel] = mapped_column(_enum(SourceLevel, "source_level"))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # champs
    # Date of the fact (a record's update, a page's publication): "2015", "2022-10" or a day.
    fact_date: Mapped[str | None] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)

    fiche: Mapped[Fiche] = relationship(back_populates="sources")


class FicheLink(db.Model):
    """A typed link between two fiches, shown on both."""

    __tablename__ = "fiche_links"
    __table_args__ = (UniqueConstraint("from_id", "to_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LinkKind] = mapped_column(_enum(LinkKind, "link_kind"))

    from_fiche: Mapped[Fiche] = relationship(foreign_keys=[from_id], back_populates="links_out")
    to_fiche: Mapped[Fiche] = relationship(foreign_keys=[to_id], back_populates="links_in")


class FicheHistory(db.Model):
    """One field's change: who (a user or a label), when, before and after."""

    __tablename__ = "fiche_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    change_id: Mapped[str] = mapped_column(String(36), index=True)
    # A user when the change came from the site; commands and imports leave only a label.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(80))
    # What brought the change when it came from outside, e.g. "proposition n° 12 (FINESS …)".
    via: Mapped[str | None] = mapped_column(String(255))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    field: Mapped[str] = mapped_column(String(60))
    before: Mapped[object | None] = mapped_column(JSON(none_as_null=True))
    after: Mapped[object | None] = mapped_column(JSON(none_as_null=True))

    def __repr__(self) -> str:
        return f"<FicheHistory {self.fiche_id} {self.field}>"
