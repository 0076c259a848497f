"""Organisations: the porteurs of dispositifs (association, hospital, département, GCSMS…)."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.core.models import UTCDateTime, utcnow
from directory.extensions import db


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    siret: Mapped[str | None] = mapped_column(String(14))
    finess: Mapped[str | None] = mapped_column(String(9))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"
