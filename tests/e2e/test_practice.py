"""Scenario 1: a new person signs up, finds an exercise, plays it, says how they feel before
and after, and sees it in Progress. And the player's parts: the Opus choice, the lock-screen
metadata, the pacer in step with the audio, the reduced-motion pacer."""

from __future__ import annotations

from sqlalchemy import select

from api.extensions import db
from api.models import Practice
from tests.e2e.conftest import new_email, sign_up, wait_for_audio


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
    phone.shoot("progress")
    (practice,) = stored_practices(app)
    assert (practice.mood_before, practice.mood_after, practice.note) == (4, 7, "Lighter.")
    assert practice.completed is False and practice.duration_seconds >= 5
