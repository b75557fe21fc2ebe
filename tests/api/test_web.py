"""The web app's files: the page with its own strict CSP, fingerprinted assets with
immutable caching and compression, the service worker at /, the manifest and its icons."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import struct
from pathlib import Path

import brotli

from api.registry import app_services
from api.storage.s3 import S3Storage
from api.web import STATIC_DIR, WebApp, media_origins

BUDGET_BYTES = 60_000  # JS + CSS of the whole app, compressed


def web(app) -> WebApp:
    return app_services(app).web


def test_the_page_is_served_at_the_root_with_a_strict_csp(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["require-trusted-types-for"] == "'script'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]


def test_the_page_has_no_inline_script_style_or_handlers():
    page = (STATIC_DIR / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)


def test_the_code_never_turns_text_into_markup_or_script():
    for path in (STATIC_DIR / "app").rglob("*.js"):
        code = path.read_text()
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert sink not in code, f"{path.name} uses {sink}"
        assert 'setAttribute("style"' not in code


def test_every_asset_the_page_names_is_served_immutable(client, app):
    page = client.get("/").get_data(as_text=True)
    urls = set(re.findall(r'(?:href|src)="(/app/[^"]+)"', page))
    assert f"/app/{web(app).fingerprint}/main.js" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_assets_are_compressed_as_the_browser_accepts(client, app):
    url = f"/app/{web(app).fingerprint}/main.js"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.mimetype == "text/javascript"
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    best = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert best.headers["Content-Encoding"] == "br"
    assert brotli.decompress(best.data) == plain.data
    assert "Accept-Encoding" in best.headers["Vary"]
    assert best.headers["ETag"] != plain.headers["ETag"]  # each encoding its own validator


def test_an_unchanged_page_answers_304(client):
    etag = client.get("/").headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_an_old_releases_asset_is_404_not_todays_file(client):
    assert client.get("/app/0123456789abcdef/main.js").status_code == 404
    assert client.get(f"/app/{'x' * 16}/../config.py").status_code == 404


def test_the_service_worker_names_this_release_and_its_shell(client, app):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    code = response.get_data(as_text=True)
    fingerprint = web(app).fingerprint
    assert f'const VERSION = "{fingerprint}"' in code
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", code).group(1))
    assert "/" in precache and f"/app/{fingerprint}/main.js" in precache
    assert f"/app/{fingerprint}/views/player.js" in precache


def test_a_changed_file_is_a_new_release(tmp_path):
    copy = tmp_path / "web"
    shutil.copytree(STATIC_DIR, copy)
    before = WebApp(copy).fingerprint
    (copy / "app" / "app.css").write_text((copy / "app" / "app.css").read_text() + "\n/* 2 */\n")
    after = WebApp(copy)
    assert after.fingerprint != before
    assert f'"{after.fingerprint}"' in after.pages["sw.js"].body.decode()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.json if response.is_json else json.loads(response.data)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/") and manifest["scope"] == "/"
    assert manifest["name"] and manifest["short_name"]
    assert manifest["theme_color"] and manifest["background_color"]
    found = {}
    for icon in manifest["icons"]:
        data = client.get(icon["src"]).data
        width, height = png_size(data)
        assert f"{width}x{height}" == icon["sizes"]
        found.setdefault(icon["purpose"], set()).add(width)
    assert found == {"any": {192, 512}, "maskable": {512}}


def test_the_whole_app_fits_its_budget(app):
    assets = web(app).assets
    total = sum(len(a.brotli or b"") for n, a in assets.items() if n.endswith((".js", ".css")))
    assert total <= BUDGET_BYTES, f"{total} bytes of JS and CSS, compressed"


def test_the_api_keeps_its_own_csp(client):
    assert client.get("/api/v1/support").headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )


def test_with_s3_the_page_may_play_and_download_audio_from_the_bucket():
    storage = S3Storage(
        "media-bucket",
        "audio",
        endpoint_url="https://s3.example.net:9000",
        access_key="k",
        secret_key="s",
    )
    origins = media_origins(storage)
    assert origins == ("https://s3.example.net:9000",)
    csp = WebApp(STATIC_DIR, media_origins=origins).page_csp()
    assert "media-src 'self' https://s3.example.net:9000" in csp
    assert "connect-src 'self' https://s3.example.net:9000" in csp


def test_local_storage_needs_no_other_origin(app):
    assert media_origins(app_services(app).storage) == ()


def test_web_dir_setting_serves_another_folder(tmp_path):
    from api import create_app
    from api.config import TestConfig

    copy = tmp_path / "web"
    shutil.copytree(STATIC_DIR, copy)
    app = create_app({**TestConfig(tmp_path).as_mapping(), "WEB_DIR": str(copy)})
    assert web(app).fingerprint == WebApp(Path(copy)).fingerprint
