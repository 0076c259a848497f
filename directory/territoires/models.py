"""Reference geography of Grand Est: region, départements, EPCI, communes.

Loaded from the build made at install time (`flask territoires load`); official codes are the keys
(INSEE for region, département and commune, SIREN for EPCI).
"""

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import db


class Region(db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Departement(db.Model):
    __tablename__ = "departements"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    # Accent-free lower-case name, for look-ups typed without accents.
    search_name: Mapped[str] = mapped_column(String(120), index=True)

    def __repr__(self) -> str:
        return f"<Departement {self.code} {self.name}>"


class Epci(db.Model):
    __tablename__ = "epcis"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)  # SIREN
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(10))  # CC, CA, CU, METRO
    # Départements of Grand Est where the EPCI has communes (one EPCI spans Haute-Saône too).
    departement_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_name: Mapped[str] = mapped_column(String(200), index=True)

    def __repr__(self) -> str:
        return f"<Epci {self.code} {self.name}>"


class Commune(db.Model):
    __tablename__ = "communes"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)  # INSEE
    name: Mapped[str] = mapped_column(String(120))
    search_name: Mapped[str] = mapped_column(String(120), index=True)
    departement_code: Mapped[str] = mapped_column(ForeignKey("departements.code"), index=True)
    epci_code: Mapped[str | None] = mapped_column(ForeignKey("epcis.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    postcodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    population: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    departement: Mapped[Departement] = relationship(lazy="joined")
    epci: Mapped[Epci | None] = relationship()

    def __repr__(self) -> str:
        return f"<Commune {self.code} {self.name}>"

    @property
    def label(self) -> str:
        """Name with its département and code: 69 names occur twice in the region."""
        return f"{self.name} ({self.departement_code}, {self.code})"


class FormerCommune(db.Model):
    """A former commune (merged, delegated or associated) and the commune it now belongs to."""

    __tablename__ = "former_communes"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)  # its INSEE code
    name: Mapped[str | None] = mapped_column(String(120))
    search_name: Mapped[str | None] = mapped_column(String(120), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)

    def __repr__(self) -> str:
        return f"<FormerCommune {self.code} → {self.commune_code}>"


class CommunePostcode(db.Model):
    """One row per (postcode, commune), for the look-up by postcode."""

    __tablename__ = "commune_postcodes"

    postcode: Mapped[str] = mapped_column(String(5), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), primary_key=True)
