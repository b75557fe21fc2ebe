"""Prescription schedules, worked by hand: schedules in and out of JSON, ISO weeks, expected
counts, which practice counts for which prescription, the plan for a day, and adherence tables
across week boundaries, time zones far from UTC and DST changes.

March 2026 is the calendar used throughout: Monday the 2nd, 9th, 16th, 23rd and 30th."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.services.schedule import (
    Id,
    PlanItem,
    PracticeFact,
    PrescriptionTerm,
    Schedule,
    WeekCount,
    active_on,
    adherence,
    assign,
    due_items,
    expected_in_week,
    is_due,
    week_start,
    weeks_ending,
)
from api.services.stats import practice_day

BREATHING, BODY_SCAN = 1, 2
MON, TUE, WED, THU, FRI, SAT, SUN = range(1, 8)
DAY_START = time(3, 0)


def march(day: int) -> date:
    return date(2026, 3, day)


def term(
    id: Id = "rx",
    *,
    days: set[int] | None = None,
    per_week: int | None = None,
    start: date = date(2026, 3, 2),
    end: date | None = None,
    exercise: int = BREATHING,
    made: int = 0,
    created_at: datetime | None = None,
    minutes: int | None = None,
    written_on: date | None = None,
) -> PrescriptionTerm:
    schedule = Schedule(days=frozenset(days), per_week=None) if days else Schedule(None, per_week)
    created_at = created_at or datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=made)
    return PrescriptionTerm(id, exercise, schedule, start, end, created_at, minutes, written_on)


def practice(
    id: Id,
    day: date,
    *,
    exercise: int = BREATHING,
    named: Id | None = None,
    at: datetime | None = None,
    seconds: int = 600,
) -> PracticeFact:
    """A practice on `day` (by default it started at noon UTC that day) lasting `seconds`."""
    started_at = at or datetime.combine(day, time(12), UTC)
    return PracticeFact(id, exercise, named, day, started_at, seconds)


def table(
    terms: list[PrescriptionTerm], practices: list[PracticeFact], first: date, n: int
) -> dict[Id, list[tuple[int, int]]]:
    """{prescription: [(expected, done) per week]} for the n weeks starting on `first`."""
    mondays = [first + timedelta(weeks=k) for k in range(n)]
    return {
        row.prescription_id: [(week.expected, week.done) for week in row.weeks]
        for row in adherence(terms, practices, mondays)
    }


# --- schedules ------------------------------------------------------------------------------


def test_days_schedule_reads_day_names_and_writes_them_in_week_order() -> None:
    schedule = Schedule.from_json({"days": ["fri", "mon", "wed"]})
    assert schedule.days == {MON, WED, FRI}
    assert schedule.per_week is None
    assert schedule.as_json() == {"days": ["mon", "wed", "fri"]}


def test_repeated_day_names_collapse_into_one() -> None:
    assert Schedule.from_json({"days": ["sun", "sun", "mon"]}).as_json() == {"days": ["mon", "sun"]}


def test_per_week_schedule_round_trips() -> None:
    schedule = Schedule.from_json({"per_week": 3})
    assert (schedule.days, schedule.per_week) == (None, 3)
    assert schedule.as_json() == {"per_week": 3}


@pytest.mark.parametrize("n", [1, 21])
def test_per_week_accepts_1_to_21(n: int) -> None:
    assert Schedule.from_json({"per_week": n}).per_week == n


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "either"),
        ({"days": ["mon"], "per_week": 2}, "either"),
        ({"every": 2}, "either"),
        ({"days": ["mon"], "note": "x"}, "either"),
        (["mon"], "either"),
        (None, "either"),
        ({"days": []}, "at least one of mon, tue, wed, thu, fri, sat, sun"),
        ({"days": "mon"}, "at least one of"),
        ({"days": ["mon", "funday"]}, "'funday' is not a day; use mon, tue, wed"),
        ({"days": ["Monday"]}, "'Monday' is not a day"),
        ({"days": [1]}, "1 is not a day"),
        ({"per_week": 0}, "from 1 to 21"),
        ({"per_week": 22}, "from 1 to 21"),
        ({"per_week": -1}, "from 1 to 21"),
        ({"per_week": 2.5}, "whole number"),
        ({"per_week": "3"}, "whole number"),
        ({"per_week": True}, "whole number"),
        ({"per_week": None}, "whole number"),
    ],
)
def test_a_bad_schedule_is_refused_with_a_message(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Schedule.from_json(data)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"days": frozenset({MON}), "per_week": 1},
        {"days": frozenset()},
        {"days": frozenset({0})},
        {"days": frozenset({8})},
        {"per_week": 0},
    ],
)
def test_a_schedule_is_built_with_exactly_one_valid_kind(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Schedule(**kwargs)  # type: ignore[arg-type]


# --- weeks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (march(2), march(2)),  # a Monday is its own week's start
        (march(8), march(2)),  # Sunday closes the week that began on Monday
        (march(9), march(9)),
        (date(2027, 1, 1), date(2026, 12, 28)),  # ISO weeks cross the new year
        (date(2026, 1, 1), date(2025, 12, 29)),
    ],
)
def test_week_start_is_the_monday_of_the_iso_week(day: date, monday: date) -> None:
    assert week_start(day) == monday


def test_weeks_ending_lists_mondays_oldest_first_ending_with_this_week() -> None:
    assert weeks_ending(march(8), 3) == [date(2026, 2, 16), date(2026, 2, 23), march(2)]
    assert weeks_ending(date(2027, 1, 3), 2) == [date(2026, 12, 21), date(2026, 12, 28)]


def test_weeks_ending_with_one_week_is_this_week_and_zero_is_none() -> None:
    assert weeks_ending(march(4), 1) == [march(2)]
    assert weeks_ending(march(4), 0) == []


def test_weeks_ending_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        weeks_ending(march(4), -1)


def test_a_week_must_start_on_a_monday() -> None:
    with pytest.raises(ValueError, match="2026-03-03 is not one"):
        expected_in_week(term(per_week=1), march(3))
    with pytest.raises(ValueError, match="Monday"):
        adherence([term(per_week=1)], [], [march(2), march(3)])


# --- active and due -------------------------------------------------------------------------


def test_a_term_is_active_from_its_start_to_its_end_inclusive() -> None:
    rx = term(per_week=1, start=march(4), end=march(6))
    assert [active_on(rx, march(d)) for d in range(3, 8)] == [False, True, True, True, False]


def test_an_open_ended_term_stays_active() -> None:
    rx = term(per_week=1, start=march(4))
    assert active_on(rx, date(2030, 1, 1))
    assert not active_on(rx, march(3))


def test_a_term_ended_before_it_began_is_never_active() -> None:
    rx = term(days={MON, TUE, WED, THU, FRI, SAT, SUN}, start=march(10), end=march(8))
    assert not any(active_on(rx, march(d)) for d in range(1, 20))
    assert expected_in_week(rx, march(9)) == 0


def test_a_days_schedule_is_due_on_its_listed_weekdays_while_active() -> None:
    rx = term(days={MON, WED}, start=march(3), end=march(9))
    due = [d for d in range(1, 12) if is_due(rx, march(d))]
    assert due == [4, 9]  # Wed 4th and Mon 9th; Mon 2nd is before the start, Wed 11th after


def test_a_per_week_schedule_is_due_on_every_active_day() -> None:
    rx = term(per_week=1, start=march(3), end=march(5))
    assert [d for d in range(1, 8) if is_due(rx, march(d))] == [3, 4, 5]


# --- expected per week ----------------------------------------------------------------------


def test_days_schedule_expects_its_listed_days_inside_the_dates() -> None:
    # Mon/Wed/Fri from Wednesday 4 March to Tuesday 24 March.
    rx = term(days={MON, WED, FRI}, start=march(4), end=march(24))
    assert table([rx], [], date(2026, 2, 23), 6)["rx"] == [
        (0, 0),  # week of 23 Feb: before the start
        (2, 0),  # week of 2 Mar: Wed 4, Fri 6 (Mon 2 is before the start)
        (3, 0),  # week of 9 Mar
        (3, 0),  # week of 16 Mar
        (1, 0),  # week of 23 Mar: Mon 23 (Wed 25 is after the end)
        (0, 0),  # week of 30 Mar: after the end
    ]


def test_per_week_expects_n_per_full_week_and_rounds_partial_weeks_up() -> None:
    # 3 a week from Thursday 5 March to Wednesday 25 March.
    rx = term(per_week=3, start=march(5), end=march(25))
    assert [expected_in_week(rx, date(2026, 2, 23) + timedelta(weeks=k)) for k in range(6)] == [
        0,  # before the start
        2,  # Thu-Sun: 4 active days, ceil(3 × 4 / 7) = ceil(1.71) = 2
        3,
        3,
        2,  # Mon-Wed: 3 active days, ceil(3 × 3 / 7) = ceil(1.29) = 2
        0,  # after the end
    ]


@pytest.mark.parametrize(
    ("per_week", "active_days", "expected"),
    [
        (1, 1, 1),  # ceil(1/7)
        (3, 2, 1),  # ceil(6/7)
        (3, 3, 2),  # ceil(9/7)
        (3, 4, 2),  # ceil(12/7)
        (3, 7, 3),
        (7, 3, 3),  # exactly 21/7
        (5, 6, 5),  # ceil(30/7)
        (21, 1, 3),
        (21, 7, 21),
    ],
)
def test_a_partial_first_week_is_prorated_and_rounded_up(
    per_week: int, active_days: int, expected: int
) -> None:
    rx = term(per_week=per_week, start=march(9) - timedelta(days=active_days))
    assert expected_in_week(rx, march(2)) == expected


def test_a_partial_last_week_is_prorated_like_a_first_one() -> None:
    rx = term(per_week=3, start=date(2026, 2, 1), end=march(3))  # Mon-Tue active
    assert expected_in_week(rx, march(2)) == 1  # ceil(3 × 2 / 7)


def test_a_term_shorter_than_a_week_is_prorated_over_its_days() -> None:
    rx = term(per_week=3, start=march(3), end=march(5))  # Tue-Thu
    assert expected_in_week(rx, march(2)) == 2  # ceil(3 × 3 / 7)


def test_an_open_ended_term_expects_its_full_count_far_ahead() -> None:
    assert expected_in_week(term(per_week=4, start=march(2)), date(2029, 6, 4)) == 4
    assert expected_in_week(term(days={SAT, SUN}, start=march(2)), date(2029, 6, 4)) == 2


# --- which practice counts ------------------------------------------------------------------


def test_an_unnamed_practice_of_the_exercise_on_a_due_day_counts() -> None:
    rx = term(days={MON, WED, FRI})
    assert assign([rx], [practice("p", march(4))]) == {"p": "rx"}


def test_an_unnamed_practice_on_a_non_due_day_of_a_days_schedule_does_not_count() -> None:
    rx = term(days={MON, WED, FRI})
    assert assign([rx], [practice("p", march(3))]) == {}


def test_a_practice_of_another_exercise_does_not_count() -> None:
    rx = term(days={MON, WED, FRI})
    assert assign([rx], [practice("p", march(4), exercise=BODY_SCAN)]) == {}


def test_a_named_practice_counts_even_on_a_day_the_schedule_does_not_list() -> None:
    rx = term(days={MON, WED, FRI})
    assert assign([rx], [practice("p", march(3), named="rx")]) == {"p": "rx"}


def test_a_named_practice_outside_the_terms_dates_does_not_count() -> None:
    rx = term(per_week=7, start=march(4), end=march(6))
    practices = [practice("early", march(3), named="rx"), practice("late", march(7), named="rx")]
    assert assign([rx], practices) == {}


def test_a_practice_naming_a_prescription_of_another_exercise_does_not_count_for_it() -> None:
    rx = term(per_week=7, exercise=BODY_SCAN)
    assert assign([rx], [practice("p", march(4), named="rx")]) == {}


def test_a_practice_naming_an_ended_prescription_counts_for_its_successor() -> None:
    # The client's app still named the old prescription; the new one of the same exercise,
    # due that day, takes it as it would any practice that names nothing it can count for.
    old = term("old", days={MON, WED, FRI}, end=march(3))
    new = term("new", days={MON, WED, FRI}, start=march(4), made=1)
    assert assign([old, new], [practice("p", march(4), named="old")]) == {"p": "new"}


def test_a_practice_naming_an_unknown_prescription_counts_like_an_unnamed_one() -> None:
    rx = term(days={WED})
    assert assign([rx], [practice("p", march(4), named="gone")]) == {"p": "rx"}


# What counts for a prescription (issue 10, item 9): a 3-minute practice recorded before a
# 5-minute prescription was written marked it done. Written on Wednesday 4 March at 10:00 UTC,
# starting that day; practices that day, named and unnamed.
WRITTEN = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("started", "seconds", "minutes", "counts"),
    [
        (time(9, 59), 300, 5, False),  # before it was written, though on its start day
        (time(10, 0), 300, 5, True),  # the moment it was written
        (time(11, 0), 180, 5, False),  # the 3-minute variant for a 5-minute prescription
        (time(11, 0), 239, 5, False),  # just under 80 %
        (time(11, 0), 240, 5, True),  # 80 % of 5 minutes
        (time(11, 0), 479, 10, False),
        (time(11, 0), 480, 10, True),  # 80 % of 10 minutes
        (time(11, 0), 144, 3, True),  # 80 % of 3 minutes
        (time(11, 0), 3600, 5, True),  # longer always counts
        (time(11, 0), 60, None, True),  # no length prescribed: any length
        (time(9, 0), 60, None, False),  # ... but not before it was written
    ],
)
@pytest.mark.parametrize("named", [None, "rx"])
def test_a_practice_counts_if_started_once_written_and_long_enough(
    started: time, seconds: int, minutes: int | None, counts: bool, named: Id | None
) -> None:
    rx = term(per_week=3, start=march(4), created_at=WRITTEN, minutes=minutes)
    p = practice(
        "p", march(4), named=named, at=datetime.combine(march(4), started, UTC), seconds=seconds
    )
    assert assign([rx], [p]) == ({"p": "rx"} if counts else {})
    assert due_items([rx], [p], march(4)) == [PlanItem("rx", counts)]


def test_a_backdated_start_takes_effect_on_the_day_it_was_written() -> None:
    # Written on Wednesday with a start date of Monday: Monday's practice was not done for
    # it, and Monday expects nothing (it could not have been done).
    rx = term(days={MON, WED}, start=march(2), created_at=WRITTEN, written_on=march(4))
    practices = [practice("mon", march(2)), practice("wed", march(4), at=WRITTEN)]
    assert assign([rx], practices) == {"wed": "rx"}
    assert table([rx], practices, march(2), 1) == {"rx": [(1, 1)]}
    assert due_items([rx], practices, march(2)) == []
    weekly = term("weekly", per_week=7, start=march(2), written_on=march(4))
    assert expected_in_week(weekly, march(2)) == 5  # Wednesday to Sunday


def test_a_start_date_after_the_day_it_was_written_is_kept() -> None:
    rx = term(days={MON, WED}, start=march(9), written_on=march(4))
    assert table([rx], [], march(2), 2) == {"rx": [(0, 0), (2, 0)]}


def test_a_too_short_practice_leaves_the_day_for_a_long_enough_one() -> None:
    rx = term(days={WED}, minutes=10)
    short = practice("short", march(4), seconds=300, at=datetime(2026, 3, 4, 8, tzinfo=UTC))
    full = practice("full", march(4), seconds=600, at=datetime(2026, 3, 4, 18, tzinfo=UTC))
    assert assign([rx], [short, full]) == {"full": "rx"}


def test_a_short_practice_counts_for_a_shorter_prescription_of_the_exercise() -> None:
    # One prescription of 10 minutes, one of 3: a 5-minute practice is for the 3-minute one.
    long = term("long", per_week=7, minutes=10)
    short = term("short", per_week=7, minutes=3, made=1)
    assert assign([long, short], [practice("p", march(4), seconds=300)]) == {"p": "short"}


def test_unnamed_practices_count_once_per_listed_day() -> None:
    rx = term(days={MON, WED, FRI})
    practices = [practice(f"p{k}", march(2)) for k in range(3)]
    assert table([rx], practices, march(2), 1)["rx"] == [(3, 1)]


def test_unnamed_practices_fill_a_per_week_quota_and_no_more() -> None:
    rx = term(per_week=3)
    practices = [practice(f"p{k}", march(d)) for k, d in enumerate((2, 3, 3, 5, 8))]
    assert table([rx], practices, march(2), 1)["rx"] == [(3, 3)]


def test_the_earliest_practices_of_a_week_fill_its_quota() -> None:
    rx = term(per_week=2)
    practices = [practice("sun", march(8)), practice("tue", march(3)), practice("wed", march(4))]
    assert assign([rx], practices) == {"tue": "rx", "wed": "rx"}


def test_named_practices_always_count_so_done_may_exceed_expected() -> None:
    rx = term(days={MON})
    practices = [practice(f"p{d}", march(d), named="rx") for d in (2, 3, 4, 5)]
    assert table([rx], practices, march(2), 1)["rx"] == [(1, 4)]


def test_a_named_practice_fills_its_day_so_an_unnamed_one_that_day_does_not_count() -> None:
    rx = term(days={MON})
    practices = [practice("a-unnamed", march(2)), practice("b-named", march(2), named="rx")]
    assert assign([rx], practices) == {"b-named": "rx"}


def test_a_named_practice_uses_up_quota_for_unnamed_ones_later_in_the_week() -> None:
    rx = term(per_week=2)
    practices = [
        practice("mon", march(2), named="rx"),
        practice("tue", march(3)),
        practice("wed", march(4)),
    ]
    assert assign([rx], practices) == {"mon": "rx", "tue": "rx"}


def test_a_later_named_practice_never_displaces_an_earlier_unnamed_one() -> None:
    rx = term(per_week=1)
    practices = [practice("mon", march(2)), practice("fri", march(6), named="rx")]
    assert assign([rx], practices) == {"mon": "rx", "fri": "rx"}
    assert table([rx], practices, march(2), 1)["rx"] == [(1, 2)]


def test_competing_prescriptions_one_practice_counts_once_for_the_earliest() -> None:
    first = term("first", days={WED}, made=1)
    second = term("second", per_week=2, made=2)
    assert assign([second, first], [practice("p", march(4))]) == {"p": "first"}
    assert table([first, second], [practice("p", march(4))], march(2), 1) == {
        "first": [(1, 1)],
        "second": [(2, 0)],
    }


def test_competing_prescriptions_prefer_the_one_that_still_needs_the_practice() -> None:
    first = term("first", per_week=1, made=1)
    second = term("second", per_week=1, made=2)
    practices = [practice("mon", march(2)), practice("tue", march(3)), practice("wed", march(4))]
    assert assign([first, second], practices) == {"mon": "first", "tue": "second"}


def test_prescriptions_made_at_the_same_moment_are_ordered_by_id() -> None:
    b, a = term("b", per_week=1), term("a", per_week=1)
    assert assign([b, a], [practice("p", march(2))]) == {"p": "a"}


def test_assignment_does_not_depend_on_the_order_of_the_input() -> None:
    terms = [term("x", days={MON, TUE}, made=1), term("y", per_week=2, made=0)]
    practices = [practice(f"p{k}", march(2 + k % 3)) for k in range(6)]
    assert assign(terms, practices) == assign(terms[::-1], practices[::-1])


def test_a_prescription_or_practice_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="prescription rx is listed twice"):
        assign([term(per_week=1), term(per_week=2)], [])
    with pytest.raises(ValueError, match="practice p is listed twice"):
        assign([], [practice("p", march(2)), practice("p", march(3))])


# --- adherence tables -----------------------------------------------------------------------


def test_adherence_of_a_days_schedule_across_its_weeks() -> None:
    # Mon/Wed/Fri from Wednesday 4 March to Tuesday 24 March.
    rx = term(days={MON, WED, FRI}, start=march(4), end=march(24))
    practices = [
        practice("before-start", march(2)),  # Monday, but before the start
        practice("wed4", march(4)),
        practice("thu5", march(5)),  # not a listed day
        practice("fri6", march(6)),
        practice("mon9", march(9)),
        practice("mon9-again", march(9)),  # a second on one day counts once
        practice("tue10-named", march(10), named="rx"),  # named: counts anyway
        practice("mon23", march(23)),
        practice("wed25", march(25)),  # after the end
    ]
    assert table([rx], practices, date(2026, 2, 23), 6)["rx"] == [
        (0, 0),
        (2, 2),  # Wed 4, Fri 6
        (3, 2),  # Mon 9, Tue 10 (named)
        (3, 0),
        (1, 1),  # Mon 23
        (0, 0),
    ]


def test_adherence_of_a_per_week_schedule_starting_on_a_thursday() -> None:
    # 3 a week from Thursday 5 March to Wednesday 25 March.
    rx = term(per_week=3, start=march(5), end=march(25))
    days = [4, 5, 6, 7, 8, 9, 16, 17, 18, 19, 23, 24, 25, 26]
    practices = [practice(f"d{d}", march(d)) for d in days]
    assert table([rx], practices, march(2), 5)["rx"] == [
        (2, 2),  # Thu 5, Fri 6 (Wed 4 is before the start; Sat, Sun over the quota)
        (3, 1),  # Mon 9
        (3, 3),  # Mon 16, Tue 17, Wed 18 (Thu 19 over the quota)
        (2, 2),  # Mon 23, Tue 24 (Wed 25 over the prorated quota; Thu 26 after the end)
        (0, 0),
    ]


def test_sunday_and_monday_fall_in_different_weeks() -> None:
    rx = term(per_week=1)
    practices = [practice("sun", march(8)), practice("mon", march(9))]
    assert table([rx], practices, march(2), 2)["rx"] == [(1, 1), (1, 1)]


def test_adherence_lists_prescriptions_in_the_order_they_were_made_and_weeks_as_given() -> None:
    first = term("first", per_week=1, made=1)
    second = term("second", per_week=1, made=2)
    rows = adherence([second, first], [], [march(9), march(2)])
    assert [row.prescription_id for row in rows] == ["first", "second"]
    assert [week.week_start for week in rows[0].weeks] == [march(9), march(2)]
    assert rows[0].weeks[0] == WeekCount(march(9), 1, 0)


def test_practices_outside_the_weeks_asked_for_are_not_shown() -> None:
    rx = term(per_week=1)
    practices = [practice("old", march(2)), practice("new", march(16))]
    assert table([rx], practices, march(9), 1)["rx"] == [(1, 0)]


# --- the plan for a day ---------------------------------------------------------------------


def test_the_plan_shows_a_days_schedule_only_on_its_listed_days() -> None:
    rx = term(days={MON, WED})
    assert due_items([rx], [], march(2)) == [PlanItem("rx", False)]
    assert due_items([rx], [], march(3)) == []


def test_the_plan_marks_a_days_item_done_when_a_practice_counted_that_day() -> None:
    rx = term(days={MON, WED})
    practices = [practice("p", march(2))]
    assert due_items([rx], practices, march(2)) == [PlanItem("rx", True)]
    assert due_items([rx], practices, march(4)) == [PlanItem("rx", False)]


def test_a_practice_of_another_exercise_leaves_the_plan_item_not_done() -> None:
    rx = term(days={MON})
    assert due_items([rx], [practice("p", march(2), exercise=BODY_SCAN)], march(2)) == [
        PlanItem("rx", False)
    ]


def test_the_plan_shows_a_per_week_item_every_day_until_the_quota_is_met() -> None:
    rx = term(per_week=2)
    practices = [practice("tue", march(3)), practice("thu", march(5))]
    plan = {d: due_items([rx], practices, march(d)) for d in range(2, 10)}
    assert plan == {
        2: [PlanItem("rx", False)],
        3: [PlanItem("rx", True)],
        4: [PlanItem("rx", False)],
        5: [PlanItem("rx", True)],  # the quota is met today, and today shows it done
        6: [],  # met on earlier days: nothing more is due this week
        7: [],
        8: [],
        9: [PlanItem("rx", False)],  # a new week
    }


def test_a_named_practice_after_the_quota_shows_the_per_week_item_done() -> None:
    rx = term(per_week=1)
    practices = [practice("mon", march(2)), practice("wed", march(4), named="rx")]
    assert due_items([rx], practices, march(3)) == []
    assert due_items([rx], practices, march(4)) == [PlanItem("rx", True)]


def test_an_uncounted_practice_after_the_quota_leaves_the_per_week_item_hidden() -> None:
    rx = term(per_week=1)
    practices = [practice("mon", march(2)), practice("wed", march(4))]
    assert due_items([rx], practices, march(4)) == []


def test_the_plan_for_a_day_ignores_practices_after_it() -> None:
    rx = term(per_week=1)
    assert due_items([rx], [practice("later", march(4), named="rx")], march(3)) == [
        PlanItem("rx", False)
    ]


def test_the_plan_leaves_out_a_term_that_ended_yesterday_or_starts_tomorrow() -> None:
    ended = term("ended", days={TUE, WED}, end=march(3))
    future = term("future", per_week=1, start=march(5))
    assert due_items([ended, future], [], march(4)) == []


def test_the_plan_includes_a_term_on_its_last_and_first_day() -> None:
    ending = term("ending", days={WED}, end=march(4), made=1)
    starting = term("starting", per_week=1, start=march(4), made=2)
    assert due_items([ending, starting], [], march(4)) == [
        PlanItem("ending", False),
        PlanItem("starting", False),
    ]


def test_the_plan_lists_items_in_the_order_prescriptions_were_made() -> None:
    terms = [
        term("c", per_week=1, made=3),
        term("a", days={MON}, made=1),
        term("b", per_week=2, exercise=BODY_SCAN, made=2),
    ]
    plan = due_items(terms, [practice("p", march(2), exercise=BODY_SCAN)], march(2))
    assert plan == [PlanItem("a", False), PlanItem("b", True), PlanItem("c", False)]


def test_the_plan_marks_done_only_the_prescription_the_practice_counted_for() -> None:
    first = term("first", per_week=1, made=1)
    second = term("second", per_week=1, made=2)
    assert due_items([first, second], [practice("p", march(2))], march(2)) == [
        PlanItem("first", True),
        PlanItem("second", False),
    ]


# --- time zones: practices recorded as UTC instants, bucketed into the client's days ---------


def facts_in(zone: str, instants: dict[str, str]) -> list[PracticeFact]:
    where = ZoneInfo(zone)
    return [
        practice(id, practice_day(datetime.fromisoformat(at), where, DAY_START))
        for id, at in instants.items()
    ]


def test_kiritimati_fourteen_hours_ahead_moves_utc_sunday_into_monday() -> None:
    rx = term(days={MON, SUN})
    practices = facts_in(
        "Pacific/Kiritimati",
        {
            "a": "2026-03-08T12:30:00+00:00",  # Mon 9th 02:30 local: still Sunday's day
            "b": "2026-03-08T13:30:00+00:00",  # Mon 9th 03:30 local: Monday
            "c": "2026-03-14T23:00:00+00:00",  # Sun 15th 13:00 local: Sunday
        },
    )
    assert [p.day for p in practices] == [march(8), march(9), march(15)]
    # Counted by UTC dates this would read (2, 1), (2, 0).
    assert table([rx], practices, march(2), 2)["rx"] == [(2, 1), (2, 2)]


def test_pago_pago_eleven_hours_behind_keeps_utc_monday_in_the_week_before() -> None:
    rx = term(per_week=2)
    practices = facts_in(
        "Pacific/Pago_Pago",
        {
            "a": "2026-03-03T01:00:00+00:00",  # Mon 2nd 14:00 local
            "b": "2026-03-09T10:00:00+00:00",  # Sun 8th 23:00 local
            "c": "2026-03-09T13:59:00+00:00",  # Mon 9th 02:59 local: still Sunday's day
            "d": "2026-03-09T14:00:00+00:00",  # Mon 9th 03:00 local: Monday
        },
    )
    assert [p.day for p in practices] == [march(2), march(8), march(8), march(9)]
    # Counted by UTC dates this would read (2, 1), (2, 2).
    assert table([rx], practices, march(2), 2)["rx"] == [(2, 2), (2, 1)]


def test_new_york_spring_forward_keeps_the_day_start_at_three_local() -> None:
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT; days begin at 03:00 local.
    rx = term(days={SAT, SUN})
    practices = facts_in(
        "America/New_York",
        {
            "a": "2026-03-08T06:30:00+00:00",  # 01:30 EST Sunday: Saturday's day
            "b": "2026-03-08T07:00:00+00:00",  # 03:00 EDT Sunday: Sunday begins
            "c": "2026-03-09T06:30:00+00:00",  # 02:30 EDT Monday: still Sunday's day
            "d": "2026-03-09T07:00:00+00:00",  # 03:00 EDT Monday: Monday, not listed
        },
    )
    assert [p.day for p in practices] == [march(7), march(8), march(8), march(9)]
    # Counted by UTC dates this would read (2, 1), (2, 0).
    assert table([rx], practices, march(2), 2)["rx"] == [(2, 2), (2, 0)]


def test_london_fall_back_gives_saturday_a_twenty_five_hour_day() -> None:
    # 25 October 2026: 02:00 BST falls back to 01:00 GMT; days begin at 03:00 local.
    rx = term(per_week=2, start=date(2026, 10, 12))
    practices = facts_in(
        "Europe/London",
        {
            "a": "2026-10-19T01:59:00+00:00",  # 02:59 BST Monday 19th: Sunday 18th's day
            "b": "2026-10-25T01:30:00+00:00",  # 01:30 GMT Sunday 25th: Saturday's day
            "c": "2026-10-26T02:59:00+00:00",  # 02:59 GMT Monday 26th: Sunday 25th's day
            "d": "2026-10-26T03:00:00+00:00",  # 03:00 GMT Monday 26th: Monday
        },
    )
    assert [p.day for p in practices] == [
        date(2026, 10, 18),
        date(2026, 10, 24),
        date(2026, 10, 25),
        date(2026, 10, 26),
    ]
    # Counted by UTC dates this would read (2, 0), (2, 2), (2, 2).
    assert table([rx], practices, date(2026, 10, 12), 3)["rx"] == [(2, 1), (2, 2), (2, 1)]
