"""Sending reminders: each one recorded before it is sent, so it goes out once.

A run (`send_due`) first *claims* in one transaction: it inserts a `reminder_sends` row for
every due reminder (`reminders.find_due`), with its own claim id, skipping any whose key
(prescription, client day, device) another run already wrote; and it takes over rows left
`claimed` by a run that died before sending (claimed longer ago than `lease`) and rows left
for `retry`. Then it marks each row it holds `sending` (only if it is still this run's and
still `claimed`) just before a worker thread makes its request, and writes the outcome.

So two runs at once never send the same reminder (the unique key, and the guarded update),
and a run killed after claiming leaves `claimed` rows that the next run sends. A run killed
*during* a request leaves the row `sending`, and nothing sends it again: at most once. We
chose that over at least once because a reminder twice is the one thing we promised not to
do, and losing one is mild (the person's plan is still in the app); the window is the
requests in flight (at most `concurrency`) of a process that was killed. For the same
reason a read timeout is final (the service may have taken it), while a refused connection
(nothing reached it), 429 and 5xx are retried with backoff within the run and then left as
`retry` for the next run, until `STALE`.

404 and 410 mean the browser unsubscribed: the subscription is deleted. Logs name the
subscription id and the push service's host, never the endpoint's path (its secret part)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from api.models import (
    Exercise,
    Prescription,
    PushSubscription,
    ReminderPreference,
    ReminderSend,
    SendStatus,
)
from api.services import Db
from api.services.push import PushSettings, b64url
from api.services.push_client import Outgoing, PushClient, SendOptions
from api.services.reminders import Reminder, find_due
from api.services.transaction import unit_of_work

log = logging.getLogger("interlude.reminders")

TITLE = "Interlude"
PLAIN_TEXT = "A moment for your practice, whenever it suits you."
NAMED_TEXT = "A moment for {title}, whenever it suits you."


@dataclass(frozen=True)
class Due:
    """What a claimed row's notification is about."""

    prescription_id: uuid.UUID
    day: date
    exercise_slug: str
    exercise_title: str | None
    length_minutes: int | None
    name_exercise: bool


def lock_screen_payload(due: Due) -> dict[str, Any]:
    """What the notification shows: never mood, therapist or anything about health; the
    exercise only when the person allowed it. `url` opens the due practice."""
    title = due.exercise_title or due.exercise_slug
    return {
        "title": TITLE,
        "body": NAMED_TEXT.format(title=title) if due.name_exercise else PLAIN_TEXT,
        "url": f"/#/play/{due.exercise_slug}/{due.length_minutes or ''}?p={due.prescription_id}",
        "tag": f"reminder-{due.prescription_id}-{due.day}",
    }


@unit_of_work
def claim_due(
    session: Db, run: uuid.UUID, reminders: list[Reminder], now: datetime, options: SendOptions
) -> int:
    """Record `reminders` for this run (skipping keys already recorded) and take over stale
    claims and retries. Returns how many rows the run holds."""
    rows = [
        {
            "prescription_id": r.prescription_id,
            "day": r.day,
            "subscription_id": r.subscription_id,
            "user_id": r.user_id,
            "due_at": r.due_at,
            "status": SendStatus.CLAIMED,
            "claim": run,
            "claimed_at": now,
            "attempts": 0,
        }
        for r in reminders
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for first in range(0, len(rows), 500):
        statement = dialect.insert(ReminderSend).on_conflict_do_nothing(
            index_elements=["prescription_id", "day", "subscription_id"]
        )
        session.execute(statement, rows[first : first + 500])
    fresh = ReminderSend.due_at > now - options.stale
    session.execute(
        update(ReminderSend)
        .where(
            fresh,
            or_(
                and_(
                    ReminderSend.status == SendStatus.CLAIMED,
                    ReminderSend.claimed_at < now - options.lease,
                ),
                ReminderSend.status == SendStatus.RETRY,
            ),
        )
        .values(claim=run, claimed_at=now, status=SendStatus.CLAIMED)
    )
    session.execute(
        update(ReminderSend)
        .where(~fresh, ReminderSend.status.in_([SendStatus.CLAIMED, SendStatus.RETRY]))
        .values(status=SendStatus.FAILED)
    )
    held = session.scalars(select(ReminderSend.id).where(ReminderSend.claim == run)).all()
    return len(held)


def outgoing(session: Db, run: uuid.UUID, now: datetime, options: SendOptions) -> list[Outgoing]:
    """The rows this run holds, with what sending them needs (columns, not objects: a run
    may hold tens of thousands)."""
    rows = session.execute(
        select(
            ReminderSend.id,
            ReminderSend.due_at,
            PushSubscription.id,
            PushSubscription.endpoint,
            PushSubscription.p256dh,
            PushSubscription.auth,
            ReminderSend.prescription_id,
            ReminderSend.day,
            Exercise.slug,
            Exercise.title,
            Prescription.length_minutes,
            ReminderPreference.name_exercise,
        )
        .join(PushSubscription, PushSubscription.id == ReminderSend.subscription_id)
        .join(Prescription, Prescription.id == ReminderSend.prescription_id)
        .join(Exercise, Exercise.id == Prescription.exercise_id)
        .outerjoin(ReminderPreference, ReminderPreference.user_id == ReminderSend.user_id)
        .where(ReminderSend.claim == run, ReminderSend.status == SendStatus.CLAIMED)
        .order_by(ReminderSend.due_at, ReminderSend.id)
    ).all()
    found = []
    for row in rows:
        send_id, due_at, subscription_id, endpoint, p256dh, auth = row[:6]
        prescription_id, day, slug, title, length, name_exercise = row[6:]
        due = Due(prescription_id, day, slug, title, length, bool(name_exercise))
        left = (due_at + options.stale - now).total_seconds()
        key = f"{due.prescription_id}:{due.day}".encode()
        found.append(
            Outgoing(
                send_id,
                subscription_id,
                endpoint,
                p256dh,
                auth,
                json.dumps(lock_screen_payload(due)).encode(),
                ttl=max(60, int(left)),
                # A push service keeps one waiting message per topic: a copy replaces it.
                topic=b64url(hashlib.sha256(key).digest()[:24]),
            )
        )
    return found


@dataclass
class RunReport:
    outcomes: Counter[str]

    def __str__(self) -> str:
        if not self.outcomes:
            return "no reminders due"
        return ", ".join(f"{count} {name}" for name, count in sorted(self.outcomes.items()))


def send_due(
    session: Db,
    engine: Engine,
    settings: PushSettings,
    *,
    clock: Callable[[], datetime],
    options: SendOptions | None = None,
) -> RunReport:
    """Send every reminder due now (see the module). Unavailable without VAPID keys."""
    options = options or SendOptions()
    settings.signer()
    run = uuid.uuid4()
    now = clock()
    started = time.perf_counter()
    due = find_due(session, now, stale=options.stale, shard=options.shard)
    claim_due(session, run, due, now, options)
    batch = outgoing(session, run, now, options)
    session.rollback()  # nothing more to read: the dispatcher writes through the engine
    log.info(
        "run %s: %d newly due, %d to send, found and recorded in %.2f s",
        run,
        len(due),
        len(batch),
        time.perf_counter() - started,
    )
    dispatcher = _Dispatcher(engine, PushClient(settings, options), run, options, clock)
    return RunReport(dispatcher.send_all(batch))


class _Dispatcher:
    """Keeps up to `concurrency` requests in flight on worker threads, and does every write
    itself, in one short transaction per turn: the outcomes that came back, and the next
    rows marked `sending` just before their requests are handed out. (Workers never touch
    the database: on SQLite, 32 threads queueing for the write lock would be the bottleneck.)
    So a run killed at the worst moment leaves at most `concurrency` rows marked `sending`
    whose request never began: those are lost, never doubled."""

    def __init__(
        self,
        engine: Engine,
        client: PushClient,
        run: uuid.UUID,
        options: SendOptions,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine, self.client, self.run, self.options = engine, client, run, options
        self.clock = clock

    def send_all(self, batch: list[Outgoing]) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        waiting = deque(batch)
        in_flight: dict[Future[tuple[SendStatus, int | None]], Outgoing] = {}
        finished: list[tuple[Outgoing, SendStatus, int | None]] = []
        with ThreadPoolExecutor(max_workers=self.options.concurrency) as pool:
            while waiting or in_flight or finished:
                room = self.options.concurrency - len(in_flight)
                wanted = [waiting.popleft() for _ in range(min(room, len(waiting)))]
                taken = self._write(finished, wanted, outcomes)
                finished = []
                for item in wanted:
                    if item.send_id in taken:
                        in_flight[pool.submit(self.client.attempts, item)] = item
                    else:
                        outcomes["taken by another run"] += 1
                if not in_flight:
                    continue
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    finished.append((in_flight.pop(future), *future.result()))
        return outcomes

    def _write(
        self,
        finished: list[tuple[Outgoing, SendStatus, int | None]],
        wanted: list[Outgoing],
        outcomes: Counter[str],
    ) -> set[int]:
        """Record outcomes and mark `wanted` as sending; the ids this run may send."""
        if not finished and not wanted:
            return set()
        with self.engine.begin() as connection:
            self._record(connection, finished, outcomes)
            if not wanted:
                return set()
            marked = connection.execute(
                update(ReminderSend)
                .where(
                    ReminderSend.id.in_([item.send_id for item in wanted]),
                    ReminderSend.claim == self.run,
                    ReminderSend.status == SendStatus.CLAIMED,
                )
                .values(status=SendStatus.SENDING, attempts=ReminderSend.attempts + 1)
                .returning(ReminderSend.id)
            )
            return set(marked.scalars())

    def _record(
        self,
        connection: Connection,
        finished: list[tuple[Outgoing, SendStatus, int | None]],
        outcomes: Counter[str],
    ) -> None:
        """One statement per kind of outcome, however many came back."""
        groups: dict[tuple[SendStatus, int | None], list[Outgoing]] = {}
        for item, status, answer in finished:
            log.info(
                "reminder %s: subscription %s at %s answered %s",
                status.value,
                item.subscription_id,
                urlsplit(item.endpoint).netloc,
                answer,
            )
            outcomes[status.value] += 1
            groups.setdefault((status, answer), []).append(item)
        for (status, answer), items in groups.items():
            if status is SendStatus.GONE:  # the browser unsubscribed; its rows go with it
                gone = [item.subscription_id for item in items]
                connection.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
                continue
            connection.execute(
                update(ReminderSend)
                .where(ReminderSend.id.in_([item.send_id for item in items]))
                .values(
                    status=status,
                    answer=answer,
                    sent_at=self.clock() if status is SendStatus.SENT else None,
                )
            )
