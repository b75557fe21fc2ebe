"""A person's own data: everything we hold about them, as one document, and erasing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update

from api.models import (
    AccessLogEntry,
    AgendaItem,
    CareLink,
    ExerciseVersion,
    Invitation,
    Practice,
    Prescription,
    PushSubscription,
    ReminderPreference,
    ReminderSend,
    User,
)
from api.models.base import utcnow
from api.services import Db
from api.services.accounts import Clock, Passwords
from api.services.care import log_access, revoke_link
from api.services.errors import Invalid
from api.services.mail_queue import forget_mails_of, queue_mail
from api.services.mail_texts import ACCOUNT_ERASED
from api.services.push import default_preferences, list_subscriptions
from api.services.staff import keep_an_enabled_admin
from api.services.stats import today_for
from api.services.transaction import unit_of_work

EXPORT_FORMAT = 1

LAST_ADMIN_NOT_ERASED = (
    "Yours is the last enabled admin account; create another admin (or enable one) first, "
    "then erase yours. Nothing was erased."
)


@dataclass(frozen=True)
class AccountExport:
    """Everything stored about `user`, as `export_account` found it; `ExportSchema` (in
    api/schemas/privacy.py) writes it out."""

    user: User
    practices: list[Practice]
    links: list[CareLink]
    prescriptions: list[Prescription]
    access_log: list[AccessLogEntry]
    invitations: list[Invitation]
    agenda: list[AgendaItem]
    push_subscriptions: list[PushSubscription]
    reminders: ReminderPreference  # the defaults when the person never set any
    format: int = EXPORT_FORMAT

    def reminders_enabled(self) -> bool:
        if self.reminders.enabled is None:
            return bool(self.push_subscriptions)
        return self.reminders.enabled

    def client_name(self, link: CareLink) -> str | None:
        """A therapist whose link was revoked learns nothing more about that client (not
        even their current name): the link stays in the export as history."""
        if link.client_id == self.user.id or link.revoked_at is None:
            return link.client.display_name
        return None


def _rows(session: Db, model: Any, *where: Any, order: Any) -> list[Any]:
    return list(session.scalars(select(model).where(*where).order_by(order)))


def _gather(session: Db, user: User) -> AccountExport:
    """The rows of every section, each in the order it happened."""
    mine = user.id
    return AccountExport(
        user,
        _rows(
            session,
            Practice,
            Practice.user_id == mine,
            Practice.deleted_at.is_(None),
            order=Practice.started_at,
        ),
        _rows(
            session,
            CareLink,
            or_(CareLink.client_id == mine, CareLink.therapist_id == mine),
            order=CareLink.created_at,
        ),
        _rows(
            session,
            Prescription,
            or_(Prescription.client_id == mine, Prescription.therapist_id == mine),
            order=Prescription.created_at,
        ),
        _rows(session, AccessLogEntry, AccessLogEntry.client_id == mine, order=AccessLogEntry.at),
        _rows(session, Invitation, Invitation.therapist_id == mine, order=Invitation.created_at),
        _rows(session, AgendaItem, AgendaItem.user_id == mine, order=AgendaItem.created_at),
        list_subscriptions(session, user),
        session.get(ReminderPreference, mine) or default_preferences(mine),
    )


@unit_of_work(keep_loaded=True)
def export_account(session: Db, user: User, *, clock: Clock = utcnow) -> AccountExport:
    """Everything stored about `user`: the account, practices, links (either side),
    prescriptions (received or written), the access log, invitations they made, their
    agenda (things to bring to a session), push subscriptions and reminder preferences.
    A therapist's export names their linked clients, so it is logged for each of them
    (the caller commits)."""
    export = _gather(session, user)
    seen = [
        link.client_id
        for link in export.links
        if link.therapist_id == user.id and not link.revoked_at
    ]
    if seen:
        log_access(session, user, seen, "export", clock=clock)
    return export


@unit_of_work
def erase_account(
    session: Db, passwords: Passwords, user: User, password: str, *, clock: Clock = utcnow
) -> None:
    """Delete the person and everything that is theirs. Prescriptions a therapist wrote for
    them stay in the therapist's records without the client; the practices, agenda, links,
    access log, push subscriptions, reminders, sessions and the account go. The last
    enabled admin cannot erase their account (the service would be left without one)."""
    if not passwords.verify(user.password_hash, password):
        raise Invalid("password", "The password is not right; nothing was erased.")
    # After the password (a slow hash), so the admins' rows are not locked while it runs.
    keep_an_enabled_admin(session, user, refusal=LAST_ADMIN_NOT_ERASED)
    # A therapist who leaves ends what they prescribed, as a revoked link would: their
    # clients keep the history but are asked for nothing more.
    for link in session.scalars(select(CareLink).where(CareLink.therapist_id == user.id)):
        if link.revoked_at is None:
            revoke_link(session, link, today=today_for(link.client, clock), clock=clock)
    session.execute(delete(Practice).where(Practice.user_id == user.id))
    session.execute(delete(AgendaItem).where(AgendaItem.user_id == user.id))
    session.execute(delete(AccessLogEntry).where(AccessLogEntry.client_id == user.id))
    session.execute(
        delete(CareLink).where(or_(CareLink.client_id == user.id, CareLink.therapist_id == user.id))
    )
    session.execute(delete(Invitation).where(Invitation.therapist_id == user.id))
    for table in (ReminderSend, PushSubscription, ReminderPreference):
        session.execute(delete(table).where(table.user_id == user.id))
    session.execute(  # no foreign key to null it (migration 0010)
        update(ExerciseVersion)
        .where(ExerciseVersion.published_by == user.id)
        .values(published_by=None)
    )
    address = user.email
    forget_mails_of(session, user.id)  # mail still waiting for the account goes with it
    session.execute(delete(User).where(User.id == user.id))  # the rest cascades or is nulled
    # The last word, to the address it had; tied to no account, so nothing deletes it.
    queue_mail(session, kind=ACCOUNT_ERASED, to=address, user_id=None, clock=clock)
    session.flush()
