"""EBU R128 loudness: measured with ffmpeg's `ebur128` (the true peak with `TruePeak`);
normalised by a gain and a true-peak limiter.

Normalising a stream plays it through fast ffmpeg passes (integrated loudness without true
peak): one of the mix, then one per gain tried, each turned and limited on the way by a numpy
look-ahead limiter that oversamples only the loud stretches and carries its look-ahead across
blocks, so it gives the same samples as limiting one whole buffer.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from .pcm import MIX_RATE, ffmpeg_exe, smooth_gain
from .stream import Stream, of_file, rechunk, scaled, written
from .truepeak import TruePeak

TARGET_LUFS = -16.0
# The PCM ceiling sits below the −1 dBTP promise: lossy encoders overshoot by 1–2 dB at their
# default bitrates (more at low ones, which `conform` corrects file by file).
PCM_CEILING_DBTP = -3.5
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: quieter than this counts as silence

_CHUNK = 1 << 16  # samples handed to ffmpeg or oversampled at a time
_OVERSAMPLE = 4
_TAPS_PER_PHASE = 12
_MAKEUP_ROUNDS = 4  # rounds at most, after measuring the mix
_PROBE_DB = 1.0  # how much further the first round also tries, to learn the local rate


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


def _parse_summary(text: str) -> float:
    """The integrated loudness in ebur128's summary."""
    summary = text[text.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?(?:[\d.]+|inf))\s+LUFS", summary)
    if integrated is None:
        raise LoudnessError(f"ffmpeg ebur128 printed no summary: {text[-500:]}")
    return float(integrated.group(1))


# ebur128 prints its summary in tenths; the integrated loudness it attaches to the last frame has
# thousandths, which the rounds of `normalised` need to step by less than a tenth.
_INTEGRATED = "integrated.txt"
_EBUR128 = (
    f"ebur128=metadata=1:framelog=quiet,ametadata=mode=print:key=lavfi.r128.I:file={_INTEGRATED}"
)


def measure(
    source: str | Path | np.ndarray | Iterable[np.ndarray],
    *,
    sample_rate: int = MIX_RATE,
    true_peak: bool = True,
) -> Loudness:
    """Integrated loudness (LUFS, ffmpeg's `ebur128`) and true peak (dBTP, `TruePeak`) of a
    mono file, of mono float32 PCM, or of a stream of PCM chunks. A file is decoded once:
    ffmpeg measures its loudness and hands the decoded samples back for the peak."""
    peak = TruePeak()
    is_file = isinstance(source, str | Path)
    command = [ffmpeg_exe(), "-hide_banner", "-nostats"]
    if is_file:
        command += ["-nostdin", "-i", str(Path(source).resolve())]  # type: ignore[arg-type]
    else:
        command += ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    pcm_out = is_file and true_peak
    # the samples come back in frames of 64k (not the decoder's 20 ms): fewer, larger writes
    command += ["-vn", "-af", f"{_EBUR128},asetnsamples=n={_CHUNK}:p=0" if pcm_out else _EBUR128]
    command += ["-f", "f32le", "-ac", "1", "pipe:1"] if pcm_out else ["-f", "null", "-"]
    # ffmpeg runs in a folder of its own, where ametadata writes; its log goes to a file there,
    # so a long summary can never block a pipe
    with tempfile.TemporaryDirectory(prefix="interlude-loudness-") as folder:
        with open(Path(folder) / "log", "w+b") as log:
            if is_file:
                returncode = _read_decoded(command, folder, log, peak if true_peak else None)
            else:
                chunks = _pieces(source)  # type: ignore[arg-type]
                chunks = peak.watch(chunks) if true_peak else chunks
                returncode = _write_pcm(command, folder, log, chunks)
            log.seek(0)
            text = log.read().decode(errors="replace")
        if returncode != 0:
            what = source if is_file else "the mix"
            raise LoudnessError(f"ffmpeg could not measure {what!s:.80}: {text[-300:]}")
        integrated = _integrated(Path(folder) / _INTEGRATED, text)
    return Loudness(integrated, peak.dbtp if true_peak else math.nan)


def _integrated(metadata: Path, log: str) -> float:
    """The last frame's integrated loudness; the summary's, in tenths, when no frame had one."""
    values = re.findall(r"lavfi\.r128\.I=(-?(?:[\d.]+|inf))", metadata.read_text())
    return float(values[-1]) if values else _parse_summary(log)


def _read_decoded(command: list[str], cwd: str, log: IO[bytes], peak: TruePeak | None) -> int:
    """Run `command`, feeding what it writes to stdout (float32 PCM) to `peak`."""
    if peak is None:
        return subprocess.run(command, cwd=cwd, stderr=log, check=False).returncode
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=log)
    assert proc.stdout is not None
    with proc.stdout:
        _widen_pipe(proc.stdout.fileno())
        # a buffered read returns all it asks for until the end: whole samples every time
        while data := proc.stdout.read(_CHUNK * 4):
            peak.feed(np.frombuffer(data, dtype=np.float32, count=len(data) // 4))
    peak.close()
    return proc.wait()


def _widen_pipe(fd: int) -> None:
    """A 1 MB pipe instead of 64 KB: fewer wake-ups of ffmpeg and of us (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


def _write_pcm(command: list[str], cwd: str, log: IO[bytes], chunks: Iterable[np.ndarray]) -> int:
    proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stderr=log)
    assert proc.stdin is not None
    try:
        for chunk in chunks:
            proc.stdin.write(np.ascontiguousarray(chunk, dtype=np.float32).data)
    finally:
        proc.stdin.close()
    return proc.wait()


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
    return _limited(source, gain_db, ceiling_dbtp, sample_rate)[0]


def _limited(
    source: Stream, gain_db: float, ceiling_dbtp: float, sample_rate: int
) -> tuple[Stream, list[Limiter]]:
    """`limited`, with the limiter of its last play (to read what it did)."""
    last: list[Limiter] = []

    def play() -> Iterator[np.ndarray]:
        last[:] = [Limiter(ceiling_dbtp, sample_rate=sample_rate)]
        return last[0].run(scaled(source.blocks(), gain_db))

    return Stream(source.samples, play), last


def normalised(
    mix: Stream,
    *,
    sample_rate: int = MIX_RATE,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = PCM_CEILING_DBTP,
    keep: Path | None = None,
) -> tuple[Normalisation, Stream]:
    """`mix` brought to `target_lufs` integrated (within 0.1 LU) with its true peak at or under
    `ceiling_dbtp`: the normalised stream and what was done. Silence is left alone. One pass
    measures the mix; each round is one pass that turns, limits and measures it.

    Limiting lowers the loudness, so a gain that would reach the target unlimited falls short
    by what the limiter took. The rounds look for the gain whose limited mix lands on the
    target, stepping by the rate the loudness last rose per dB of gain (secant steps). The
    first round also tries `_PROBE_DB` more gain beside it, measured at the same time on the
    other core, so the second round already steps at the local rate: a tone-heavy script,
    whose speech is limited hard, lands in two rounds instead of three or four.

    With `keep`, each round writes what it measured to that file (raw float32) and the stream
    returned reads it back, so the encoders read the normalised mix instead of computing it
    again.
    """
    measured = measure(mix.blocks(), sample_rate=sample_rate, true_peak=False).integrated_lufs
    if not math.isfinite(measured) or measured <= SILENCE_LUFS:
        return Normalisation(measured, 0.0, 0, measured), mix
    tried = [(0.0, measured)]  # (gain, loudness): the mix, then each gain tried
    gain = target_lufs - measured
    with ThreadPoolExecutor(2) as pool:
        while True:
            stream, limiter = _limited(mix, gain, ceiling_dbtp, sample_rate)
            probe = None
            if len(tried) == 1:
                probe = pool.submit(_loudness_at, mix, gain + _PROBE_DB, ceiling_dbtp, sample_rate)
            blocks = stream.blocks() if keep is None else written(stream.blocks(), keep)
            after = measure(blocks, sample_rate=sample_rate, true_peak=False)
            tried.append((gain, after.integrated_lufs))
            shortfall = target_lufs - after.integrated_lufs
            done = limiter[0].touched == 0 or abs(shortfall) < 0.1
            if probe is not None:
                tried.insert(-1, (gain + _PROBE_DB, probe.result()))
            if done or len(tried) > _MAKEUP_ROUNDS + 1:
                break
            (gain_a, lufs_a), (gain_b, lufs_b) = tried[-2:]
            rate = (lufs_b - lufs_a) / (gain_b - gain_a) if gain_b != gain_a else 1.0
            gain += shortfall / min(1.0, max(0.3, rate))
    limited_ms = limiter[0].touched * 1000 // sample_rate
    if keep is not None:
        stream = of_file(keep, stream.samples)
    return Normalisation(measured, gain, limited_ms, tried[-1][1]), stream


def _loudness_at(mix: Stream, gain_db: float, ceiling_dbtp: float, sample_rate: int) -> float:
    stream = limited(mix, gain_db, ceiling_dbtp, sample_rate=sample_rate)
    return measure(stream.blocks(), sample_rate=sample_rate, true_peak=False).integrated_lufs
