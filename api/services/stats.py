"""Progress: the client's day, streaks, minutes, mood change and counts by kind.

A client's day D begins at the first moment their wall clock shows D at `day_starts_at` or
later, in their IANA time zone, and lasts until day D+1 begins. So with the default 03:00 a
practice at 00:30 on Tuesday counts for Monday. Days are contiguous however the clock jumps:
a start time that a spring-forward skips begins the day at the jump, and one that a
fall-back repeats begins it at its first occurrence.

Each practice's day is fixed when it first arrives (`Practice.local_day`, from the time zone
and day start of that moment), so a later move to another zone never rewrites history: past
streaks keep their days, and today's streak carries on from the last day practised.

The day arithmetic here is pure (no database), so it is tested against a plain reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from api.models import Exercise, Practice, User
from api.models.base import utcnow
from api.services import Db

Clock = Callable[[], datetime]


# --- days -----------------------------------------------------------------------------------


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


@lru_cache(maxsize=4096)
def day_begins(day: date, zone: ZoneInfo, day_starts_at: time) -> datetime:
    """The UTC instant at which `day` begins for someone in `zone`."""
    target = datetime.combine(day, day_starts_at)
    earlier = target.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(earlier, zone) == target:
        return earlier  # exists; for a repeated time, fold=0 is its first occurrence
    # The clock skips `target`: the day begins at the jump, which the two folds bracket.
    # Transitions fall on whole seconds, so search whole seconds.
    low = int(target.replace(tzinfo=zone, fold=1).timestamp())  # before the jump
    high = int(earlier.timestamp())  # after it
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def practice_day(instant: datetime, zone: ZoneInfo, day_starts_at: time) -> date:
    """The client's day that `instant` (timezone-aware) belongs to."""
    cutoff = timedelta(hours=day_starts_at.hour, minutes=day_starts_at.minute)
    day = (_wall(instant, zone) - cutoff).date()
    # The wall clock can run backwards (fall-back) or jump (spring-forward, a skipped date):
    # settle on the day whose span holds the instant.
    while day_begins(day + timedelta(days=1), zone, day_starts_at) <= instant:
        day += timedelta(days=1)
    while day_begins(day, zone, day_starts_at) > instant:
        day -= timedelta(days=1)
    return day


def today_for(user: User, clock: Clock = utcnow) -> date:
    return practice_day(clock(), ZoneInfo(user.timezone), user.day_starts_at)


# --- streaks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Streaks:
    current: int
    longest: int


def compute_streaks(days: Iterable[date], today: date) -> Streaks:
    """Runs of consecutive practice days. The current run still counts when today has no
    practice yet but yesterday had one. A day after `today` (recorded in a zone east of the
    present one) counts as part of the run that reaches today."""
    ordered = sorted(set(days))
    if not ordered:
        return Streaks(0, 0)
    longest = run = 1
    for previous, day in pairwise(ordered):
        run = run + 1 if day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
    current = run if ordered[-1] >= today - timedelta(days=1) else 0
    return Streaks(current, longest)


# --- totals ---------------------------------------------------------------------------------


def whole_minutes(seconds: int) -> int:
    """Seconds summed first, then rounded to the nearest minute (half up)."""
    return (seconds + 30) // 60


def mean(total: int, count: int) -> float | None:
    if count == 0:
        return None
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass(frozen=True)
class DayTotal:
    sessions: int
    seconds: int


@dataclass(frozen=True)
class DayTotals:
    """Streaks, total minutes, and sessions and minutes over the 7 and 30 days ending today."""

    current_streak_days: int
    longest_streak_days: int
    total_minutes: int
    sessions_7d: int
    minutes_7d: int
    sessions_30d: int
    minutes_30d: int


@dataclass(frozen=True)
class MoodChange:
    """Means over the practices rated before and after (`n` of them; None when n is 0)."""

    n: int
    avg_before: float | None
    avg_after: float | None
    avg_change: float | None

    @classmethod
    def of(cls, n: int, before: int | None, after: int | None) -> MoodChange:
        """From the sums of the moods before and after over `n` practices (None: no sum)."""
        before, after = int(before or 0), int(after or 0)
        return cls(n, mean(before, n), mean(after, n), mean(after - before, n))


@dataclass(frozen=True)
class ExerciseMood:
    """An exercise's sessions, and the mood change over those rated before and after."""

    exercise: str  # its slug
    title: str
    sessions: int
    mood: MoodChange


@dataclass(frozen=True)
class Stats(DayTotals):
    """The progress shown to the client (`compute_stats`)."""

    mood: MoodChange
    by_kind: dict[str, int]  # practices per exercise kind
    by_exercise: list[ExerciseMood]


def summarise_days(days: Mapping[date, DayTotal], today: date) -> DayTotals:
    """Streaks, total minutes, and sessions and minutes over the 7 and 30 days ending today."""
    streaks = compute_streaks(days, today)

    def since(first: date) -> tuple[int, int]:
        chosen = [total for day, total in days.items() if day >= first]
        return sum(t.sessions for t in chosen), sum(t.seconds for t in chosen)

    sessions_7d, seconds_7d = since(today - timedelta(days=6))
    sessions_30d, seconds_30d = since(today - timedelta(days=29))
    return DayTotals(
        current_streak_days=streaks.current,
        longest_streak_days=streaks.longest,
        total_minutes=whole_minutes(sum(t.seconds for t in days.values())),
        sessions_7d=sessions_7d,
        minutes_7d=whole_minutes(seconds_7d),
        sessions_30d=sessions_30d,
        minutes_30d=whole_minutes(seconds_30d),
    )


def compute_stats(session: Db, user: User, *, clock: Clock = utcnow) -> Stats:
    """The progress shown to the client. Every recorded practice counts, completed or not
    (showing up is the habit); deleted ones do not."""
    mine = and_(Practice.user_id == user.id, Practice.deleted_at.is_(None))
    per_day = session.execute(
        select(Practice.local_day, func.count(), func.sum(Practice.duration_seconds))
        .where(mine)
        .group_by(Practice.local_day)
    ).all()
    days = {day: DayTotal(int(count), int(seconds or 0)) for day, count, seconds in per_day}

    both = and_(Practice.mood_before.is_not(None), Practice.mood_after.is_not(None))
    # Per group: practices, those with both moods, and the sums of their moods.
    counts = (
        func.count(),
        func.count(case((both, 1))),
        func.sum(case((both, Practice.mood_before))),
        func.sum(case((both, Practice.mood_after))),
    )
    joined = select(Practice).join(Exercise, Exercise.id == Practice.exercise_id).where(mine)
    per_kind = session.execute(
        joined.with_only_columns(Exercise.kind, *counts).group_by(Exercise.kind)
    ).all()
    per_exercise = session.execute(
        joined.with_only_columns(Exercise.slug, Exercise.title, *counts).group_by(
            Exercise.id, Exercise.slug, Exercise.title
        )
    ).all()
    n = sum(int(row[2]) for row in per_kind)
    before = sum(int(row[3] or 0) for row in per_kind)
    after = sum(int(row[4] or 0) for row in per_kind)
    return Stats(
        **vars(summarise_days(days, today_for(user, clock))),
        mood=MoodChange.of(n, before, after),
        by_kind={str(row[0]): int(row[1]) for row in per_kind if row[0]},
        by_exercise=mood_by_exercise(per_exercise),
    )


def mood_by_exercise(rows: Iterable[Any]) -> list[ExerciseMood]:
    """Per exercise: sessions, and the mood change over the practices that have both moods.
    Ordered by that change, largest first (exercises without any come last, by sessions), so
    a person sees which practices have tended to leave them feeling better."""
    entries = [
        ExerciseMood(
            slug,
            title or slug,
            int(sessions),
            MoodChange.of(int(n), int(before or 0), int(after or 0)),
        )
        for slug, title, sessions, n, before, after in rows
    ]
    entries.sort(
        key=lambda e: (
            e.mood.avg_change is None,
            -(e.mood.avg_change or 0),
            -e.sessions,
            e.exercise,
        )
    )
    return entries
