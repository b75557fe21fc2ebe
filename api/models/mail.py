"""Mail waiting to be sent, and the tokens of "choose a new password" links.

A pending mail is a row until it is sent (or refused for good), then it is deleted: mail is
not kept. Its `params` may hold a link's token for those minutes, so erasing an account
deletes its pending mails with it (the foreign key cascades)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.extensions import db
from api.models.base import UTCDateTime, new_id, utcnow


class PendingMail(db.Model):  # type: ignore[name-defined]
    __tablename__ = "pending_mails"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The account it is about; null for mail to someone without one here (an invitation,
    # the notice that an account was erased).
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    # Which mail (api/services/mail_texts.py) and what it says; written out when it is sent.
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not tried before this time: the backoff after a failure, or a sender's lease meanwhile.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordReset(db.Model):  # type: ignore[name-defined]
    """A "choose a new password" link's token (128 random bits); only its sha256 is kept.
    A newer request deletes the older ones; using one deletes them all."""

    __tablename__ = "password_resets"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
