"""Browser tests: Debian's Chromium driven by Playwright at a phone's size (Pixel 7, touch),
against a real gunicorn on the test database, with exercises rendered from real scripts.

One browser for the session and one server per module keep them fast. The published
exercises stay for the whole module (the other tables are emptied after each test as
everywhere else). Screenshots go to INTERLUDE_TEST_ARTEFACTS, by default
interlude-e2e-artefacts/ in the system's temporary folder, never into the checkout."""

from __future__ import annotations

import os
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from api.extensions import db
from api.ratelimit import limiter
from api.registry import app_services
from api.services import library
from api.services.rendering import RenderSettings
from tests.live import LiveServer

CHROMIUM = Path(os.environ.get("INTERLUDE_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = Path(
    os.environ.get(
        "INTERLUDE_TEST_ARTEFACTS", str(Path(tempfile.gettempdir()) / "interlude-e2e-artefacts")
    )
)
ARTEFACTS.mkdir(parents=True, exist_ok=True)
CONTENT_TABLES = {"exercises", "exercise_versions", "variants", "renditions", "recordings", "jobs"}
PASSWORD = "a calm and quiet pond"

BREATHING = textwrap.dedent(
    """\
    slug: calm-breath
    title: A calm breath
    kind: breathing
    summary: Slow breathing, in for four and out for six.
    language: en
    lengths: [1]
    segments:
      - {say: Let us breathe together for a moment., id: intro}
      - breathe: {pattern: [4, 2, 6, 0], cycles: 4, cue: tone}
      - pause: {min: 1s, weight: 1}
      - {say: Thank you for taking this time., id: outro}
    """
)
GROUNDING = textwrap.dedent(
    """\
    slug: five-senses
    title: Five senses
    kind: grounding
    summary: Notice what is around you, one sense at a time.
    language: en
    lengths: [1]
    segments:
      - {say: Notice five things you can see., id: see}
      - pause: {min: 2s, weight: 1}
      - {say: Notice what you can hear., id: hear}
      - pause: {min: 2s, weight: 1}
    """
)


@dataclass
class Chromium:
    browser: Any
    phone: dict[str, Any]  # Playwright's Pixel 7: viewport, touch, user agent


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield Chromium(browser, playwright.devices["Pixel 7"])
        browser.close()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """As in tests/conftest.py, but the module's published exercises stay."""
    yield
    app: Flask = request.getfixturevalue("app")
    empty_tables(app, keep=CONTENT_TABLES)


def empty_tables(app: Flask, keep: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in keep:
                    connection.execute(table.delete())
        limiter.reset()


@pytest.fixture(scope="module")
def catalog(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two published exercises with AAC and Opus renditions, for the whole module."""
    folder = tmp_path_factory.mktemp("scripts")
    settings = RenderSettings.from_config({**app.config, "RENDER_FORMATS": "aac,opus"})
    slugs = []
    for name, source in (("calm-breath", BREATHING), ("five-senses", GROUNDING)):
        path = folder / f"{name}.yaml"
        path.write_text(source)
        with app.app_context():
            outcome = library.sync_file(db.session, app_services(app).storage, settings, path)
            assert outcome.action != library.SyncAction.FAILED, outcome.message
            slugs.append(outcome.slug)
    yield slugs
    empty_tables(app)


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """More settings for the module's server (a module may override this fixture)."""
    return {}


@pytest.fixture(scope="module")
def server(
    app: Flask,
    tmp_path_factory: pytest.TempPathFactory,
    catalog: list[str],
    server_env: dict[str, str],
) -> Iterator[LiveServer]:
    """gunicorn for the module, on the test database; limits raised so that many sign-ups
    from one address in a minute are not refused, and no catalog cache across tests."""
    live = LiveServer(
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
        instance_dir=Path(app.instance_path),
        storage_url=app.config["STORAGE_URL"],
        log_path=tmp_path_factory.mktemp("gunicorn") / "server.log",
        workers=1,
        threads=8,
        env={
            "INTERLUDE_CATALOG_CACHE_SECONDS": "0",
            "INTERLUDE_TOKEN_RATE_LIMIT_ADDRESS": "1000/minute",
            "INTERLUDE_TOKEN_RATE_LIMIT_ACCOUNT": "1000/minute",
            "INTERLUDE_INVITE_RATE_LIMIT": "1000/hour",
            "INTERLUDE_REGISTER_RATE_LIMIT_ADDRESS": "1000/minute",
            **server_env,
        },
    )
    live.start()
    yield live
    live.stop()


@dataclass
class Phone:
    """A browser context at a phone's size, and its first page."""

    context: Any
    page: Any
    server: LiveServer

    def open(self, hash_route: str = "") -> Any:
        self.page.goto(f"{self.server.url}/{hash_route}")
        return self.page

    def shoot(self, name: str) -> Path:
        """What the phone's screen shows (name.png) and the whole page (name-full.png)."""
        ARTEFACTS.mkdir(exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), scale="css")
        self.page.screenshot(path=str(ARTEFACTS / f"{name}-full.png"), full_page=True, scale="css")
        return path


@pytest.fixture
def make_phone(chromium: Chromium, server: LiveServer) -> Iterator[Callable[..., Phone]]:
    """`make_phone(reduced_motion="reduce")` -> a new phone (its own storage and worker)."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(**options: Any) -> Phone:
        context = chromium.browser.new_context(**{**chromium.phone, **options}, base_url=server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return Phone(context, page, server)

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}\n{server.log_tail()}"


@pytest.fixture
def phone(make_phone: Callable[..., Phone]) -> Phone:
    return make_phone()


_counter = iter(range(1, 1_000_000))


def new_email() -> str:
    return f"person{next(_counter)}.{os.getpid()}@example.org"


def sign_up(page: Any, email: str, password: str = PASSWORD, name: str = "Sam") -> None:
    page.get_by_label("What should we call you?").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name=f"Hello, {name}").wait_for()


def start_practice(page: Any, title: str = "A calm breath", seconds: float = 1) -> None:
    """From any screen: Library, the exercise, Play, until the audio passes `seconds`."""
    page.get_by_role("link", name="Library").click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Play").click()
    wait_for_audio(page, seconds)


def audio_time(page: Any) -> float:
    return float(page.evaluate("document.querySelector('audio').currentTime"))


def wait_until(page: Any, expression: str, timeout: float = 15.0) -> Any:
    """Poll a JavaScript expression until it is truthy. (Playwright's wait_for_function
    evaluates text in the page, which the app's CSP rightly forbids.)"""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except Error as error:  # the page navigated (a reload) while we asked
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.1)


AUDIO_STATE = """(() => { const a = document.querySelector('audio'); return a && {
  src: a.currentSrc, paused: a.paused, time: a.currentTime, ready: a.readyState,
  network: a.networkState, error: a.error && a.error.message }; })()"""


def wait_for_audio(page: Any, seconds: float) -> None:
    try:
        wait_until(page, f"document.querySelector('audio')?.currentTime > {seconds}")
    except AssertionError as error:  # say what the element was doing, for a failure report
        raise AssertionError(f"{error}; the audio element: {page.evaluate(AUDIO_STATE)}") from None
