"""practices.note is encrypted at rest (api/crypto.py); downgrade decrypts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 17:00:00

The column stays text: it now holds a Fernet token made with the newest of
INTERLUDE_DATA_KEYS (or the instance folder's key). Values are rewritten a batch at a time;
a value that already opens with the keys is left as it is, so a re-run is harmless.
"""
from alembic import op

from api.crypto import DataKeyError, EncryptedColumn, Keyring, current_keyring, rewrite_column


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The columns this revision encrypted (later revisions add their own).
COLUMNS = [EncryptedColumn('practices', 'note', ('user_id', 'id'))]


def _encrypt(keyring: Keyring):
    def change(value: str) -> str | None:
        try:
            keyring.decrypt(value)
            return None  # already encrypted
        except DataKeyError:
            return keyring.encrypt(value)

    return change


def _rewrite_all(change) -> None:
    connection = op.get_bind()
    for column in COLUMNS:
        after = None
        while True:
            _, after = rewrite_column(connection, column, change, after=after)
            if after is None:
                break


def upgrade():
    _rewrite_all(_encrypt(current_keyring()))


def downgrade():
    _rewrite_all(current_keyring().decrypt)
