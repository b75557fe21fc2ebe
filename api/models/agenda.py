"""Things a client wants to bring to their next session: short items they jot down, each
shared with their therapists or kept to themselves."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from api.crypto import EncryptedText
from api.extensions import db
from api.models.base import UTCDateTime, new_id, utcnow


class AgendaItem(db.Model):  # type: ignore[name-defined]
    """One item. `shared` lets every therapist the client is linked with read it; `practice_id`
    optionally names one of the client's own practices it is about (no foreign key: a
    practice's key is (user_id, id), and a deleted practice stays as a tombstone)."""

    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(EncryptedText)  # at rest: api/crypto.py
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    practice_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
