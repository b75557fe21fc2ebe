"""Care: therapists linked to clients by consent, what they prescribe, and every look they
take at a client's data."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.extensions import db
from api.models.accounts import User
from api.models.base import UTCDateTime, new_id, utcnow
from api.models.content import Exercise


class Invitation(db.Model):  # type: ignore[name-defined]
    """A single-use code a therapist gives a client. Only its hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    therapist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CareLink(db.Model):  # type: ignore[name-defined]
    """A client's consent for one therapist to see their practice, and what they share.
    The therapist sees practices that started at or after `created_at`, and earlier ones too
    only with `share_history`; `share_mood` and `share_notes` apply to all they see.
    Revoked links stay as history; at most one link per pair is active."""

    __tablename__ = "care_links"
    __table_args__ = (
        Index(
            "uq_care_links_active_pair",
            "therapist_id",
            "client_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_care_links_client_id", "client_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    share_mood: Mapped[bool] = mapped_column(Boolean, default=False)
    share_notes: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether the therapist also sees practices that started before the link was made.
    share_history: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id], lazy="joined")
    client: Mapped[User] = relationship(foreign_keys=[client_id], lazy="joined")


class Prescription(db.Model):  # type: ignore[name-defined]
    """A practice a therapist asks a client to do on a schedule. Ending one keeps it (with
    `end_date` and `ended_at`) so the client's history and past adherence stay true. When a
    client erases their account, the therapist's own record stays without the client."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        Index("ix_prescriptions_client_id_therapist_id", "client_id", "therapist_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    length_minutes: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    time_of_day: Mapped[time | None] = mapped_column(Time)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))

    exercise: Mapped[Exercise] = relationship(lazy="joined", innerjoin=True)
    therapist: Mapped[User | None] = relationship(foreign_keys=[therapist_id], lazy="joined")


class AccessLogEntry(db.Model):  # type: ignore[name-defined]
    """One read of a client's data by a therapist, for the client to see."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_client_id_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # Kept as written at the time, so the log still says who even if that account is gone.
    therapist_name: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
