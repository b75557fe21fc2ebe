"""Before the next session: what a therapist reads of a linked client's days between two
dates, on one page. Built only from what the link lets them see: practices in the window
(`care.visible_from`), moods only with `share_mood`, notes only with `share_notes` and the
practice's own `share_note`, and the agenda items the client shared."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.models import AccessLogEntry, AgendaItem, CareLink, Practice, User
from api.models.base import utcnow
from api.services import Db, adherence, agenda, care
from api.services.accounts import Clock
from api.services.errors import Invalid
from api.services.stats import (
    ExerciseMood,
    MoodChange,
    day_begins,
    mood_by_exercise,
    practice_day,
    today_for,
)
from api.services.transaction import unit_of_work

LOGGED_AS = "session summary"
DEFAULT_DAYS = 14
MAX_DAYS = 366
HELPED_MOST = 3


@dataclass(frozen=True)
class SessionSummary:
    link: CareLink
    first_day: date
    last_day: date
    prescriptions: list[adherence.WindowCount]
    practices: int
    mood: MoodChange | None
    helped_most: list[ExerciseMood] | None
    notes: list[Practice] | None
    agenda: list[AgendaItem]


def default_first_day(session: Db, link: CareLink, today: date) -> date:
    """The day of the last summary this therapist read of this client before today, else
    the last 14 days (today included)."""
    client = link.client
    zone = ZoneInfo(client.timezone)
    begins = day_begins(today, zone, client.day_starts_at)
    last = session.scalar(
        select(AccessLogEntry.at)
        .where(
            AccessLogEntry.client_id == link.client_id,
            AccessLogEntry.therapist_id == link.therapist_id,
            AccessLogEntry.what == LOGGED_AS,
            AccessLogEntry.at < begins,
        )
        .order_by(AccessLogEntry.at.desc())
        .limit(1)
    )
    if last is None:
        return today - timedelta(days=DEFAULT_DAYS - 1)
    return practice_day(last, zone, client.day_starts_at)


def _range(
    session: Db, link: CareLink, first: date | None, last: date | None, clock: Clock
) -> tuple[date, date]:
    today = today_for(link.client, clock)
    last = last or today
    first = first or min(default_first_day(session, link, today), last)
    if first > last:
        raise Invalid("from", "'from' must be on or before 'to'.")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid("from", f"Ask for {MAX_DAYS} days or fewer at a time.")
    return first, last


def _visible_practices(session: Db, link: CareLink, first: date, last: date) -> list[Practice]:
    query = select(Practice).where(
        Practice.user_id == link.client_id,
        Practice.deleted_at.is_(None),
        Practice.local_day >= first,
        Practice.local_day <= last,
    )
    if (since := care.visible_from(link)) is not None:
        query = query.where(Practice.started_at >= since)
    return list(session.scalars(query.order_by(Practice.started_at)))


def _moods(practices: list[Practice]) -> tuple[MoodChange, list[ExerciseMood]]:
    """The mean change over practices with both moods, and the exercises by mean change."""
    rated = [p for p in practices if p.mood_before is not None and p.mood_after is not None]
    before = sum(p.mood_before or 0 for p in rated)
    after = sum(p.mood_after or 0 for p in rated)
    mood = MoodChange.of(len(rated), before, after)
    groups: dict[int, list[Practice]] = {}
    for practice in practices:
        groups.setdefault(practice.exercise_id, []).append(practice)
    rows = []
    for group in groups.values():
        both = [p for p in group if p in rated]
        exercise = group[0].exercise
        rows.append(
            (
                exercise.slug,
                exercise.title,
                len(group),
                len(both),
                sum(p.mood_before or 0 for p in both),
                sum(p.mood_after or 0 for p in both),
            )
        )
    helped = [e for e in mood_by_exercise(rows) if e.mood.n][:HELPED_MOST]
    return mood, helped


@unit_of_work(keep_loaded=True)
def session_summary(
    session: Db,
    therapist: User,
    client_id: uuid.UUID,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    clock: Clock = utcnow,
) -> SessionSummary:
    link = care.therapist_link(session, therapist, client_id)
    first, last = _range(session, link, first_day, last_day, clock)
    practices = _visible_practices(session, link, first, last)
    mood, helped = _moods(practices) if link.share_mood else (None, None)
    notes = [p for p in practices if p.share_note and p.note] if link.share_notes else None
    summary = SessionSummary(
        link=link,
        first_day=first,
        last_day=last,
        prescriptions=adherence.window_adherence(session, link, first, last),
        practices=len(practices),
        mood=mood,
        helped_most=helped,
        notes=notes,
        agenda=agenda.shared_items_of(session, client_id, open_only=True),
    )
    care.log_access(session, therapist, [client_id], LOGGED_AS, clock=clock)
    return summary
