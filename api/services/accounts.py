"""Accounts: registration, sign-in, token rotation and revocation, profiles."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from api.models import AuthSession, Role, User
from api.models.base import utcnow
from api.services import Db
from api.services.errors import Conflict, Invalid, Unauthorized
from api.services.mail_queue import queue_mail
from api.services.mail_texts import PASSWORD_CHANGED, SIGNUP_ATTEMPT
from api.services.transaction import commit, unit_of_work
from api.services.zones import is_place_zone

Clock = Callable[[], datetime]

PASSWORD_MIN = 12
PASSWORD_MAX = 1024
BAD_CREDENTIALS = "The email or password is not right."
BAD_TOKEN = "Your session has ended or the token is not valid; please sign in again."
DISABLED = "This account has been disabled. An administrator of your service can enable it."


def check_timezone(name: str) -> str:
    if not is_place_zone(name):
        raise Invalid("timezone", timezone_message(name))
    return name


def timezone_message(name: object) -> str:
    return f"timezone {name!r} is not an IANA zone of a place, e.g. 'Europe/London'"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Passwords:
    """argon2id hashing with a dummy verification for unknown accounts, so a sign-in takes
    the same time whether or not the email exists."""

    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    session: AuthSession


@dataclass(frozen=True)
class TokenPolicy:
    access_seconds: int = 3600
    refresh_days: int = 30


def normalise_email(email: str) -> str:
    return email.strip().lower()


@unit_of_work
def create_user(
    session: Db,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    timezone: str = "UTC",
) -> User:
    email = normalise_email(email)
    check_timezone(timezone)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"An account with the email {email} already exists; sign in instead.")
    user = _new_user(email, passwords.hash(password), role, display_name, timezone)
    session.add(user)
    session.flush()  # a racing twin fails here with IntegrityError -> 409
    return user


def _new_user(
    email: str, password_hash: str, role: Role, display_name: str | None, timezone: str
) -> User:
    """A new account; its day starts at 03:00 until the person says otherwise."""
    return User(
        email=email,
        password_hash=password_hash,
        role=role,
        display_name=display_name,
        timezone=timezone,
        day_starts_at=time(3, 0),
    )


REGISTERED = (
    "Thank you. If this address had no account, it has one now: sign in with the address and "
    "password you gave. If it had one already, nothing was changed: sign in with that "
    "account's password."
)


@unit_of_work
def register_client(
    session: Db,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    display_name: str | None = None,
    timezone: str = "UTC",
    notify_owner: bool = True,
    clock: Clock = utcnow,
) -> str:
    """Self sign-up that does not tell whether an address has an account: the same answer
    either way, and the password is hashed either way so that the time taken is alike. The
    owner of an address that has an account gets a mail saying someone tried, unless
    `notify_owner` is false (the view limits how often)."""
    email = normalise_email(email)
    check_timezone(timezone)
    password_hash = passwords.hash(password)
    owner = session.scalar(select(User.id).where(User.email == email))
    if owner is None:
        user = _new_user(email, password_hash, Role.CLIENT, display_name, timezone)
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:
            pass  # a simultaneous sign-up with the same address made it first
    elif notify_owner:  # it was them (forgot they had one), or someone using their address
        queue_mail(session, kind=SIGNUP_ATTEMPT, to=email, user_id=owner, clock=clock)
    return REGISTERED


def issue_tokens(
    session: Db,
    user: User,
    policy: TokenPolicy,
    *,
    family_id: uuid.UUID | None = None,
    clock: Clock = utcnow,
) -> IssuedTokens:
    now = clock()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    pair = AuthSession(
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        access_hash=hash_token(access),
        refresh_hash=hash_token(refresh),
        access_expires_at=now + timedelta(seconds=policy.access_seconds),
        refresh_expires_at=now + timedelta(days=policy.refresh_days),
        created_at=now,
    )
    session.add(pair)
    session.flush()
    return IssuedTokens(access, refresh, policy.access_seconds, pair)


@unit_of_work
def sign_in(
    session: Db,
    passwords: Passwords,
    policy: TokenPolicy,
    *,
    email: str,
    password: str,
    clock: Clock = utcnow,
) -> IssuedTokens:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    if user.disabled_at is not None:
        raise Unauthorized(DISABLED)  # told only to someone who knows the password
    if passwords.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return issue_tokens(session, user, policy, clock=clock)


@unit_of_work
def refresh_tokens(
    session: Db, policy: TokenPolicy, refresh_token: str, *, clock: Clock = utcnow
) -> IssuedTokens:
    now = clock()
    pair = session.scalar(
        select(AuthSession).where(AuthSession.refresh_hash == hash_token(refresh_token))
    )
    if pair is None or pair.revoked_at is not None or pair.refresh_expires_at <= now:
        raise Unauthorized(BAD_TOKEN)
    if not _lock_enabled_user(session, pair.user_id):
        raise Unauthorized(BAD_TOKEN)
    if pair.rotated_at is not None:
        # A refresh token used twice: someone else may hold it. End the whole family.
        _end_family_and_refuse(session, pair.family_id, clock)
    claimed = session.execute(
        update(AuthSession)
        .where(AuthSession.id == pair.id, AuthSession.rotated_at.is_(None))
        .values(rotated_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        # Lost a race with a concurrent refresh of the same token: treat it as reuse.
        _end_family_and_refuse(session, pair.family_id, clock)
    return issue_tokens(session, pair.user, policy, family_id=pair.family_id, clock=clock)


def _lock_enabled_user(session: Db, user_id: uuid.UUID) -> bool:
    """Whether the account is enabled, holding a shared lock on its row (PostgreSQL) until
    the transaction ends: disabling updates that row, so a refresh and a disable run one
    after the other. The refresh that waited sees the account disabled; the disable that
    waited revokes the pair the refresh made. (SQLite's writers queue anyway.)"""
    enabled = session.scalar(
        select(User.id)
        .where(User.id == user_id, User.disabled_at.is_(None))
        .with_for_update(read=True)
    )
    return enabled is not None


def _end_family_and_refuse(session: Db, family_id: uuid.UUID, clock: Clock) -> NoReturn:
    revoke_family(session, family_id, clock=clock)
    commit(session)  # kept, though the refusal below rolls back whatever else was begun
    raise Unauthorized(BAD_TOKEN)


@unit_of_work
def revoke_family(session: Db, family_id: uuid.UUID, *, clock: Clock = utcnow) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.family_id == family_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock())
    )


def revoke_other_sessions(
    session: Db, user: User, keep_family: uuid.UUID | None, *, clock: Clock = utcnow
) -> None:
    query = update(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)
    )
    if keep_family is not None:
        query = query.where(AuthSession.family_id != keep_family)
    session.execute(query.values(revoked_at=clock()))


def authenticate_access_token(
    session: Db, token: str, *, clock: Clock = utcnow
) -> tuple[User, AuthSession]:
    pair = session.scalar(select(AuthSession).where(AuthSession.access_hash == hash_token(token)))
    if (
        pair is None
        or pair.revoked_at is not None
        or pair.rotated_at is not None
        or pair.access_expires_at <= clock()
        or pair.user.disabled_at is not None
    ):
        raise Unauthorized(BAD_TOKEN)
    return pair.user, pair


@unit_of_work
def update_profile(session: Db, user: User, changes: dict[str, object]) -> User:
    if "timezone" in changes:
        user.timezone = check_timezone(str(changes["timezone"]))
    if "display_name" in changes:
        user.display_name = changes["display_name"]  # type: ignore[assignment]
    if "day_starts_at" in changes:
        user.day_starts_at = changes["day_starts_at"]  # type: ignore[assignment]
    session.flush()
    return user


@unit_of_work
def change_password(
    session: Db,
    passwords: Passwords,
    user: User,
    current: AuthSession | None,
    *,
    current_password: str,
    new_password: str,
    clock: Clock = utcnow,
) -> None:
    """Set a new password and sign out every other session; this one stays signed in."""
    if not passwords.verify(user.password_hash, current_password):
        raise Invalid("current_password", "The current password is not right.")
    user.password_hash = passwords.hash(new_password)
    user.password_changed_at = clock()
    revoke_other_sessions(session, user, current.family_id if current else None, clock=clock)
    notify_password_changed(session, user, clock=clock)
    session.flush()


def notify_password_changed(session: Db, user: User, *, clock: Clock = utcnow) -> None:
    """The security notice that an account's password was changed."""
    queue_mail(session, kind=PASSWORD_CHANGED, to=user.email, user_id=user.id, clock=clock)
