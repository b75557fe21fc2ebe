"""The practice log: one row per practice a client recorded, keyed by the device's UUID."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.crypto import EncryptedText
from api.extensions import db
from api.models.base import UTCDateTime
from api.models.content import Exercise


class Practice(db.Model):  # type: ignore[name-defined]
    """A practice, recorded once. The id is made on the device and belongs to its user, so the
    primary key is (user_id, id): another person's identical UUID is a row of their own.

    A deleted practice stays as a tombstone (`deleted_at`, its mood and note erased) so that
    an old offline queue replaying it is recognised instead of bringing it back."""

    __tablename__ = "practices"
    __table_args__ = (
        # The list (newest first, keyset cursor) and the stats read a user's rows through it.
        Index("ix_practices_user_id_started_at_id", "user_id", "started_at", "id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    length_minutes: Mapped[int | None] = mapped_column(Integer)
    prescription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("prescriptions.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The client's day (their time zone and day_starts_at when the practice first arrived).
    local_day: Mapped[date] = mapped_column(Date)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    completed: Mapped[bool] = mapped_column(Boolean)
    mood_before: Mapped[int | None] = mapped_column(Integer)
    mood_after: Mapped[int | None] = mapped_column(Integer)
    # Encrypted at rest (api/crypto.py): a dump or backup shows no note text.
    note: Mapped[str | None] = mapped_column(EncryptedText)
    share_note: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # sha256 of the canonical body: an identical replay is a duplicate, anything else a conflict.
    body_sha256: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exercise: Mapped[Exercise] = relationship(lazy="joined", innerjoin=True)
