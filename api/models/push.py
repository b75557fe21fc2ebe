"""Web Push: the devices a person subscribed, their reminder preferences, and every reminder
we set out to send (one row per prescription, client day and device, written before sending)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.extensions import db
from api.models.base import UTCDateTime, new_id, str_enum, utcnow

DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 0)
DEFAULT_DAILY_TIME = time(9, 0)


class PushSubscription(db.Model):  # type: ignore[name-defined]
    """A browser's `PushSubscription`: where to send, and the keys to encrypt for it. One
    endpoint belongs to one person (whoever subscribed it last)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))  # base64url, the browser's public key
    auth: Mapped[str] = mapped_column(String(64))  # base64url, a 16-byte shared secret
    expiration_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderPreference(db.Model):  # type: ignore[name-defined]
    """How a person wants to be reminded. No row: the defaults. `enabled` None: the person
    has not chosen, so reminders are on exactly when they have subscribed a device."""

    __tablename__ = "reminder_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    quiet_start: Mapped[time] = mapped_column(Time, default=DEFAULT_QUIET_START)
    quiet_end: Mapped[time] = mapped_column(Time, default=DEFAULT_QUIET_END)
    # For prescriptions without a time of day.
    daily_time: Mapped[time] = mapped_column(Time, default=DEFAULT_DAILY_TIME)
    # Whether the lock screen may name the exercise; otherwise it says only that it is time.
    name_exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SendStatus(enum.StrEnum):
    CLAIMED = "claimed"  # recorded; no request made yet (retried once its claim is stale)
    SENDING = "sending"  # the request began; never made again (at most once)
    SENT = "sent"  # the push service accepted it
    RETRY = "retry"  # 429, 5xx or no connection: the next run tries again
    GONE = "gone"  # 404/410: the subscription was deleted
    FAILED = "failed"  # refused, timed out or stale: not tried again


class ReminderSend(db.Model):  # type: ignore[name-defined]
    """One reminder for one prescription on one client day to one device. The unique key is
    what makes it happen once however many senders run; `claim` names the run that holds it."""

    __tablename__ = "reminder_sends"
    __table_args__ = (
        UniqueConstraint("prescription_id", "day", "subscription_id", name="uq_reminder_sends_key"),
        Index("ix_reminder_sends_status_claimed_at", "status", "claimed_at"),
        Index("ix_reminder_sends_claim", "claim"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prescription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("prescriptions.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[SendStatus] = mapped_column(str_enum(SendStatus, "send_status"))
    claim: Mapped[uuid.UUID] = mapped_column()
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[int | None] = mapped_column(Integer)  # the push service's last status
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
