"""Scenario 5: axe-core on every screen (light and dark): no serious or critical
violations; and scenario 1 again with the keyboard alone. Screenshots of every screen."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from api.models import Role
from tests.e2e.conftest import (
    PASSWORD,
    new_email,
    sign_up,
    start_practice,
    wait_for_audio,
    wait_until,
)

AXE = Axe()


def check(phone, name: str) -> None:
    phone.page.wait_for_timeout(200)  # let the screen settle
    phone.shoot(name)
    result = AXE.run(phone.page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_screen_passes_axe(make_phone, app, make_user, scheme):
    phone = make_phone(color_scheme=scheme)
    page = phone.open()
    page.get_by_role("heading", name="Sign up").wait_for()
    check(phone, f"{scheme}-welcome")
    page.get_by_role("button", name="Sign up").click()  # errors next to the fields
    page.get_by_text("Enter your email address.").wait_for()
    check(phone, f"{scheme}-welcome-errors")
    page.get_by_role("link", name="Sign in").click()
    check(phone, f"{scheme}-signin")
    page.get_by_role("link", name="Need help now?").click()
    page.get_by_text("not monitored").wait_for()
    check(phone, f"{scheme}-support")
    phone.open("#/welcome")

    sign_up(page, new_email())
    check(phone, f"{scheme}-today")
    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name="A calm breath").wait_for()
    check(phone, f"{scheme}-library")
    page.get_by_role("link", name="A calm breath").click()
    page.get_by_role("radio", name="5", exact=True).check()
    check(phone, f"{scheme}-player")
    page.get_by_role("button", name="Play").click()
    wait_for_audio(page, 6)
    check(phone, f"{scheme}-player-playing")
    page.get_by_role("button", name="Finish").click()
    check(phone, f"{scheme}-checkin")
    page.get_by_role("radio", name="7", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Saved").wait_for()
    check(phone, f"{scheme}-saved")
    page.get_by_role("link", name="Progress").click()
    page.get_by_text("feeling 5 before, 7 after").wait_for()
    check(phone, f"{scheme}-progress")
    therapist = make_user(Role.THERAPIST, display_name="Dr. Okafor")
    code = app.test_client().post("/api/v1/invitations", headers=therapist.headers).json["code"]
    page.get_by_role("link", name="Therapists").click()
    page.get_by_label("Invitation code").fill(code)
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("heading", name="Dr. Okafor").wait_for()
    check(phone, f"{scheme}-therapists")
    page.get_by_role("link", name="Account").click()
    page.get_by_role("heading", name="Erase my account").wait_for()
    check(phone, f"{scheme}-account")


def test_reduced_motion_keeps_the_pacer_still_and_in_words(make_phone):
    phone = make_phone(reduced_motion="reduce")
    page = phone.open()
    sign_up(page, new_email())
    start_practice(page, seconds=4)
    words = wait_until(
        page,
        "/Breathe|Hold/.test(document.querySelector('.cue').textContent)",
    )
    assert words
    transforms = set()
    for _ in range(5):
        transforms.add(
            page.evaluate("getComputedStyle(document.querySelector('.breath')).transform")
        )
        page.wait_for_timeout(300)
    assert len(transforms) == 1  # the circle does not move


def test_the_pacer_follows_the_audio_and_can_be_paused(phone, server):
    page = phone.open()
    sign_up(page, new_email())
    start_practice(page, seconds=0.5)
    page.get_by_role("button", name="Pause").click()
    timeline = page.evaluate(
        "fetch(document.querySelector('track').src.replace('/captions', '/timeline'))"
        ".then(r => r.json())"
    )
    inhale = next(e for e in timeline["events"] if e["type"] == "inhale")
    hold = next(e for e in timeline["events"] if e["type"] == "hold")

    def scale_at(ms: float) -> float:
        page.get_by_label("Position").fill(str(int(ms / 1000)))
        page.evaluate(f"document.querySelector('audio').currentTime = {ms / 1000}")
        page.wait_for_timeout(300)
        return float(
            page.evaluate("document.querySelector('.breath').style.getPropertyValue('--scale')")
        )

    start, middle, end = (
        scale_at(inhale["at_ms"] + f * (inhale["until_ms"] - inhale["at_ms"]))
        for f in (0.05, 0.5, 0.95)
    )
    assert start < middle < end  # inhale grows with the audio's clock
    assert abs(middle - 0.775) < 0.05
    assert scale_at((hold["at_ms"] + hold["until_ms"]) / 2) == pytest.approx(1.0)  # hold rests
    assert page.get_by_text("Hold").count() >= 1
    button = page.get_by_role("button", name="Keep the circle still")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert "still" in page.evaluate("document.querySelector('.pacer').className")


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible name is `name` (as a screen reader
    would announce it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """(() => { const e = document.activeElement;
                 const label = e.labels && e.labels[0] ? e.labels[0].textContent : '';
                 const name = e.getAttribute('aria-label') || label || e.textContent || '';
                 return name.trim(); })()"""
        )
        if focused == name or focused.startswith(f"{name} "):
            return
    raise AssertionError(f"could not reach {name!r} with Tab")


def arrive(page) -> None:
    """Wait until a navigation has finished: the router moves focus to the view when the new
    screen is in place, so Tab pressed before that would start again from the top (a Tab sent
    in between once landed on the old screen's links)."""
    expect(page.locator("#view")).to_be_focused()


def test_scenario_one_with_the_keyboard_alone(phone, app):
    page = phone.open()
    page.get_by_role("heading", name="Sign up").wait_for()
    tab_to(page, "Email")
    page.keyboard.type(new_email())
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Sign up")
    page.keyboard.press("Enter")
    arrive(page)
    page.get_by_role("heading", name="Hello").wait_for()
    tab_to(page, "Library")
    page.keyboard.press("Enter")
    arrive(page)
    page.get_by_role("link", name="A calm breath").wait_for()
    tab_to(page, "A calm breath")
    page.keyboard.press("Enter")
    arrive(page)
    page.get_by_role("button", name="Play", disabled=False).wait_for()  # wired
    tab_to(page, "0")  # into the mood scale; arrows choose
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.get_by_role("radio", name="3", exact=True).is_checked()
    tab_to(page, "Play")
    page.keyboard.press("Enter")
    wait_for_audio(page, 1.5)
    tab_to(page, "Finish")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="How was that?").wait_for()
    tab_to(page, "0")
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    tab_to(page, "Save")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Saved").wait_for()
    tab_to(page, "Done")
    page.keyboard.press("Enter")
    arrive(page)
    tab_to(page, "Progress")
    page.keyboard.press("Enter")
    arrive(page)
    page.get_by_text("feeling 3 before, 6 after").wait_for()
