"""HTTP delivery of stored audio: a presigned redirect for S3, the file itself (with Range,
ETag and caching) for local storage."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import redirect, request, send_file
from flask_smorest import abort
from werkzeug.http import parse_range_header
from werkzeug.wrappers import Response

from api.models import Recording, Rendition
from api.storage.base import Storage

log = logging.getLogger("interlude.delivery")

OCTET_STREAM = "application/octet-stream"
IMMUTABLE = "public, max-age=31536000, immutable"
# The audio URL without a fingerprint can change meaning when a new version is published.
REVALIDATE = "public, max-age=300"


def deliver_audio(
    storage: Storage, rendition: Rendition, *, fingerprinted: bool, published: bool = True
) -> Response:
    url = storage.presigned_url(rendition.key, content_type=rendition.mime)
    if url is not None:
        response = redirect(url, code=302)
        # The presigned URL stays the same for a while, so phones may reuse the redirect.
        response.headers["Cache-Control"] = "private, max-age=600"
        return response
    path = storage.local_path(rendition.key)
    if path is None or not path.is_file():
        log.error("rendition %s is missing from storage", rendition.key)
        abort(503, message="The audio file is missing from storage; it has been logged.")
        raise AssertionError("unreachable")
    response = _send_local(path, rendition)
    if not published:
        response.headers["Cache-Control"] = "no-store"  # a draft preview
    else:
        response.headers["Cache-Control"] = IMMUTABLE if fingerprinted else REVALIDATE
    return response


def _send_local(path: Path, rendition: Rendition) -> Response:
    size = path.stat().st_size
    header = request.headers.get("Range")
    if header is not None:
        ranges = parse_range_header(header)
        if ranges is None or ranges.units != "bytes":
            abort(
                416,
                message=f"Range '{header}' is not a byte range like 'bytes=0-1023'.",
                headers={"Content-Range": f"bytes */{size}"},
            )
        if ranges is not None and len(ranges.ranges) == 1 and ranges.range_for_length(size) is None:
            abort(
                416,
                message=f"Range '{header}' lies outside the {size} bytes of this file.",
                headers={"Content-Range": f"bytes */{size}"},
            )
    # Generated clients read only JSON, text and application/octet-stream as typed bodies; one
    # that asks for octet-stream gets the same bytes labelled so. Browsers get the audio type.
    mimetype = request.accept_mimetypes.best_match([rendition.mime, OCTET_STREAM])
    response = send_file(
        path,
        mimetype=mimetype or rendition.mime,
        conditional=True,
        etag=rendition.sha256,
        max_age=None,
        last_modified=None,
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response


def deliver_recording(storage: Storage, recording: Recording) -> Response:
    """An uploaded narration for an editor to hear: a presigned redirect (S3), else the file.
    Private and never cached: it belongs to a draft."""
    name = recording.filename or f"{recording.segment_id}.audio"
    url = storage.presigned_url(recording.key, content_type=OCTET_STREAM, filename=name)
    if url is not None:
        response = redirect(url, code=302)
    else:
        try:
            stream = storage.open(recording.key)
        except FileNotFoundError:
            log.error("recording %s is missing from storage", recording.key)
            abort(503, message="The recording is missing from storage; it has been logged.")
            raise AssertionError("unreachable") from None
        response = send_file(stream, mimetype=OCTET_STREAM, download_name=name, max_age=None)
    response.headers["Cache-Control"] = "private, no-store"
    return response
