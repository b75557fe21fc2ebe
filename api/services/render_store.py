"""The files of a render job: its recordings fetched from storage and checked against their
hashes, and its renditions uploaded. No database work happens here (api/services/rendering.py
reads the version before and saves the variants after)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import audio_scripts
from api.services.jobs import JobFailed
from api.storage.base import Storage


@dataclass(frozen=True)
class RecordingRef:
    """A version's recording as the job reads it: copied out of the database."""

    segment_id: str
    key: str
    sha256: str


@dataclass(frozen=True)
class StoredVariant:
    """A rendered variant whose renditions are in storage, ready to be saved as rows."""

    length_minutes: int
    duration_ms: int
    timeline: dict[str, Any]
    captions: str
    renditions: list[tuple[audio_scripts.render.Rendition, str]]  # with its storage key


def fetch_recordings(
    storage: Storage, recordings: tuple[RecordingRef, ...], folder: Path
) -> dict[str, Path]:
    """Each recording as a local file, checked against its recorded hash."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for index, recording in enumerate(recordings):
        where = f"the recording for segment {recording.segment_id!r}"
        # the key's suffix (".m4a", ".wav") helps ffmpeg tell the format
        path = folder / f"{index}{PurePosixPath(recording.key).suffix}"
        digest = hashlib.sha256()
        try:
            with storage.open(recording.key) as source, path.open("wb") as target:
                while block := source.read(1 << 20):
                    digest.update(block)
                    target.write(block)
        except FileNotFoundError:
            raise JobFailed(f"{where} is missing from storage; upload it again") from None
        except ValueError:  # a key that storage refuses (it can only come from a bad row)
            raise JobFailed(f"{where} has an invalid storage key; upload it again") from None
        if digest.hexdigest() != recording.sha256:
            raise JobFailed(f"{where} in storage does not match its upload; upload it again")
        paths[recording.segment_id] = path
    return paths


def upload_renditions(
    storage: Storage, result: audio_scripts.RenderResult, progress: Callable[[float], None]
) -> list[StoredVariant]:
    """Every rendition put in storage; `progress` receives the share of the bytes sent, 0–1."""
    total = sum(r.bytes for v in result.variants for r in v.renditions) or 1
    done = 0
    stored = []
    for variant in result.variants:
        renditions = []
        for rendition in variant.renditions:
            obj = storage.put_file(
                rendition.path,
                suffix=rendition.path.suffix,
                content_type=rendition.mime,
                sha256=rendition.sha256,
            )
            renditions.append((rendition, obj.key))
            done += rendition.bytes
            progress(done / total)
        stored.append(
            StoredVariant(
                length_minutes=variant.length_minutes,
                duration_ms=variant.duration_ms,
                timeline=variant.timeline.as_json(),
                captions=variant.captions_path.read_text(encoding="utf-8"),
                renditions=renditions,
            )
        )
    return stored
