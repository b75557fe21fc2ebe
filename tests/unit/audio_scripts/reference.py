"""References for the loudness code: the limiter run over one buffer in place, normalising one
buffer in place, and ffmpeg's own true peak of a file. The renderer only streams and reads true
peaks with its own meter; the tests compare it with these, and use `normalise` to level a test
signal."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from audio_scripts.loudness import (
    _CHUNK,
    PCM_CEILING_DBTP,
    TARGET_LUFS,
    Limiter,
    Normalisation,
    _limit_gain,
    normalised,
)
from audio_scripts.pcm import MIX_RATE, ffmpeg_exe
from audio_scripts.stream import of_array


def limit_true_peak(
    pcm: np.ndarray, ceiling_dbtp: float = PCM_CEILING_DBTP, *, sample_rate: int = MIX_RATE
) -> int:
    """`Limiter` on one whole buffer, in place; returns how many samples were touched. Each
    chunk sees the samples before it as already limited and those after it as they came."""
    limiter = Limiter(ceiling_dbtp, sample_rate=sample_rate)
    context = limiter.context
    for start in range(0, pcm.size, _CHUNK):
        end = min(pcm.size, start + _CHUNK)
        if float(np.max(np.abs(pcm[start:end]))) < limiter.suspicious:
            continue
        lo, hi = max(0, start - context), min(pcm.size, end + context)
        window = pcm[lo:hi].copy()
        gain = _limit_gain(window, start - lo, end - lo, limiter.ceiling, limiter.width)
        if gain is not None:
            pcm[start:end] *= gain
            limiter.touched += int(np.count_nonzero(gain < 1.0))
    return limiter.touched


def normalise(
    pcm: np.ndarray,
    *,
    sample_rate: int = MIX_RATE,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = PCM_CEILING_DBTP,
) -> Normalisation:
    """`normalised` on mono float32 PCM, in place."""
    result, stream = normalised(
        of_array(pcm), sample_rate=sample_rate, target_lufs=target_lufs, ceiling_dbtp=ceiling_dbtp
    )
    at = 0
    # safe in place: the limiter has read (and copied) every input sample it writes over
    for block in stream.blocks():
        pcm[at : at + block.size] = block
        at += block.size
    return result


def ffmpeg_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's `ebur128=peak=true` reads a file (it
    resamples to 192 kHz for the peak): what anyone checking a rendition would run."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin", "-i", str(path)]
    command += ["-af", "ebur128=peak=true", "-f", "null", "-"]
    text = subprocess.run(command, capture_output=True, check=True, text=True).stderr
    summary = text[text.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf)\s+dBFS", summary)
    assert integrated and peak, text[-500:]
    return float(integrated.group(1)), float(peak.group(1))
