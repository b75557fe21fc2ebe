"""The web app on a phone on a slow network: Chromium with DevTools' Fast 3G profile.

    .venv/bin/python bench/web.py [--rounds 3]

Builds a throwaway instance (SQLite, `flask db upgrade`, one 10-minute exercise rendered as AAC
by `flask content sync`), starts gunicorn with infra/gunicorn.conf.py on a loopback port and
drives Debian's Chromium (/usr/bin/chromium) at a Pixel 7's size with network emulation
(Network.emulateNetworkConditions: 562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up, as
DevTools' Fast 3G). Each figure is the median of the rounds, each round in a fresh browser
context with the HTTP cache off (a first visit) unless it says "installed":

  start page        signed out, cold: navigation to the "Sign up" form ready to type in
  Library (cold)    signed in, nothing cached: navigation to the exercise cards on screen
  Library (installed) the same with the service worker and its caches in place
  JS+CSS            bytes on the wire for the start page's scripts and styles, and for the
                    whole app (every module, brotli) against the budget
  Play -> audio     pressing Play on the 10-minute AAC variant (not downloaded) until the
                    audio's currentTime advances
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from tests.live import LiveServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
    "uploadThroughput": 750 * 1024 / 8 * 0.9,
}
TARGETS = {"start": 3.0, "library": 4.0, "installed": 1.0, "play": 1.5, "budget": 60_000}
PASSWORD = "a calm and quiet pond"
SCRIPT = textwrap.dedent(
    """\
    slug: ten-quiet-minutes
    title: Ten quiet minutes
    kind: mindfulness
    summary: A long, slow settling, with room to rest.
    language: en
    lengths: [10]
    segments:
      - {say: Find a way to sit or lie that lets you be still., id: settle}
      - breathe: {pattern: [4, 2, 6, 0], cycles: 6, cue: tone}
      - pause: {min: 10s, weight: 3}
      - {say: Notice the breath moving by itself., id: notice}
      - pause: {min: 10s, weight: 3}
      - {say: "When you are ready, let your eyes open.", id: end}
    """
)


def build_instance(folder: Path) -> dict[str, str]:
    (folder / "content").mkdir(parents=True)
    (folder / "content" / "ten-quiet-minutes.yaml").write_text(SCRIPT)
    env = {
        **os.environ,
        "INTERLUDE_INSTANCE_DIR": str(folder),
        "INTERLUDE_DATABASE_URL": f"sqlite:///{folder / 'interlude.db'}",
        "INTERLUDE_STORAGE_URL": (folder / "media").as_uri(),
        "INTERLUDE_CONTENT_DIR": str(folder / "content"),
        "INTERLUDE_RENDER_FORMATS": "aac",
        "INTERLUDE_LOG_LEVEL": "WARNING",
    }
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "api"]
    for command in (["db", "upgrade"], ["content", "sync", "--jobs", "1"]):
        done = subprocess.run([*flask, *command], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return env


def sign_up(url: str, email: str) -> None:
    body = json.dumps({"email": email, "password": PASSWORD, "timezone": "UTC"}).encode()
    request = urllib.request.Request(
        f"{url}/api/v1/auth/register", body, {"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request).close()


def whole_app_bytes(url: str) -> int:
    page = urllib.request.urlopen(f"{url}/sw.js").read().decode()
    precache = json.loads(page.split("const PRECACHE = ", 1)[1].split(";", 1)[0])
    total = 0
    for path in precache:
        if path.endswith((".js", ".css")):
            request = urllib.request.Request(f"{url}{path}", headers={"Accept-Encoding": "br"})
            with urllib.request.urlopen(request) as response:
                total += len(response.read())
    return total


class Phone:
    """One browser context with Fast 3G and (unless installed) no HTTP cache."""

    def __init__(self, browser, device, url: str, *, cache: bool = False) -> None:
        self.context = browser.new_context(**device, base_url=url)
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": not cache})
        self.wire: dict[str, list] = {}
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)

    def throttle(self) -> None:
        self.cdp.send("Network.emulateNetworkConditions", FAST_3G)

    def unthrottle(self) -> None:
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

    def _response(self, event) -> None:
        self.wire[event["requestId"]] = [event["type"], 0]

    def _finished(self, event) -> None:
        if event["requestId"] in self.wire:
            self.wire[event["requestId"]][1] = event["encodedDataLength"]

    def script_and_style_bytes(self) -> int:
        return sum(size for kind, size in self.wire.values() if kind in ("Script", "Stylesheet"))

    def since_navigation(self) -> float:
        return float(self.page.evaluate("performance.now()")) / 1000

    def close(self) -> None:
        self.context.close()


def sign_in(page, email: str) -> None:
    page.goto("/#/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Hello").wait_for()


def start_page(browser, device, url: str) -> tuple[float, int]:
    phone = Phone(browser, device, url)
    phone.throttle()
    phone.page.goto("/", wait_until="commit")
    phone.page.get_by_label("Email").wait_for()
    seconds = phone.since_navigation()
    phone.page.wait_for_timeout(3000)  # any module still arriving is counted too
    wire = phone.script_and_style_bytes()
    phone.close()
    return seconds, wire


def library(browser, device, url: str, email: str) -> tuple[float, float]:
    phone = Phone(browser, device, url, cache=True)
    page = phone.page
    sign_in(page, email)
    # Forget everything but the session (the cookie and the saved profile): a first visit.
    page.evaluate(
        """async () => {
          for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
          for (const name of await caches.keys()) await caches.delete(name);
        }"""
    )
    phone.cdp.send("Network.clearBrowserCache")
    phone.throttle()
    page.goto("about:blank")
    page.goto("/#/library", wait_until="commit")
    page.get_by_role("link", name="Ten quiet minutes").wait_for()
    cold = phone.since_navigation()
    for _ in range(600):  # installed: the worker controls the page, its caches are filled
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            break
        page.wait_for_timeout(100)
    page.reload(wait_until="commit")
    page.get_by_role("link", name="Ten quiet minutes").wait_for()
    installed = phone.since_navigation()
    phone.close()
    return cold, installed


def play(browser, device, url: str, email: str) -> float:
    phone = Phone(browser, device, url)
    page = phone.page
    sign_in(page, email)
    phone.throttle()
    page.goto("/#/play/ten-quiet-minutes/10")
    page.get_by_role("button", name="Play").wait_for()
    page.wait_for_timeout(3000)  # the person reads the screen before pressing Play
    page.evaluate(
        """() => {
          const audio = document.querySelector('audio');
          window.benchPlay = {};
          document.querySelector('[data-action=play]').addEventListener(
            'click', () => { window.benchPlay.pressed = performance.now(); }, {capture: true});
          audio.addEventListener('timeupdate', () => {
            if (audio.currentTime > 0 && !window.benchPlay.advancing)
              window.benchPlay.advancing = performance.now();
          });
        }"""
    )
    page.get_by_role("button", name="Play").click()
    for _ in range(600):
        timing = page.evaluate("window.benchPlay")
        if timing.get("advancing"):
            break
        page.wait_for_timeout(20)
    phone.close()
    return (timing["advancing"] - timing["pressed"]) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"bench/web.py needs Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="interlude-web-bench-") as tmp:
        folder = Path(tmp)
        print("rendering a 10-minute exercise (AAC) into a throwaway instance ...", flush=True)
        env = build_instance(folder)
        server = LiveServer(
            database_url=env["INTERLUDE_DATABASE_URL"],
            instance_dir=folder,
            storage_url=env["INTERLUDE_STORAGE_URL"],
            log_path=folder / "server.log",
        ).start()
        try:
            email = "bench@example.org"
            sign_up(server.url, email)
            whole = whole_app_bytes(server.url)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                device = playwright.devices["Pixel 7"]
                starts, wires, colds, warms, plays = [], [], [], [], []
                for number in range(1, args.rounds + 1):
                    print(f"round {number} of {args.rounds} ...", flush=True)
                    seconds, wire = start_page(browser, device, server.url)
                    starts.append(seconds)
                    wires.append(wire)
                    cold, warm = library(browser, device, server.url, email)
                    colds.append(cold)
                    warms.append(warm)
                    plays.append(play(browser, device, server.url, email))
                browser.close()
        finally:
            server.stop()

    def line(name: str, values: list[float], target: float, unit: str = "s") -> None:
        median = statistics.median(values)
        verdict = "ok" if median <= target else "OVER"
        each = ", ".join(f"{v:.2f}" for v in values)
        limit = f"target <= {target:g} {unit}"
        print(f"  {name:28} {median:7.2f} {unit}  {limit}  {verdict}   ({each})")

    print(f"\nFast 3G (562.5 ms RTT, 1.44 Mbit/s down), Pixel 7, median of {args.rounds} rounds")
    line("signed-out start page", starts, TARGETS["start"])
    line("Library, first visit", colds, TARGETS["library"])
    line("Library, installed (SW)", warms, TARGETS["installed"])
    line("Play -> audio advancing", plays, TARGETS["play"])
    start_kb = statistics.median(wires) / 1000
    print(f"  {'JS+CSS, start page':28} {start_kb:7.1f} KB on the wire (HTTP/1.1 + brotli)")
    verdict = "ok" if whole <= TARGETS["budget"] else "OVER"
    print(
        f"  {'JS+CSS, the whole app':28} {whole / 1000:7.1f} KB brotli  "
        f"target <= {TARGETS['budget'] / 1000:g} KB  {verdict}"
    )


if __name__ == "__main__":
    main()
