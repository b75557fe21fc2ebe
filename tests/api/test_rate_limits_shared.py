"""The documented rate limits hold across gunicorn's workers: the embedded default counts in
one file that every worker shares (with `memory://` each worker counted on its own, and a
wrong password first got 429 on attempt 21 instead of 11). Each attempt opens a new
connection, so the attempts are spread over both workers."""

from __future__ import annotations

import requests

from api.models import Role

WRONG = "not the password at all"


def attempts(url: str, n: int, **kwargs) -> list[int]:
    return [
        requests.post(url, headers={"Connection": "close"}, timeout=30, **kwargs).status_code
        for _ in range(n)
    ]


def own_limits(tmp_path) -> dict[str, str]:
    """A counting file of the test's own, shared by the server's two workers: hits left by
    other tests' servers in the session's file cannot move the eleventh attempt."""
    return {"INTERLUDE_RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'limits.sqlite'}"}


def test_a_wrong_password_gets_429_at_the_eleventh_attempt_across_workers(
    make_user, make_live_server, tmp_path
):
    server = make_live_server(workers=2, env=own_limits(tmp_path))
    person = make_user(Role.CLIENT)
    body = {"email": person.email, "password": WRONG}
    statuses = attempts(f"{server.url}/api/v1/auth/token", 12, json=body)
    assert statuses == [401] * 10 + [429] * 2  # documented: 10/minute per account


def test_a_wrong_invitation_code_gets_429_at_the_eleventh_attempt_across_workers(
    make_user, make_live_server, tmp_path
):
    server = make_live_server(workers=2, env=own_limits(tmp_path))
    person = make_user(Role.CLIENT)
    statuses = [
        requests.post(
            f"{server.url}/api/v1/invitations/guess-{n}/accept",
            json={"share_mood": True, "share_notes": False},
            headers={**person.headers, "Connection": "close"},
            timeout=30,
        ).status_code
        for n in range(12)
    ]
    assert statuses == [404] * 10 + [429] * 2  # documented: 10/hour per client
