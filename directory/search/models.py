"""The change log the index follows: one row per document to reindex, in commit order.

Rows are written in the same transaction as the change itself (a rollback takes them away too);
each index records the last id it applied and reads the rows after it. `document` is
"fiche:<id>", "type:<code>", "organisation:<id>" (its fiches), or "*" (everything: a rebuild).
"""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from directory.core.models import UTCDateTime, utcnow
from directory.extensions import db

EVERYTHING = "*"


class SearchChange(db.Model):
    """One change to apply to every index; ids only grow (AUTOINCREMENT on SQLite)."""

    __tablename__ = "search_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # never reuse the id of a pruned row

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} {self.document}>"
