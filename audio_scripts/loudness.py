"""EBU R128 loudness: measure with ffmpeg's `ebur128`; normalise by a gain and a true-peak limiter.

Normalising a stream plays it through fast ffmpeg passes (integrated loudness without true
peak): one of the mix, then one per gain tried, each turned and limited on the way by a numpy
look-ahead limiter that oversamples only the loud stretches and carries its look-ahead across
blocks, so it gives the same samples as limiting one whole buffer.
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
from .stream import Stream, rechunk, scaled

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
    output_lufs: float = math.nan  # what the normalised audio measured (its last pass)


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


def _limit_gain(
    window: np.ndarray, start: int, end: int, ceiling: np.float32, width: int
) -> np.ndarray | None:
    """The limiter's gain for window[start:end] (None: nothing to pull down); the rest of the
    window is the look-behind and look-ahead its curve needs."""
    wanted = np.minimum(1.0, ceiling / np.maximum(_true_peak_envelope(window), 1e-9))
    if float(wanted.min()) >= 1.0:
        return None
    gain: np.ndarray = smooth_gain(wanted.astype(np.float32), width)[start:end]
    return gain


class Limiter:
    """A look-ahead true-peak limiter: pulls down whatever would pass the ceiling once
    oversampled. The gain glides down over ~2.5 ms before a peak and back up after it (no
    clicks), and never exceeds what each sample allows. Only stretches loud enough for
    inter-sample peaks to matter are oversampled, so quiet audio costs nothing.

    `run` limits a stream of blocks of any sizes: it works in fixed chunks, each seen with the
    already limited samples before it and the unlimited ones after it, and so gives exactly the
    samples as the whole-buffer reference in tests/unit/audio_scripts/reference.py. `touched`
    counts the samples changed.
    """

    def __init__(self, ceiling_dbtp: float = PCM_CEILING_DBTP, *, sample_rate: int = MIX_RATE):
        self.ceiling = np.float32(10 ** (ceiling_dbtp / 20))
        # inter-sample peaks stay under +4 dB
        self.suspicious = self.ceiling * np.float32(10 ** (-4 / 20))
        self.width = sample_rate // 400 | 1
        self.context = self.width + _TAPS_PER_PHASE
        self.touched = 0

    def run(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        behind = np.zeros(0, dtype=np.float32)  # the last limited samples
        for chunk, ahead in rechunk(blocks, _CHUNK, self.context):
            if chunk.size and float(np.max(np.abs(chunk))) >= self.suspicious:
                window = np.concatenate([behind, chunk, ahead])
                gain = _limit_gain(
                    window, behind.size, behind.size + chunk.size, self.ceiling, self.width
                )
                if gain is not None:
                    chunk *= gain
                    self.touched += int(np.count_nonzero(gain < 1.0))
            behind = np.concatenate([behind, chunk])[-self.context :]
            yield chunk


def limited(
    source: Stream, gain_db: float, ceiling_dbtp: float, *, sample_rate: int = MIX_RATE
) -> Stream:
    """`source` turned by `gain_db` and limited to `ceiling_dbtp`, played afresh each time."""
    return _chain(source, [gain_db], ceiling_dbtp, sample_rate)[0]


def _chain(
    source: Stream, gains: list[float], ceiling_dbtp: float, sample_rate: int
) -> tuple[Stream, list[Limiter]]:
    """`source` turned by each gain in turn and limited after each (as normalising one buffer
    in place did, round after round); the limiters of the last play, to read what they did."""
    limiters: list[Limiter] = []

    def play() -> Iterator[np.ndarray]:
        limiters.clear()
        blocks: Iterator[np.ndarray] = source.blocks()
        for gain_db in gains:
            limiters.append(Limiter(ceiling_dbtp, sample_rate=sample_rate))
            blocks = limiters[-1].run(scaled(blocks, gain_db))
        return blocks

    return Stream(source.samples, play), limiters


def normalised(
    mix: Stream,
    *,
    sample_rate: int = MIX_RATE,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = PCM_CEILING_DBTP,
) -> tuple[Normalisation, Stream]:
    """`mix` brought to `target_lufs` integrated (within 0.2 LU) with its true peak at or under
    `ceiling_dbtp`: the normalised stream and what was done. Silence is left alone. One pass
    measures the mix; each round is one pass that turns, limits and measures it.

    Limiting lowers the loudness; when it did, the shortfall is made up by a further gain and
    limiter (which may need a little more limiting). A tone-heavy script, whose speech is
    limited hard, takes a few rounds: each makes up the shortfall divided by the share of the
    last round's gain that the limiter let through, so one fewer round is usual.
    """
    measured = measure(mix.blocks(), sample_rate=sample_rate, true_peak=False).integrated_lufs
    if not math.isfinite(measured) or measured <= SILENCE_LUFS:
        return Normalisation(measured, 0.0, 0, measured), mix
    gains = [target_lufs - measured]
    let_through, last = 1.0, (math.nan, 0.0)  # (loudness before, gain) of the last round
    while True:
        stream, limiters = _chain(mix, gains, ceiling_dbtp, sample_rate)
        after = measure(stream.blocks(), sample_rate=sample_rate, true_peak=False).integrated_lufs
        shortfall = target_lufs - after
        if limiters[-1].touched == 0 or abs(shortfall) < 0.2 or len(gains) > _MAKEUP_ROUNDS:
            break
        if last[1] > 0:
            let_through = min(1.0, max(0.3, (after - last[0]) / last[1]))
        step = shortfall / let_through if shortfall > 0 else shortfall
        last = (after, step)
        gains.append(step)
    limited_ms = limiters[-1].touched * 1000 // sample_rate
    return Normalisation(measured, sum(gains), limited_ms, after), stream


class PeakMeter:
    """Watches a stream go by and keeps its 4x-oversampled peak: an estimate for planning
    (files are measured with ffmpeg). Only stretches within 4 dB of the loudest sample so
    far are oversampled."""

    def __init__(self) -> None:
        self.sample_peak = 0.0
        self.peak = 0.0

    def watch(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        edge = 2 * _TAPS_PER_PHASE  # the interpolator rings where a window cuts the signal off
        behind = np.zeros(0, dtype=np.float32)
        for chunk, ahead in rechunk(blocks, _CHUNK, edge):
            window = np.concatenate([behind, chunk, ahead])
            loudest = float(np.max(np.abs(window))) if window.size else 0.0
            if chunk.size:
                self.sample_peak = max(self.sample_peak, float(np.max(np.abs(chunk))))
            if chunk.size and loudest > 0 and loudest >= self.sample_peak * 10 ** (-4 / 20):
                envelope = _true_peak_envelope(window)[behind.size : behind.size + chunk.size]
                self.peak = max(self.peak, self.sample_peak, float(np.max(envelope)))
            behind = chunk[-edge:]
            yield chunk

    @property
    def dbtp(self) -> float:
        peak = max(self.peak, self.sample_peak)
        return 20 * math.log10(peak) if peak > 0 else -math.inf
