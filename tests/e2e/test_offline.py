"""Scenario 2: download a practice, lose the connection (the browser offline and the server
stopped), reload: the app opens, plays the download and seeks in it (byte ranges answered
from the cache); two practices recorded offline reach the server exactly once when it is
back, and a further reload sends nothing again."""

from __future__ import annotations

from sqlalchemy import func, select

from api.extensions import db
from api.models import Practice
from tests.e2e.conftest import new_email, sign_up, start_practice, wait_for_audio, wait_until

RANGE = """async (range) => {
  const entry = JSON.parse(localStorage['interlude.downloads'])['calm-breath/1'];
  const response = await fetch(entry.urls[0], {headers: {Range: range}});
  const whole = await (await fetch(entry.urls[0])).blob();
  return [response.status, response.headers.get('Content-Range'),
          (await response.arrayBuffer()).byteLength, whole.size];
}"""


def practices_stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Practice))


def practise_offline(page, mood_after: str) -> None:
    start_practice(page)
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("radio", name=mood_after, exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("kept on this phone and will be sent").wait_for()


def test_a_downloaded_practice_plays_offline_and_is_recorded_once(phone, app):
    page = phone.open()
    sign_up(page, new_email())
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name="A calm breath").click()
    page.get_by_role("button", name="Download for offline").click()
    page.get_by_text("Available offline").wait_for()

    phone.context.set_offline(True)
    phone.server.stop()
    page.reload()
    page.get_by_text("You are offline").wait_for()
    status, content_range, length, size = page.evaluate(RANGE, "bytes=0-1")
    assert (status, content_range, length) == (206, f"bytes 0-1/{size}", 2)
    status, content_range, length, _ = page.evaluate(RANGE, f"bytes={size - 10}-")
    assert (status, content_range, length) == (206, f"bytes {size - 10}-{size - 1}/{size}", 10)
    assert page.evaluate(RANGE, f"bytes={size}-")[0] == 416

    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name="A calm breath").click()
    page.get_by_role("button", name="Play").click()
    wait_for_audio(page, 1)
    page.get_by_label("Position").fill("40")  # seek within the cached file
    wait_for_audio(page, 41)
    phone.shoot("player-offline")
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("kept on this phone and will be sent").wait_for()
    practise_offline(page, "8")
    page.get_by_text("2 practices are waiting to be sent").wait_for()
    assert practices_stored(app) == 0

    phone.server.start()
    phone.context.set_offline(False)
    wait_until(page, "!document.getElementById('status').textContent.includes('waiting')", 20)
    assert practices_stored(app) == 2

    page.get_by_role("link", name="Done").click()
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/practices/sync") else None)
    page.reload()
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    page.wait_for_timeout(1000)
    assert sent == []
    assert practices_stored(app) == 2
