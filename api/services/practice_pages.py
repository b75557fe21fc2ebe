"""The practice log a page at a time: newest first, paged by a keyset cursor, filtered by the
client's days (as in the stats) and, for a therapist, by the start of their window."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import literal, select, tuple_

from api.models import Exercise, Practice
from api.models.base import UTCDateTime
from api.services import FIRST_DAY, LAST_DAY, Db
from api.services.practices import PracticeRejected


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last (started_at, id) shown. Keyset paging stays correct while
    practices arrive: each later page holds exactly what sorts after this point."""

    started_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        text = json.dumps([self.started_at.astimezone(UTC).isoformat(), str(self.id)])
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            started, pid = json.loads(base64.urlsafe_b64decode(padded.encode()))
            when = datetime.fromisoformat(started)
            if when.tzinfo is None or not FIRST_DAY <= when.date() <= LAST_DAY:
                raise ValueError("naive or out of range")
            return cls(when, uuid.UUID(pid))
        except (ValueError, TypeError, binascii.Error, UnicodeError):
            raise PracticeRejected(
                "This cursor is not one we gave out; start again without it.",
                {"cursor": ["Use next_cursor from the previous page, unchanged."]},
            ) from None


@dataclass(frozen=True)
class Page:
    items: list[Practice]
    next_cursor: str | None


def list_practices(
    session: Db,
    user_id: uuid.UUID,
    *,
    limit: int = 50,
    cursor: str | None = None,
    exercise: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    started_from: datetime | None = None,
) -> Page:
    """Newest first by started_at (then id). Days are the client's days, as in the stats;
    `started_from` leaves out practices that started earlier (a therapist's window)."""
    if first_day and last_day and first_day > last_day:
        raise PracticeRejected(
            "'from' is after 'to'; give the earlier day first.",
            {"from": ["'from' must not be after 'to'."]},
        )
    query = select(Practice).where(Practice.user_id == user_id, Practice.deleted_at.is_(None))
    if exercise is not None:
        query = query.where(
            Practice.exercise_id
            == select(Exercise.id).where(Exercise.slug == exercise).scalar_subquery()
        )
    if first_day is not None:
        query = query.where(Practice.local_day >= first_day)
    if last_day is not None:
        query = query.where(Practice.local_day <= last_day)
    if started_from is not None:
        query = query.where(Practice.started_at >= started_from)
    if cursor is not None:
        after = Cursor.decode(cursor)
        # A row-value comparison, so PostgreSQL seeks the (user_id, started_at, id) index.
        query = query.where(
            tuple_(Practice.started_at, Practice.id)
            < tuple_(literal(after.started_at, UTCDateTime()), literal(after.id, Practice.id.type))
        )
    query = query.order_by(Practice.started_at.desc(), Practice.id.desc()).limit(limit + 1)
    items = list(session.scalars(query))
    if len(items) <= limit:
        return Page(items, None)
    last = items[limit - 1]
    return Page(items[:limit], Cursor(last.started_at, last.id).encode())
