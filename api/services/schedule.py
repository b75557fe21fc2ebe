"""Prescription schedules: what is due on a day, what a week expects, and which practice counts
towards which prescription.

Pure: plain dataclasses in, plain results out, no database. The caller buckets each practice
into its day with `api.services.stats.practice_day`.

Adherence rule. Days are the client's days (in their time zone, each beginning at their day
start, 03:00 by default); weeks are ISO weeks of those days, Monday to Sunday.

- Active. A prescription is active from its start date to its end date, both included; with
  no end date it goes on. A start date earlier than the day it was written (in the client's
  time zone) takes effect on the day it was written: no day before it expects anything, as
  nothing done then could count for it. Ending one (by the therapist, or because the client
  revoked the link) sets its end date to the day it ended.
- Expected. A days-schedule expects one practice on each listed weekday of the week on which
  it is active. A per-week schedule of n expects n in a week it is active all seven days, and
  ceil(n × active days ÷ 7) in a partial first or last week (per_week 3 starting on a
  Thursday: ceil(3 × 4 ÷ 7) = 2). A week in which it is not active expects 0.
- Which practices may count. A practice may count for a prescription only when it is of the
  prescribed exercise, falls on a day the prescription is active (the client's day, so "at
  or after the start date" is read in the client's time zone), started no earlier than the
  moment the prescription was written (a practice done before the therapist asked for it
  was not done for it, even when the start date is earlier), and, when a length is
  prescribed, lasted at least 80 % of it (4 of 5 minutes; a 3-minute practice does not do a
  5-minute prescription). Any length counts when none is prescribed. The 80 % allows for
  starting a little late or stopping during the closing bell, while the shorter variant of
  an exercise (3 against 5, 5 against 10 minutes) never passes for the longer one. Whether
  the client marked the practice completed does not matter; how long it lasted does.
- Done. A practice counts towards the prescription it names when it may count for it (as
  above). Such a practice always counts, even
  beyond what was expected (the client said it was for that prescription), so done exceeds
  expected only through named practices. Any other practice (naming none, or one it cannot
  count for) counts towards a prescription of the same exercise that is due that day and
  still needs it: a days-schedule on a listed weekday on which nothing has counted for it
  yet; a per-week schedule on any active day while its week has counted fewer than expected.
  When several could take it, the one prescribed first does; when none can, it does not
  count. A practice never counts twice.
- Order. Practices are taken day by day (on one day, named ones first), so a later practice
  never changes what an earlier one counted for.

The plan for a day lists each active days-schedule on its listed weekdays, and each active
per-week schedule on every day until earlier days of that week have met its expected count,
and after that only on a day a practice counted for it. An item is done when a practice
counted for it that day.

For callers: to keep "never counts twice" true across therapists, pass every prescription of
the client (ended ones too) and filter the results for display afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from uuid import UUID

Id = UUID | int | str

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NUMBERS = {name: number for number, name in enumerate(DAY_NAMES, start=1)}
_NAMES_HINT = ", ".join(DAY_NAMES)
MAX_PER_WEEK = 21
_PER_WEEK_RANGE = f"'per_week' must be a whole number from 1 to {MAX_PER_WEEK}"
WEEK = timedelta(days=7)
# A practice counts for a prescription with a length when it lasted at least this share of it.
LENGTH_SHARE = Fraction(4, 5)


# --- schedules and the facts the caller supplies --------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Either `days` (ISO weekday numbers, 1 = Monday .. 7 = Sunday) or `per_week`."""

    days: frozenset[int] | None = None
    per_week: int | None = None

    def __post_init__(self) -> None:
        if (self.days is None) == (self.per_week is None):
            raise ValueError("a schedule needs exactly one of 'days' or 'per_week'")
        if self.days is not None:
            days = frozenset(self.days)
            if not days:
                raise ValueError(f"'days' must list at least one of {_NAMES_HINT}")
            if any(isinstance(d, bool) or d not in range(1, 8) for d in days):
                raise ValueError("weekday numbers run from 1 (Monday) to 7 (Sunday)")
            object.__setattr__(self, "days", days)
        elif (
            isinstance(self.per_week, bool)
            or not isinstance(self.per_week, int)
            or not 1 <= self.per_week <= MAX_PER_WEEK
        ):
            raise ValueError(_PER_WEEK_RANGE)

    @classmethod
    def from_json(cls, data: object) -> Schedule:
        """`{"days": ["mon", "wed"]}` or `{"per_week": 3}`; a ValueError a person can act on
        for anything else. Repeated day names collapse into one."""
        if not isinstance(data, Mapping) or len(data) != 1 or not {"days", "per_week"} & {*data}:
            raise ValueError('a schedule is either {"days": ["mon", ...]} or {"per_week": n}')
        if "per_week" in data:
            if data["per_week"] is None:
                raise ValueError(_PER_WEEK_RANGE)
            return cls(per_week=data["per_week"])
        names = data["days"]
        if not isinstance(names, list) or not names:
            raise ValueError(f"'days' must list at least one of {_NAMES_HINT}")
        for name in names:
            if not isinstance(name, str) or name not in _DAY_NUMBERS:
                raise ValueError(f"{name!r} is not a day; use {_NAMES_HINT}")
        return cls(days=frozenset(_DAY_NUMBERS[name] for name in names))

    def as_json(self) -> dict[str, object]:
        if self.days is not None:
            return {"days": [DAY_NAMES[number - 1] for number in sorted(self.days)]}
        return {"per_week": self.per_week}


@dataclass(frozen=True)
class PrescriptionTerm:
    """A prescription's schedule and dates. `end_date` is included; None means open-ended.
    An end before the start (ended before it began) is simply never active. `created_at`
    orders prescriptions for tie-breaks (then `id`); no practice started before it counts.
    `written_on` is the client's day of `created_at`: a start date before it takes effect on
    it. `length_minutes` None means any length will do."""

    id: Id
    exercise_id: int
    schedule: Schedule
    start_date: date
    end_date: date | None
    created_at: datetime
    length_minutes: int | None = None
    written_on: date | None = None

    @property
    def first_day(self) -> date:
        """The first day it is active: its start date, or the day it was written if later."""
        if self.written_on is None:
            return self.start_date
        return max(self.start_date, self.written_on)


@dataclass(frozen=True)
class PracticeFact:
    """A recorded practice; `day` is its practice day (`practice_day` of `started_at`)."""

    id: Id
    exercise_id: int
    prescription_id: Id | None
    day: date
    started_at: datetime
    duration_seconds: int


@dataclass(frozen=True)
class PlanItem:
    prescription_id: Id
    done: bool


@dataclass(frozen=True)
class WeekCount:
    week_start: date
    expected: int
    done: int


@dataclass(frozen=True)
class TermAdherence:
    prescription_id: Id
    weeks: list[WeekCount]


# --- days and weeks -------------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.isoweekday() - 1)


def week_days(monday: date) -> list[date]:
    """Monday to Sunday of the week starting `monday`; the calendar's last week (9999-12-27 to
    date.max, a Friday) ends early rather than overflowing. The API accepts no such dates, but
    a pure function should not fall over on them."""
    return [monday + timedelta(days=n) for n in range(min(7, (date.max - monday).days + 1))]


def weeks_ending(today: date, n: int) -> list[date]:
    """The Mondays of the `n` weeks ending with this one, oldest first."""
    if n < 0:
        raise ValueError("the number of weeks cannot be negative")
    this_week = week_start(today)
    n = min(n, (this_week - date.min).days // 7 + 1)  # no week before the calendar's first
    return [this_week - WEEK * back for back in range(n - 1, -1, -1)]


def active_on(term: PrescriptionTerm, day: date) -> bool:
    return term.first_day <= day and (term.end_date is None or day <= term.end_date)


def is_due(term: PrescriptionTerm, day: date) -> bool:
    """Whether a practice of the term's exercise on `day` may count for it without naming it
    (its week's quota aside): a listed weekday, or any day for a per-week schedule, while
    the term is active. The quota-aware view of a day is `due_items`."""
    if not active_on(term, day):
        return False
    days = term.schedule.days
    return days is None or day.isoweekday() in days


def _active_days_in_week(term: PrescriptionTerm, monday: date) -> int:
    first = max(monday, term.first_day)
    last = week_days(monday)[-1]
    if term.end_date is not None:
        last = min(last, term.end_date)
    return max((last - first).days + 1, 0)


def expected_in_week(term: PrescriptionTerm, monday: date) -> int:
    """Practices expected in the ISO week starting `monday`.

    days-schedule: the number of listed weekdays of that week inside the term's dates.
    per-week n: with a = the term's active days in that week (0..7), ceil(n × a / 7); so n for
    a full week, pro-rated and rounded up for a partial first or last week, 0 when a = 0.
    """
    _require_monday(monday)
    days = term.schedule.days
    if days is not None:
        return sum(is_due(term, day) for day in week_days(monday) if day.isoweekday() in days)
    per_week = term.schedule.per_week or 0
    return -(-per_week * _active_days_in_week(term, monday) // 7)


def _require_monday(day: date) -> None:
    if day.isoweekday() != 1:
        raise ValueError(f"a week starts on a Monday; {day.isoformat()} is not one")


# --- counting -------------------------------------------------------------------------------


def long_enough(term: PrescriptionTerm, duration_seconds: int) -> bool:
    """At least LENGTH_SHARE of the prescribed length, when a length is prescribed."""
    if term.length_minutes is None:
        return True
    return duration_seconds * LENGTH_SHARE.denominator >= (
        term.length_minutes * 60 * LENGTH_SHARE.numerator
    )


def can_count(term: PrescriptionTerm, practice: PracticeFact) -> bool:
    """Whether the practice may count for the term at all (quota aside): the same exercise,
    on a day the term is active, started no earlier than the term was written, and long
    enough."""
    return (
        term.exercise_id == practice.exercise_id
        and active_on(term, practice.day)
        and practice.started_at >= term.created_at
        and long_enough(term, practice.duration_seconds)
    )


def _term_order(term: PrescriptionTerm) -> tuple[datetime, str]:
    return term.created_at, str(term.id)


def _by_id(terms: Iterable[PrescriptionTerm]) -> dict[Id, PrescriptionTerm]:
    found: dict[Id, PrescriptionTerm] = {}
    for term in terms:
        if term.id in found:
            raise ValueError(f"prescription {term.id} is listed twice")
        found[term.id] = term
    return found


def _named_term(
    practice: PracticeFact, terms: Mapping[Id, PrescriptionTerm]
) -> PrescriptionTerm | None:
    """The term a practice names, if it can count for it."""
    if practice.prescription_id is None:
        return None
    term = terms.get(practice.prescription_id)
    return term if term is not None and can_count(term, practice) else None


def assign(terms: Iterable[PrescriptionTerm], practices: Iterable[PracticeFact]) -> dict[Id, Id]:
    """Which practice counts towards which prescription: {practice id: prescription id}.
    Practices that count for none are absent. The rule is the module's."""
    by_id = _by_id(terms)
    ordered_terms = sorted(by_id.values(), key=_term_order)
    practices = list(practices)
    named: dict[Id, PrescriptionTerm | None] = {}
    for practice in practices:
        if practice.id in named:
            raise ValueError(f"practice {practice.id} is listed twice")
        named[practice.id] = _named_term(practice, by_id)

    expected: dict[tuple[Id, date], int] = {}
    counted_in_week: Counter[tuple[Id, date]] = Counter()
    counted_on_day: set[tuple[Id, date]] = set()

    def has_room(term: PrescriptionTerm, day: date) -> bool:
        if term.schedule.days is not None:  # one per listed day
            return (term.id, day) not in counted_on_day
        key = (term.id, week_start(day))
        if key not in expected:
            expected[key] = expected_in_week(term, key[1])
        return counted_in_week[key] < expected[key]

    def unnamed_taker(practice: PracticeFact) -> PrescriptionTerm | None:
        for term in ordered_terms:
            if (
                can_count(term, practice)
                and is_due(term, practice.day)
                and has_room(term, practice.day)
            ):
                return term
        return None

    assigned: dict[Id, Id] = {}
    # Day by day, named first on each day, so later practices never move earlier ones.
    for practice in sorted(practices, key=lambda p: (p.day, named[p.id] is None, str(p.id))):
        term = named[practice.id] or unnamed_taker(practice)
        if term is None:
            continue
        assigned[practice.id] = term.id
        counted_in_week[term.id, week_start(practice.day)] += 1
        counted_on_day.add((term.id, practice.day))
    return assigned


def due_items(
    terms: Iterable[PrescriptionTerm], practices: Iterable[PracticeFact], day: date
) -> list[PlanItem]:
    """The client's plan for `day`, in the order the prescriptions were made (time of day is
    the caller's to sort by). Practices after `day` change nothing."""
    terms = sorted(_by_id(terms).values(), key=_term_order)
    practices = [practice for practice in practices if practice.day <= day]
    days_of = {practice.id: practice.day for practice in practices}
    counted: Counter[tuple[Id, date]] = Counter(
        (term_id, days_of[practice_id]) for practice_id, term_id in assign(terms, practices).items()
    )
    monday = week_start(day)
    items = []
    for term in terms:
        if not active_on(term, day):
            continue
        done_today = counted[term.id, day] > 0
        weekdays = term.schedule.days
        if weekdays is not None:
            if day.isoweekday() in weekdays:
                items.append(PlanItem(term.id, done_today))
            continue
        earlier = sum(
            counted[term.id, monday + timedelta(days=d)] for d in range((day - monday).days)
        )
        if done_today or earlier < expected_in_week(term, monday):
            items.append(PlanItem(term.id, done_today))
    return items


def adherence(
    terms: Iterable[PrescriptionTerm],
    practices: Iterable[PracticeFact],
    mondays: Sequence[date],
    *,
    counted: Container[Id] | None = None,
) -> list[TermAdherence]:
    """Expected and done for each prescription (in the order they were made) in each of the
    weeks starting on `mondays` (kept in the order given). Done counts the practices `assign`
    gives the prescription whose day falls in that week; with `counted`, only those of them
    whose ids it holds (what a viewer may see; the assignment still uses every practice)."""
    for monday in mondays:
        _require_monday(monday)
    terms = sorted(_by_id(terms).values(), key=_term_order)
    practices = list(practices)
    days_of = {practice.id: practice.day for practice in practices}
    done: Counter[tuple[Id, date]] = Counter(
        (term_id, week_start(days_of[practice_id]))
        for practice_id, term_id in assign(terms, practices).items()
        if counted is None or practice_id in counted
    )
    return [
        TermAdherence(
            term.id,
            [
                WeekCount(monday, expected_in_week(term, monday), done[term.id, monday])
                for monday in mondays
            ],
        )
        for term in terms
    ]
