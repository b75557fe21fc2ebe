"""The shared rate-limit storage: an atomic count per key in a fixed window."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask
from limits.storage import storage_from_string
from werkzeug.exceptions import HTTPException

from api.ratelimit import RateLimits
from api.ratelimit_file import SQLiteFileStorage


def storage(tmp_path) -> SQLiteFileStorage:
    made = storage_from_string(f"sqlite:///{tmp_path / 'limits.sqlite'}")
    assert isinstance(made, SQLiteFileStorage)
    return made


def test_hits_count_up_within_a_window_and_start_again_after_it(tmp_path):
    store = storage(tmp_path)
    assert [store.incr("k", 1) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3
    time.sleep(1.05)
    assert store.get("k") == 0
    assert store.incr("k", 1) == 1


def test_two_storages_on_one_file_share_the_count(tmp_path):
    first, second = storage(tmp_path), storage(tmp_path)
    first.incr("k", 60)
    assert second.incr("k", 60) == 2
    assert first.get_expiry("k") > time.time() + 50


def test_concurrent_hits_are_each_counted_once(tmp_path):
    stores = [storage(tmp_path) for _ in range(4)]
    threads = [
        threading.Thread(target=lambda s=s: [s.incr("k", 60) for _ in range(50)]) for s in stores
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stores[0].get("k") == 200


def test_reset_and_clear_forget_counts(tmp_path):
    store = storage(tmp_path)
    store.incr("a", 60)
    store.incr("b", 60)
    store.clear("a")
    assert (store.get("a"), store.get("b")) == (0, 1)
    store.reset()
    assert store.get("b") == 0
    assert store.check()


def test_when_attempts_cannot_be_counted_the_limited_operation_answers_503(tmp_path):
    (tmp_path / "a-file").write_text("")
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{tmp_path / 'a-file' / 'limits.sqlite'}"
    limits = RateLimits()
    limits.init_app(app)
    with pytest.raises(HTTPException) as raised:
        limits.enforce("10/minute", "someone")
    assert raised.value.code == 503
