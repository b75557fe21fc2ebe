"""When a reminder is due: tables worked by hand, across zones, DST changes and quiet hours
that cross midnight. Each row: the client's day, the wall time asked for, the zone, when the
day starts, quiet hours, and the UTC instant expected (None: dropped for that day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from api.services.reminders import QuietHours, due_at

NIGHT = QuietHours(time(21), time(8))  # the default, across midnight
NONE = QuietHours(time(0), time(0))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "at", "zone", "starts", "quiet", "expected"),
    [
        # London in winter (GMT = UTC).
        (date(2026, 11, 18), time(9), "Europe/London", time(3), NIGHT, utc(2026, 11, 18, 9)),
        # Inside the morning end of quiet hours: moved to 08:00.
        (date(2026, 11, 18), time(7, 30), "Europe/London", time(3), NIGHT, utc(2026, 11, 18, 8)),
        # 22:00 is quiet; 08:00 next morning is past the day's end (03:00): dropped.
        (date(2026, 11, 18), time(22), "Europe/London", time(3), NIGHT, None),
        # 01:00 belongs to the day (it starts at 03:00) but falls on the 19th, in quiet hours,
        # and their end (08:00 on the 19th) is past the day: dropped.
        (date(2026, 11, 18), time(1), "Europe/London", time(3), NIGHT, None),
        # Quiet 23:00–02:00: 01:00 on the 19th moves to 02:00, still the 18th's day.
        (
            date(2026, 11, 18),
            time(1),
            "Europe/London",
            time(3),
            QuietHours(time(23), time(2)),
            utc(2026, 11, 19, 2),
        ),
        # Quiet hours that do not cross midnight.
        (
            date(2026, 11, 18),
            time(12, 30),
            "Europe/London",
            time(3),
            QuietHours(time(12), time(14)),
            utc(2026, 11, 18, 14),
        ),
        # No quiet hours: 23:30 is due the same evening.
        (
            date(2026, 11, 18),
            time(23, 30),
            "Europe/London",
            time(3),
            NONE,
            utc(2026, 11, 18, 23, 30),
        ),
        # London in summer (BST = UTC+1).
        (date(2026, 7, 1), time(9), "Europe/London", time(3), NIGHT, utc(2026, 7, 1, 8)),
        # Spring forward, 2027-03-28: 01:30 does not exist in London; due at the jump
        # (01:00 UTC, which London shows as 02:00).
        (date(2027, 3, 28), time(1, 30), "Europe/London", time(0), NONE, utc(2027, 3, 28, 1)),
        # Fall back, 2026-10-25: 01:30 happens twice; the first (BST) is 00:30 UTC.
        (date(2026, 10, 25), time(1, 30), "Europe/London", time(0), NONE, utc(2026, 10, 25, 0, 30)),
        # New York: 09:00 EST is 14:00 UTC; 07:00 moves to 08:00 EST, 13:00 UTC.
        (date(2026, 11, 18), time(9), "America/New_York", time(3), NIGHT, utc(2026, 11, 18, 14)),
        (date(2026, 11, 18), time(7), "America/New_York", time(3), NIGHT, utc(2026, 11, 18, 13)),
        # The day New York springs forward (2027-03-14): 08:00 is EDT, 12:00 UTC; the day
        # before it was EST, 13:00 UTC.
        (date(2027, 3, 14), time(7), "America/New_York", time(3), NIGHT, utc(2027, 3, 14, 12)),
        (date(2027, 3, 13), time(7), "America/New_York", time(3), NIGHT, utc(2027, 3, 13, 13)),
        # Kolkata (UTC+05:30): 09:00 is 03:30 UTC.
        (date(2026, 11, 18), time(9), "Asia/Kolkata", time(3), NIGHT, utc(2026, 11, 18, 3, 30)),
        # Auckland in its summer (NZDT, UTC+13): 18:00 on the 18th is 05:00 UTC the same date.
        (date(2026, 11, 18), time(18), "Pacific/Auckland", time(3), NIGHT, utc(2026, 11, 18, 5)),
        # A day that starts at 05:00: 04:30 is the next calendar date, outside quiet hours
        # 21:00–04:00 and before the next day begins.
        (
            date(2026, 11, 18),
            time(4, 30),
            "Europe/London",
            time(5),
            QuietHours(time(21), time(4)),
            utc(2026, 11, 19, 4, 30),
        ),
    ],
)
def test_due_times_worked_by_hand(day, at, zone, starts, quiet, expected):
    assert due_at(day, at, ZoneInfo(zone), starts, quiet) == expected


@pytest.mark.parametrize(
    ("quiet", "inside", "outside"),
    [
        (NIGHT, [time(21), time(23, 59), time(0), time(7, 59)], [time(8), time(12), time(20, 59)]),
        (QuietHours(time(12), time(14)), [time(12), time(13, 59)], [time(11, 59), time(14)]),
        (NONE, [], [time(0), time(12), time(23, 59)]),
    ],
)
def test_quiet_hours_include_the_start_and_not_the_end(quiet, inside, outside):
    assert all(quiet.contains(t) for t in inside)
    assert not any(quiet.contains(t) for t in outside)
