"""The Reminders screen (permission asked only on a tap; settings saved; axe), and the
service worker's reminder: a push message delivered through Chromium's DevTools protocol
(`ServiceWorker.deliverPushMessage`) shows the notification, and its click opens the
practice."""

from __future__ import annotations

import json

import pytest

from api.services.push import new_key_pair
from tests.e2e.conftest import new_email, sign_up, wait_until
from tests.e2e.test_accessibility import check

PHONE = {"viewport": {"width": 390, "height": 844}}
COUNT_PERMISSION_ASKS = """
window.permissionAsks = 0;
if (window.Notification) {
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => {
    window.permissionAsks += 1;
    return ask(...args);
  };
}
"""


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    private, _public = new_key_pair()
    return {
        "INTERLUDE_VAPID_PRIVATE_KEY": private,
        "INTERLUDE_VAPID_SUBJECT": "mailto:reminders@example.org",
    }


def open_reminders(page) -> None:
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Set up reminders").click()
    page.get_by_role("heading", name="Reminders", level=1).wait_for()


def test_the_reminders_screen_asks_for_permission_only_on_a_tap(make_phone, app):
    phone = make_phone(**PHONE)
    phone.context.add_init_script(COUNT_PERMISSION_ASKS)
    page = phone.open()
    sign_up(page, new_email())
    open_reminders(page)
    page.get_by_text("Reminders are off on this phone.").wait_for()
    assert page.evaluate("window.permissionAsks") == 0
    assert page.evaluate("Notification.permission") == "default"
    assert page.locator("nav#tabs a").count() == 5
    assert page.get_by_role("link", name="Account").get_attribute("aria-current") == "page"
    check(phone, "reminders")

    page.get_by_label("From").fill("22:30")
    page.get_by_label("Until").fill("07:15")
    page.get_by_label("Daily time").fill("18:00")
    page.get_by_label("Show the practice's name").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    page.reload()
    page.get_by_role("heading", name="Reminders", level=1).wait_for()
    wait_until(page, "document.querySelector('#quiet-start').value === '22:30'")
    assert page.get_by_label("Daily time").input_value() == "18:00"
    assert page.get_by_label("Show the practice's name").is_checked()

    phone.context.grant_permissions(["notifications"])
    page.get_by_role("button", name="Turn on reminders").click()
    # Headless Chromium has no push service to subscribe with: either outcome is a sentence.
    wait_until(
        page,
        "[...document.querySelectorAll('[data-role=phone-message]')]"
        ".some((node) => !node.hidden && node.textContent.length > 10)",
    )
    assert page.evaluate("window.permissionAsks") == 1
    phone.shoot("reminders-after-tap")


def registration_id(page, cdp, scope: str) -> str:
    found: dict[str, str] = {}

    def seen(event):
        for registration in event["registrations"]:
            if registration["scopeURL"] == scope and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    # Enabling the domain reports the registrations there are; on a busy machine the report
    # sometimes never came (a full run, once), so the domain is enabled afresh to ask again.
    for _ in range(3):
        cdp.send("ServiceWorker.enable")
        for _ in range(100):  # the events arrive while Playwright waits
            if "id" in found:
                return found["id"]
            page.wait_for_timeout(100)
        cdp.send("ServiceWorker.disable")
    raise AssertionError(f"no service worker registration for {scope}")


def test_a_reminder_shows_and_its_click_opens_the_practice(make_phone, server):
    phone = make_phone(**PHONE)
    phone.context.grant_permissions(["notifications"], origin=server.url)
    page = phone.open()
    sign_up(page, new_email())
    wait_until(page, "navigator.serviceWorker.ready.then((r) => Boolean(r.active))")
    cdp = phone.context.new_cdp_session(page)
    payload = {
        "title": "Interlude",
        "body": "A moment for your practice, whenever it suits you.",
        "url": "/#/play/calm-breath/?p=6f1c2d1e-0000-4000-8000-000000000001",
        "tag": "reminder-test",
    }
    shown = None
    for _ in range(3):  # a push that reaches a worker still starting is dropped: send it again
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": server.url,
                "registrationId": registration_id(page, cdp, f"{server.url}/"),
                "data": json.dumps(payload),
            },
        )
        try:
            shown = wait_until(
                page,
                "navigator.serviceWorker.ready.then((r) => r.getNotifications())"
                ".then((list) => list.length && {title: list[0].title, body: list[0].body})",
                timeout=10.0,
            )
            break
        except AssertionError:
            continue
    assert shown == {"title": "Interlude", "body": payload["body"]}

    (worker,) = phone.context.service_workers
    worker.evaluate(
        """(async () => {
          const [notification] = await self.registration.getNotifications();
          self.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
        })()"""
    )
    page.get_by_role("heading", name="A calm breath").wait_for()
    assert page.evaluate("location.hash").startswith("#/play/calm-breath/")
