"""Scenario 1: a new person signs up, finds an exercise, plays it, says how they feel before
and after, and sees it in Progress. And the player's parts: the Opus choice, the lock-screen
metadata, the pacer in step with the audio, the reduced-motion pacer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.extensions import db
from api.models import Practice, User
from api.services import accounts
from tests.e2e.conftest import PASSWORD, new_email, sign_up, wait_for_audio


def stored_practices(app):
    with app.app_context():
        return list(db.session.scalars(select(Practice)))


def test_a_new_person_plays_an_exercise_and_sees_it_in_progress(phone, app):
    page = phone.open()
    page.get_by_role("heading", name="Sign up").wait_for()
    phone.shoot("signed-out-start")
    sign_up(page, new_email())
    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name="A calm breath").click()
    page.get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("button", name="Play").click()
    wait_for_audio(page, 1.5)
    assert page.evaluate("navigator.mediaSession.metadata.title") == "A calm breath"
    assert "format=opus" in page.evaluate("document.querySelector('audio').currentSrc")
    wait_for_audio(page, 6)  # into the breathing
    phone.shoot("player-pacer")
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("radio", name="7", exact=True).check()
    page.get_by_label("A note for yourself").fill("Lighter.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Saved").wait_for()
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Progress").click()
    page.get_by_text("feeling 4 before, 7 after").wait_for()
    (practice,) = stored_practices(app)
    assert (practice.mood_before, practice.mood_after, practice.note) == (4, 7, "Lighter.")
    assert practice.completed is False and practice.duration_seconds >= 5


def sign_in_as(app, email: str) -> dict[str, str]:
    """Bearer headers for a person who signed up in the browser."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        issued = accounts.issue_tokens(db.session, user, accounts.TokenPolicy())
        db.session.commit()
        return {"Authorization": f"Bearer {issued.access_token}"}


def test_progress_draws_mood_over_time_and_what_helps(phone, app):
    page = phone.open()
    email = new_email()
    sign_up(page, email)
    headers = sign_in_as(app, email)
    now = datetime.now(UTC)
    moods = [(3, 5), (4, 6), (5, 5), (2, 6), (4, 7), (5, 8)]
    items = [
        {
            "id": str(uuid.uuid4()),
            "exercise": "calm-breath" if index % 2 else "five-senses",
            "length_minutes": 1,
            "started_at": (now - timedelta(days=len(moods) - index)).isoformat(),
            "duration_seconds": 60,
            "completed": True,
            "mood_before": before,
            "mood_after": after,
        }
        for index, (before, after) in enumerate(moods)
    ]
    answer = app.test_client().post(
        "/api/v1/me/practices/sync", json={"practices": items}, headers=headers
    )
    assert [r["status"] for r in answer.json["results"]] == ["created"] * len(items)
    page.get_by_role("link", name="Progress").click()
    page.get_by_role("img", name="Mood before and after your last 6 rated practices").wait_for()
    assert page.locator("svg polyline.after").get_attribute("points").count(",") == 6
    helps = page.get_by_role("list").filter(has_text="on average, over")
    assert helps.get_by_role("listitem").first.inner_text().startswith("A calm breath")  # +2.33
    phone.shoot("progress")

    page.get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    assert not [c for c in phone.context.cookies() if c["name"].endswith("interlude-refresh")]


def test_a_session_ended_elsewhere_lands_on_sign_in_with_a_sentence(phone, app):
    page = phone.open()
    email = new_email()
    sign_up(page, email)
    cookie = next(c for c in phone.context.cookies() if c["name"].endswith("interlude-refresh"))
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # no script can read it
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        accounts.revoke_other_sessions(db.session, user, None)  # e.g. a password change elsewhere
        db.session.commit()
    page.reload()
    page.get_by_text("Your session has ended, so please sign in again.").wait_for()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Hello, Sam").wait_for()
