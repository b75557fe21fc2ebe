"""Care: consent links between clients and therapists, prescriptions, and the access log.

The rule everywhere: a therapist reaches a client only through an active link, and anything
they may not see is "not found", exactly as if it did not exist."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, or_, select, update

from api.models import (
    AccessLogEntry,
    CareLink,
    Exercise,
    Invitation,
    Practice,
    Prescription,
    User,
)
from api.models.base import utcnow
from api.services import Db
from api.services.accounts import Clock
from api.services.errors import Conflict, Forbidden, Invalid, NotFound
from api.services.mail_texts import LINK_ENDED, LINK_MADE
from api.services.notices import mail_invitation, notify_link
from api.services.transaction import unit_of_work

INVITATION_DAYS = 7
NO_INVITATION = "This invitation code is not valid: it may be mistyped, used or expired."
NO_CLIENT = "There is no such client among yours."
NO_PRESCRIPTION = "There is no such prescription."


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- invitations and links -----------------------------------------------------------------


@unit_of_work
def create_invitation(
    session: Db,
    therapist: User,
    *,
    clock: Clock = utcnow,
    days: int = INVITATION_DAYS,
    email: str | None = None,
) -> tuple[Invitation, str]:
    """A new single-use code (128 random bits); only its hash is kept. With `email`, it is
    mailed there too (the mail waits with the therapist's account: erasing it drops the mail)."""
    code = secrets.token_urlsafe(16)
    now = clock()
    invitation = Invitation(
        code_sha256=_code_hash(code),
        therapist_id=therapist.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invitation)
    session.flush()
    if email:
        mail_invitation(session, therapist, code, email, clock=clock)
    return invitation, code


@unit_of_work
def accept_invitation(
    session: Db,
    client: User,
    code: str,
    *,
    share_mood: bool,
    share_notes: bool,
    share_history: bool = False,
    clock: Clock = utcnow,
) -> CareLink:
    """Link the client to the inviting therapist. Unknown, used and expired codes get one
    answer, so a code reveals nothing about why it failed."""
    now = clock()
    invitation = session.scalar(
        select(Invitation).where(Invitation.code_sha256 == _code_hash(code))
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise NotFound(NO_INVITATION)
    if invitation.therapist_id == client.id:
        raise Forbidden("You cannot accept your own invitation.")
    # Claim the code atomically: of two simultaneous accepts, one wins.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now, used_by=client.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(NO_INVITATION)
    if active_link(session, invitation.therapist_id, client.id) is not None:
        raise Conflict(
            "You are already linked with this therapist; change what you share in your "
            "therapists list instead."
        )
    link = CareLink(
        therapist_id=invitation.therapist_id,
        client_id=client.id,
        share_mood=share_mood,
        share_notes=share_notes,
        share_history=share_history,
        created_at=now,
    )
    session.add(link)
    session.flush()  # the partial unique index turns a racing duplicate into a 409
    notify_link(session, link, LINK_MADE, clock=clock)
    return link


def active_link(session: Db, therapist_id: uuid.UUID, client_id: uuid.UUID) -> CareLink | None:
    return session.scalar(
        select(CareLink).where(
            CareLink.therapist_id == therapist_id,
            CareLink.client_id == client_id,
            CareLink.revoked_at.is_(None),
        )
    )


def links_of_client(session: Db, client: User) -> list[CareLink]:
    return list(
        session.scalars(
            select(CareLink)
            .where(CareLink.client_id == client.id, CareLink.revoked_at.is_(None))
            .order_by(CareLink.created_at)
        )
    )


def client_link(session: Db, client: User, therapist_id: uuid.UUID) -> CareLink:
    link = active_link(session, therapist_id, client.id)
    if link is None:
        raise NotFound("You are not linked with this therapist.")
    return link


@unit_of_work
def update_link(session: Db, link: CareLink, changes: dict[str, Any]) -> CareLink:
    for key in ("share_mood", "share_notes", "share_history"):
        if key in changes:
            setattr(link, key, bool(changes[key]))
    session.flush()
    return link


@unit_of_work
def revoke_link(session: Db, link: CareLink, *, today: date, clock: Clock = utcnow) -> None:
    """Access ends now; the therapist's prescriptions for this client end today (kept as
    history)."""
    now = clock()
    link.revoked_at = now
    for prescription in session.scalars(
        select(Prescription).where(
            Prescription.therapist_id == link.therapist_id,
            Prescription.client_id == link.client_id,
            Prescription.ended_at.is_(None),
        )
    ):
        _end(prescription, today=today, now=now, reason="link revoked")
    notify_link(session, link, LINK_ENDED, clock=clock)
    session.flush()


# --- the therapist's side ------------------------------------------------------------------


def therapist_link(session: Db, therapist: User, client_id: uuid.UUID) -> CareLink:
    """The active link to a client of this therapist, or 404 (never 403): a therapist learns
    nothing about people who did not choose them."""
    link = active_link(session, therapist.id, client_id)
    if link is None:
        raise NotFound(NO_CLIENT)
    return link


def links_of_therapist(session: Db, therapist: User) -> list[CareLink]:
    return list(
        session.scalars(
            select(CareLink)
            .where(CareLink.therapist_id == therapist.id, CareLink.revoked_at.is_(None))
            .order_by(CareLink.created_at)
        )
    )


def log_access(
    session: Db, therapist: User, client_ids: list[uuid.UUID], what: str, *, clock: Clock = utcnow
) -> None:
    """Record that a therapist read these clients' data, for the clients to see (one
    statement for any number of clients)."""
    if not client_ids:
        return
    now = clock()
    name = (therapist.display_name or therapist.email)[:100]
    session.execute(
        insert(AccessLogEntry),
        [
            {
                "client_id": client_id,
                "therapist_id": therapist.id,
                "therapist_name": name,
                "what": what,
                "at": now,
            }
            for client_id in client_ids
        ],
    )


def visible_from(link: CareLink) -> datetime | None:
    """The earliest practice start the link's therapist may see: when the link was made, or
    None (no limit) when the client shares their history. Every therapist read of practices
    (lists, last practice, adherence) goes through this window; `seen_through_link` is the
    same rule in SQL."""
    return None if link.share_history else link.created_at


def can_see(link: CareLink, started_at: datetime) -> bool:
    since = visible_from(link)
    return since is None or started_at >= since


def seen_through_link() -> ColumnElement[bool]:
    """`visible_from` in SQL, for a query that joins practices to the care link they are
    read through (`Practice.user_id == CareLink.client_id`): with the link's columns as
    parameters, its statement is the same for one client or a hundred."""
    return or_(CareLink.share_history, Practice.started_at >= CareLink.created_at)


def last_practice_at(session: Db, links: list[CareLink]) -> dict[uuid.UUID, datetime]:
    """The latest practice each link's therapist may see, by client (one query for all).
    A max() per link, correlated to it, is read from the end of the index on (user_id,
    started_at), where a GROUP BY over all the clients would read every practice they ever
    recorded."""
    if not links:
        return {}
    latest = (
        select(func.max(Practice.started_at))
        .where(
            Practice.user_id == CareLink.client_id,
            Practice.deleted_at.is_(None),
            seen_through_link(),
        )
        .correlate(CareLink)
        .scalar_subquery()
    )
    rows = session.execute(
        select(CareLink.client_id, latest).where(CareLink.id.in_([link.id for link in links]))
    )
    # max() keeps the column's type, so these come back as aware UTC datetimes.
    return {client_id: at for client_id, at in rows if at is not None}


def masked_practice(practice: Practice, link: CareLink) -> dict[str, Any]:
    """What a therapist sees of a practice: mood only when the link shares mood; a note only
    when the link shares notes and the client marked this practice's note as shared."""
    show_note = link.share_notes and practice.share_note
    return {
        "mood_before": practice.mood_before if link.share_mood else None,
        "mood_after": practice.mood_after if link.share_mood else None,
        "note": practice.note if show_note else None,
        "share_note": practice.share_note if link.share_notes else False,
    }


# --- prescriptions -------------------------------------------------------------------------


def find_published_exercise(session: Db, slug: str) -> Exercise:
    exercise = session.scalar(
        select(Exercise).where(Exercise.slug == slug, Exercise.published_version_id.is_not(None))
    )
    if exercise is None:
        raise NotFound(f"There is no published exercise '{slug}'.")
    return exercise


def check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise Invalid("end_date", "end_date must be on or after start_date.")


def check_length(exercise: Exercise, length_minutes: int | None) -> None:
    if length_minutes is not None and length_minutes not in (exercise.lengths or []):
        offered = ", ".join(str(n) for n in exercise.lengths or [])
        raise Invalid(
            "length_minutes", f"'{exercise.slug}' comes in {offered} minutes, not {length_minutes}."
        )


@unit_of_work
def create_prescription(
    session: Db, link: CareLink, data: dict[str, Any], *, clock: Clock = utcnow
) -> Prescription:
    exercise = find_published_exercise(session, data["exercise"])
    check_length(exercise, data.get("length_minutes"))
    check_dates(data["start_date"], data.get("end_date"))
    now = clock()
    prescription = Prescription(
        therapist_id=link.therapist_id,
        client_id=link.client_id,
        exercise_id=exercise.id,
        length_minutes=data.get("length_minutes"),
        schedule=data["schedule"],
        time_of_day=data.get("time_of_day"),
        start_date=data["start_date"],
        end_date=data.get("end_date"),
        note=data.get("note"),
        created_at=now,
        updated_at=now,
    )
    session.add(prescription)
    session.flush()
    return prescription


def prescriptions_of_link(session: Db, link: CareLink) -> list[Prescription]:
    """What the link's therapist prescribed its client, newest first, ended ones too."""
    return list(
        session.scalars(
            select(Prescription)
            .where(
                Prescription.therapist_id == link.therapist_id,
                Prescription.client_id == link.client_id,
            )
            .order_by(Prescription.start_date.desc(), Prescription.created_at.desc())
        )
    )


def therapist_prescription(
    session: Db, therapist: User, prescription_id: uuid.UUID
) -> tuple[Prescription, CareLink]:
    """A prescription this therapist wrote for a client still linked to them; else 404."""
    prescription = session.get(Prescription, prescription_id)
    if prescription is None or prescription.therapist_id != therapist.id:
        raise NotFound(NO_PRESCRIPTION)
    link = (
        active_link(session, therapist.id, prescription.client_id)
        if prescription.client_id
        else None
    )
    if link is None:
        raise NotFound(NO_PRESCRIPTION)
    return prescription, link


@unit_of_work
def update_prescription(
    session: Db, prescription: Prescription, changes: dict[str, Any], *, clock: Clock = utcnow
) -> Prescription:
    if prescription.ended_at is not None:
        raise Conflict("This prescription has ended; write a new one instead.")
    if "exercise" in changes:
        exercise = find_published_exercise(session, changes.pop("exercise"))
        prescription.exercise_id = exercise.id
        prescription.exercise = exercise
    for key in ("length_minutes", "schedule", "time_of_day", "start_date", "end_date", "note"):
        if key in changes:
            setattr(prescription, key, changes[key])
    check_length(prescription.exercise, prescription.length_minutes)
    check_dates(prescription.start_date, prescription.end_date)
    prescription.updated_at = clock()
    session.flush()
    return prescription


@unit_of_work
def end_prescription(
    session: Db, prescription: Prescription, *, today: date, clock: Clock = utcnow
) -> None:
    if prescription.ended_at is None:
        _end(prescription, today=today, now=clock(), reason="ended by therapist")
        session.flush()


def _end(prescription: Prescription, *, today: date, now: datetime, reason: str) -> None:
    """An ended prescription is due no more after today; what came before stays."""
    last_day = max(prescription.start_date - timedelta(days=1), today)
    if prescription.end_date is None or prescription.end_date > last_day:
        prescription.end_date = last_day
    prescription.ended_at = now
    prescription.ended_reason = reason


def prescriptions_of_client(session: Db, client: User) -> list[Prescription]:
    return list(
        session.scalars(
            select(Prescription)
            .where(Prescription.client_id == client.id)
            .order_by(Prescription.start_date.desc(), Prescription.created_at.desc())
        )
    )


def access_log(session: Db, client: User) -> Select[tuple[AccessLogEntry]]:
    return (
        select(AccessLogEntry)
        .where(AccessLogEntry.client_id == client.id)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
    )
