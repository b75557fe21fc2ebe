"""EBU R128 loudness: measure with ffmpeg's `ebur128`; normalise by a gain and a true-peak limiter.

Normalising costs one fast ffmpeg pass (integrated loudness without true peak) plus a numpy
limiter that oversamples only the loud stretches, instead of the two 192 kHz passes of `loudnorm`.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .pcm import MIX_RATE, ffmpeg_exe, smooth_gain

TARGET_LUFS = -16.0
# The PCM ceiling sits below the −1 dBTP promise: lossy encoders overshoot by 1–2 dB at their
# default bitrates (more at low ones, which `conform` corrects file by file).
PCM_CEILING_DBTP = -3.5
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: quieter than this counts as silence

_CHUNK = 1 << 16  # samples handed to ffmpeg or oversampled at a time
_OVERSAMPLE = 4
_TAPS_PER_PHASE = 12
_MAKEUP_ROUNDS = 4


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float  # -inf for silence
    true_peak_dbtp: float  # nan when not measured


@dataclass(frozen=True)
class Normalisation:
    measured_lufs: float  # before
    gain_db: float
    limited_ms: int  # how much of the audio the limiter touched (last pass)


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
    source: str | Path | np.ndarray | Iterable[np.ndarray],
    *,
    sample_rate: int = MIX_RATE,
    true_peak: bool = True,
) -> Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP) of a file, of mono float32 PCM, or of a
    stream of PCM chunks."""
    ebur128 = "ebur128=peak=true" if true_peak else "ebur128"
    command = [ffmpeg_exe(), "-hide_banner", "-nostats"]
    is_file = isinstance(source, str | Path)
    if is_file:
        command += ["-nostdin", "-i", str(source)]
    else:
        command += ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    command += ["-vn", "-af", ebur128, "-f", "null", "-"]
    # stderr goes to a file so a long summary can never block the pipe we are writing to
    with tempfile.TemporaryFile() as log:
        if is_file:
            returncode = subprocess.run(command, stderr=log, check=False).returncode
        else:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=log)
            assert proc.stdin is not None
            try:
                for chunk in _pieces(source):  # type: ignore[arg-type]
                    proc.stdin.write(np.ascontiguousarray(chunk, dtype=np.float32).data)
            finally:
                proc.stdin.close()
            returncode = proc.wait()
        log.seek(0)
        text = log.read().decode(errors="replace")
    if returncode != 0:
        what = source if is_file else "the mix"
        raise LoudnessError(f"ffmpeg could not measure {what!s:.80}: {text[-300:]}")
    return _parse_summary(text)


def _pieces(source: np.ndarray | Iterable[np.ndarray]) -> Iterable[np.ndarray]:
    if isinstance(source, np.ndarray):
        return (source[i : i + _CHUNK * 16] for i in range(0, source.size, _CHUNK * 16))
    return source


def _phases() -> np.ndarray:
    """Polyphase windowed-sinc interpolator: row p estimates the signal p/4 between samples."""
    taps = _OVERSAMPLE * _TAPS_PER_PHASE
    t = (np.arange(taps) - (taps - 1) / 2) / _OVERSAMPLE
    h = np.sinc(t) * np.kaiser(taps, 7.0)
    phases = h.reshape(_TAPS_PER_PHASE, _OVERSAMPLE).T.copy()
    return (phases / phases.sum(axis=1, keepdims=True)).astype(np.float32)


_PHASES = _phases()


def _true_peak_envelope(window: np.ndarray) -> np.ndarray:
    """Per sample, the largest of |x| and the three interpolated points after it (4x)."""
    envelope = np.abs(window)
    for phase in _PHASES[1:]:
        np.maximum(envelope, np.abs(np.convolve(window, phase, mode="same")), out=envelope)
    return envelope


def limit_true_peak(
    pcm: np.ndarray, ceiling_dbtp: float = PCM_CEILING_DBTP, *, sample_rate: int = MIX_RATE
) -> int:
    """Pull down, in place, whatever would pass the ceiling once oversampled; returns how many
    samples were touched. A look-ahead limiter: the gain glides down over ~2.5 ms before a peak
    and back up after it (no clicks), and never exceeds what each sample allows. Only stretches
    loud enough for inter-sample peaks to matter are oversampled, so quiet audio costs nothing.
    """
    ceiling = np.float32(10 ** (ceiling_dbtp / 20))
    suspicious = ceiling * np.float32(10 ** (-4 / 20))  # inter-sample peaks stay under +4 dB
    width = sample_rate // 400 | 1
    context = width + _TAPS_PER_PHASE
    touched = 0
    for start in range(0, pcm.size, _CHUNK):
        end = min(pcm.size, start + _CHUNK)
        if float(np.max(np.abs(pcm[start:end]))) < suspicious:
            continue
        lo, hi = max(0, start - context), min(pcm.size, end + context)
        window = pcm[lo:hi].copy()  # unchanged input, so chunk edges agree with each other
        wanted = np.minimum(1.0, ceiling / np.maximum(_true_peak_envelope(window), 1e-9))
        if float(wanted.min()) >= 1.0:
            continue
        gain = smooth_gain(wanted.astype(np.float32), width)[start - lo : end - lo]
        pcm[start:end] *= gain
        touched += int(np.count_nonzero(gain < 1.0))
    return touched


def normalise(
    pcm: np.ndarray,
    *,
    sample_rate: int = MIX_RATE,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = PCM_CEILING_DBTP,
) -> Normalisation:
    """Bring mono float32 PCM, in place, to `target_lufs` integrated (within 0.2 LU) with its
    true peak at or under `ceiling_dbtp`. Silence is left alone."""
    measured = measure(pcm, sample_rate=sample_rate, true_peak=False).integrated_lufs
    if not math.isfinite(measured) or measured <= SILENCE_LUFS:
        return Normalisation(measured, 0.0, 0)
    gain_db = target_lufs - measured
    pcm *= np.float32(10 ** (gain_db / 20))
    limited = limit_true_peak(pcm, ceiling_dbtp, sample_rate=sample_rate)
    # Limiting lowers the loudness; when it did, measure again and make up the difference
    # (which may need a little more limiting). A tone-heavy script, whose speech is limited
    # hard, takes a few rounds: each makes up the shortfall divided by the share of the last
    # round's gain that the limiter let through, so one fewer round is usual.
    let_through, last = 1.0, (math.nan, 0.0)  # (loudness before, gain) of the last round
    for _ in range(_MAKEUP_ROUNDS):
        if limited == 0:
            break
        after = measure(pcm, sample_rate=sample_rate, true_peak=False).integrated_lufs
        shortfall = target_lufs - after
        if abs(shortfall) < 0.2:
            break
        if last[1] > 0:
            let_through = min(1.0, max(0.3, (after - last[0]) / last[1]))
        step = shortfall / let_through if shortfall > 0 else shortfall
        last = (after, step)
        pcm *= np.float32(10 ** (step / 20))
        gain_db += step
        limited = limit_true_peak(pcm, ceiling_dbtp, sample_rate=sample_rate)
    return Normalisation(measured, gain_db, limited * 1000 // sample_rate)


def adjusted(
    pcm: np.ndarray, gain_db: float, ceiling_dbtp: float, *, sample_rate: int = MIX_RATE
) -> Iterator[np.ndarray]:
    """`pcm` turned by `gain_db` and limited to `ceiling_dbtp`, chunk by chunk, leaving `pcm`
    untouched: a rendition's own correction costs one chunk of memory, not a copy of the mix."""
    context = sample_rate // 400 + 2 * _TAPS_PER_PHASE
    scale = np.float32(10 ** (gain_db / 20))
    for start in range(0, pcm.size, _CHUNK):
        end = min(pcm.size, start + _CHUNK)
        lo, hi = max(0, start - context), min(pcm.size, end + context)
        window = pcm[lo:hi] * scale
        limit_true_peak(window, ceiling_dbtp, sample_rate=sample_rate)
        yield window[start - lo : end - lo]


def true_peak_db(pcm: np.ndarray) -> float:
    """The 4x-oversampled peak of PCM in dBTP (an estimate for planning; files are measured
    with ffmpeg). Only stretches within 4 dB of the sample peak can hold the true peak."""
    if pcm.size == 0:
        return -math.inf
    # chunk by chunk: np.abs of a whole 30-minute mix would be a second copy of it
    sample_peak = max(
        float(np.max(np.abs(pcm[i : i + _CHUNK]))) for i in range(0, pcm.size, _CHUNK)
    )
    if sample_peak <= 0:
        return -math.inf
    floor = sample_peak * 10 ** (-4 / 20)
    peak = sample_peak
    edge = 2 * _TAPS_PER_PHASE  # the interpolator rings where a window cuts the signal off
    for start in range(0, pcm.size, _CHUNK):
        lo, end = max(0, start - edge), min(pcm.size, start + _CHUNK)
        window = pcm[lo : end + edge]
        if float(np.max(np.abs(window))) >= floor:
            envelope = _true_peak_envelope(window)[start - lo : end - lo]
            peak = max(peak, float(np.max(envelope)))
    return 20 * math.log10(peak)
