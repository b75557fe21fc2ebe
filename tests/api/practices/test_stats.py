"""GET /me/stats, with figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from api.models import Role
from tests.api.practices.conftest import new_id, sync

STATS = "/api/v1/me/stats"


def practice(body, started_at: str, seconds: int, before=None, after=None, **changes) -> dict:
    return {
        **body(
            started_at=started_at,
            duration_seconds=seconds,
            mood_before=before,
            mood_after=after,
            **changes,
        ),
        "id": new_id(),
    }


def record(client, person, items: list[dict]) -> None:
    results = sync(client, person, items).json["results"]
    assert [r["status"] for r in results] == ["created"] * len(items), results


def stats(client, person) -> dict:
    response = client.get(STATS, headers=person.headers)
    assert response.status_code == 200
    return response.json


def set_profile(client, person, **changes) -> None:
    assert client.patch("/api/v1/me", json=changes, headers=person.headers).status_code == 200


def test_nothing_recorded_yet(client, client_user, clock):
    assert stats(client, client_user) == {
        "current_streak_days": 0,
        "longest_streak_days": 0,
        "total_minutes": 0,
        "sessions_7d": 0,
        "minutes_7d": 0,
        "sessions_30d": 0,
        "minutes_30d": 0,
        "mood": {"avg_before": None, "avg_after": None, "avg_change": None, "n": 0},
        "by_kind": {},
        "by_exercise": [],
    }


def test_a_worked_example(client, make_user, body, clock, make_exercise):
    """Europe/London (GMT in November), day from 03:00; today is Saturday 21 November."""
    make_exercise("body-scan", kind="body-scan", lengths=[10])
    person = make_user(Role.CLIENT, timezone="Europe/London")
    clock.now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    scan = {"exercise": "body-scan", "length_minutes": 10}
    record(
        client,
        person,
        [
            practice(body, "2026-11-21T08:00:00Z", 600, 3, 6),  # today
            practice(body, "2026-11-20T00:30:00Z", 300),  # 00:30 Friday: counts for Thursday
            practice(body, "2026-11-19T20:00:00Z", 300, 7, None),  # Thursday; one mood only
            practice(body, "2026-11-18T09:00:00Z", 90, 5, 5, completed=False),  # Wednesday
            practice(body, "2026-11-10T09:00:00Z", 900, 2, 3),  # in 30 days, not 7
            practice(body, "2026-10-01T09:00:00Z", 1800),  # older than 30 days
            *(practice(body, f"2026-09-0{d}T18:00:00Z", 60, **scan) for d in (1, 2, 3, 4)),
        ],
    )
    assert stats(client, person) == {
        # Friday has nothing (its 00:30 practice belongs to Thursday): today alone.
        "current_streak_days": 1,
        "longest_streak_days": 4,  # 1-4 September
        "total_minutes": 71,  # 4230 s = 70.5 min, rounded half up
        "sessions_7d": 4,  # 15-21 November
        "minutes_7d": 22,  # 1290 s = 21.5 min
        "sessions_30d": 5,  # 23 October - 21 November
        "minutes_30d": 37,  # 2190 s = 36.5 min
        "mood": {"avg_before": 3.33, "avg_after": 4.67, "avg_change": 1.33, "n": 3},
        "by_kind": {"body-scan": 4, "breathing": 6},
        "by_exercise": [
            {
                "exercise": "box-breathing",
                "title": "Box Breathing",
                "sessions": 6,
                "mood_n": 3,
                "avg_before": 3.33,
                "avg_after": 4.67,
                "avg_change": 1.33,
            },
            {
                "exercise": "body-scan",
                "title": "Body Scan",
                "sessions": 4,
                "mood_n": 0,
                "avg_before": None,
                "avg_after": None,
                "avg_change": None,
            },
        ],
    }


def test_practices_that_help_most_come_first(client, client_user, body, clock, make_exercise):
    """Which practices tend to leave this person feeling better: the mean change per
    exercise, largest first; an exercise practised without moods comes last."""
    make_exercise("body-scan", kind="body-scan", lengths=[10])
    make_exercise("grounding", kind="grounding", lengths=[3])
    scan = {"exercise": "body-scan", "length_minutes": 10}
    day = "2026-11-2{}T08:00:00Z"
    record(
        client,
        client_user,
        [
            practice(body, day.format(0), 300, 5, 6),  # box breathing: +1, +2 -> +1.5
            practice(body, day.format(1), 300, 4, 6),
            practice(body, day.format(0), 300, 2, 6, **scan),  # +4
            practice(body, day.format(1), 300, 6, 5, **scan),  # -1 -> +1.5
            practice(body, day.format(1), 300, 3, 6, exercise="grounding", length_minutes=3),  # +3
            practice(body, day.format(0), 300, None, None, exercise="grounding", length_minutes=3),
        ],
    )
    rows = stats(client, client_user)["by_exercise"]
    assert [(r["exercise"], r["avg_change"], r["mood_n"], r["sessions"]) for r in rows] == [
        ("grounding", 3.0, 1, 2),
        ("body-scan", 1.5, 2, 2),
        ("box-breathing", 1.5, 2, 2),
    ]


def test_a_streak_holds_until_a_whole_day_is_missed(client, make_user, body, clock):
    person = make_user(Role.CLIENT, timezone="UTC")
    clock.now = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
    record(
        client,
        person,
        [practice(body, f"2026-11-{d}T09:00:00Z", 60) for d in (18, 19, 20)],
    )
    # Not practised today yet: the streak still stands on yesterday.
    assert stats(client, person)["current_streak_days"] == 3
    clock.now = datetime(2026, 11, 22, 2, 59, tzinfo=UTC)  # still Saturday by a 03:00 day
    assert stats(client, person)["current_streak_days"] == 3
    clock.now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # Sunday: Saturday was missed
    assert stats(client, person)["current_streak_days"] == 0
    assert stats(client, person)["longest_streak_days"] == 3


def test_a_practice_before_the_day_starts_counts_for_the_day_before(client, make_user, body, clock):
    person = make_user(Role.CLIENT, timezone="Asia/Kolkata")  # +05:30
    clock.now = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 11:30 Saturday in Kolkata
    record(
        client,
        person,
        [
            practice(body, "2026-11-20T09:00:00+05:30", 60),  # Friday
            practice(body, "2026-11-21T00:30:00+05:30", 60),  # 00:30 Saturday -> Friday
        ],
    )
    result = stats(client, person)
    assert (result["current_streak_days"], result["longest_streak_days"]) == (1, 1)
    set_profile(client, person, day_starts_at="00:00")
    record(client, person, [practice(body, "2026-11-21T00:45:00+05:30", 60)])
    # Midnight days from now on: 00:45 Saturday is Saturday; the 00:30 one keeps its day.
    assert stats(client, person)["current_streak_days"] == 2


def test_a_week_across_the_spring_forward_in_new_york(client, make_user, body, clock):
    """2026-03-08: 02:00 EST jumps to 03:00 EDT. A practice every morning at 07:30 local,
    and two either side of the 03:00 day start on the night of the change."""
    person = make_user(Role.CLIENT, timezone="America/New_York")
    clock.now = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)  # Wednesday noon EDT
    mornings = [
        practice(body, f"2026-03-{d:02d}T07:30:00{'-05:00' if d < 8 else '-04:00'}", 600)
        for d in range(5, 12)
    ]
    night = [
        practice(body, "2026-03-08T01:59:00-05:00", 60),  # Saturday's day
        practice(body, "2026-03-08T03:00:00-04:00", 60),  # the first minute of Sunday's
    ]
    record(client, person, mornings + night)
    result = stats(client, person)
    assert (result["current_streak_days"], result["longest_streak_days"]) == (7, 7)
    assert (result["sessions_7d"], result["minutes_7d"]) == (9, 72)
    saturday = client.get(
        "/api/v1/me/practices",
        query_string={"from": "2026-03-07", "to": "2026-03-07"},
        headers=person.headers,
    ).json["items"]
    assert {p["id"] for p in saturday} == {mornings[2]["id"], night[0]["id"]}


def test_the_repeated_hour_in_london_when_the_day_starts_inside_it(client, make_user, body, clock):
    """2026-10-25: 02:00 BST falls back to 01:00 GMT, so 01:30 happens twice. The day
    begins at the first 01:30 and does not fall back into Saturday with the clock."""
    person = make_user(Role.CLIENT, timezone="Europe/London")
    set_profile(client, person, day_starts_at="01:30")
    clock.now = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
    items = [
        practice(body, "2026-10-25T01:15:00+01:00", 60),  # 00:15 UTC: Saturday
        practice(body, "2026-10-25T01:45:00+01:00", 60),  # 00:45 UTC: Sunday
        practice(body, "2026-10-25T01:15:00+00:00", 60),  # 01:15 UTC, the second 01:15: Sunday
    ]
    record(client, person, items)
    sunday = client.get(
        "/api/v1/me/practices", query_string={"from": "2026-10-25"}, headers=person.headers
    ).json["items"]
    assert {p["id"] for p in sunday} == {items[1]["id"], items[2]["id"]}
    assert stats(client, person)["current_streak_days"] == 2


def test_moving_east_keeps_the_days_already_counted(client, make_user, body, clock):
    """London evenings on Wednesday and Thursday, then the client moves to Tokyo. Counted
    again in Tokyo time those two evenings would fall on Thursday and Friday mornings and
    the streak would shrink; each practice keeps the day it was counted on instead."""
    person = make_user(Role.CLIENT, timezone="Europe/London")
    clock.now = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    record(
        client,
        person,
        [
            practice(body, "2026-11-18T23:30:00Z", 60),
            practice(body, "2026-11-19T23:30:00Z", 60),
        ],
    )
    set_profile(client, person, timezone="Asia/Tokyo")
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Friday 21:00 in Tokyo
    record(client, person, [practice(body, "2026-11-20T20:00:00+09:00", 60)])
    result = stats(client, person)
    assert (result["current_streak_days"], result["longest_streak_days"]) == (3, 3)


def test_moving_west_never_ends_a_streak_early(client, make_user, body, clock):
    """A Saturday-morning practice in Tokyo, then a move to Los Angeles where it is still
    Friday: the practice is on a day after today there, and the streak still stands."""
    person = make_user(Role.CLIENT, timezone="Asia/Tokyo")
    clock.now = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    record(client, person, [practice(body, "2026-11-21T08:00:00+09:00", 600)])
    set_profile(client, person, timezone="America/Los_Angeles")
    clock.now = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # Friday 17:00 in Los Angeles
    result = stats(client, person)
    assert (result["current_streak_days"], result["sessions_7d"], result["minutes_7d"]) == (
        1,
        1,
        10,
    )


def test_replays_and_deletes_do_not_change_the_counts(client, client_user, body, clock):
    items = [practice(body, "2026-11-21T08:00:00Z", 120, 2, 4)]
    record(client, client_user, items)
    sync(client, client_user, items)
    assert stats(client, client_user)["sessions_7d"] == 1
    client.delete(f"/api/v1/me/practices/{items[0]['id']}", headers=client_user.headers)
    result = stats(client, client_user)
    assert (result["sessions_7d"], result["mood"]["n"], result["by_kind"]) == (0, 0, {})
