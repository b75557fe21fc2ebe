"""Scenario 6: a deploy of new assets reaches a returning, installed client without anyone
clearing anything, and never swaps the app in the middle of a practice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.web import STATIC_DIR
from tests.e2e.conftest import new_email, sign_up, start_practice, wait_for_audio, wait_until

RELEASE = "document.querySelector('script[type=module]').src.split('/')[4]"


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release") / "web"
    shutil.copytree(STATIC_DIR, folder)
    return folder


@pytest.fixture(scope="module")
def server_env(web_dir: Path) -> dict[str, str]:
    return {"INTERLUDE_WEB_DIR": str(web_dir)}


def deploy(phone, web_dir: Path, change: str) -> None:
    css = web_dir / "app" / "app.css"
    css.write_text(css.read_text() + f"\n/* {change} */\n")
    phone.server.restart()


def test_a_new_release_is_picked_up_by_a_returning_client(phone, web_dir):
    page = phone.open()
    sign_up(page, new_email())
    wait_until(page, "navigator.serviceWorker.controller !== null")
    first = page.evaluate(RELEASE)
    deploy(phone, web_dir, "release two")
    page.reload()  # the installed app opens from its cache, then finds the new worker
    wait_until(page, f"{RELEASE} !== '{first}'", 20)
    assert "release two" in page.evaluate(
        "fetch(document.querySelector('link[rel=stylesheet]').href).then(r => r.text())"
    )


def test_a_new_release_waits_until_the_practice_is_over(phone, web_dir):
    page = phone.open()
    sign_up(page, new_email())
    wait_until(page, "navigator.serviceWorker.controller !== null")
    start_practice(page)
    first = page.evaluate(RELEASE)
    deploy(phone, web_dir, "release three")
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    page.get_by_text("A new version of Interlude is ready").wait_for()
    wait_for_audio(page, 3)  # still playing, still the same app
    assert page.evaluate(RELEASE) == first
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Done").click()
    wait_until(page, f"{RELEASE} !== '{first}'", 20)
