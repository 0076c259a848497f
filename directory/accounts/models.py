"""Users with a global role, éditeur memberships, invitations, audit events, reminders sent."""

import enum
import secrets
from datetime import datetime
from functools import cache

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from directory.core.models import UTCDateTime, utcnow
from directory.extensions import db
from directory.organisations.models import Organisation


class Role(enum.StrEnum):
    """Global role: facilitators of the community (admin) or signed-in professionals (membre)."""

    ADMIN = "admin"
    MEMBRE = "membre"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see `validate_email`), so uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda e: [m.value for m in e], length=20),
        default=Role.MEMBRE,
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the identifier kept in the session cookie (see `get_id`): raising it ends every
    # session of the user, on every device (sign-out, new password).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @validates("email")
    def validate_email(self, _key, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def label(self) -> str:
        return self.name or self.email

    @property
    def organisations(self) -> list[Organisation]:
        return sorted((m.organisation for m in self.memberships), key=lambda o: o.name)

    def get_id(self) -> str:
        """Return the session identifier: "id:version", void once the version moves on."""
        return f"{self.id}:{self.session_version or 1}"

    def end_sessions(self) -> None:
        """End every session of the user: the cookies name a version that no longer is."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        """Hash with scrypt (memory-hard, built into Werkzeug); end the user's other sessions."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        if self.id is not None:
            self.end_sessions()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def password_matches(user: User | None, password: str) -> bool:
    """Check a password with the same work whether the account exists, has a password or not.

    An unknown address otherwise answers in a tenth of the time: a stopwatch would tell which
    addresses have an account.
    """
    if user is not None and user.password_hash:
        return user.check_password(password)
    check_password_hash(_dummy_hash(), password)
    return False


class Membership(db.Model):
    """The éditeur role of a user for one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Membership {self.user_id}:{self.organisation_id}>"


class Invitation(db.Model):
    """An invitation sent by an admin; the link carries a signed token naming this row."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # An invitation to keep one fiche: the invited person's organisation becomes its porteur.
    fiche_id: Mapped[int | None] = mapped_column(ForeignKey("fiches.id", ondelete="SET NULL"))
    # A plain string: PostgreSQL would need the user_role type declared once per migration.
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBRE.value)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    fiche = relationship("Fiche")
    invited_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.email}>"


class AuditEvent(db.Model):
    """Who did what, when: logins, invitations, role changes, fiche changes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target_type}:{self.target_id}>"


class ReminderSent(db.Model):
    """A freshness reminder e-mailed about one fiche, so it is sent once per period."""

    __tablename__ = "reminders_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiches.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<ReminderSent {self.fiche_id} {self.sent_at:%Y-%m-%d}>"
