"""When a reminder is due: for each prescription on each of the client's days that expects it
(the plan of `schedule.due_items`, so ended prescriptions, per-week quotas met and practices
already done that day remind no one), at its time of day, or the person's daily time when it
has none, in the client's own zone.

Rules, in the client's wall-clock time:
- A time of day earlier than `day_starts_at` falls after midnight: with days starting at 03:00,
  a 01:00 reminder of Monday is on Tuesday's calendar date, still Monday's day.
- Quiet hours [start, end) may cross midnight (21:00–08:00). A reminder that falls inside them
  moves to their end; if that is past the end of the client's day, the day's reminder is
  dropped (tomorrow brings its own).
- A wall time the clock skips (spring forward) is due at the jump; a repeated one (fall back)
  at its first occurrence: the same rule as `stats.day_begins`, which this reuses.
- A prescription that ended (its end date may be today) reminds no more.
- A reminder is sent only between its due time and `STALE` after it: a sender that was down
  all afternoon does not deliver the morning's reminders in the evening.

The time arithmetic (`due_at`) is pure and tested against hand-worked tables; `find_due`
reads what it needs in a few queries per batch of people."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.models import Prescription, PushSubscription, ReminderPreference, ReminderSend, User
from api.services import Db, schedule
from api.services.adherence import _facts_of_clients, _term, _terms_of_clients
from api.services.push import default_preferences
from api.services.stats import day_begins, practice_day

STALE = timedelta(hours=1)
BATCH = 500  # people per round of queries


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, at: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end  # across midnight


def due_at(
    day: date, at: time, zone: ZoneInfo, day_starts_at: time, quiet: QuietHours
) -> datetime | None:
    """The UTC instant a reminder for the client's `day` at wall time `at` is due; None when
    quiet hours push it out of the day."""
    calendar = day if at >= day_starts_at else day + timedelta(days=1)
    if quiet.contains(at):
        calendar = calendar + timedelta(days=1) if at >= quiet.end else calendar
        at = quiet.end
    instant = day_begins(calendar, zone, at)
    if instant >= day_begins(day + timedelta(days=1), zone, day_starts_at):
        return None
    return instant


@dataclass(frozen=True)
class Reminder:
    """One reminder to send: for a prescription, on a client day, to one device."""

    prescription_id: uuid.UUID
    day: date
    subscription_id: uuid.UUID
    user_id: uuid.UUID
    due_at: datetime

    @property
    def key(self) -> tuple[uuid.UUID, date, uuid.UUID]:
        return self.prescription_id, self.day, self.subscription_id


@dataclass(frozen=True)
class _Person:
    user: User
    preference: ReminderPreference
    today: date


def find_due(
    session: Db, now: datetime, *, stale: timedelta = STALE, shard: tuple[int, int] = (0, 1)
) -> list[Reminder]:
    """Every reminder due at `now` (due no longer than `stale` ago) that no sender has
    recorded yet, for people with reminders on and at least one device. With `shard`
    (k, n), only the people whose id falls in the k-th of n shares (0-based): n senders
    with k = 0..n-1 split the work."""
    found: list[Reminder] = []
    for people in _people_in_batches(session, shard):
        found.extend(_due_for(session, people, now, stale))
    return found


def _people_in_batches(
    session: Db, shard: tuple[int, int]
) -> Iterator[list[tuple[User, ReminderPreference]]]:
    """People with a device who did not turn reminders off, with their preferences."""
    with_device = select(PushSubscription.user_id).distinct().scalar_subquery()
    rows = session.execute(
        select(User, ReminderPreference)
        .outerjoin(ReminderPreference, ReminderPreference.user_id == User.id)
        .where(User.id.in_(with_device), ReminderPreference.enabled.is_not(False))
        .order_by(User.id)
    ).all()
    share, shares = shard
    if shares > 1:
        rows = [row for row in rows if row[0].id.int % shares == share]
    for first in range(0, len(rows), BATCH):
        yield [
            (user, preference or default_preferences(user.id))
            for user, preference in rows[first : first + BATCH]
        ]


def _due_for(
    session: Db,
    people: Sequence[tuple[User, ReminderPreference]],
    now: datetime,
    stale: timedelta,
) -> list[Reminder]:
    persons = {
        user.id: _Person(
            user, preference, practice_day(now, ZoneInfo(user.timezone), user.day_starts_at)
        )
        for user, preference in people
    }
    ids = list(persons)
    first_day = schedule.week_start(min(p.today for p in persons.values()))
    last_day = max(p.today for p in persons.values())
    terms = _terms_of_clients(session, ids)
    facts = _facts_of_clients(session, ids, first_day, last_day)
    devices = _devices_of(session, ids)
    recorded = _recorded(session, ids, first_day)
    found = []
    for user_id, person in persons.items():
        for prescription, due in _due_prescriptions(person, terms[user_id], facts[user_id], now):
            if not due <= now < due + stale:
                continue
            for device in devices.get(user_id, []):
                reminder = Reminder(prescription.id, person.today, device, user_id, due)
                if reminder.key not in recorded:
                    found.append(reminder)
    return found


def _due_prescriptions(
    person: _Person,
    prescriptions: dict[uuid.UUID, Prescription],
    facts: list[schedule.PracticeFact],
    now: datetime,
) -> Iterator[tuple[Prescription, datetime]]:
    user, preference, today = person.user, person.preference, person.today
    zone = ZoneInfo(user.timezone)
    quiet = QuietHours(preference.quiet_start, preference.quiet_end)
    terms = [_term(p, user) for p in prescriptions.values()]
    for item in schedule.due_items(terms, facts, today):
        if item.done:
            continue
        prescription = prescriptions[item.prescription_id]  # type: ignore[index]
        if prescription.ended_at is not None and prescription.ended_at <= now:
            continue  # ended today (by the therapist, or a revoked link): no more asking
        at = prescription.time_of_day or preference.daily_time
        due = due_at(today, at, zone, user.day_starts_at, quiet)
        if due is not None:
            yield prescription, due


def _devices_of(session: Db, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    devices: dict[uuid.UUID, list[uuid.UUID]] = {}
    rows = session.execute(
        select(PushSubscription.user_id, PushSubscription.id)
        .where(PushSubscription.user_id.in_(user_ids))
        .order_by(PushSubscription.created_at)
    )
    for user_id, subscription_id in rows:
        devices.setdefault(user_id, []).append(subscription_id)
    return devices


def _recorded(
    session: Db, user_ids: list[uuid.UUID], first_day: date
) -> set[tuple[uuid.UUID, date, uuid.UUID]]:
    rows = session.execute(
        select(ReminderSend.prescription_id, ReminderSend.day, ReminderSend.subscription_id).where(
            ReminderSend.user_id.in_(user_ids), ReminderSend.day >= first_day
        )
    )
    return {(p, d, s) for p, d, s in rows}
