"""EBU R128 loudness: measure with ffmpeg's `ebur128`; normalise by a gain and a true-peak limiter.

Normalising costs one fast ffmpeg pass (integrated loudness without true peak) plus a numpy
limiter that oversamples only the loud stretches, instead of the two 192 kHz passes of `loudnorm`.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .pcm import MIX_RATE, ffmpeg_exe

TARGET_LUFS = -16.0
# The PCM ceiling sits below the −1 dBTP promise: lossy encoders overshoot by a fraction of a dB.
PCM_CEILING_DBTP = -3.0
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: quieter than this counts as silence

_CHUNK = 1 << 16  # samples handed to ffmpeg or oversampled at a time
_BLOCK = 512  # limiter resolution, ~23 ms at 22.05 kHz
_OVERSAMPLE = 4
_TAPS_PER_PHASE = 12


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float  # -inf for silence
    true_peak_dbtp: float  # nan when not measured


@dataclass(frozen=True)
class Normalisation:
    measured_lufs: float  # before
    gain_db: float
    limited_ms: int  # how much of the audio the limiter touched


class LoudnessError(Exception):
    pass


def _parse_summary(text: str) -> Loudness:
    summary = text[text.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?(?:[\d.]+|inf))\s+LUFS", summary)
    if integrated is None:
        raise LoudnessError(f"ffmpeg ebur128 printed no summary: {text[-500:]}")
    peak = re.search(r"Peak:\s+(-?(?:[\d.]+|inf))\s+dBFS", summary)
    return Loudness(float(integrated.group(1)), float(peak.group(1)) if peak else math.nan)


def measure(
    source: str | Path | np.ndarray, *, sample_rate: int = MIX_RATE, true_peak: bool = True
) -> Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP) of a file or of mono float32 PCM."""
    ebur128 = "ebur128=peak=true" if true_peak else "ebur128"
    command = [ffmpeg_exe(), "-hide_banner", "-nostats"]
    if isinstance(source, np.ndarray):
        command += ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    else:
        command += ["-nostdin", "-i", str(source)]
    command += ["-vn", "-af", ebur128, "-f", "null", "-"]
    # stderr goes to a file so a long summary can never block the pipe we are writing to
    with tempfile.TemporaryFile() as log:
        if isinstance(source, np.ndarray):
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=log)
            assert proc.stdin is not None
            pcm = np.ascontiguousarray(source, dtype=np.float32)
            try:
                for start in range(0, pcm.size, _CHUNK * 16):
                    proc.stdin.write(pcm[start : start + _CHUNK * 16].data)
            finally:
                proc.stdin.close()
            returncode = proc.wait()
        else:
            returncode = subprocess.run(command, stderr=log, check=False).returncode
        log.seek(0)
        text = log.read().decode(errors="replace")
    if returncode != 0:
        raise LoudnessError(f"ffmpeg could not measure {source!r:.80}: {text[-300:]}")
    return _parse_summary(text)


def _phases() -> np.ndarray:
    """Polyphase windowed-sinc interpolator: row p estimates the signal p/4 between samples."""
    taps = _OVERSAMPLE * _TAPS_PER_PHASE
    t = (np.arange(taps) - (taps - 1) / 2) / _OVERSAMPLE
    h = np.sinc(t) * np.kaiser(taps, 7.0)
    phases = h.reshape(_TAPS_PER_PHASE, _OVERSAMPLE).T.copy()
    return (phases / phases.sum(axis=1, keepdims=True)).astype(np.float32)


_PHASES = _phases()


def _block_true_peaks(pcm: np.ndarray, threshold: float) -> np.ndarray:
    """Per `_BLOCK`, the 4x-oversampled peak; blocks whose samples stay under `threshold`
    (too quiet for inter-sample peaks to reach the ceiling) just report their sample peak."""
    n_blocks = -(-pcm.size // _BLOCK)
    peaks = np.zeros(n_blocks, dtype=np.float32)
    context = _TAPS_PER_PHASE
    for start in range(0, pcm.size, _CHUNK):
        chunk = pcm[start : start + _CHUNK]
        first = start // _BLOCK
        count = -(-chunk.size // _BLOCK)
        padded = np.zeros(count * _BLOCK, dtype=np.float32)
        np.abs(chunk, out=padded[: chunk.size])
        block_peaks = padded.reshape(count, _BLOCK).max(axis=1)
        peaks[first : first + count] = block_peaks
        if block_peaks.max() < threshold:
            continue
        lo, hi = max(0, start - context), min(pcm.size, start + chunk.size + context)
        window = pcm[lo:hi]
        for phase in _PHASES[1:]:
            interpolated = np.abs(np.convolve(window, phase, mode="same"))
            interpolated = interpolated[start - lo : start - lo + chunk.size]
            padded[: chunk.size] = interpolated
            np.maximum(peaks[first : first + count], padded.reshape(count, _BLOCK).max(axis=1),
                       out=peaks[first : first + count])  # fmt: skip
    return peaks


def limit_true_peak(pcm: np.ndarray, ceiling_dbtp: float = PCM_CEILING_DBTP) -> int:
    """Pull down, in place, the stretches whose true peak passes the ceiling; returns how many
    blocks were touched. The gain moves smoothly between block centres (no clicks), and a block
    never gets more gain than its own peak allows."""
    ceiling = 10 ** (ceiling_dbtp / 20)
    peaks = _block_true_peaks(pcm, ceiling * 10 ** (-4 / 20))
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9)).astype(np.float32)
    if need.min() >= 1.0:
        return 0
    # each block takes the smallest gain of itself and two neighbours either side
    padded = np.pad(need, 2, constant_values=1.0)
    smooth = np.min(np.stack([padded[i : i + need.size] for i in range(5)]), axis=0)
    centres = np.arange(need.size) * _BLOCK + _BLOCK / 2
    for start in range(0, pcm.size, _CHUNK):
        blocks = smooth[max(0, start // _BLOCK - 1) : (start + _CHUNK) // _BLOCK + 2]
        if blocks.min() >= 1.0:
            continue
        end = min(pcm.size, start + _CHUNK)
        pcm[start:end] *= np.interp(np.arange(start, end), centres, smooth).astype(np.float32)
    return int(np.count_nonzero(need < 1.0))


def normalise(
    pcm: np.ndarray,
    *,
    sample_rate: int = MIX_RATE,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = PCM_CEILING_DBTP,
) -> Normalisation:
    """Bring mono float32 PCM, in place, to `target_lufs` integrated with its true peak at or
    under `ceiling_dbtp`. Silence is left alone."""
    measured = measure(pcm, sample_rate=sample_rate, true_peak=False).integrated_lufs
    if not math.isfinite(measured) or measured <= SILENCE_LUFS:
        return Normalisation(measured, 0.0, 0)
    gain_db = target_lufs - measured
    pcm *= np.float32(10 ** (gain_db / 20))
    limited_blocks = limit_true_peak(pcm, ceiling_dbtp)
    # Limiting lowers the loudness a little; when it did real work, measure again and make up
    # the difference (which may need a little more limiting), at most twice.
    for _ in range(2):
        if limited_blocks * _BLOCK < pcm.size // 100:
            break
        shortfall = (
            target_lufs - measure(pcm, sample_rate=sample_rate, true_peak=False).integrated_lufs
        )
        if shortfall < 0.2:
            break
        pcm *= np.float32(10 ** (shortfall / 20))
        gain_db += shortfall
        limited_blocks = limit_true_peak(pcm, ceiling_dbtp)
    return Normalisation(measured, gain_db, limited_blocks * _BLOCK * 1000 // sample_rate)
