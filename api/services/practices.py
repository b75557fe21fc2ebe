"""The practice log: record each practice exactly once, find and delete one (listing a page
at a time is in `practice_pages`).

A phone records practices offline and replays its queue, maybe twice, maybe from two devices
at once. Every practice carries an id made on the device; a replay is recognised by the id
and its canonical body hash: identical is a duplicate (nothing changes), different is a
conflict. Inserts use INSERT .. ON CONFLICT DO NOTHING on (user_id, id), so two requests
racing with the same items leave one row each, on SQLite and PostgreSQL alike.

Deleting keeps a tombstone (the id, the body hash, no mood or note), so an old queue that
replays a deleted practice is told so instead of bringing it back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from api.models import Exercise, Practice, Prescription, User
from api.models.base import utcnow
from api.services import Db
from api.services.errors import Gone, NotFound, Rejected, TooLarge
from api.services.stats import practice_day
from api.services.transaction import unit_of_work

Clock = Callable[[], datetime]

MAX_BATCH = 500
MAX_FUTURE = timedelta(minutes=5)
MAX_AGE = timedelta(days=365)
MAX_NOTE = 2000
MAX_DURATION_SECONDS = 86_400

Status = Literal["created", "duplicate", "conflict", "invalid"]
Errors = dict[str, list[str]]


class PracticeRejected(Rejected):
    """A practice that breaks a rule, or reuses an id with a different body."""


class PracticeGone(Gone):
    """A practice the client deleted: it is not recorded again."""


class BatchTooLarge(TooLarge):
    """More practices than one sync takes."""


@dataclass(frozen=True)
class PracticeInput:
    """One practice as the device sent it, already well-formed (the schema checked types)."""

    id: uuid.UUID
    exercise: str
    started_at: datetime
    duration_seconds: int
    completed: bool
    length_minutes: int | None = None
    prescription_id: uuid.UUID | None = None
    mood_before: int | None = None
    mood_after: int | None = None
    note: str | None = None
    share_note: bool = False

    def body_sha256(self) -> str:
        """The hash that tells an identical replay from a different body. The instant is
        compared, not its spelling: 09:00+01:00 and 08:00Z are the same practice."""
        body: dict[str, Any] = asdict(self)
        body["id"] = str(self.id)
        body["prescription_id"] = str(self.prescription_id) if self.prescription_id else None
        body["started_at"] = self.started_at.astimezone(UTC).isoformat()
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Malformed:
    """An item the schema refused; `id` as given when it could be read."""

    id: str | None
    errors: Errors


@dataclass
class Outcome:
    id: str | None
    status: Status
    errors: Errors | None = None
    deleted: bool = False  # the id belongs to a practice the client deleted
    practice_id: uuid.UUID | None = field(default=None, repr=False)


def callers_prescriptions(session: Db, user_id: uuid.UUID, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `ids` that are prescriptions for this client (ended ones included: a
    practice done while it ran may arrive later), in one query for a whole batch."""
    mine = select(Prescription.id).where(
        Prescription.id.in_(ids), Prescription.client_id == user_id
    )
    return set(session.scalars(mine)) if ids else set()


@unit_of_work
def record_practices(
    session: Db,
    user: User,
    items: Sequence[PracticeInput | Malformed],
    *,
    clock: Clock = utcnow,
    observe: Callable[[list[Outcome]], None] | None = None,
) -> list[Outcome]:
    """Record a batch; one outcome per item, in order. One bad item never sinks the others.
    Runs one select for known ids, one for exercises, one for prescriptions, one insert and
    one select to classify. `observe` is handed the outcomes (the metrics count them)."""
    if len(items) > MAX_BATCH:
        raise BatchTooLarge(
            f"Send at most {MAX_BATCH} practices per sync; this had {len(items)}. "
            "Split the queue into batches."
        )
    now = clock()
    outcomes, wanted = _triage(items)
    if wanted:
        _record_wanted(session, user, wanted, now)
    if observe is not None:
        observe(outcomes)
    return outcomes


def _record_wanted(
    session: Db, user: User, wanted: list[tuple[Outcome, PracticeInput, str]], now: datetime
) -> None:
    """Classify and insert the well-formed items; their outcomes are set in place."""
    known = _stored_hashes(session, user.id, {item.id for _, item, _ in wanted})
    exercises = _exercises_by_slug(session, {item.exercise for _, item, _ in wanted})
    named = {item.prescription_id for _, item, _ in wanted if item.prescription_id}
    prescriptions = callers_prescriptions(session, user.id, named)
    zone = ZoneInfo(user.timezone)
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    first_in_batch: dict[uuid.UUID, str] = {}
    for outcome, item, digest in wanted:
        seen = known.get(item.id) or (
            (first_in_batch[item.id], False) if item.id in first_in_batch else None
        )
        if seen is not None:
            _classify_replay(outcome, digest, *seen)
            continue
        errors = check_rules(item, exercises.get(item.exercise), prescriptions, now)
        if errors:
            outcome.status, outcome.errors = "invalid", errors
            continue
        first_in_batch[item.id] = digest
        rows[item.id] = _row(user, item, digest, exercises[item.exercise], zone, now)

    raced = set(rows) - _insert_new(session, rows)
    if raced:
        # Another request stored some of these between our select and our insert.
        stored = _stored_hashes(session, user.id, raced)
        for outcome, item, digest in wanted:
            if outcome.status == "created" and item.id in raced:
                _classify_replay(outcome, digest, *stored[item.id])
    session.flush()


@unit_of_work
def record_practice(
    session: Db,
    user: User,
    item: PracticeInput,
    *,
    clock: Clock = utcnow,
    observe: Callable[[list[Outcome]], None] | None = None,
) -> tuple[Practice, bool]:
    """Record one practice: (the stored practice, whether it is new). An identical replay
    returns the stored one; a different body, a broken rule or a deleted id raise."""
    outcome = record_practices(session, user, [item], clock=clock, observe=observe)[0]
    if outcome.deleted:
        raise PracticeGone(
            "This practice was deleted; it will not be recorded again. "
            "Drop it from the device's queue."
        )
    if outcome.status == "conflict":
        raise PracticeRejected(CONFLICT_MESSAGE, {"id": [CONFLICT_MESSAGE]})
    if outcome.status == "invalid":
        errors = outcome.errors or {}
        summary = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        raise PracticeRejected(f"Please fix: {summary}", errors)
    practice = find_practice(session, user.id, item.id)
    return practice, outcome.status == "created"


CONFLICT_MESSAGE = (
    "A practice with this id was already recorded with different details; "
    "a changed practice needs a new id."
)


def _triage(
    items: Sequence[PracticeInput | Malformed],
) -> tuple[list[Outcome], list[tuple[Outcome, PracticeInput, str]]]:
    """An outcome per item, in order: malformed ones invalid already, the others "created"
    until found otherwise, listed in `wanted` with their body's digest."""
    outcomes: list[Outcome] = []
    wanted: list[tuple[Outcome, PracticeInput, str]] = []
    for item in items:
        if isinstance(item, Malformed):
            outcomes.append(Outcome(item.id, "invalid", item.errors))
        else:
            outcome = Outcome(str(item.id), "created", practice_id=item.id)
            outcomes.append(outcome)
            wanted.append((outcome, item, item.body_sha256()))
    return outcomes, wanted


def _classify_replay(outcome: Outcome, digest: str, stored_digest: str, deleted: bool) -> None:
    outcome.deleted = deleted
    if stored_digest == digest:
        outcome.status = "duplicate"
    else:
        outcome.status, outcome.errors = "conflict", {"id": [CONFLICT_MESSAGE]}


def check_rules(
    item: PracticeInput,
    exercise: Exercise | None,
    prescriptions: set[uuid.UUID],
    now: datetime,
) -> Errors:
    """The rules a new practice must meet beyond its shape (a replay is judged by its hash,
    so a practice recorded 364 days ago can still be replayed later)."""
    errors: Errors = {}
    if item.started_at > now + MAX_FUTURE:
        errors["started_at"] = [
            "started_at is in the future; check the device clock (5 minutes of drift is allowed)."
        ]
    elif item.started_at < now - MAX_AGE:
        errors["started_at"] = ["started_at is more than 365 days ago; it can no longer be logged."]
    if exercise is None:
        errors["exercise"] = [f"There is no exercise '{item.exercise}'."]
    elif item.length_minutes is not None and item.length_minutes not in (exercise.lengths or []):
        offered = ", ".join(str(n) for n in exercise.lengths or [])
        errors["length_minutes"] = [
            f"'{exercise.slug}' comes in {offered} minutes, not {item.length_minutes}."
        ]
    if item.prescription_id is not None and item.prescription_id not in prescriptions:
        errors["prescription_id"] = [f"There is no prescription {item.prescription_id} for you."]
    return errors


def _stored_hashes(
    session: Db, user_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, bool]]:
    rows = session.execute(
        select(Practice.id, Practice.body_sha256, Practice.deleted_at).where(
            Practice.user_id == user_id, Practice.id.in_(ids)
        )
    )
    return {pid: (digest, deleted_at is not None) for pid, digest, deleted_at in rows}


def _exercises_by_slug(session: Db, slugs: set[str]) -> dict[str, Exercise]:
    """Exercises a practice may name: published now, or published once (a phone may log an
    exercise that was withdrawn after it was downloaded)."""
    found = session.scalars(
        select(Exercise).where(Exercise.slug.in_(slugs), Exercise.first_published_at.is_not(None))
    )
    return {exercise.slug: exercise for exercise in found}


def _row(
    user: User,
    item: PracticeInput,
    digest: str,
    exercise: Exercise,
    zone: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "id": item.id,
        "exercise_id": exercise.id,
        "length_minutes": item.length_minutes,
        "prescription_id": item.prescription_id,
        "started_at": item.started_at.astimezone(UTC),
        "local_day": practice_day(item.started_at, zone, user.day_starts_at),
        "duration_seconds": item.duration_seconds,
        "completed": item.completed,
        "mood_before": item.mood_before,
        "mood_after": item.mood_after,
        "note": item.note,
        "share_note": item.share_note,
        "received_at": now,
        "body_sha256": digest,
        "deleted_at": None,
    }


def _insert_new(session: Db, rows: dict[uuid.UUID, dict[str, Any]]) -> set[uuid.UUID]:
    """Insert-or-ignore in one statement; returns the ids this statement stored. Rows go in
    id order, so two overlapping batches lock in the same order and never deadlock."""
    if not rows:
        return set()
    values = [rows[key] for key in sorted(rows)]
    keys = ["user_id", "id"]
    statement: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(Practice).on_conflict_do_nothing(index_elements=keys)
    else:
        statement = sqlite.insert(Practice).on_conflict_do_nothing(index_elements=keys)
    return set(session.scalars(statement.values(values).returning(Practice.id)))


# --- reading and deleting -------------------------------------------------------------------


def find_practice(session: Db, user_id: uuid.UUID, practice_id: uuid.UUID) -> Practice:
    practice = session.get(Practice, (user_id, practice_id), populate_existing=True)
    if practice is None or practice.deleted_at is not None:
        raise NotFound(f"You have no practice {practice_id}.")
    return practice


@unit_of_work
def delete_practice(
    session: Db, user_id: uuid.UUID, practice_id: uuid.UUID, *, clock: Clock = utcnow
) -> None:
    """Leave a tombstone: the id and body hash stay so a replay is recognised; the mood and
    note are erased. Deleting again is a no-op (a retried DELETE succeeds)."""
    tombstone = session.get(Practice, (user_id, practice_id))
    if tombstone is None:
        raise NotFound(f"You have no practice {practice_id}.")
    if tombstone.deleted_at is None:
        session.execute(
            update(Practice)
            .where(Practice.user_id == user_id, Practice.id == practice_id)
            .values(deleted_at=clock(), mood_before=None, mood_after=None, note=None)
        )
    session.flush()
