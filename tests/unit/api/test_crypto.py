"""Data keys (api/crypto.py): where they come from, what happens without one, rotation."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from api import create_app
from api.config import TestConfig
from api.crypto import DataKeyError, Keyring, load_keyring


def new_key() -> str:
    return Fernet.generate_key().decode()


def test_the_newest_key_encrypts_and_every_key_decrypts():
    old, new = new_key(), new_key()
    written_before = Keyring([old]).encrypt("a note")

    keyring = Keyring([new, old])

    assert keyring.decrypt(written_before) == "a note"
    assert Keyring([new]).decrypt(keyring.encrypt("another")) == "another"
    assert not keyring.is_current(written_before)
    assert keyring.is_current(keyring.rotate(written_before))


def test_a_malformed_key_is_named_by_its_place_in_the_list():
    with pytest.raises(DataKeyError, match="key 2 is not 32 bytes in url-safe base64"):
        Keyring([new_key(), "too-short"])


def test_production_without_a_key_refuses_to_start(tmp_path):
    with pytest.raises(DataKeyError, match="INTERLUDE_DATA_KEYS is not set"):
        load_keyring([], production=True, instance_dir=tmp_path)
    assert not (tmp_path / "data-keys").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"ENVIRONMENT": "production"},
        {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://interlude@db.invalid/interlude"},
    ],
    ids=["INTERLUDE_ENV=production", "a PostgreSQL database"],
)
def test_the_app_refuses_to_start_without_a_key_in_production(tmp_path, changes):
    config = TestConfig(instance_dir=tmp_path)
    config.DATA_KEYS = []
    for name, value in changes.items():
        setattr(config, name, value)

    with pytest.raises(DataKeyError, match="INTERLUDE_DATA_KEYS is not set"):
        create_app(config)


def test_the_embedded_default_makes_a_private_key_file_and_says_so_loudly(tmp_path, capsys):
    config = TestConfig(instance_dir=tmp_path)
    config.DATA_KEYS = []
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'embedded.db'}"

    create_app(config)

    key_file = tmp_path / "data-keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    logged = capsys.readouterr().err
    assert "GENERATED A NEW DATA KEY" in logged and "BACK IT UP" in logged


def test_the_key_file_is_reused_on_the_next_start(tmp_path):
    first = load_keyring([], production=False, instance_dir=tmp_path)
    token = first.encrypt("kept")

    again = load_keyring([], production=False, instance_dir=tmp_path)

    assert again.decrypt(token) == "kept"


def test_configured_keys_win_over_the_key_file(tmp_path):
    load_keyring([], production=False, instance_dir=tmp_path)
    configured = new_key()

    keyring = load_keyring([configured], production=True, instance_dir=tmp_path)

    assert Keyring([configured]).decrypt(keyring.encrypt("x")) == "x"
