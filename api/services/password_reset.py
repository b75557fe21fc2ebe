"""Forgotten passwords: a single-use link by mail, then a new password that ends every
session. Asking never tells whether an address has an account."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from api.models import PasswordReset, PendingMail, User
from api.models.base import utcnow
from api.services import Db
from api.services.accounts import (
    Clock,
    Passwords,
    hash_token,
    normalise_email,
    notify_password_changed,
    revoke_other_sessions,
)
from api.services.errors import NotFound
from api.services.mail_queue import queue_mail
from api.services.mail_texts import PASSWORD_RESET, RESET_MINUTES
from api.services.transaction import unit_of_work

RESET_ASKED = (
    "Thank you. If this address has an account, a mail with a link to choose a new password "
    "is on its way; the link works for 30 minutes. Nothing arriving? Look in the spam folder, "
    "or check the address and ask again."
)
LINK_NOT_VALID = (
    "This link to choose a new password has expired or has been used already. Ask for a new "
    "one with “Forgot your password?” on the sign-in screen."
)


@unit_of_work
def request_password_reset(session: Db, *, email: str, clock: Clock = utcnow) -> str:
    """Queue the forgotten-password mail for this address. Whether it has an account is
    looked at only when the mail is about to be sent (`prepare_reset_mail`), so the request
    does the same work, and takes the same time, either way."""
    queue_mail(session, kind=PASSWORD_RESET, to=normalise_email(email), user_id=None, clock=clock)
    return RESET_ASKED


def prepare_reset_mail(session: Db, mail: PendingMail, now: datetime) -> dict[str, Any] | None:
    """Make the link's token for the account with the mail's address (replacing any older
    link), or None when no account has that address: then nothing is sent."""
    user = session.scalar(select(User).where(User.email == mail.to_address))
    if user is None:
        return None
    token = secrets.token_urlsafe(16)  # 128 random bits
    session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    session.add(
        PasswordReset(
            user_id=user.id,
            token_sha256=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(minutes=RESET_MINUTES),
        )
    )
    return {"token": token}


@unit_of_work
def confirm_password_reset(
    session: Db, passwords: Passwords, *, token: str, password: str, clock: Clock = utcnow
) -> None:
    """Set the new password from a valid link, spend every link of the account, sign out
    every session, and tell the account's owner."""
    now = clock()
    reset = session.scalar(
        select(PasswordReset).where(PasswordReset.token_sha256 == hash_token(token))
    )
    if reset is None or reset.expires_at <= now:
        raise NotFound(LINK_NOT_VALID)
    spent = session.execute(delete(PasswordReset).where(PasswordReset.user_id == reset.user_id))
    if spent.rowcount == 0:  # type: ignore[attr-defined]  # a simultaneous use got there first
        raise NotFound(LINK_NOT_VALID)
    user = session.get(User, reset.user_id)
    assert user is not None  # the reset row cascades away with the account
    user.password_hash = passwords.hash(password)
    user.password_changed_at = now
    revoke_other_sessions(session, user, None, clock=clock)
    notify_password_changed(session, user, clock=clock)
    session.flush()
