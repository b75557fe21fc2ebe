"""A person's own data: everything we hold about them, as one document, and erasing it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select

from api.models import AccessLogEntry, CareLink, Invitation, Practice, Prescription, User
from api.models.base import utcnow
from api.services import Db
from api.services.accounts import Clock, Passwords
from api.services.care import log_access, revoke_link
from api.services.errors import Invalid
from api.services.stats import today_for

EXPORT_FORMAT = 1


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_account(session: Db, user: User, *, clock: Clock = utcnow) -> dict[str, Any]:
    """Everything stored about `user`: the account, practices, links (either side),
    prescriptions (received or written), the access log, and invitations they made.
    A therapist's export names their linked clients, so it is logged for each of them
    (the caller commits)."""
    practices = session.scalars(
        select(Practice)
        .where(Practice.user_id == user.id, Practice.deleted_at.is_(None))
        .order_by(Practice.started_at)
    )
    links = list(
        session.scalars(
            select(CareLink)
            .where(or_(CareLink.client_id == user.id, CareLink.therapist_id == user.id))
            .order_by(CareLink.created_at)
        )
    )
    prescriptions = session.scalars(
        select(Prescription)
        .where(or_(Prescription.client_id == user.id, Prescription.therapist_id == user.id))
        .order_by(Prescription.created_at)
    )
    access = session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.client_id == user.id)
        .order_by(AccessLogEntry.at)
    )
    invitations = session.scalars(
        select(Invitation).where(Invitation.therapist_id == user.id).order_by(Invitation.created_at)
    )
    links = list(links)
    seen = [
        link.client_id for link in links if link.therapist_id == user.id and not link.revoked_at
    ]
    if seen:
        log_access(session, user, seen, "export", clock=clock)
    return {
        "format": EXPORT_FORMAT,
        "account": {
            "id": str(user.id),
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "timezone": user.timezone,
            "day_starts_at": user.day_starts_at.strftime("%H:%M"),
            "created_at": _iso(user.created_at),
        },
        "practices": [
            {
                "id": str(p.id),
                "exercise": p.exercise.slug,
                "length_minutes": p.length_minutes,
                "prescription_id": str(p.prescription_id) if p.prescription_id else None,
                "started_at": _iso(p.started_at),
                "received_at": _iso(p.received_at),
                "day": _iso(p.local_day),
                "duration_seconds": p.duration_seconds,
                "completed": p.completed,
                "mood_before": p.mood_before,
                "mood_after": p.mood_after,
                "note": p.note,
                "share_note": p.share_note,
            }
            for p in practices
        ],
        "links": [
            {
                "therapist_id": str(link.therapist_id),
                "therapist_name": link.therapist.display_name,
                "client_id": str(link.client_id),
                # A therapist whose link was revoked learns nothing more about that client
                # (not even their current name): the link stays in the export as history.
                "client_name": (
                    link.client.display_name
                    if link.client_id == user.id or link.revoked_at is None
                    else None
                ),
                "share_mood": link.share_mood,
                "share_notes": link.share_notes,
                "share_history": link.share_history,
                "created_at": _iso(link.created_at),
                "revoked_at": _iso(link.revoked_at),
            }
            for link in links
        ],
        "prescriptions": [
            {
                "id": str(p.id),
                "therapist_id": str(p.therapist_id) if p.therapist_id else None,
                "client_id": str(p.client_id) if p.client_id else None,
                "exercise": p.exercise.slug,
                "length_minutes": p.length_minutes,
                "schedule": p.schedule,
                "time_of_day": p.time_of_day.strftime("%H:%M") if p.time_of_day else None,
                "start_date": _iso(p.start_date),
                "end_date": _iso(p.end_date),
                "note": p.note,
                "created_at": _iso(p.created_at),
                "ended_at": _iso(p.ended_at),
                "ended_reason": p.ended_reason,
            }
            for p in prescriptions
        ],
        "access_log": [
            {
                "therapist_id": str(e.therapist_id) if e.therapist_id else None,
                "therapist_name": e.therapist_name,
                "what": e.what,
                "at": _iso(e.at),
            }
            for e in access
        ],
        "invitations": [
            {
                "created_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "used_at": _iso(i.used_at),
            }
            for i in invitations
        ],
    }


def erase_account(
    session: Db, passwords: Passwords, user: User, password: str, *, clock: Clock = utcnow
) -> None:
    """Delete the person and everything that is theirs. Prescriptions a therapist wrote for
    them stay in the therapist's records without the client; the practices, links, access
    log, sessions and the account go."""
    if not passwords.verify(user.password_hash, password):
        raise Invalid("password", "The password is not right; nothing was erased.")
    # A therapist who leaves ends what they prescribed, as a revoked link would: their
    # clients keep the history but are asked for nothing more.
    for link in session.scalars(select(CareLink).where(CareLink.therapist_id == user.id)):
        if link.revoked_at is None:
            revoke_link(session, link, today=today_for(link.client, clock), clock=clock)
    session.execute(delete(Practice).where(Practice.user_id == user.id))
    session.execute(delete(AccessLogEntry).where(AccessLogEntry.client_id == user.id))
    session.execute(
        delete(CareLink).where(or_(CareLink.client_id == user.id, CareLink.therapist_id == user.id))
    )
    session.execute(delete(Invitation).where(Invitation.therapist_id == user.id))
    session.execute(delete(User).where(User.id == user.id))  # the rest cascades or is nulled
    session.flush()
