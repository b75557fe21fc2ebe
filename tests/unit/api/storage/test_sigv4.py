"""The presigner against AWS's published worked example and against a real S3 server, so a
mistake in the algorithm fails here rather than as a 403 on a phone."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from api.storage import S3Storage
from api.storage.sigv4 import presign_get
from tests.unit.api.storage.test_storage import M4A, fetch

# From "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)" in the
# Amazon S3 API reference: the example GET of examplebucket/test.txt.
AWS_EXAMPLE = {
    "access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "region": "us-east-1",
    "signed_at": datetime(2013, 5, 24, tzinfo=UTC),
    "expires": 86400,
}
AWS_SIGNATURE = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"


def test_the_aws_worked_example_gives_its_published_signature() -> None:
    url = presign_get("https://examplebucket.s3.amazonaws.com/test.txt", **AWS_EXAMPLE)

    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Signature"] == [AWS_SIGNATURE]
    assert query["X-Amz-Credential"] == ["AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"]
    assert query["X-Amz-Date"] == ["20130524T000000Z"]


def test_every_input_changes_the_signature() -> None:
    base = presign_get("https://examplebucket.s3.amazonaws.com/test.txt", **AWS_EXAMPLE)
    variants = [
        presign_get("https://examplebucket.s3.amazonaws.com/test2.txt", **AWS_EXAMPLE),
        presign_get(
            "https://examplebucket.s3.amazonaws.com/test.txt?response-content-type=audio%2Fmp4",
            **AWS_EXAMPLE,
        ),
        presign_get(
            "https://examplebucket.s3.amazonaws.com/test.txt", **{**AWS_EXAMPLE, "expires": 3600}
        ),
        presign_get(
            "https://examplebucket.s3.amazonaws.com/test.txt",
            **{**AWS_EXAMPLE, "signed_at": datetime(2013, 5, 24, 0, 0, 1, tzinfo=UTC)},
        ),
        presign_get(
            "https://examplebucket.s3.amazonaws.com/test.txt", **AWS_EXAMPLE, session_token="t"
        ),
    ]
    signatures = {parse_qs(urlsplit(url).query)["X-Amz-Signature"][0] for url in variants}

    assert len(signatures) == len(variants)
    assert parse_qs(urlsplit(base).query)["X-Amz-Signature"][0] not in signatures
    assert parse_qs(urlsplit(variants[-1]).query)["X-Amz-Security-Token"] == ["t"]


@pytest.mark.s3
def test_the_server_accepts_our_signature_and_refuses_a_wrong_one(
    s3_storage: S3Storage,
) -> None:
    stored = s3_storage.put_bytes(b"signed", suffix=".m4a", content_type=M4A)
    url = s3_storage.presigned_url(stored.key, content_type=M4A, filename="Rest – 5 min.m4a")
    assert url is not None
    forged = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")

    assert fetch(url)[0] == 200
    assert fetch(forged)[0] == 403  # the server checks signatures, so the 200 above means ours
