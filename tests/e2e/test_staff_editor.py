"""The editor's and admin's screens at a laptop's size (1280×800): scenario 4 (an editor
pastes a script with two errors, sees both at their lines, fixes them, renders, previews
every length, publishes, and a client finds it in the Library), recordings, staff accounts,
and axe-core on every one of these screens (no serious or critical violations)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from axe_playwright_python.sync_playwright import Axe

from api.models import Role
from tests.e2e.conftest import ARTEFACTS, PASSWORD, Phone, new_email, sign_up, wait_until

LAPTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
AXE = Axe()

GOOD = textwrap.dedent(
    """\
    slug: evening-settle
    title: An evening settle
    kind: mindfulness
    summary: A short rest at the end of the day.
    language: en
    lengths: [1, 2]
    segments:
      - {say: Let the day settle for a moment., id: welcome}
      - pause: {min: 2s, weight: 1}
      - breathe: {pattern: [4, 0, 6, 0], cycles: 2, cue: tone}
      - {say: That is all. Thank you., id: goodbye}
    """
)
# Two mistakes: a kind that does not exist (line 3) and a pause that is not a duration (line 9).
BROKEN = GOOD.replace("kind: mindfulness", "kind: mindfullness").replace(
    "pause: {min: 2s, weight: 1}", "pause: {min: soon, weight: 1}"
)


@pytest.fixture
def laptop(chromium, server):
    context = chromium.browser.new_context(**LAPTOP, base_url=server.url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield Phone(context, page, server)
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}\n{server.log_tail()}"


def sign_in(laptop: Phone, email: str) -> Any:
    page = laptop.open("#/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def check(laptop: Phone, name: str) -> None:
    laptop.page.wait_for_timeout(200)
    ARTEFACTS.mkdir(exist_ok=True)
    laptop.page.screenshot(path=str(ARTEFACTS / f"staff-{name}.png"))
    result = AXE.run(laptop.page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"


def replace_source(page: Any, text: str) -> None:
    source = page.get_by_label("Script (YAML)")
    source.fill(text)


def test_scenario_four_an_editor_fixes_renders_previews_and_publishes(
    laptop, make_user, chromium, server
):
    editor = make_user(Role.EDITOR, password=PASSWORD, display_name="Robin Editor")
    page = sign_in(laptop, editor.email)
    page.get_by_role("heading", name="Scripts").wait_for()
    check(laptop, "scripts")
    page.get_by_role("link", name="New script").click()
    page.get_by_role("heading", name="A new script").wait_for()
    replace_source(page, BROKEN)
    page.get_by_text("2 problems to fix.").wait_for()
    problems = page.get_by_role("list", name="Problems").get_by_role("listitem")
    assert problems.count() == 2
    first, second = problems.nth(0).inner_text(), problems.nth(1).inner_text()
    assert first.startswith("Line 3, column") and "kind" in first
    assert second.startswith("Line 9, column") and "soon" in second
    check(laptop, "script-errors")
    page.screenshot(path=str(ARTEFACTS / "editor.png"))  # the README's picture, when renewed
    problems.nth(1).get_by_role("button").click()  # the caret goes to the line
    caret_line = page.evaluate(
        "(() => { const t = document.getElementById('script-source');"
        " return t.value.slice(0, t.selectionStart).split('\\n').length; })()"
    )
    assert caret_line == 9
    replace_source(page, GOOD)
    page.get_by_text("No problems found.").wait_for()
    durations = page.get_by_role("table", name="Estimated duration of each length")
    assert durations.get_by_role("row").count() == 3  # header, 1 min, 2 min
    check(laptop, "script-valid")
    page.get_by_role("button", name="Save as a new draft version").click()
    page.get_by_text("Saved as version 1").wait_for()
    page.get_by_role("heading", name="An evening settle · version 1").wait_for()

    page.get_by_role("link", name="Render and publish", exact=True).first.click()
    page.get_by_role("button", name="Render version 1").click()
    page.get_by_text("Version 1 is rendered.").wait_for(timeout=120_000)
    publish = page.get_by_role("button", name="Publish version 1")
    assert publish.is_disabled()
    for minutes in (1, 2):
        page.get_by_role("button", name=f"Listen to {minutes} minute").click()
        wait_until(page, "document.querySelector('.preview-player audio')?.currentTime > 0.5")
        cue = page.locator(".preview-player .cue")
        assert page.locator(".preview-player .breath").count() == 1
        wait_until(page, "document.querySelector('.preview-player .cue').textContent.length > 0")
        assert cue.inner_text()
    check(laptop, "publish-preview")
    publish.click()
    page.get_by_text("Version 1 is published.").wait_for()
    history = page.get_by_role("region", name="Version history")
    assert "by Robin Editor" in history.inner_text()
    assert "Published" in history.inner_text()
    check(laptop, "publish-done")

    phone = chromium.browser.new_context(**chromium.phone, base_url=server.url)
    client = phone.new_page()
    client.goto(f"{server.url}/")
    sign_up(client, new_email())
    client.get_by_role("link", name="Library").click()
    client.get_by_role("link", name="An evening settle").wait_for()
    phone.close()


def tone(tmp_path: Path) -> Path:
    path = tmp_path / "welcome.wav"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi",
         "-i", "sine=frequency=440:duration=1.5", str(path)],
        check=True,
    )  # fmt: skip
    return path


def test_an_editor_records_hears_and_removes_a_segment(laptop, make_user, app, tmp_path):
    editor = make_user(Role.EDITOR, password=PASSWORD)
    api = app.test_client()
    saved = api.post("/api/v1/scripts", json={"source": GOOD}, headers=editor.headers)
    assert saved.status_code == 201
    page = sign_in(laptop, editor.email)
    page.get_by_role("heading", name="Scripts").wait_for()
    page.get_by_role("link", name="Recordings of An evening settle").click()
    page.get_by_text("0 of 2 spoken parts are recorded").wait_for()
    assert page.locator(".badge.synthetic").count() == 2
    check(laptop, "recordings")
    page.get_by_label("Upload the recording of “Let the day settle for a moment.”").set_input_files(
        str(tone(tmp_path))
    )
    page.get_by_text("1 of 2 spoken parts are recorded").wait_for()
    row = page.locator('[data-segment="welcome"]')
    assert "Recorded" in row.inner_text() and "welcome.wav" in row.inner_text()
    row.get_by_role("button", name="Hear").click()
    wait_until(page, "document.querySelector('[data-segment=welcome] audio')?.currentTime > 0.2")
    check(laptop, "recordings-recorded")
    row.get_by_role("button", name="Remove").click()
    page.get_by_text("0 of 2 spoken parts are recorded").wait_for()


def test_a_slow_upload_shows_its_progress(laptop, make_user, app, tmp_path):
    editor = make_user(Role.EDITOR, password=PASSWORD)
    api = app.test_client()
    saved = api.post("/api/v1/scripts", json={"source": GOOD}, headers=editor.headers)
    assert saved.status_code == 201
    long_take = tmp_path / "long.wav"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi",
         "-i", "sine=frequency=330:duration=12", "-ar", "44100", str(long_take)],
        check=True,
    )  # fmt: skip
    page = sign_in(laptop, editor.email)
    page.get_by_role("heading", name="Scripts").wait_for()
    laptop.open(f"#/recordings/evening-settle/{saved.json['version']}")
    page.get_by_role("heading", name="Recordings: An evening settle").wait_for()
    cdp = laptop.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(  # about a megabyte at 250 kB/s: some four seconds of upload
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 250_000},
    )
    page.get_by_label("Upload the recording of “That is all. Thank you.”").set_input_files(
        str(long_take)
    )
    bar = page.get_by_role("progressbar", name="Upload of “That is all. Thank you.”")
    bar.wait_for()
    seen = wait_until(
        page,
        "(() => { const b = document.querySelector('.segment progress');"
        " return b && b.value > 0 && b.value < 1 && b.value; })()",
    )
    assert 0 < seen < 1
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.get_by_text("Recorded: long.wav now reads").wait_for()


def test_an_admin_creates_lists_and_disables_staff(laptop, make_user, app):
    admin = make_user(Role.ADMIN, password=PASSWORD, display_name="Ada Admin")
    page = sign_in(laptop, admin.email)
    page.get_by_role("heading", name="Staff accounts").wait_for()
    check(laptop, "staff")
    page.get_by_label("Name").fill("Dr. Lee")
    email = new_email()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role").select_option("therapist")
    page.get_by_label("First password (12 characters or more)").fill("short")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Use a password of 12").wait_for()
    check(laptop, "staff-errors")
    page.get_by_label("First password (12 characters or more)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text(f"Therapist account made for {email}").wait_for()
    row = page.get_by_role("row").filter(has_text=email)
    row.get_by_role("button", name="Disable Dr. Lee").click()
    dialog = page.get_by_role("dialog", name="Disable this account?")
    dialog.wait_for()
    check(laptop, "staff-confirm")
    dialog.get_by_role("button", name="Keep it").click()
    assert "Active" in row.inner_text()
    row.get_by_role("button", name="Disable Dr. Lee").click()
    dialog.get_by_role("button", name="Disable account").click()
    page.get_by_text("Dr. Lee is disabled and signed out everywhere.").wait_for()
    assert "Disabled" in page.get_by_role("row").filter(has_text=email).inner_text()
    token = app.test_client().post(
        "/api/v1/auth/token", json={"email": email, "password": PASSWORD}
    )
    assert token.status_code == 401
    other = laptop.context.browser.new_context(**LAPTOP, base_url=laptop.server.url)
    therapist = Phone(other, other.new_page(), laptop.server)
    sign_in(therapist, email).get_by_text("This account has been disabled.").wait_for()
    other.close()
    page.get_by_role("button", name="Enable Dr. Lee").click()
    page.get_by_text("Dr. Lee can sign in again.").wait_for()
    # The admin edits too: the editor's tabs are there.
    page.get_by_role("link", name="Scripts").click()
    page.get_by_role("heading", name="Scripts").wait_for()


def test_the_editor_keeps_unsaved_text_shows_warnings_and_says_when_a_script_is_missing(
    laptop, make_user
):
    editor = make_user(Role.EDITOR, password=PASSWORD)
    page = sign_in(laptop, editor.email)
    page.get_by_role("heading", name="Scripts").wait_for()
    page.get_by_role("link", name="New script").click()
    replace_source(page, BROKEN)
    page.get_by_text("2 problems to fix.").wait_for()
    page.get_by_role("link", name="Scripts").click()
    page.get_by_role("heading", name="Scripts").wait_for()
    page.get_by_role("link", name="New script").click()
    page.get_by_text("Your unsaved changes are back").wait_for()
    assert page.get_by_label("Script (YAML)").input_value() == BROKEN
    replace_source(page, GOOD.replace("That is all. Thank you.", "That is all"))
    page.get_by_text("No problems. 1 warning to look at.").wait_for()
    warning = page.get_by_role("list", name="Warnings").get_by_role("listitem")
    assert warning.inner_text().startswith("line 11: say text does not end with")
    laptop.open("#/publish/no-such-script/3")
    page.get_by_text("This script or version does not exist").wait_for()
    check(laptop, "missing")


def test_the_staff_screens_pass_axe_in_the_dark_scheme_too(chromium, server, make_user, app):
    admin = make_user(Role.ADMIN, password=PASSWORD)
    saved = app.test_client().post("/api/v1/scripts", json={"source": GOOD}, headers=admin.headers)
    number = saved.json["version"]
    context = chromium.browser.new_context(**LAPTOP, color_scheme="dark", base_url=server.url)
    laptop = Phone(context, context.new_page(), server)
    page = sign_in(laptop, admin.email)
    page.get_by_role("heading", name="Staff accounts").wait_for()
    check(laptop, "dark-staff")
    page.get_by_role("link", name="Scripts").click()
    page.get_by_role("link", name="An evening settle", exact=True).wait_for()
    check(laptop, "dark-scripts")
    page.get_by_role("link", name="New script").click()
    replace_source(page, BROKEN)
    page.get_by_text("2 problems to fix.").wait_for()
    check(laptop, "dark-script-errors")
    laptop.open(f"#/recordings/evening-settle/{number}")
    page.get_by_role("heading", name="Recordings: An evening settle").wait_for()
    check(laptop, "dark-recordings")
    laptop.open(f"#/publish/evening-settle/{number}")
    page.get_by_role("heading", name="Version history").wait_for()
    check(laptop, "dark-publish")
    context.close()


def test_staff_screens_on_a_tablet_fit_without_sideways_scrolling(chromium, server, make_user):
    tablet = {"width": 820, "height": 1180}
    context = chromium.browser.new_context(viewport=tablet, base_url=server.url)
    page = context.new_page()
    editor = make_user(Role.EDITOR, password=PASSWORD)
    page.goto(f"{server.url}/#/signin")
    page.get_by_label("Email").fill(editor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Scripts").wait_for()
    page.goto(f"{server.url}/#/script/new")
    page.get_by_text("No problems found.").wait_for()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "staff-tablet-script.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    context.close()
