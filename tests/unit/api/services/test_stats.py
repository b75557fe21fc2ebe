"""The client's day and streaks, checked against plain reference implementations over random
time zones, day starts and instants, with DST transitions and skipped dates included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.services.stats import (
    DayTotal,
    compute_streaks,
    mean,
    practice_day,
    summarise_days,
    whole_minutes,
)

MINUTE = timedelta(minutes=1)

# --- references: the definitions, spelled out by brute force -------------------------------


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def reference_day_begins(day: date, zone: ZoneInfo, day_starts_at: time) -> datetime:
    """The first minute at which the wall clock shows `day` at `day_starts_at` or later.
    Every UTC offset lies within -12 h and +14 h, so start 15 h early and step a minute."""
    target = datetime.combine(day, day_starts_at)
    moment = (target - timedelta(hours=15)).replace(tzinfo=UTC)
    while wall(moment, zone) < target:
        moment += MINUTE
    return moment


def reference_day(instant: datetime, zone: ZoneInfo, day_starts_at: time) -> date:
    """The latest day that has begun by `instant`."""
    local = wall(instant, zone).date()
    for day in (local + timedelta(days=offset) for offset in (1, 0, -1, -2)):
        if reference_day_begins(day, zone, day_starts_at) <= instant:
            return day
    raise AssertionError("no day has begun")


def reference_streaks(days: set[date], today: date) -> tuple[int, int]:
    def run_back(day: date) -> int:
        count = 0
        while day in days:
            count, day = count + 1, day - timedelta(days=1)
        return count

    latest = max(days, default=None)
    current = run_back(latest) if latest and latest >= today - timedelta(days=1) else 0
    longest = max((run_back(day) for day in days), default=0)
    return current, longest


# --- strategies -----------------------------------------------------------------------------

ALL_ZONES = sorted(available_timezones())
SHIFTY_ZONES = [
    "America/New_York",  # spring-forward 2026-03-08, fall-back 2026-11-01
    "Europe/London",  # 2026-03-29 and 2026-10-25
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Apia",  # skipped 2011-12-30 entirely
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30 / -02:30
    "Antarctica/Troll",  # two-hour DST
    "Asia/Kolkata",
]
TRANSITIONS = [
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 4, 4, 15, 0, tzinfo=UTC),  # Lord Howe 02:00 +11 -> 01:30 +10:30
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # Lord Howe 02:00 +10:30 -> 02:30 +11
    datetime(2011, 12, 30, 10, 0, tzinfo=UTC),  # Apia jumps from the 29th to the 31st
]

zones = st.one_of(st.sampled_from(ALL_ZONES), st.sampled_from(SHIFTY_ZONES)).map(ZoneInfo)
day_starts = st.one_of(
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
    st.sampled_from([time(0, 0), time(1, 30), time(2, 0), time(2, 30), time(3, 0)]),
)
any_instant = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)
near_transition = st.builds(
    lambda at, seconds: at + timedelta(seconds=seconds),
    st.sampled_from(TRANSITIONS),
    st.integers(-4 * 3600, 4 * 3600),
)


@cache
def transitions_of(zone: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """The instants in `year` at which the zone's UTC offset changes (found hour by hour,
    then to the second by bisection)."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while moment < end:
        step = moment + timedelta(hours=1)
        if moment.astimezone(zone).utcoffset() != step.astimezone(zone).utcoffset():
            low, high = moment, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        moment = step
    return tuple(found)


@st.composite
def across_own_transition(draw: st.DrawFn) -> tuple[ZoneInfo, time, datetime, datetime]:
    """A zone, a day start on either side of the wall time the clock jumps from or to, and
    two instants, one before one of the zone's own offset changes and one after it: where a
    day that ignored the jump would run backwards. Any zone keeping one offset that year
    gets two instants hours apart."""
    zone = draw(zones)
    own = transitions_of(zone, draw(st.sampled_from([2011, 2026, 2027])))
    before = timedelta(seconds=draw(st.integers(1, 2 * 3600)))
    after = timedelta(seconds=draw(st.integers(0, 2 * 3600)))
    if not own:
        at = draw(any_instant)
        return zone, draw(day_starts), at - before, at + after
    at = draw(st.sampled_from(own))
    side = wall(at - timedelta(seconds=draw(st.sampled_from([1, 0]))), zone)
    near_jump = side + timedelta(minutes=draw(st.integers(-90, 90)))
    day_start = draw(st.one_of(day_starts, st.just(near_jump.time().replace(second=0))))
    return zone, day_start, at - before, at + after


@st.composite
def case(draw: st.DrawFn) -> tuple[datetime, ZoneInfo, time]:
    zone, day_starts_at = draw(zones), draw(day_starts)
    how = draw(st.sampled_from(["anywhere", "near a transition", "near the day start"]))
    if how == "anywhere":
        instant = draw(any_instant)
    elif how == "near a transition":
        instant = draw(near_transition)
    else:  # a wall-clock time close to the day start, on a day that may have a transition
        around = draw(st.one_of(st.sampled_from(TRANSITIONS), any_instant))
        local = datetime.combine(wall(around, zone).date(), day_starts_at)
        local += timedelta(seconds=draw(st.integers(-5400, 5400)))
        fold = draw(st.integers(0, 1))
        instant = local.replace(tzinfo=zone, fold=fold).astimezone(UTC)
    return instant, zone, day_starts_at


# --- the client's day -----------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(case())
@example((datetime(2026, 3, 8, 7, 0, tzinfo=UTC), ZoneInfo("America/New_York"), time(2, 30)))
@example((datetime(2026, 11, 1, 6, 15, tzinfo=UTC), ZoneInfo("America/New_York"), time(1, 30)))
@example((datetime(2011, 12, 30, 11, 0, tzinfo=UTC), ZoneInfo("Pacific/Apia"), time(3, 0)))
def test_practice_day_matches_the_reference(drawn: tuple[datetime, ZoneInfo, time]) -> None:
    instant, zone, day_starts_at = drawn
    assert practice_day(instant, zone, day_starts_at) == reference_day(instant, zone, day_starts_at)


@settings(max_examples=300, deadline=None)
@given(across_own_transition())
def test_days_never_run_backwards(drawn: tuple[ZoneInfo, time, datetime, datetime]) -> None:
    zone, day_starts_at, earlier, later = drawn
    assert practice_day(earlier, zone, day_starts_at) <= practice_day(later, zone, day_starts_at)


@pytest.mark.parametrize(
    ("zone", "local", "day_starts_at", "day"),
    [
        ("Europe/London", "2026-11-24T00:30:00+00:00", time(3, 0), date(2026, 11, 23)),
        ("Europe/London", "2026-11-24T03:00:00+00:00", time(3, 0), date(2026, 11, 24)),
        ("America/New_York", "2026-03-08T01:59:00-05:00", time(3, 0), date(2026, 3, 7)),
        ("America/New_York", "2026-03-08T03:00:00-04:00", time(3, 0), date(2026, 3, 8)),
        # 02:30 does not exist that night: the day begins at the jump to 03:00.
        ("America/New_York", "2026-03-08T01:59:59-05:00", time(2, 30), date(2026, 3, 7)),
        ("America/New_York", "2026-03-08T03:00:00-04:00", time(2, 30), date(2026, 3, 8)),
        # 01:30 happens twice: the day begins at the first and stays begun.
        ("Europe/London", "2026-10-25T01:15:00+01:00", time(1, 30), date(2026, 10, 24)),
        ("Europe/London", "2026-10-25T01:30:00+01:00", time(1, 30), date(2026, 10, 25)),
        ("Europe/London", "2026-10-25T01:15:00+00:00", time(1, 30), date(2026, 10, 25)),
        ("Australia/Lord_Howe", "2026-10-04T02:30:00+11:00", time(2, 15), date(2026, 10, 4)),
        ("Australia/Lord_Howe", "2026-10-04T01:59:00+10:30", time(2, 15), date(2026, 10, 3)),
    ],
)
def test_worked_days(zone: str, local: str, day_starts_at: time, day: date) -> None:
    instant = datetime.fromisoformat(local)
    assert practice_day(instant, ZoneInfo(zone), day_starts_at) == day


# --- streaks and totals ---------------------------------------------------------------------

TODAY = date(2026, 11, 21)
day_sets = st.sets(st.integers(-45, 2).map(lambda n: TODAY + timedelta(days=n)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(day_sets)
def test_streaks_match_the_reference(days: set[date]) -> None:
    streaks = compute_streaks(days, TODAY)
    assert (streaks.current, streaks.longest) == reference_streaks(days, TODAY)


def test_a_streak_counts_today_or_else_yesterday() -> None:
    yesterday, before = TODAY - timedelta(days=1), TODAY - timedelta(days=2)
    assert compute_streaks([before, yesterday], TODAY).current == 2
    assert compute_streaks([before, yesterday, TODAY], TODAY).current == 3
    assert compute_streaks([before], TODAY).current == 0
    assert compute_streaks([], TODAY).longest == 0


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(-60, 1), st.tuples(st.integers(1, 5), st.integers(1, 9000))))
def test_windows_and_minutes_match_a_plain_count(raw: dict[int, tuple[int, int]]) -> None:
    days = {TODAY + timedelta(days=n): DayTotal(s, sec) for n, (s, sec) in raw.items()}
    summary = summarise_days(days, TODAY)
    week = [t for n, t in ((n, DayTotal(*v)) for n, v in raw.items()) if n >= -6]
    month = [DayTotal(*v) for n, v in raw.items() if n >= -29]
    assert summary.sessions_7d == sum(t.sessions for t in week)
    assert summary.minutes_7d == round(sum(t.seconds for t in week) / 60 + 1e-9)
    assert summary.sessions_30d == sum(t.sessions for t in month)
    assert summary.total_minutes == whole_minutes(sum(s for _, s in raw.values()))


def test_minutes_are_rounded_half_up_after_summing() -> None:
    assert [whole_minutes(s) for s in (0, 29, 30, 89, 90, 20 * 10)] == [0, 0, 1, 1, 2, 3]


def test_mood_averages_round_to_two_decimals() -> None:
    assert (mean(10, 3), mean(-1, 3), mean(5, 2), mean(0, 0)) == (3.33, -0.33, 2.5, None)
