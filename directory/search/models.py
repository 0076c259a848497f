"""Index operations that could not be written yet (index locked): retried, never lost."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.core.models import UTCDateTime, utcnow
from directory.extensions import db


class SearchPending(db.Model):
    """One document to reindex: "fiche:<id>" or "type:<code>"; reindexing reads the database."""

    __tablename__ = "search_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(String(80), index=True)
    op: Mapped[str] = mapped_column(String(10), default="index")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<SearchPending {self.document}>"
