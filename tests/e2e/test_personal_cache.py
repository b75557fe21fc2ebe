"""The person's cached answers on the phone (interlude-personal in the service worker): the
plan is stale-while-revalidate, so a kept plan may show first but the server's newer plan must
replace it, on the same screen and at the next load; stats and practices are never stale
online; signing out removes them, and the next person on the phone never sees them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from api.models import Role
from tests.e2e.conftest import new_email, sign_up, wait_until
from tests.e2e.test_practice import sign_in_as

NOTE = "A gentle start to the day."
KEPT_PLAN = """async () => {
  const cache = await caches.open('interlude-personal');
  const kept = await cache.match('/api/v1/me/plan');
  return kept ? (await kept.json()).items.map((item) => item.note) : null;
}"""


def signed_up_with_a_kept_plan(page: Any, name: str = "Robin") -> str:
    """Sign up, then load Today once more under the service worker: the plan (empty) is kept."""
    email = new_email()
    sign_up(page, email, name=name)
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.reload()
    page.get_by_role("heading", name=f"Hello, {name}").wait_for()
    wait_until(page, f"({KEPT_PLAN})().then((notes) => notes !== null)")
    assert page.evaluate(KEPT_PLAN) == []
    return email


def prescribe(app, make_user, email: str, note: str = NOTE) -> None:
    """A therapist links with the client and prescribes, through the API."""
    api = app.test_client()
    therapist = make_user(Role.THERAPIST, display_name="Dr. Okafor")
    code = api.post("/api/v1/invitations", headers=therapist.headers).json["code"]
    client = sign_in_as(app, email)
    accepted = api.post(
        f"/api/v1/invitations/{code}/accept",
        json={"share_mood": False, "share_notes": False},
        headers=client,
    )
    assert accepted.status_code in (200, 201), accepted.json
    client_id = api.get("/api/v1/me", headers=client).json["id"]
    prescribed = api.post(
        f"/api/v1/clients/{client_id}/prescriptions",
        json={
            "exercise": "calm-breath",
            "schedule": {"per_week": 3},
            "start_date": datetime.now(UTC).date().isoformat(),
            "note": note,
        },
        headers=therapist.headers,
    )
    assert prescribed.status_code == 201, prescribed.json


def test_a_new_prescription_replaces_the_kept_empty_plan_on_the_same_phone(phone, app, make_user):
    page = phone.open()
    email = signed_up_with_a_kept_plan(page)
    prescribe(app, make_user, email)

    # Back to Today without a reload: the kept plan may show first, then the fresh one.
    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name="Today").click()
    page.get_by_text(NOTE).wait_for(timeout=10_000)
    assert page.evaluate(KEPT_PLAN) == [NOTE]

    # And every later load shows it straight away, from the kept copy.
    for _ in range(3):
        page.reload()
        page.get_by_text(NOTE).wait_for(timeout=10_000)
    phone.shoot("today-prescribed-same-phone")


def test_stats_and_practices_are_fresh_when_online(phone, app):
    page = phone.open()
    email = signed_up_with_a_kept_plan(page)
    page.get_by_role("link", name="Progress").click()
    page.get_by_text("Nothing here yet").wait_for()
    assert page.locator('[data-field="total_minutes"]').inner_text() == "0"

    api = app.test_client()
    started = datetime.now(UTC).isoformat()
    body = {
        "exercise": "calm-breath",
        "started_at": started,
        "duration_seconds": 120,
        "completed": True,
    }
    response = api.put(
        f"/api/v1/me/practices/{uuid.uuid4()}", json=body, headers=sign_in_as(app, email)
    )
    assert response.status_code == 201, response.json

    page.reload()
    page.locator(".recent li").first.wait_for()
    assert page.locator('[data-field="total_minutes"]').inner_text() == "2"
    assert "A calm breath" in page.locator(".recent").inner_text()


def test_signing_out_removes_the_kept_plan_and_the_next_person_never_sees_it(phone, app, make_user):
    page = phone.open()
    email = signed_up_with_a_kept_plan(page)
    prescribe(app, make_user, email)
    page.reload()
    page.get_by_text(NOTE).wait_for(timeout=10_000)
    wait_until(page, f"({KEPT_PLAN})().then((notes) => notes && notes.length === 1)")

    page.get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    assert "interlude-personal" not in page.evaluate("caches.keys()")

    sign_up(page, new_email(), name="Kim")
    page.reload()
    page.get_by_role("heading", name="Hello, Kim").wait_for()
    wait_until(page, f"({KEPT_PLAN})().then((notes) => notes !== null)")
    page.wait_for_timeout(1000)  # time for any late answer of the first person's to land
    assert NOTE not in page.content()
    assert page.evaluate(KEPT_PLAN) == []
