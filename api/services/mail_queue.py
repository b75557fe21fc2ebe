"""Mail waits as a row (PendingMail) with a job to send it; the job runner sends it after the
request has answered, never inside it.

`queue_mail` adds the row and its job in the caller's transaction and notes the job on the
session; once that transaction is committed, the app hands the noted jobs to the runner
(api/jobs/mail.py). `deliver` makes one attempt: sent or refused for good, the row goes; a
failure that may pass leaves it for a later attempt, with backoff.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from api.models import PendingMail
from api.models.base import utcnow
from api.services import Db
from api.services.jobs import create_job
from api.services.mail import MailDeferred, MailRefused, MailSettings, MailTransport, build_message
from api.services.mail_texts import write_mail

log = logging.getLogger("interlude.mail")

Clock = Callable[[], datetime]

# Fills in a mail's params when it is sent (None: there is nothing to send after all). The
# forgotten-password mail makes its token then: the request that asked did the same work
# whether or not the address has an account, and the token never waits in this table.
Preparer = Callable[[Db, PendingMail, datetime], dict[str, Any] | None]

MAIL_JOB = "mail"
_NOTED = "interlude_mail_jobs"
# 30 s, 1, 2, 4 … minutes, at most an hour apart; given up after about a day of trying.
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
MAX_ATTEMPTS = 30
# An attempt under way holds the mail this long, so a second job for it does nothing.
LEASE = timedelta(minutes=2)


def queue_mail(
    session: Db,
    *,
    kind: str,
    to: str,
    user_id: uuid.UUID | None,
    params: dict[str, Any] | None = None,
    clock: Clock = utcnow,
) -> PendingMail:
    """A mail to send once the caller's transaction commits. `user_id` ties it to an account:
    erasing the account deletes it if it is still waiting."""
    mail = PendingMail(
        user_id=user_id,
        to_address=to,
        kind=kind,
        params=params or {},
        attempts=0,
        next_attempt_at=clock(),
        created_at=clock(),
    )
    session.add(mail)
    session.flush()
    job = create_job(session, MAIL_JOB, {"mail_id": str(mail.id)})
    session.info.setdefault(_NOTED, []).append(job.id)
    return mail


def take_noted_jobs(session: Db) -> list[uuid.UUID]:
    """The mail jobs queued in this session since last asked (to submit after commit)."""
    return session.info.pop(_NOTED, [])


def retry_delay(attempts: int) -> float:
    return float(min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: "sent", "refused", "deferred" (retry after `retry_in`
    seconds), "given_up", or "skipped" (gone, or not due: another attempt has it)."""

    status: str
    retry_in: float | None = None


def deliver(
    session: Db,
    transport: MailTransport,
    settings: MailSettings,
    mail_id: uuid.UUID,
    *,
    preparers: Mapping[str, Preparer] | None = None,
    clock: Clock = utcnow,
) -> Outcome:
    """One attempt at one mail. Commits."""
    now = clock()
    mail = _claim(session, mail_id, now)
    if mail is None:  # gone (sent, erased) or not due (another attempt has it)
        return Outcome("skipped")
    params = dict(mail.params)
    prepare = (preparers or {}).get(mail.kind)
    if prepare is not None:
        prepared = prepare(session, mail, now)
        if prepared is None:
            return _drop(session, mail.id, "skipped")
        params.update(prepared)
        session.commit()  # what it made (a link's token) is valid before the mail leaves
    text = write_mail(settings, mail.kind, params)
    message = build_message(
        settings,
        to=mail.to_address,
        subject=text.subject,
        text=text.plain(),
        html=text.html(),
        mail_id=mail.id,
        from_name=text.from_name,
        now=now,
    )
    try:
        transport.send(message)
    except MailRefused as refusal:
        log.warning(
            "mail %s (%s) was refused and will not be sent: %s", mail.id, mail.kind, refusal
        )
        return _drop(session, mail.id, "refused")
    except MailDeferred as failure:
        return _defer(session, mail, str(failure), now)
    log.info("mail %s (%s) sent through %s", mail.id, mail.kind, transport.describe())
    return _drop(session, mail.id, "sent")


def _claim(session: Db, mail_id: uuid.UUID, now: datetime) -> PendingMail | None:
    """Take the mail for this attempt (one conditional UPDATE: of two jobs, one wins)."""
    claimed = session.execute(
        update(PendingMail)
        .where(PendingMail.id == mail_id, PendingMail.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE, attempts=PendingMail.attempts + 1)
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(PendingMail, mail_id)


def _drop(session: Db, mail_id: uuid.UUID, status: str) -> Outcome:
    session.execute(delete(PendingMail).where(PendingMail.id == mail_id))
    session.commit()
    return Outcome(status)


def _defer(session: Db, mail: PendingMail, error: str, now: datetime) -> Outcome:
    if mail.attempts >= MAX_ATTEMPTS:
        log.error(
            "mail %s (%s): given up after %d attempts: %s", mail.id, mail.kind, mail.attempts, error
        )
        return _drop(session, mail.id, "given_up")
    delay = retry_delay(mail.attempts)
    mail.next_attempt_at = now + timedelta(seconds=delay)
    mail.last_error = error
    session.commit()
    log.warning("mail %s (%s) not sent (%s); next try in %d s", mail.id, mail.kind, error, delay)
    return Outcome("deferred", retry_in=delay)


def requeue_due(session: Db, *, clock: Clock = utcnow) -> list[uuid.UUID]:
    """A new job for every mail that is due (after a restart lost the timers of a thread
    pool, or for a cron). Returns the jobs; the caller commits and submits them."""
    due = session.scalars(select(PendingMail.id).where(PendingMail.next_attempt_at <= clock()))
    return [create_job(session, MAIL_JOB, {"mail_id": str(mail_id)}).id for mail_id in due]


def retry_job(session: Db, mail_id: uuid.UUID) -> uuid.UUID:
    """The job of the next attempt at a deferred mail (the caller commits and submits it)."""
    return create_job(session, MAIL_JOB, {"mail_id": str(mail_id)}).id


def forget_mails_of(session: Db, user_id: uuid.UUID) -> None:
    """Delete the mails still waiting for an account (erasure)."""
    session.execute(delete(PendingMail).where(PendingMail.user_id == user_id))
