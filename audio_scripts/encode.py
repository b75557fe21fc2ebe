"""Renditions through ffmpeg: AAC in m4a (always), Opus in Ogg, MP3.

The mix is played once into a file of raw samples beside the renditions, and each format is
encoded from that file by an ffmpeg of its own, all at once. The encoders run at their own
pace (Opus takes about twice as long as AAC and three times MP3), so a quick one finishes, and
its file is measured (`then`), while a slow one is still at work; the mix is never held in
memory, and nothing is computed twice.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .pcm import MIX_RATE, ffmpeg_exe
from .stream import Stream, of_array, written


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    mime: str
    default_bitrate: int  # bits per second; mono speech defaults
    options: tuple[str, ...]


# At speech bitrates the encoders' quantisation noise near the top of the band overshot the true
# peak by 2–3 dB here; a low-pass before each (9 kHz AAC and Opus, 7.5 kHz MP3: plenty for a
# voice and a bell) keeps the overshoot under the 2 dB of headroom the loudness ceiling leaves.
# Opus without it read −0.9 dBTP from a −3.5 dBTP mix on the bench's hour, with it −1.9.
_SPEECH_BAND = ("-af", "lowpass=f=9000:p=2")
# LAME at speech bitrates gives back audio ~0.4 LU quieter than it was fed (the bench's hour:
# −0.43 at 64k), so its chain turns the mix up by half of that: the first MP3 lands near −16.2,
# well within the bounds, with its peaks 0.2 dB further from the limit than a full make-up
# would leave them (MP3 overshoots the most). Its -q 2 (LAME's recommended quality; ffmpeg
# leaves LAME at 3) overshot 0.4 dB less there, for ~10% more of the MP3 encoder's time.
_MP3_BAND = ("-af", "lowpass=f=7500:p=2,volume=0.2dB")
_MP3_QUALITY = ("-compression_level", "2")

FORMATS: dict[str, Format] = {
    # faststart puts the index first, so playback starts before the whole file has arrived
    "aac": Format(
        "aac", "m4a", "audio/mp4", 64_000, (*_SPEECH_BAND, "-c:a", "aac", "-movflags", "+faststart")
    ),
    # libopus takes 8–48 kHz; 24 kHz keeps the voice's full band at the lowest cost
    "opus": Format(
        "opus", "opus", "audio/ogg", 32_000, (*_SPEECH_BAND, "-c:a", "libopus", "-ar", "24000")
    ),
    "mp3": Format(
        "mp3", "mp3", "audio/mpeg", 64_000, (*_MP3_BAND, "-c:a", "libmp3lame", *_MP3_QUALITY)
    ),
}
ALWAYS = "aac"


@dataclass(frozen=True)
class Rendition:
    format: str
    nominal_bitrate: int  # bits per second asked of the encoder
    path: Path
    bytes: int
    sha256: str
    mime: str
    duration_ms: int  # of the audio it holds
    integrated_lufs: float = float("nan")  # measured on the file, once conformed
    true_peak_dbtp: float = float("nan")

    @property
    def bitrate(self) -> int:
        """The file's real average in bits per second: bytes × 8 / duration. Silence costs
        the encoders little, so a quiet exercise averages well under its nominal bitrate."""
        return round(self.bytes * 8 * 1000 / self.duration_ms) if self.duration_ms else 0


class EncodeError(Exception):
    pass


def parse_bitrate(value: int | str) -> int:
    """64000, "64000", "64k" -> 64000."""
    text = str(value).strip().lower()
    try:
        bits = int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)
    except ValueError:
        raise ValueError(f"bitrate {value!r} is not a number of bits per second like 64k") from None
    if not 6_000 <= bits <= 320_000:
        raise ValueError(f"bitrate {value!r} must be between 6k and 320k")
    return bits


def plan_formats(formats: Iterable[str]) -> list[str]:
    """The formats to write, AAC first and always, each once; unknown names are an error."""
    wanted = [ALWAYS, *(f.strip().lower() for f in formats if f.strip())]
    for name in wanted:
        if name not in FORMATS:
            raise ValueError(f"unknown format {name!r}: choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(wanted))


def encode_command(
    input_args: list[str],
    base: Path,
    formats: Iterable[str],
    bitrates: Mapping[str, int | str] | None = None,
    *,
    exactly: bool = False,
) -> tuple[list[str], list[tuple[Format, int, Path]]]:
    """The single ffmpeg command writing `base.<ext>` for every format (AAC added unless
    `exactly`), and what it writes."""
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *input_args]
    planned: list[tuple[Format, int, Path]] = []
    for name in list(formats) if exactly else plan_formats(formats):
        fmt = FORMATS[name]
        bitrate = parse_bitrate((bitrates or {}).get(name, fmt.default_bitrate))
        path = base.with_name(f"{base.name}.{fmt.extension}")
        # no encoder/muxer version tags: the same mix gives the same bytes (content addressing)
        command += ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
        command += [*fmt.options, "-ac", "1", "-b:a", str(bitrate), str(path)]
        planned.append((fmt, bitrate, path))
    return command, planned


def describe(planned: list[tuple[Format, int, Path]], duration_ms: int) -> list[Rendition]:
    renditions = []
    for fmt, bitrate, path in planned:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        renditions.append(
            Rendition(fmt.name, bitrate, path, len(data), digest, fmt.mime, duration_ms)
        )
    return renditions


def encode(
    source: np.ndarray | Stream,
    base: Path,
    formats: Iterable[str] = (ALWAYS,),
    bitrates: Mapping[str, int | str] | None = None,
    *,
    sample_rate: int = MIX_RATE,
    progress: Callable[[float], None] | None = None,
    exactly: bool = False,
    then: Callable[[Rendition], Rendition] | None = None,
) -> list[Rendition]:
    """Encode mono float32 PCM (an array or a stream, played once into a file unless it is
    read from one already) to `base.m4a` (+ `.opus`, `.mp3`; AAC is added unless `exactly`),
    reporting progress 0–1 from the calling thread.
    `then`, when given, is applied to each rendition in its encoder's thread as soon as that
    encoder is done (to measure its file while the others still run)."""
    stream = source if isinstance(source, Stream) else of_array(source)
    names = list(formats) if exactly else plan_formats(formats)
    feed = stream.path or _feed_path(base)
    done = [0.0] * len(names)
    try:
        if stream.path is None:
            for _ in written(stream.blocks(), feed):
                pass
        raw_input = ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", str(feed)]
        jobs = []
        with ThreadPoolExecutor(len(names)) as pool:
            for slot, name in enumerate(names):
                command, planned = encode_command(raw_input, base, [name], bitrates, exactly=True)
                jobs.append(pool.submit(_encode_one, command, planned, stream.samples,
                                        sample_rate, done, slot, then))  # fmt: skip
            while wait(jobs, timeout=0.5).not_done:
                if progress:
                    progress(sum(done) / len(done))
        renditions = [job.result() for job in jobs]
    finally:
        if stream.path is None:
            feed.unlink(missing_ok=True)
    if progress:
        progress(1.0)
    return renditions


def _feed_path(base: Path) -> Path:
    """A new file beside `base` for the samples the encoders read: its own for each call, as
    corrections of several formats encode from the same `base` at once."""
    handle, name = tempfile.mkstemp(prefix=f"{base.name}.", suffix=".feed.f32", dir=base.parent)
    os.close(handle)
    return Path(name)


def _encode_one(
    command: list[str],
    planned: list[tuple[Format, int, Path]],
    samples: int,
    sample_rate: int,
    done: list[float],
    slot: int,
    then: Callable[[Rendition], Rendition] | None,
) -> Rendition:
    """Run one encoder, keeping done[slot] at the share of the audio it has written."""
    duration_us = max(1, samples * 1_000_000 // sample_rate)
    progress_args = ["-progress", "pipe:1", "-nostats"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [command[0], *progress_args, *command[1:]], stdout=subprocess.PIPE, stderr=log
        )
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                key, _, value = line.decode(errors="replace").strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    done[slot] = min(1.0, max(0.0, int(value) / duration_us))
        returncode = proc.wait()
        log.seek(0)
        errors = log.read().decode(errors="replace").strip()
    if returncode != 0:
        raise EncodeError(f"ffmpeg could not encode {planned[0][2].name}: {errors[-500:]}")
    rendition = describe(planned, samples * 1000 // sample_rate)[0]
    return then(rendition) if then else rendition
