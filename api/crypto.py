"""Health data at rest: columns that hold what a client wrote about themselves are stored
encrypted with Fernet (AES-128-CBC + HMAC-SHA256, an authenticated cipher from
`cryptography`), so a leaked disk, dump or backup shows no note text.

Keys come from INTERLUDE_DATA_KEYS, newest first: the newest encrypts, every key decrypts,
so a key is rotated by putting a new one in front, running `flask --app api keys rotate`,
then dropping the old one. Without keys, the embedded default (SQLite, not production) makes
one in the instance folder and says so loudly; production refuses to start (`load_keyring`).

A column opts in with `EncryptedText` and a line in `ENCRYPTED_COLUMNS` (which `keys rotate`
and the migrations walk)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import Text, TypeDecorator

log = logging.getLogger("interlude.crypto")

KEY = "interlude.data_keys"
KEY_FILE_NAME = "data-keys"


class DataKeyError(RuntimeError):
    """The data keys are missing, malformed, or do not open what is stored."""


class Keyring:
    """The data keys, newest first: encrypt with the newest, decrypt with any."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise DataKeyError("no data key given")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.encode()))
            except ValueError:
                raise DataKeyError(
                    f"INTERLUDE_DATA_KEYS: key {position} is not 32 bytes in url-safe base64; "
                    "make one with `flask --app api keys generate`."
                ) from None
        self._newest = fernets[0]
        self._all = MultiFernet(fernets)

    def encrypt(self, text: str) -> str:
        return self._newest.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeEncodeError):
            raise DataKeyError(
                "stored text could not be decrypted with any key in INTERLUDE_DATA_KEYS "
                "(was a key dropped before `keys rotate` finished?)"
            ) from None

    def is_current(self, token: str) -> bool:
        """Whether the newest key already encrypts this token (rotation skips it)."""
        try:
            self._newest.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True

    def rotate(self, token: str) -> str:
        try:
            return self._all.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise DataKeyError(
                "a stored value opens with none of INTERLUDE_DATA_KEYS; keep the old key "
                "in the list until `keys rotate` has finished"
            ) from None


def install_keyring(app: Flask, keyring: Keyring) -> None:
    app.extensions[KEY] = keyring


def current_keyring() -> Keyring:
    keyring = current_app.extensions.get(KEY)
    if not isinstance(keyring, Keyring):
        raise RuntimeError("this app has no data keys: build it with api.create_app")
    return keyring


class EncryptedText(TypeDecorator[str]):
    """Text stored as a Fernet token, encrypted with the current app's newest data key.
    Compare such a column in SQL only with IS NULL: the same text encrypts differently
    each time."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else current_keyring().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else current_keyring().decrypt(value)


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str
    primary_key: tuple[str, ...]

    def raw_table(self) -> sa.TableClause:
        """The table as plain text columns: what is really stored, no decryption."""
        columns: list[sa.ColumnClause[Any]] = [sa.column(name) for name in self.primary_key]
        return sa.table(self.table, *columns, sa.column(self.column, sa.Text()))


# Every encrypted column; `keys rotate` walks them all.
ENCRYPTED_COLUMNS = (
    EncryptedColumn("practices", "note", ("user_id", "id")),
    EncryptedColumn("agenda_items", "text", ("id",)),
)


# --- where the keys come from ---------------------------------------------------------------


def load_keyring(configured: Sequence[str], *, production: bool, instance_dir: Path) -> Keyring:
    """The configured keys; else, outside production, the instance folder's key file (made
    on first start, with a loud warning to back it up)."""
    if configured:
        return Keyring(configured)
    if production:
        raise DataKeyError(
            "INTERLUDE_DATA_KEYS is not set. Practice notes are encrypted at rest, and in "
            "production the key must come from your secret store: make one with "
            "`flask --app api keys generate`, set INTERLUDE_DATA_KEYS to it and keep a copy "
            "with your backups (without it the notes in a backup cannot be read)."
        )
    return Keyring(_instance_keys(instance_dir / KEY_FILE_NAME))


def _instance_keys(path: Path) -> list[str]:
    if path.exists():
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode("ascii")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    log.warning(
        "GENERATED A NEW DATA KEY in %s: it encrypts every practice note. BACK IT UP with "
        "the database; without it the notes cannot be read. In production set "
        "INTERLUDE_DATA_KEYS instead.",
        path,
    )
    return [key]


# --- re-encrypting stored values (keys rotate, migrations) ----------------------------------


def next_batch(
    connection: Connection, target: EncryptedColumn, after: tuple[Any, ...] | None, size: int
) -> list[sa.Row[Any]]:
    """Up to `size` non-null stored values of a column after the key `after`, in primary-key
    order (keyset paging: a batch committed in between does not shift the next)."""
    table = target.raw_table()
    keys = [table.c[name] for name in target.primary_key]
    value = table.c[target.column]
    query = sa.select(*keys, value).where(value.is_not(None))
    if after is not None:
        query = query.where(sa.tuple_(*keys) > sa.tuple_(*after))
    return list(connection.execute(query.order_by(*keys).limit(size)))


def rewrite_column(
    connection: Connection,
    target: EncryptedColumn,
    change: Callable[[str], str | None],
    *,
    after: tuple[Any, ...] | None = None,
    size: int = 500,
) -> tuple[int, tuple[Any, ...] | None]:
    """Apply `change` to one batch of stored values (None: leave it); returns how many
    changed and the key to continue after (None when the column is done)."""
    rows = next_batch(connection, target, after, size)
    if not rows:
        return 0, None
    width = len(target.primary_key)
    updates = []
    for row in rows:
        changed = change(row[width])
        if changed is not None:
            updates.append(
                {**dict(zip(target.primary_key, row[:width], strict=True)), "value": changed}
            )
    store_values(connection, target, updates)
    return len(updates), tuple(rows[-1][:width])


def store_values(
    connection: Connection, target: EncryptedColumn, updates: list[dict[str, Any]]
) -> None:
    """Write new stored values: each dict holds the primary key and `value`."""
    if not updates:
        return
    table = target.raw_table()
    condition = sa.and_(
        *(table.c[name] == sa.bindparam(f"k_{name}") for name in target.primary_key)
    )
    statement = table.update().where(condition).values({target.column: sa.bindparam("value")})
    connection.execute(
        statement,
        [
            {**{f"k_{name}": row[name] for name in target.primary_key}, "value": row["value"]}
            for row in updates
        ],
    )


def rotate_keys(
    connection_factory: Callable[[], Any], keyring: Keyring, *, batch_size: int = 500
) -> Iterator[tuple[EncryptedColumn, int]]:
    """Re-encrypt every stored value with the newest key, one committed transaction per batch
    (`connection_factory` is `engine.begin`). Values the newest key already opens are skipped,
    so an interrupted rotation resumes by running it again. Yields (column, re-encrypted)
    after each batch."""

    def change(token: str) -> str | None:
        return None if keyring.is_current(token) else keyring.rotate(token)

    for target in ENCRYPTED_COLUMNS:
        after: tuple[Any, ...] | None = None
        while True:
            with connection_factory() as connection:
                changed, after = rewrite_column(
                    connection, target, change, after=after, size=batch_size
                )
            if after is None:
                break
            yield target, changed
