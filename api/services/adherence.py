"""Plans and adherence: what a client has due on a day, and how a therapist's prescriptions
are kept, counted by the rules in `schedule` over the practices the therapist may see
(`care.can_see`)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.models import CareLink, Practice, Prescription, User
from api.models.base import utcnow
from api.services import Db, schedule
from api.services.accounts import Clock
from api.services.care import can_see
from api.services.stats import practice_day, today_for


def _client_terms(session: Db, client_id: uuid.UUID) -> dict[uuid.UUID, Prescription]:
    """Every prescription of the client, ended ones and other therapists' too: a practice
    may count once only, whoever prescribed it."""
    return _terms_of_clients(session, [client_id])[client_id]


def _terms_of_clients(
    session: Db, client_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, Prescription]]:
    """`_client_terms` for many clients in one query."""
    terms: dict[uuid.UUID, dict[uuid.UUID, Prescription]] = {cid: {} for cid in client_ids}
    for p in session.scalars(select(Prescription).where(Prescription.client_id.in_(client_ids))):
        terms[p.client_id][p.id] = p  # type: ignore[index]
    return terms


def _term(prescription: Prescription, client: User) -> schedule.PrescriptionTerm:
    zone = ZoneInfo(client.timezone)
    return schedule.PrescriptionTerm(
        id=prescription.id,
        exercise_id=prescription.exercise_id,
        schedule=schedule.Schedule.from_json(prescription.schedule),
        start_date=prescription.start_date,
        end_date=prescription.end_date,
        created_at=prescription.created_at,
        length_minutes=prescription.length_minutes,
        written_on=practice_day(prescription.created_at, zone, client.day_starts_at),
    )


def _facts(
    session: Db, client_id: uuid.UUID, first_day: date, last_day: date
) -> list[schedule.PracticeFact]:
    return _facts_of_clients(session, [client_id], first_day, last_day)[client_id]


def _facts_of_clients(
    session: Db, client_ids: list[uuid.UUID], first_day: date, last_day: date
) -> dict[uuid.UUID, list[schedule.PracticeFact]]:
    """`_facts` for many clients in one query."""
    # A practice's local_day is the client's day of its start, and a day begins at most 14
    # hours before its UTC midnight (UTC+14): this bound on started_at keeps what the days
    # select and lets the index on (user_id, started_at) find the rows.
    day_before = first_day - timedelta(days=1) if first_day > date.min else first_day
    earliest = datetime.combine(day_before, time(0), tzinfo=UTC)
    rows = session.execute(
        select(
            Practice.user_id,
            Practice.id,
            Practice.exercise_id,
            Practice.prescription_id,
            Practice.local_day,
            Practice.started_at,
            Practice.duration_seconds,
        )
        .where(
            Practice.user_id.in_(client_ids),
            Practice.deleted_at.is_(None),
            Practice.started_at >= earliest,
            Practice.local_day >= first_day,
            Practice.local_day <= last_day,
        )
        .order_by(Practice.local_day, Practice.started_at)
    )
    facts: dict[uuid.UUID, list[schedule.PracticeFact]] = {cid: [] for cid in client_ids}
    for user_id, practice_id, exercise_id, prescription_id, day, started_at, seconds in rows:
        facts[user_id].append(
            schedule.PracticeFact(
                practice_id, exercise_id, prescription_id, day, started_at, seconds
            )
        )
    return facts


@dataclass(frozen=True)
class PlanItem:
    """One prescription due on a day, and whether the day's practice of it is done."""

    prescription_id: uuid.UUID
    exercise: str
    title: str
    length_minutes: int | None
    time_of_day: time | None
    note: str | None  # the therapist's
    therapist: User | None  # None once the therapist's account is gone
    done: bool


@dataclass(frozen=True)
class DayPlan:
    date: date
    items: list[PlanItem]


@dataclass(frozen=True)
class Counts:
    """Practices expected and done over some days."""

    expected: int
    done: int


@dataclass(frozen=True)
class DayCell:
    """A day of the heatmap: within the prescription's dates, due on that weekday (never for
    a per-week schedule: any day will do), and how many practices were done for it."""

    date: date
    active: bool
    due: bool
    done: int


@dataclass(frozen=True)
class WeekCount:
    week_start: date
    expected: int
    done: int
    days: list[DayCell]


@dataclass(frozen=True)
class PrescriptionAdherence:
    id: uuid.UUID
    exercise: str  # its slug
    weeks: list[WeekCount]


@dataclass(frozen=True)
class AdherenceTable:
    weeks: list[date]  # the Mondays
    prescriptions: list[PrescriptionAdherence]


@dataclass(frozen=True)
class WindowCount:
    """A prescription's expected and done over a window of days."""

    prescription: Prescription
    expected: int
    done: int


def plan_for_day(session: Db, client: User, day: date) -> DayPlan:
    prescriptions = _client_terms(session, client.id)
    terms = [_term(p, client) for p in prescriptions.values()]
    # Counting starts on the week's Monday: a per-week quota met earlier hides the item.
    facts = _facts(session, client.id, schedule.week_start(day), day)
    items = []
    for item in schedule.due_items(terms, facts, day):
        prescription = prescriptions[item.prescription_id]  # type: ignore[index]
        items.append(
            PlanItem(
                prescription_id=prescription.id,
                exercise=prescription.exercise.slug,
                title=prescription.exercise.title or prescription.exercise.slug,
                length_minutes=prescription.length_minutes,
                time_of_day=prescription.time_of_day,
                note=prescription.note,
                therapist=prescription.therapist,
                done=item.done,
            )
        )
    items.sort(key=lambda i: (i.time_of_day is None, i.time_of_day or time.min))
    return DayPlan(day, items)


def adherence_table(
    session: Db, link: CareLink, *, weeks: int, clock: Clock = utcnow
) -> AdherenceTable:
    """Expected and done per prescription of this therapist per ISO week of the client's,
    and each week's seven days (active, due on that weekday, done). Done counts only practices
    the link lets the therapist see (`visible_from`)."""
    today = today_for(link.client, clock)
    mondays = schedule.weeks_ending(today, weeks)
    prescriptions = _client_terms(session, link.client_id)
    terms = {p.id: _term(p, link.client) for p in prescriptions.values()}
    facts = _facts(session, link.client_id, mondays[0], mondays[-1] + timedelta(days=6))
    visible = {fact.id: fact.day for fact in facts if can_see(link, fact.started_at)}
    done_on = Counter(
        (term_id, visible[practice_id])
        for practice_id, term_id in schedule.assign(terms.values(), facts).items()
        if practice_id in visible
    )
    table = []
    for row in schedule.adherence(terms.values(), facts, mondays, counted=visible):
        prescription = prescriptions[row.prescription_id]  # type: ignore[index]
        if prescription.therapist_id != link.therapist_id:
            continue  # another therapist's prescription is not this one's to see
        term = terms[prescription.id]
        table.append(
            PrescriptionAdherence(
                prescription.id,
                prescription.exercise.slug,
                [
                    WeekCount(
                        w.week_start,
                        w.expected,
                        w.done,
                        [_day_cell(term, day, done_on) for day in schedule.week_days(w.week_start)],
                    )
                    for w in row.weeks
                ],
            )
        )
    return AdherenceTable(mondays, table)


def _day_cell(
    term: schedule.PrescriptionTerm, day: date, done_on: Counter[tuple[schedule.Id, date]]
) -> DayCell:
    active = schedule.active_on(term, day)
    due = active and term.schedule.days is not None and schedule.is_due(term, day)
    return DayCell(day, active, due, done_on[term.id, day])


def window_adherence(session: Db, link: CareLink, first: date, last: date) -> list[WindowCount]:
    """Expected and done from `first` to `last` (the client's days) for each of this
    therapist's prescriptions active in it, by the same rule as `recent_adherence`."""
    prescriptions = _client_terms(session, link.client_id)
    facts = _facts(session, link.client_id, schedule.week_start(first), last)
    counts = _window_counts(link, prescriptions, facts, first, last)
    return [
        WindowCount(prescriptions[term_id], expected, done)  # type: ignore[index]
        for term_id, (expected, done) in counts.items()
    ]


def recent_adherence(
    session: Db, links: list[CareLink], *, days: int = 7, clock: Clock = utcnow
) -> dict[uuid.UUID, Counts]:
    """Per client of `links`: expected and done over the client's last `days` days (today
    included), for the link's therapist's prescriptions: a days-schedule expects its listed
    weekdays in the window; a per-week schedule expects n × active days ÷ 7, rounded up.
    Two queries for any number of links."""
    if not links:
        return {}
    todays = {link.client_id: today_for(link.client, clock) for link in links}
    first = min(todays.values()) - timedelta(days=days - 1)
    ids = list(todays)
    terms = _terms_of_clients(session, ids)
    facts = _facts_of_clients(session, ids, schedule.week_start(first), max(todays.values()))
    return {
        link.client_id: _recent(
            link, terms[link.client_id], facts[link.client_id], todays[link.client_id], days
        )
        for link in links
    }


def _recent(
    link: CareLink,
    prescriptions: dict[uuid.UUID, Prescription],
    facts: list[schedule.PracticeFact],
    today: date,
    days: int,
) -> Counts:
    first = today - timedelta(days=days - 1)
    counts = _window_counts(link, prescriptions, facts, first, today).values()
    return Counts(sum(c[0] for c in counts), sum(c[1] for c in counts))


def _window_counts(
    link: CareLink,
    prescriptions: dict[uuid.UUID, Prescription],
    facts: list[schedule.PracticeFact],
    first: date,
    last: date,
) -> dict[schedule.Id, tuple[int, int]]:
    """(expected, done) per prescription of the link's therapist active in the window. Done
    counts only practices the therapist may see."""
    terms = [_term(p, link.client) for p in prescriptions.values()]
    window = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    mine = [t for t in terms if prescriptions[t.id].therapist_id == link.therapist_id]  # type: ignore[index]
    shown = {fact.id: fact.day for fact in facts if can_see(link, fact.started_at)}
    done: Counter[schedule.Id] = Counter(
        term_id
        for practice_id, term_id in schedule.assign(terms, facts).items()
        if practice_id in shown and first <= shown[practice_id] <= last
    )
    counts = {}
    for term in mine:
        if term.schedule.days is not None:
            expected = sum(schedule.is_due(term, day) for day in window)
        else:
            active = sum(schedule.active_on(term, day) for day in window)
            expected = -(-(term.schedule.per_week or 0) * active // 7)
        if expected or done[term.id] or any(schedule.active_on(term, d) for d in window):
            counts[term.id] = (expected, done[term.id])
    return counts
