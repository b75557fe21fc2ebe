"""Is this file audio, and how long is it? Decodes once with ffmpeg, keeping nothing in memory."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from audio_scripts.pcm import DecodeError, ffmpeg_exe

_TIME = re.compile(r"time=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"Stream #\S+: Audio:")


def probe_duration_ms(path: str | Path, *, timeout: float = 120.0) -> int:
    """The decoded length of the first audio stream in ms; DecodeError when the file is not
    audio ffmpeg can decode (or holds none)."""
    command = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-f",
        "null",
        "-",
    ]
    try:
        proc = subprocess.run(command, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise DecodeError("decoding took too long") from exc
    log = proc.stderr.decode(errors="replace")
    if proc.returncode != 0 or not _AUDIO_STREAM.search(log):
        lines = [line for line in log.strip().splitlines() if line.strip()]
        raise DecodeError(lines[-1] if lines else f"ffmpeg exited with {proc.returncode}")
    times = _TIME.findall(log)
    if not times:
        raise DecodeError("it holds no audio")
    hours, minutes, seconds = times[-1]
    ms = round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)
    if ms <= 0:
        raise DecodeError("it holds no audio")
    return ms
