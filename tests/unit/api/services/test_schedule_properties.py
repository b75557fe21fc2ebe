"""Properties of the adherence rule over random prescriptions and practices: two exercises,
overlapping and ended prescriptions, named, unnamed and wrongly named practices."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.services.schedule import (
    Id,
    PracticeFact,
    PrescriptionTerm,
    Schedule,
    active_on,
    adherence,
    assign,
    due_items,
    expected_in_week,
    is_due,
    week_start,
    weeks_ending,
)

ORIGIN = date(2026, 3, 4)  # a Wednesday, so windows start mid-week
WINDOW = 70  # days in which practices fall
MONDAYS = [week_start(ORIGIN - timedelta(days=14)) + timedelta(weeks=k) for k in range(16)]


def day_at(offset: int) -> date:
    return ORIGIN + timedelta(days=offset)


schedules = st.one_of(
    st.frozensets(st.integers(1, 7), min_size=1).map(lambda days: Schedule(days=days)),
    st.one_of(st.integers(1, 4), st.integers(1, 21)).map(lambda n: Schedule(per_week=n)),
)


@st.composite
def term_lists(draw: st.DrawFn) -> list[PrescriptionTerm]:
    terms = []
    for k in range(draw(st.integers(0, 4))):
        start = draw(st.integers(-10, WINDOW))
        length = draw(st.one_of(st.none(), st.integers(-3, WINDOW)))  # < 0: ended before start
        terms.append(
            PrescriptionTerm(
                id=f"rx{k}",
                exercise_id=draw(st.integers(1, 2)),
                schedule=draw(schedules),
                start_date=day_at(start),
                end_date=None if length is None else day_at(start + length),
                created_at=datetime(2026, 1, 1, draw(st.integers(0, 2)), tzinfo=UTC),  # ties
                length_minutes=draw(st.sampled_from([None, 3, 5, 10])),
            )
        )
    return terms


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[PrescriptionTerm], list[PracticeFact]]:
    terms = draw(term_lists())
    names = st.one_of(st.none(), st.sampled_from([t.id for t in terms] + ["unknown"]))
    practices = [
        PracticeFact(
            id=f"p{k}",
            exercise_id=draw(st.integers(1, 2)),
            prescription_id=draw(names),
            day=(day := day_at(draw(st.integers(-7, WINDOW)))),
            started_at=datetime.combine(day, time(12), UTC),
            duration_seconds=draw(st.integers(1, 1200)),
        )
        for k in range(draw(st.integers(0, 40)))
    ]
    return terms, practices


Case = tuple[list[PrescriptionTerm], list[PracticeFact]]


def long_enough(practice: PracticeFact, term: PrescriptionTerm) -> bool:
    """80 % of a prescribed length, in whole seconds: 4 minutes of 5, 8 of 10, 144 s of 3."""
    minutes = term.length_minutes
    return minutes is None or practice.duration_seconds >= minutes * 48


def names_validly(practice: PracticeFact, term: PrescriptionTerm) -> bool:
    return (
        practice.prescription_id == term.id
        and practice.exercise_id == term.exercise_id
        and active_on(term, practice.day)
        and practice.started_at >= term.created_at
        and long_enough(practice, term)
    )


@settings(max_examples=150, deadline=None)
@given(cases())
def test_an_assigned_practice_matches_its_prescriptions_exercise_and_dates(case: Case) -> None:
    terms, practices = case
    by_id = {t.id: t for t in terms}
    facts = {p.id: p for p in practices}
    for practice_id, term_id in assign(terms, practices).items():
        practice, term = facts[practice_id], by_id[term_id]
        assert practice.exercise_id == term.exercise_id
        assert active_on(term, practice.day)
        assert names_validly(practice, term) or is_due(term, practice.day)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_a_validly_named_practice_always_counts_for_the_prescription_it_names(case: Case) -> None:
    terms, practices = case
    assigned = assign(terms, practices)
    for practice in practices:
        for term in terms:
            if names_validly(practice, term):
                assert assigned[practice.id] == term.id


@settings(max_examples=150, deadline=None)
@given(cases())
def test_unnamed_practices_never_exceed_what_a_week_expects(case: Case) -> None:
    terms, practices = case
    facts = {p.id: p for p in practices}
    by_id = {t.id: t for t in terms}
    unnamed: Counter[tuple[Id, date]] = Counter()
    unnamed_per_day: Counter[tuple[Id, date]] = Counter()
    for practice_id, term_id in assign(terms, practices).items():
        practice = facts[practice_id]
        if not names_validly(practice, by_id[term_id]):
            unnamed[term_id, week_start(practice.day)] += 1
            unnamed_per_day[term_id, practice.day] += 1
    for (term_id, monday), count in unnamed.items():
        assert count <= expected_in_week(by_id[term_id], monday)
    for (term_id, _), count in unnamed_per_day.items():
        if by_id[term_id].schedule.days is not None:
            assert count == 1


@settings(max_examples=150, deadline=None)
@given(cases())
def test_a_practice_left_uncounted_found_every_due_prescription_already_satisfied(
    case: Case,
) -> None:
    terms, practices = case
    facts = {p.id: p for p in practices}
    assigned = assign(terms, practices)
    counted_days: dict[Id, list[date]] = {t.id: [] for t in terms}
    for practice_id, term_id in assigned.items():
        counted_days[term_id].append(facts[practice_id].day)
    for practice in practices:
        if practice.id in assigned:
            continue
        for term in terms:
            if term.exercise_id != practice.exercise_id or not is_due(term, practice.day):
                continue
            if practice.started_at < term.created_at or not long_enough(practice, term):
                continue  # it could never have counted for this one
            if term.schedule.days is not None:
                assert practice.day in counted_days[term.id]
            else:
                monday = week_start(practice.day)
                so_far = sum(monday <= day <= practice.day for day in counted_days[term.id])
                assert so_far >= expected_in_week(term, monday)


@settings(max_examples=100, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_assignment_does_not_depend_on_input_order(case: Case, shuffler: random.Random) -> None:
    terms, practices = case
    expected = assign(terms, practices)
    shuffler.shuffle(terms)
    shuffler.shuffle(practices)
    assert assign(terms, practices) == expected


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(-7, WINDOW))
def test_later_practices_never_change_what_earlier_ones_counted_for(case: Case, cut: int) -> None:
    terms, practices = case
    everything = assign(terms, practices)
    earlier = [p for p in practices if p.day <= day_at(cut)]
    assert assign(terms, earlier) == {p.id: everything[p.id] for p in earlier if p.id in everything}


@settings(max_examples=150, deadline=None)
@given(cases())
def test_adherence_done_totals_equal_the_assigned_practices(case: Case) -> None:
    terms, practices = case
    rows = adherence(terms, practices, MONDAYS)  # the weeks cover every practice day
    assigned = assign(terms, practices)
    assert sum(week.done for row in rows for week in row.weeks) == len(assigned)
    per_term = Counter(assigned.values())
    assert {row.prescription_id: sum(w.done for w in row.weeks) for row in rows} == {
        t.id: per_term[t.id] for t in terms
    }


@settings(max_examples=150, deadline=None)
@given(term_lists())
def test_days_schedules_expect_exactly_their_due_days(terms: list[PrescriptionTerm]) -> None:
    everyday = [MONDAYS[0] + timedelta(days=n) for n in range(7 * len(MONDAYS))]
    for term in terms:
        if term.schedule.days is None:
            continue
        due = sum(is_due(term, day) for day in everyday)
        assert sum(expected_in_week(term, monday) for monday in MONDAYS) == due


@settings(max_examples=150, deadline=None)
@given(term_lists())
def test_per_week_schedules_expect_their_prorated_share_rounded_up(
    terms: list[PrescriptionTerm],
) -> None:
    for term in terms:
        n = term.schedule.per_week
        if n is None:
            continue
        for monday in MONDAYS:
            active = sum(active_on(term, monday + timedelta(days=d)) for d in range(7))
            expected = expected_in_week(term, monday)
            assert expected * 7 >= n * active > (expected - 1) * 7
            assert 0 <= expected <= n


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(-7, WINDOW))
def test_a_plan_item_is_done_exactly_when_a_practice_counted_for_it_that_day(
    case: Case, offset: int
) -> None:
    terms, practices = case
    day = day_at(offset)
    facts = {p.id: p for p in practices}
    counted_today = {
        term_id
        for practice_id, term_id in assign(terms, practices).items()
        if facts[practice_id].day == day
    }
    plan = due_items(terms, practices, day)
    for item in plan:
        assert item.done == (item.prescription_id in counted_today)
    listed = {item.prescription_id for item in plan}
    for term in terms:  # every active days-schedule on a listed day is in the plan
        if term.schedule.days is not None:
            assert (term.id in listed) == is_due(term, day)
        elif term.id in counted_today:
            assert term.id in listed


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(-7, WINDOW))
def test_a_per_week_item_leaves_the_plan_only_once_earlier_days_met_the_quota(
    case: Case, offset: int
) -> None:
    terms, practices = case
    day, monday = day_at(offset), week_start(day_at(offset))
    facts = {p.id: p for p in practices}
    counted_before: Counter[Id] = Counter()
    counted_today: set[Id] = set()
    for practice_id, term_id in assign(terms, practices).items():
        if monday <= facts[practice_id].day < day:
            counted_before[term_id] += 1
        elif facts[practice_id].day == day:
            counted_today.add(term_id)
    listed = {item.prescription_id for item in due_items(terms, practices, day)}
    for term in terms:
        if term.schedule.per_week is not None and active_on(term, day):
            met = counted_before[term.id] >= expected_in_week(term, monday)
            assert (term.id in listed) == (not met or term.id in counted_today)


# --- the edges of the calendar --------------------------------------------------------------
# The API accepts no date outside 2000..2099, but the rule itself must not overflow on
# date.min or date.max (it did: `monday + 6 days` on 9999-12-27).


@st.composite
def extreme_terms(draw: st.DrawFn) -> PrescriptionTerm:
    edges = st.one_of(
        st.dates(),
        st.sampled_from([date.min, date.max, date(9999, 12, 27), date(1, 1, 7)]),
    )
    start = draw(edges)
    return PrescriptionTerm(
        id="rx",
        exercise_id=1,
        schedule=draw(schedules),
        start_date=start,
        end_date=draw(st.one_of(st.none(), edges)),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@settings(max_examples=300, deadline=None)
@given(extreme_terms(), st.one_of(st.dates(), st.just(date.max), st.just(date.min)))
def test_the_rule_answers_on_any_day_of_the_calendar(term: PrescriptionTerm, day: date) -> None:
    monday = week_start(day)
    expected = expected_in_week(term, monday)
    limit = len(term.schedule.days) if term.schedule.days else term.schedule.per_week
    assert 0 <= expected <= (limit or 0)
    started = datetime(2026, 1, 2, tzinfo=UTC)
    practice = PracticeFact("p", 1, None, day, started_at=started, duration_seconds=60)
    items = due_items([term], [practice], day)
    assert all(item.prescription_id == "rx" for item in items)
    (row,) = adherence([term], [practice], weeks_ending(day, 3))
    assert sum(week.done for week in row.weeks) <= 1
