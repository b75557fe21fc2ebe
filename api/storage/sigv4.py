"""Presigned GET URLs by AWS Signature Version 4 query-string authentication, written from
AWS's public specification ("Authenticating Requests: Using Query Parameters").

botocore's presigner reads the clock itself, so two workers (or one worker a second later)
sign the same object differently and a phone's HTTP cache misses. Signing here takes the
signing time as an argument, which no supported botocore API allows; the algorithm is a
published, versioned protocol, and tests/unit/api/storage/test_sigv4.py checks it against
AWS's own worked example and against a real S3 server."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"  # a GET's URL signs no body


def presign_get(
    url: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    signed_at: datetime,
    expires: int,
    session_token: str | None = None,
    service: str = "s3",
) -> str:
    """`url` (an unsigned GET URL, its path already percent-encoded, its query holding any
    response-* overrides) with the X-Amz-* parameters and signature added."""
    parts = urlsplit(url)
    stamp = signed_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{access_key}/{scope}"),
        ("X-Amz-Date", stamp),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    if session_token:
        query.append(("X-Amz-Security-Token", session_token))
    canonical_query = "&".join(
        f"{name}={value}" for name, value in sorted((_encode(k), _encode(v)) for k, v in query)
    )
    canonical_request = "\n".join(
        [
            "GET",
            parts.path or "/",
            canonical_query,
            f"host:{parts.netloc}\n",  # the canonical headers end with a newline of their own
            "host",
            UNSIGNED_PAYLOAD,
        ]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, stamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _signing_key(secret_key, stamp[:8], region, service)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{parts.scheme}://{parts.netloc}{parts.path}?{canonical_query}&X-Amz-Signature={signature}"
    )


def _encode(text: str) -> str:
    """SigV4's URI encoding: everything but unreserved characters, spaces as %20."""
    return quote(text, safe="-_.~")


def _signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
