"""Staff accounts as an admin manages them: the list, and disabling or enabling one.

A disabled account keeps its rows (who wrote and published what stays readable); it can no
longer sign in, and every token it holds stops working at once: the access check reads
`disabled_at` on every request, and all its sign-in sessions are revoked in the same
transaction (see `accounts.refresh_tokens` for a refresh that races the disable)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, select, update

from api.models import AuthSession, Role, User
from api.models.base import utcnow
from api.services import Db
from api.services.errors import Conflict, NotFound
from api.services.transaction import unit_of_work

STAFF_ROLES = (Role.THERAPIST, Role.EDITOR, Role.ADMIN)

LAST_ADMIN_NOT_DISABLED = "This is the last enabled admin account; create another admin first."

Clock = Callable[[], datetime]


def staff_query(*, role: Role | None = None, disabled: bool | None = None) -> Select[tuple[User]]:
    """Therapists, editors and admins, by email (clients are not the admin's to manage)."""
    query = select(User).where(User.role.in_(STAFF_ROLES))
    if role is not None:
        query = query.where(User.role == role)
    if disabled is not None:
        query = query.where(
            User.disabled_at.is_not(None) if disabled else User.disabled_at.is_(None)
        )
    return query.order_by(User.email, User.id)


def find_staff(session: Db, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound("There is no staff account with this id.")
    return user


@unit_of_work
def disable_account(session: Db, admin: User, user_id: uuid.UUID, *, clock: Clock = utcnow) -> User:
    """Disable a staff account and end all its sessions. Disabling twice changes nothing.
    An admin cannot disable their own account, nor the last enabled admin."""
    user = find_staff(session, user_id)
    if user.id == admin.id:
        raise Conflict("You cannot disable your own account; ask another admin.")
    keep_an_enabled_admin(session, user, refusal=LAST_ADMIN_NOT_DISABLED)
    now = clock()
    if user.disabled_at is None:
        user.disabled_at = now
        session.flush()  # takes the row's lock first: a racing refresh waits or is seen
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return user


def keep_an_enabled_admin(session: Db, leaving: User, *, refusal: str) -> None:
    """The service always keeps an enabled admin: refuse (Conflict, with `refusal`) to let
    `leaving` go, whether disabled or erased (`privacy.erase_account`), when it is the last
    enabled admin. The enabled admins' rows are locked first (PostgreSQL; on SQLite writers
    queue, `BEGIN IMMEDIATE`), so two admins going at once cannot both succeed."""
    if leaving.role != Role.ADMIN or leaving.disabled_at is not None:
        return
    enabled = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.disabled_at.is_(None))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if [admin_id for admin_id in enabled if admin_id != leaving.id] == []:
        raise Conflict(refusal)


@unit_of_work
def enable_account(session: Db, user_id: uuid.UUID) -> User:
    """Let a disabled account sign in again (its old sessions stay ended)."""
    user = find_staff(session, user_id)
    user.disabled_at = None
    session.flush()
    return user
