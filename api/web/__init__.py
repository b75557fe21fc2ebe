"""The web app (PWA) at `/`: the page, the manifest, the service worker and the assets.

Every file under `static/` is read once, at start. The set gets one fingerprint (a hash of
every file), so the assets live at `/app/<fingerprint>/...` with immutable caching and their
relative imports keep working; the page and the service worker name that fingerprint, so a
new release is a new service worker, which the browser notices on its next check. Text files
are compressed once (brotli and gzip) and handed out as the browser accepts them."""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import brotli
from flask import Blueprint, Flask, Response, abort, request
from werkzeug.wrappers import Response as BaseResponse

from api.registry import app_services
from api.storage.base import Storage

STATIC_DIR = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
# The page, the manifest and the service worker are checked on every load (cheaply, by ETag).
REVALIDATE = "no-cache"
TEXT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
}
# Rendered from templates with the fingerprint filled in; everything in app/ is served as is.
TEMPLATES = ("index.html", "manifest.webmanifest", "sw.js")

blp = Blueprint("web", __name__)


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str
    gzip: bytes | None = None
    brotli: bytes | None = None


def _asset(body: bytes, suffix: str) -> Asset:
    content_type = TEXT_TYPES.get(suffix) or (
        mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
    )
    etag = hashlib.sha256(body).hexdigest()[:32]
    if suffix not in TEXT_TYPES:  # PNGs are compressed already
        return Asset(body, content_type, etag)
    return Asset(
        body,
        content_type,
        etag,
        gzip=gzip.compress(body, compresslevel=9, mtime=0),
        brotli=brotli.compress(body, quality=11),
    )


class WebApp:
    """The files of one release, ready to serve."""

    def __init__(self, folder: Path, *, media_origins: tuple[str, ...] = ()) -> None:
        files = {
            path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.name.startswith(".")
        }
        missing = [name for name in TEMPLATES if name not in files]
        if missing:
            raise FileNotFoundError(f"the web app folder {folder} lacks {', '.join(missing)}")
        digest = hashlib.sha256()
        for name, body in files.items():
            digest.update(f"{name}\0{hashlib.sha256(body).hexdigest()}\0".encode())
        self.fingerprint = digest.hexdigest()[:16]
        self.base = f"/app/{self.fingerprint}"
        self.media_origins = media_origins
        self.assets = {
            name[len("app/") :]: _asset(body, Path(name).suffix)
            for name, body in files.items()
            if name.startswith("app/")
        }
        precache = ["/", "/manifest.webmanifest"] + [
            f"{self.base}/{name}"
            for name in self.assets
            if not name.startswith(("icons/maskable", "staff/"))  # staff screens: not on phones
        ]
        values = {
            "%APP%": self.base,
            "%VERSION%": self.fingerprint,
            "%PRECACHE%": json.dumps(precache),
        }
        self.pages = {
            name: _asset(_fill(files[name].decode(), values).encode(), Path(name).suffix)
            for name in TEMPLATES
        }

    def page_csp(self) -> str:
        media = " ".join(("'self'", *self.media_origins))
        return "; ".join(
            [
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self'",
                # blob: for an editor's previews: a draft's audio needs the editor's token, so
                # the page fetches it and plays the Blob (docs/staff.md)
                f"media-src {media} blob:",
                f"connect-src {media}",
                "manifest-src 'self'",
                "worker-src 'self'",
                "base-uri 'none'",
                "form-action 'self'",
                "frame-ancestors 'none'",
                # No string may become markup or script: the app builds DOM, never HTML text.
                "require-trusted-types-for 'script'",
                "trusted-types interlude",
            ]
        )

    def worker_csp(self) -> str:
        media = " ".join(("'self'", *self.media_origins))
        return f"default-src 'none'; connect-src {media}"


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def media_origins(storage: object) -> tuple[str, ...]:
    """Where the audio may come from besides this origin: with S3 storage, the origin of
    its presigned URLs (a redirect target the page's CSP must allow for <audio> and for
    downloads)."""
    presign = getattr(storage, "presigned_url", None)
    url = presign("csp-probe") if presign else None
    if not url:
        return ()
    parts = urlsplit(url)
    return (f"{parts.scheme}://{parts.netloc}",)


def init_web(app: Flask, storage: Storage) -> WebApp:
    """The web app's files (WEB_DIR, or the package's), with its routes registered."""
    folder = Path(app.config.get("WEB_DIR") or STATIC_DIR)
    web = WebApp(folder, media_origins=media_origins(storage))
    app.register_blueprint(blp)
    return web


def _web() -> WebApp:
    return app_services().web


def _send(asset: Asset, cache_control: str, csp: str | None = None) -> BaseResponse:
    accepted = request.accept_encodings
    body, encoding = asset.body, None
    if asset.brotli is not None and accepted["br"]:
        body, encoding = asset.brotli, "br"
    elif asset.gzip is not None and accepted["gzip"]:
        body, encoding = asset.gzip, "gzip"
    response = Response(body, content_type=asset.content_type)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if asset.gzip is not None:
        response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.etag}-{encoding}" if encoding else asset.etag)
    response.headers["Cache-Control"] = cache_control
    if csp:
        response.headers["Content-Security-Policy"] = csp
    return response.make_conditional(request)


@blp.route("/")
def index() -> BaseResponse:
    web = _web()
    return _send(web.pages["index.html"], REVALIDATE, web.page_csp())


@blp.route("/manifest.webmanifest")
def manifest() -> BaseResponse:
    return _send(_web().pages["manifest.webmanifest"], REVALIDATE)


@blp.route("/sw.js")
def service_worker() -> BaseResponse:
    web = _web()
    return _send(web.pages["sw.js"], REVALIDATE, web.worker_csp())


@blp.route("/app/<fingerprint>/<path:name>")
def asset(fingerprint: str, name: str) -> BaseResponse:
    web = _web()
    found = web.assets.get(name)
    if fingerprint != web.fingerprint or found is None:
        # An old release's file: the service worker of that release has it cached.
        abort(404)
    return _send(found, IMMUTABLE)
