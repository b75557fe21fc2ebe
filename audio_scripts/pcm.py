"""Mono PCM helpers shared by the renderer: the mix sample rate, ffmpeg, WAV files, fades.

All audio inside `audio_scripts` is mono float32 in [-1, 1] at `MIX_RATE`; ffmpeg (from
imageio-ffmpeg, so no system install is needed) decodes whatever comes in and encodes what goes out.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path

import numpy as np

MIX_RATE = 22050  # Piper's medium voices speak at 22.05 kHz; everything is mixed at that rate
# Silence kept around trimmed speech: short, so the timeline's say events match the audible voice
TRIM_BEFORE_MS = 20
TRIM_AFTER_MS = 40


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


class DecodeError(Exception):
    """ffmpeg could not read a file as audio."""


def decode(
    path: str | Path, *, sample_rate: int = MIX_RATE, max_seconds: float | None = None
) -> np.ndarray:
    """Decode any audio file ffmpeg understands to mono float32 at `sample_rate`."""
    if not Path(path).is_file():
        raise DecodeError(f"{path} does not exist")
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path)]
    if max_seconds is not None:
        command += ["-t", f"{max_seconds:.3f}"]
    command += ["-vn", "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]
    proc = subprocess.run(command, capture_output=True, check=False)
    if proc.returncode != 0:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()
        raise DecodeError(reason[-1] if reason else f"ffmpeg exited with {proc.returncode}")
    samples = np.frombuffer(proc.stdout, dtype=np.float32)
    if samples.size == 0:
        raise DecodeError("it holds no audio")
    return samples.copy()  # frombuffer gives a read-only view of the bytes


def read_wav(path: Path) -> np.ndarray:
    """A 16-bit mono WAV written by `write_wav_atomic`, as float32."""
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def wav_frames(path: Path) -> int:
    """The number of samples in a WAV file, read from its header alone."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes()


def write_wav_atomic(path: Path, samples: np.ndarray, sample_rate: int = MIX_RATE) -> None:
    """Write 16-bit mono WAV through a temporary file and a rename, so readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1.0, 32767 / 32768) * 32768.0).astype("<i2")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(pcm.tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def resample(samples: np.ndarray, from_rate: int, to_rate: int = MIX_RATE) -> np.ndarray:
    """Resample through ffmpeg's resampler (only voices not at the mix rate need this)."""
    if from_rate == to_rate:
        return samples
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
         "-f", "f32le", "-ar", str(from_rate), "-ac", "1", "-i", "-",
         "-ar", str(to_rate), "-f", "f32le", "-"],
        input=samples.astype(np.float32).tobytes(), capture_output=True, check=True,
    )  # fmt: skip
    return np.frombuffer(proc.stdout, dtype=np.float32).copy()


def fade_curves(n: int, fade_in: int, fade_out: int) -> list[tuple[int, np.ndarray]]:
    """The raised-cosine fades of `fade` on `n` samples, as (first sample, gains), in the
    order `fade` applies them: a stream applies each to the part of a block it covers."""
    fade_in, fade_out = min(fade_in, n), min(fade_out, n)
    curves = []
    if fade_in > 0:
        curves.append((0, 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fade_in, dtype=np.float32))))
    if fade_out > 0:
        curve = 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fade_out, dtype=np.float32))
        curves.append((n - fade_out, curve))
    return curves


def fade(samples: np.ndarray, fade_in: int, fade_out: int) -> np.ndarray:
    """Raised-cosine fades at both ends, in place; lengths in samples."""
    for start, curve in fade_curves(samples.size, fade_in, fade_out):
        samples[start : start + curve.size] *= curve
    return samples


def trim_silence(
    samples: np.ndarray,
    *,
    sample_rate: int = MIX_RATE,
    threshold_db: float = -45.0,
    keep_before_ms: int = TRIM_BEFORE_MS,
    keep_after_ms: int = TRIM_AFTER_MS,
) -> np.ndarray:
    """Cut leading and trailing silence: everything quieter than `threshold_db` below the peak.

    The same rule applies to every clip (TTS and recordings), so the measured length of a clip
    is the length of its speech plus the same small margins, and the timeline stays honest.
    """
    frame = max(1, sample_rate // 100)  # 10 ms
    n_frames = samples.size // frame
    if n_frames == 0:
        return samples[:0].copy()
    frames = samples[: n_frames * frame].reshape(n_frames, frame)
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    peak = float(np.max(np.abs(samples)))
    if peak <= 1e-6:
        return samples[:0].copy()
    loud = np.flatnonzero(rms > peak * 10 ** (threshold_db / 20))
    if loud.size == 0:
        return samples[:0].copy()
    start = max(0, loud[0] * frame - keep_before_ms * sample_rate // 1000)
    end = min(samples.size, (loud[-1] + 1) * frame + keep_after_ms * sample_rate // 1000)
    out = samples[start:end].astype(np.float32, copy=True)
    return fade(out, sample_rate // 200, sample_rate // 100)  # 5 ms in, 10 ms out: no clicks


def ms_to_samples(ms: int, sample_rate: int = MIX_RATE) -> int:
    return ms * sample_rate // 1000


SPEECH_RMS_DB = -20.0  # level of narration while speaking (RMS of the voiced 10 ms frames)
# narration peaks at most 9 dB over its level, so −16 LUFS fits under −1 dBTP
SPEECH_PEAK_DB = -11.0


def moving_average(values: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average over `width` (odd) samples; the ends average what exists."""
    half = width // 2
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    sums = np.cumsum(padded, dtype=np.float64)
    sums = np.concatenate([[0.0], sums])
    return ((sums[width:] - sums[:-width]) / width).astype(np.float32)


def minimum_filter(values: np.ndarray, width: int) -> np.ndarray:
    """Centred running minimum over `width` (odd) samples in O(n) (van Herk / Gil-Werman)."""
    half = width // 2
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    blocks = -(-padded.size // width)
    tail = np.full(blocks * width - padded.size, padded[-1], dtype=padded.dtype)
    grid = np.concatenate([padded, tail]).reshape(blocks, width)
    forward = np.minimum.accumulate(grid, axis=1).ravel()
    backward = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    n = values.size
    return np.minimum(backward[:n], forward[width - 1 : width - 1 + n])


def smooth_gain(wanted: np.ndarray, width: int) -> np.ndarray:
    """A click-free gain curve never above `wanted`: running minimum, then running mean."""
    return moving_average(minimum_filter(wanted, width), width)


def level_speech(samples: np.ndarray, sample_rate: int = MIX_RATE) -> np.ndarray:
    """Even out narration: gentle 3:1 compression of the loudest syllables, a common speaking
    level, and a smooth look-ahead limiter, so every clip sits at the same loudness with a
    peak-to-loudness ratio the final −16 LUFS / −1 dBTP target can take without audible limiting.
    """
    if samples.size < sample_rate // 50:
        return samples.astype(np.float32, copy=True)
    x = samples.astype(np.float32, copy=True)
    envelope = np.sqrt(moving_average(np.square(x), sample_rate // 100 | 1))  # 10 ms RMS
    voiced = envelope > envelope.max() * 10 ** (-35 / 20)
    level = float(np.sqrt(np.mean(np.square(x[voiced], dtype=np.float64))))
    threshold = np.float32(level * 10 ** (4 / 20))
    over = np.maximum(envelope / threshold, 1.0)
    x *= moving_average(over ** np.float32(1 / 3 - 1), sample_rate // 200 | 1)
    level = float(np.sqrt(np.mean(np.square(x[voiced], dtype=np.float64))))
    x *= np.float32(10 ** (SPEECH_RMS_DB / 20) / level)
    ceiling = np.float32(10 ** (SPEECH_PEAK_DB / 20))
    width = sample_rate // 400 | 1  # ~2.5 ms look-ahead and release
    wanted = np.minimum(1.0, ceiling / np.maximum(np.abs(x), 1e-9)).astype(np.float32)
    x *= smooth_gain(wanted, width)
    return x


def frame_levels_db(
    samples: np.ndarray, frame_ms: int = 10, sample_rate: int = MIX_RATE
) -> np.ndarray:
    """RMS level of consecutive `frame_ms` frames, in dBFS (about −120 for digital silence)."""
    frame = sample_rate * frame_ms // 1000
    n = samples.size // frame
    frames = samples[: n * frame].reshape(n, frame).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
