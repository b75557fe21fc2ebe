"""The therapist's screens at a laptop's size (1280×800) beside a client's phone, on a real
server: inviting (scenario 1, and by mail), prescribing and seeing it done (scenario 2), the
summary and its print preview (scenario 3), axe on every therapist screen, and the client's
agenda."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from api.models import Role
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.e2e.conftest import (
    ARTEFACTS,
    Chromium,
    Phone,
    new_email,
    sign_up,
    wait_until,
)
from tests.e2e.test_password_reset import mail_from_outbox, plain_text
from tests.e2e.test_practice import sign_in_as

LAPTOP = {"viewport": {"width": 1280, "height": 800}}
PRIVATE_NOTE = "The quarrel with Alex is still on my mind"
SHARED_ITEM = "Whether evenings suit me better"
PRIVATE_ITEM = "Something I am not ready to share"


@pytest.fixture
def make_laptop(chromium: Chromium, server) -> Iterator[Callable[..., Phone]]:
    """A browser context at a laptop's size, collecting every response body it receives."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(**options: Any) -> Phone:
        context = chromium.browser.new_context(**{**LAPTOP, **options}, base_url=server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.bodies = []  # type: ignore[attr-defined]

        def keep(response: Any) -> None:
            with contextlib.suppress(Exception):  # a redirect, or a body already gone
                page.bodies.append((response.url, response.text()))  # type: ignore[attr-defined]

        page.on("response", keep)
        return Phone(context, page, server)

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def sign_in(page: Any, email: str, password: str = STAFF_PASSWORD) -> None:
    page.goto(page.url.split("#")[0] + "#/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def therapist_session(make_laptop, make_user) -> tuple[Any, Phone]:
    therapist = make_user(Role.THERAPIST, display_name="Dr. Okafor")
    laptop = make_laptop()
    laptop.open()
    sign_in(laptop.page, therapist.email)
    laptop.page.get_by_role("heading", name="Clients", exact=True).wait_for()
    return therapist, laptop


def shoot(laptop: Phone, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    laptop.page.screenshot(path=str(ARTEFACTS / f"{name}.png"))
    laptop.page.screenshot(path=str(ARTEFACTS / f"{name}-full.png"), full_page=True)


def serious(page: Any) -> list[str]:
    result = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def invite_and_link(laptop: Phone, phone: Phone, *, share_mood: bool, share_notes: bool) -> str:
    """The therapist creates an invitation; the client signs up and accepts it. Returns the
    client's email."""
    page = laptop.page
    page.get_by_role("button", name="Create an invitation").click()
    code = page.locator('[data-role="code"]').inner_text()
    assert page.locator('[data-role="sent"]').inner_text().startswith("Nothing was mailed")
    assert page.locator("svg.qr-code").count() == 1
    assert "Valid until" in page.locator(".invite").inner_text()
    client = phone.open()
    email = new_email()
    sign_up(client, email, name="Robin")
    client.goto(f"{phone.server.url}/#/therapists?code={code}")
    assert client.get_by_label("Invitation code").input_value() == code
    if share_mood:
        client.get_by_label("My mood ratings").check()
    if share_notes:
        client.get_by_label("Notes I choose to share").check()
    client.get_by_role("button", name="Connect").click()
    client.get_by_role("heading", name="Dr. Okafor").wait_for()
    return email


def record(app, email: str, practices: list[dict[str, Any]]) -> None:
    """Practices recorded through the API as the client's app would send them."""
    api = app.test_client()
    headers = sign_in_as(app, email)
    for body in practices:
        response = api.put(f"/api/v1/me/practices/{uuid.uuid4()}", json=body, headers=headers)
        assert response.status_code == 201, response.json


def wait_for_practices(app, email: str, count: int) -> None:
    """Until the client's phone has sent its outbox."""
    api = app.test_client()
    headers = sign_in_as(app, email)
    for _ in range(100):
        if len(api.get("/api/v1/me/practices", headers=headers).json["items"]) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"the phone did not send {count} practices")


def practice(seconds_ago: int = 0, **more: Any) -> dict[str, Any]:
    """A practice started `seconds_ago` (the default: now, so after the link was made)."""
    started = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return {
        "exercise": "calm-breath",
        "started_at": started.isoformat(),
        "duration_seconds": 60,
        "completed": True,
        **more,
    }


# --- scenario 1 -------------------------------------------------------------------------------


def test_the_therapist_sees_mood_and_adherence_and_never_the_private_note(
    therapist_session, make_phone, app
):
    _therapist, laptop = therapist_session
    phone = make_phone()
    email = invite_and_link(laptop, phone, share_mood=True, share_notes=False)
    shoot(laptop, "therapist-invite")

    client = phone.page
    client.get_by_role("link", name="Library").click()
    client.get_by_role("link", name="A calm breath").click()
    client.get_by_role("radio", name="3", exact=True).check()
    client.get_by_role("button", name="Play").click()
    client.wait_for_timeout(1500)
    client.get_by_role("button", name="Finish").click()
    client.get_by_role("radio", name="7", exact=True).check()
    client.get_by_label("A note for yourself").fill(PRIVATE_NOTE)
    client.get_by_role("button", name="Save").click()
    client.get_by_role("heading", name="Saved").wait_for()
    record(app, email, [practice(mood_before=4, mood_after=6, note="Shared? no.", share_note=True)])

    page = laptop.page
    page.reload()
    page.get_by_role("link", name="Robin").click()
    page.get_by_role("heading", name="Mood before and after").wait_for()
    page.locator(".mood-chart circle").first.wait_for()
    assert page.locator(".mood-chart .mood-after").count() == 2
    page.get_by_text("Latest practices").wait_for()
    shoot(laptop, "therapist-client-scenario-1")
    dom = page.content()
    assert PRIVATE_NOTE not in dom and "Shared? no." not in dom
    seen = [url for url, text in page.bodies if PRIVATE_NOTE in text or "Shared? no." in text]  # type: ignore[attr-defined]
    assert seen == [], f"the private note reached the therapist's page in {seen}"
    assert any("/clients/" in url for url, _ in page.bodies)  # type: ignore[attr-defined]


# --- an invitation by mail ---------------------------------------------------------------------


def test_an_invitation_mailed_from_the_clients_screen_opens_on_the_clients_phone(
    therapist_session, make_phone, app
):
    _therapist, laptop = therapist_session
    page = laptop.page
    address = new_email()
    page.get_by_label("Their email address (optional)").fill(address)
    page.get_by_role("button", name="Create an invitation").click()
    sent = page.locator('[data-role="sent"]')
    sent.wait_for()
    assert f"We have mailed this invitation to {address}." in sent.inner_text()
    code = page.locator('[data-role="code"]').inner_text()
    assert page.get_by_label("Their email address (optional)").input_value() == ""
    assert serious(page) == []
    shoot(laptop, "therapist-invite-mailed")

    mail = mail_from_outbox(Path(app.instance_path) / "outbox", address)
    assert "Dr. Okafor" in mail["From"]
    text = plain_text(mail)
    assert code in text.split()
    fragment = re.search(r"/(#/\S+)", text).group(1)  # type: ignore[union-attr]
    assert fragment == f"#/therapists?code={code}"

    phone = make_phone(viewport={"width": 390, "height": 844})
    client = phone.open()
    sign_up(client, address, name="Robin")
    client.goto(f"{phone.server.url}/{fragment}")
    client.get_by_text("Your invitation code is filled in").wait_for()
    assert client.get_by_label("Invitation code").input_value() == code
    client.get_by_role("button", name="Connect").click()
    client.get_by_role("heading", name="Dr. Okafor").wait_for()


def test_an_address_the_api_refuses_is_shown_at_the_field(therapist_session):
    _therapist, laptop = therapist_session
    page = laptop.page
    field = page.get_by_label("Their email address (optional)")
    page.get_by_role("button", name="Create an invitation").click()  # a code first, no mail
    page.locator('[data-role="code"]').wait_for()
    field.fill("robin@example")
    page.get_by_role("button", name="Create an invitation").click()
    error = page.locator('.invite-form [data-error="email"]')
    error.wait_for()
    assert error.inner_text() == "Give an email address, e.g. robin@example.org."
    assert field.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in field.get_attribute("aria-describedby").split()
    assert page.locator('[data-role="code"]').count() == 0  # no code beside the refused address
    assert page.evaluate("document.activeElement.id") == "invite-email"
    assert serious(page) == []
    shoot(laptop, "therapist-invite-refused")

    field.fill("  robin@example.org ")  # spaces around an address are let go
    page.get_by_role("button", name="Create an invitation").click()
    page.locator('[data-role="code"]').wait_for()
    assert error.is_hidden() and field.get_attribute("aria-invalid") is None
    assert "mailed this invitation to robin@example.org." in page.locator(".invite").inner_text()


# --- scenario 2 -------------------------------------------------------------------------------


def test_a_prescription_reaches_today_and_its_practice_shows_in_the_heatmap(
    therapist_session, make_phone, app
):
    _therapist, laptop = therapist_session
    phone = make_phone()
    email = invite_and_link(laptop, phone, share_mood=False, share_notes=False)
    # The client looks at Today before anything is prescribed: the phone keeps the empty plan.
    wait_until(phone.page, "navigator.serviceWorker.controller !== null")
    phone.open().get_by_role("heading", name="Hello, Robin").wait_for()
    page = laptop.page
    page.reload()
    page.get_by_role("link", name="Robin").click()
    page.get_by_text("Prescribe a practice").click()
    form = page.locator("form.prescription-form")
    form.get_by_label("Practice").select_option("calm-breath")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        form.get_by_label(day, exact=True).check()
    form.get_by_label("Time of day (optional)").fill("08:30")
    form.get_by_label("A note to your client (optional)").fill("A gentle start to the day.")
    form.get_by_role("button", name="Prescribe").click()
    page.locator(".rx-list li").first.wait_for()
    assert "Mon, Tue, Wed, Thu, Fri, Sat, Sun" in page.locator(".rx-list").inner_text()

    # The same phone opens the app again: its kept (empty) plan may show first, then the
    # server's plan replaces it.
    client = phone.open()
    client.get_by_text("A gentle start to the day.").wait_for()
    phone.shoot("therapist-prescribed-today")
    record(app, email, [practice()])

    page.reload()
    done = page.locator(".heatmap td.cell.done")
    done.first.wait_for()
    assert done.count() == 1
    assert "1 done" in done.first.get_attribute("title")
    shoot(laptop, "therapist-client")


def test_a_prescription_is_edited_and_ended(therapist_session, make_phone, app):
    _therapist, laptop = therapist_session
    invite_and_link(laptop, make_phone(), share_mood=False, share_notes=False)
    page = laptop.page
    page.reload()
    page.get_by_role("link", name="Robin").click()
    page.get_by_text("Prescribe a practice").click()
    form = page.locator("form.prescription-form")
    form.get_by_role("button", name="Prescribe").click()
    page.get_by_text("Choose at least one day").wait_for()  # a clear message, nothing sent
    form.get_by_label("A number of times a week, any days").check()
    form.get_by_label("Times a week", exact=True).fill("4")
    form.get_by_role("button", name="Prescribe").click()
    page.get_by_text("4 times a week").wait_for()
    page.get_by_role("button", name="Edit A calm breath").click()
    page.locator(".rx-list form").get_by_label("Times a week", exact=True).fill("2")
    page.locator(".rx-list form").get_by_role("button", name="Save changes").click()
    page.get_by_text("2 times a week").wait_for()
    page.get_by_role("button", name="End").click()
    page.get_by_role("button", name="Yes, end it").click()
    page.get_by_text("· ended").wait_for()


# --- scenario 3 -------------------------------------------------------------------------------


def test_the_summary_matches_the_api_and_prints_on_one_or_two_pages(
    therapist_session, make_phone, app
):
    therapist, laptop = therapist_session
    phone = make_phone()
    email = invite_and_link(laptop, phone, share_mood=True, share_notes=True)
    client_api = app.test_client()
    headers = sign_in_as(app, email)
    for text, shared in ((SHARED_ITEM, True), (PRIVATE_ITEM, False)):
        client_api.post("/api/v1/me/agenda", json={"text": text, "shared": shared}, headers=headers)
    prescribed = client_api.post(
        f"/api/v1/clients/{sign_in_as_id(app, email)}/prescriptions",
        json={"exercise": "calm-breath", "schedule": {"per_week": 3},
              "start_date": datetime.now(UTC).date().isoformat()},
        headers=therapist.headers,
    )  # fmt: skip
    assert prescribed.status_code == 201, prescribed.json
    record(app, email, [
        practice(mood_before=3, mood_after=6, note="Lighter after this one.", share_note=True),
        practice(mood_before=5, mood_after=6, note=PRIVATE_NOTE),
    ])  # fmt: skip
    page = laptop.page
    page.reload()
    page.get_by_role("link", name="Robin").click()
    page.get_by_role("link", name="Before the next session").click()
    page.get_by_role("heading", name=re.compile("Before the next session: Robin")).wait_for()
    frm = page.get_by_label("From", exact=True).input_value()
    to = page.get_by_label("To", exact=True).input_value()
    assert (datetime.fromisoformat(to) - datetime.fromisoformat(frm)).days == 13  # two weeks

    client_id = page.url.split("/summary/")[1].split("?")[0]
    body = (
        app.test_client()
        .get(f"/api/v1/clients/{client_id}/summary?from={frm}&to={to}", headers=therapist.headers)
        .json
    )
    assert body["expected"] == 1 and body["done"] == 1  # 3 a week, from today: 3 × 1/7 → 1
    done = page.locator('[data-role="done"]').inner_text()
    assert done.startswith(f"{body['done']} of {body['expected']}")
    row = page.locator(f'tr[data-prescription="{body["prescriptions"][0]["id"]}"]').inner_text()
    assert "3 times a week" in row and "1 of 1" in row
    assert f"{body['practices']} practices" in page.locator('[data-role="practices"]').inner_text()
    assert f"{body['mood']['avg_change']:+.1f}" in page.locator('[data-role="mood"]').inner_text()
    assert page.locator('[data-role="agenda"] li').all_inner_texts() == [SHARED_ITEM]
    dom = page.content()
    assert PRIVATE_ITEM not in dom and PRIVATE_NOTE not in dom
    assert "Lighter after this one." in dom
    shoot(laptop, "therapist-summary")

    for paper in ("A4", "Letter"):
        page.emulate_media(media="print")
        pdf = page.pdf(format=paper, print_background=False)
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert 1 <= pages <= 2, f"{paper}: {pages} pages"
        (ARTEFACTS / f"therapist-summary-{paper}.pdf").write_bytes(pdf)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi: to look at
    page.screenshot(path=str(ARTEFACTS / "therapist-summary-print.png"), full_page=True)
    page.emulate_media(media="screen")


# --- axe ----------------------------------------------------------------------------------------


def test_every_therapist_screen_passes_axe(therapist_session, make_phone, app):
    therapist, laptop = therapist_session
    email = invite_and_link(laptop, make_phone(), share_mood=True, share_notes=True)
    client_id = sign_in_as_id(app, email)
    prescribed = app.test_client().post(
        f"/api/v1/clients/{client_id}/prescriptions",
        json={"exercise": "calm-breath", "schedule": {"days": ["mon", "wed", "fri", "sun"]},
              "start_date": datetime.now(UTC).date().isoformat(), "note": "Before breakfast."},
        headers=therapist.headers,
    )  # fmt: skip
    assert prescribed.status_code == 201, prescribed.json
    record(app, email, [
        practice(mood_before=4, mood_after=7, note="Calmer afterwards.", share_note=True),
        practice(mood_before=3, mood_after=5),
    ])  # fmt: skip
    page = laptop.page
    page.reload()
    page.get_by_role("link", name="Robin").wait_for()
    found = {"clients": serious(page)}
    shoot(laptop, "therapist-clients")
    page.get_by_role("link", name="Robin").click()
    page.get_by_role("heading", name="Mood before and after").wait_for()
    shoot(laptop, "therapist-client-view")
    page.get_by_text("Prescribe a practice").click()
    found["client"] = serious(page)
    page.get_by_role("link", name="Before the next session").click()
    page.get_by_role("heading", name=re.compile("Before the next session:")).wait_for()
    found["summary"] = serious(page)
    assert found == {"clients": [], "client": [], "summary": []}


def test_a_client_on_a_tablet_in_the_dark_scheme_passes_axe(
    make_laptop, make_user, make_phone, app
):
    therapist = make_user(Role.THERAPIST, display_name="Dr. Okafor")
    tablet = make_laptop(viewport={"width": 820, "height": 1180}, color_scheme="dark")
    tablet.open()
    sign_in(tablet.page, therapist.email)
    tablet.page.get_by_role("heading", name="Clients", exact=True).wait_for()
    email = invite_and_link(tablet, make_phone(), share_mood=True, share_notes=True)
    record(app, email, [practice(mood_before=2, mood_after=6, note="Easier.", share_note=True)])
    page = tablet.page
    page.reload()
    page.get_by_role("link", name="Robin").click()
    page.get_by_role("heading", name="Mood before and after").wait_for()
    shoot(tablet, "therapist-client-tablet-dark")
    assert serious(page) == []


def sign_in_as_id(app, email: str) -> str:
    api = app.test_client()
    return api.get("/api/v1/me", headers=sign_in_as(app, email)).json["id"]


# --- the client's agenda ------------------------------------------------------------------------


def test_a_client_keeps_things_to_bring_and_chooses_what_is_shared(phone, app, make_user):
    page = phone.open()
    email = new_email()
    sign_up(page, email, name="Robin")
    page.get_by_role("link", name="Things to bring to my next session").click()
    page.get_by_role("heading", name="Things to bring to my next session").wait_for()
    page.get_by_role("button", name="Add").click()
    page.get_by_text("Write a few words first.").wait_for()
    page.get_by_label("What would you like to talk about?").fill(SHARED_ITEM)
    page.get_by_role("button", name="Add").click()
    page.get_by_text(SHARED_ITEM).wait_for()
    page.get_by_label("What would you like to talk about?").fill(PRIVATE_ITEM)
    page.get_by_label("My therapist may see this").uncheck()
    page.get_by_role("button", name="Add").click()
    page.get_by_text(PRIVATE_ITEM).wait_for()
    page.get_by_label(f"Done: {SHARED_ITEM}").check()
    page.locator(".agenda-item.is-done").wait_for()
    phone.shoot("agenda")
    assert serious(page) == []
    items = app.test_client().get("/api/v1/me/agenda", headers=sign_in_as(app, email)).json
    assert {(i["text"], i["shared"], i["done_at"] is not None) for i in items} == {
        (SHARED_ITEM, True, True),
        (PRIVATE_ITEM, False, False),
    }
    page.get_by_label(f"Delete: {PRIVATE_ITEM}").click()
    page.get_by_text(PRIVATE_ITEM).wait_for(state="detached")
    today_tab = page.get_by_role("link", name="Today", exact=True)
    assert today_tab.get_attribute("aria-current") == "page"


# --- the QR code ----------------------------------------------------------------------------------


def test_the_qr_code_has_the_modules_of_a_reference_encoder(therapist_session):
    import qrcode

    _therapist, laptop = therapist_session
    page = laptop.page
    script = page.locator('script[type="module"]').get_attribute("src")
    for text in ("hi", "http://127.0.0.1:5000/#/therapists?code=" + "x" * 22, "é" * 60 + "z" * 50):
        for mask in range(8):
            ours = page.evaluate(
                "([src, text, mask]) => import(src.replace('main.js', 'staff/qr.js'))"
                ".then((m) => m.qrMatrix(text, mask))",
                [script, text, mask],
            )
            reference = qrcode.QRCode(
                error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask
            )
            reference.add_data(text.encode())
            reference.make(fit=True)
            assert ours == [[bool(m) for m in row] for row in reference.modules], (text, mask)


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.EDITOR, Role.ADMIN])
def test_every_staff_role_signs_out_from_the_navigation(make_laptop, make_user, role):
    person = make_user(role, display_name=f"Sam the {role.value}")
    laptop = make_laptop()
    laptop.open()
    sign_in(laptop.page, person.email)
    nav = laptop.page.get_by_role("navigation", name="Main").filter(has_text="Sign out")
    nav.get_by_text(f"Sam the {role.value}").wait_for()
    nav.get_by_role("button", name="Sign out").click()
    laptop.page.get_by_text("You have signed out.").wait_for()
    assert not laptop.page.locator("#staff-tabs").is_visible()
    laptop.page.goto(laptop.page.url.split("#")[0] + "#/clients")  # a staff screen's address
    laptop.page.get_by_role("heading", name="Sign up").wait_for()  # is not shown signed out
