"""The mix of a timeline, computed block by block: memory does not depend on the length.

Every event becomes a placement — its sound (a narration clip, a bell, a breath tone, a voice
prompt) at its `at_ms` — and the looped ambience is computed for any stretch from the decoded
loop. The mix of a block [a, b) is the sum of the placements that overlap it, in timeline order,
plus the ambience: sample for sample what one buffer of the whole length would hold. A sound is
made when the first block reaches it and dropped when the blocks have passed it; clips are
read from the disk cache, and the few distinct bells and tones are kept between passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .model import Breathe, Cue, Event, Script, Timeline
from .pcm import MIX_RATE, SPEECH_PEAK_DB, decode, fade, fade_curves, ms_to_samples
from .stream import BLOCK, Stream
from .voices import Clip

VOICE_CUE_GAIN = 0.8  # prompts a little softer than the narration
# Breath tones sit about 6 LU under the voice. Loudness gating counts every block louder than
# 10 LU under the mean, so the tones are always counted, whatever share of the script they
# fill: tones near that gate made loudness jump by LUs between codecs and between passes.
TONE_PEAK_DB = -27.0
BELL_PEAK_DB = SPEECH_PEAK_DB - 1.0
AMBIENCE_RMS_DB = -42.0  # background: barely there
AMBIENCE_LOOP_SECONDS = 120.0  # at most this much of a background file is decoded and looped


# --- synthesised sounds ------------------------------------------------------------------


def bell(samples: int, *, sample_rate: int = MIX_RATE, pitch_hz: float = 432.0) -> np.ndarray:
    """A soft struck bell: inharmonic partials, each a slightly detuned pair that beats slowly,
    a 10 ms attack and exponential decays that reach silence by the end (with a final fade)."""
    t = np.arange(samples, dtype=np.float32) / np.float32(sample_rate)
    out = np.zeros(samples, dtype=np.float32)
    seconds = samples / sample_rate
    # (frequency ratio, amplitude, decay time as a share of the bell's length)
    for ratio, amplitude, decay in ((1.0, 1.0, 0.30), (2.76, 0.45, 0.16), (5.40, 0.22, 0.08),
                                    (8.93, 0.10, 0.05)):  # fmt: skip
        envelope = np.exp(-t / np.float32(max(0.05, decay * seconds)))
        frequency = pitch_hz * ratio
        for detune in (1.0, 1.0017):
            omega = np.float32(2 * np.pi * frequency * detune)
            out += np.float32(amplitude / 2) * envelope * np.sin(omega * t)
    fade(out, sample_rate // 100, min(samples // 4, sample_rate // 2))
    out *= np.float32(10 ** (BELL_PEAK_DB / 20) / max(float(np.max(np.abs(out))), 1e-9))
    return out


def breath_tone(
    samples: int, start_hz: float, end_hz: float, *, sample_rate: int = MIX_RATE
) -> np.ndarray:
    """A quiet glide from `start_hz` to `end_hz` with gentle fades: up for in, down for out."""
    if samples <= 0:
        return np.zeros(0, dtype=np.float32)
    seconds = samples / sample_rate
    t = np.arange(samples, dtype=np.float64) / sample_rate
    phase = 2 * np.pi * (start_hz * t + (end_hz - start_hz) * t * t / (2 * seconds))
    out = (np.sin(phase) + 0.25 * np.sin(2 * phase)).astype(np.float32)
    edge = min(samples // 3, int(0.8 * sample_rate))
    fade(out, edge, edge)
    out *= np.float32(10 ** (TONE_PEAK_DB / 20) / 1.25)
    return out


def _frozen(sound: np.ndarray) -> np.ndarray:
    sound.flags.writeable = False  # shared between passes and threads: nobody may change it
    return sound


# A script repeats the same few bells and tones (one breathing pattern, one bell length), so
# these are made once and shared by every pass and block; 16 sounds of a few seconds each.
_bell = lru_cache(maxsize=16)(lambda samples, rate: _frozen(bell(samples, sample_rate=rate)))
_tone = lru_cache(maxsize=16)(
    lambda samples, a, b, rate: _frozen(breath_tone(samples, a, b, sample_rate=rate))
)


class _Ambience:
    """A background sound looped with crossfades over the whole length, quiet, faded in and
    out; any stretch of it computed on demand from the decoded loop (at most two minutes)."""

    def __init__(self, path: Path, samples: int, sample_rate: int = MIX_RATE) -> None:
        loop = decode(path, sample_rate=sample_rate, max_seconds=AMBIENCE_LOOP_SECONDS)
        rms = float(np.sqrt(np.mean(np.square(loop, dtype=np.float64))))
        self.silent = rms < 1e-6
        loop *= np.float32(10 ** (AMBIENCE_RMS_DB / 20) / max(rms, 1e-9))
        cross = min(sample_rate, loop.size // 4)
        fade(loop, cross, cross)  # raised-cosine halves sum to one where the loops overlap
        self.loop, self.step, self.samples = loop, max(1, loop.size - cross), samples
        # the fades of the whole, in the order they apply
        self.fades = fade_curves(samples, 0, cross) if loop.size >= samples else []
        edge = min(samples // 4, 3 * sample_rate)
        self.fades += fade_curves(samples, edge, edge)

    def block(self, a: int, b: int) -> np.ndarray:
        out = np.zeros(b - a, dtype=np.float32)
        size = self.loop.size
        first = max(0, -(-(a - size + 1) // self.step))
        for start in range(first * self.step, min(b, self.samples), self.step):
            piece = self.loop[: self.samples - start]
            lo, hi = max(a, start), min(b, start + piece.size)
            if hi > lo:
                out[lo - a : hi - a] += piece[lo - start : hi - start]
        for start, curve in self.fades:
            lo, hi = max(a, start), min(b, start + curve.size)
            if hi > lo:
                out[lo - a : hi - a] *= curve[lo - start : hi - start]
        return out


# --- the mix -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Placement:
    at: int  # first sample
    span: int  # at most this many samples long
    make: Callable[[], np.ndarray]
    gain: float = 1.0


def _voice_cue_key(event: Event, previous: Event | None) -> str:
    second = event.type == "inhale" and previous is not None and previous.type == "inhale"
    return "inhale_again" if second else event.type


def _prompt(clip: Clip, length: int, sample_rate: int) -> Callable[[], np.ndarray]:
    def make() -> np.ndarray:
        sound = clip.load()[:length]
        return fade(sound, 0, min(sound.size, sample_rate // 20))  # a prompt cut short ends softly

    return make


def _placements(
    timeline: Timeline, script: Script, clips: Mapping[str, Clip],
    cue_clips: Mapping[str, Clip], sample_rate: int,
) -> list[_Placement]:  # fmt: skip
    """What sounds where, in timeline order (the order the mix adds them in)."""
    cues: dict[str, Cue] = {s.id: s.cue for s in script.segments if isinstance(s, Breathe)}
    placed: list[_Placement] = []
    previous: Event | None = None
    for event in timeline.events:
        at = ms_to_samples(event.at_ms, sample_rate)
        length = ms_to_samples(event.until_ms, sample_rate) - at
        cue = cues.get(event.segment_id or "", "none")
        make: Callable[[], np.ndarray] | None = None
        gain = 1.0
        if event.type == "say" and event.segment_id is not None:
            clip = clips[event.segment_id]
            make = lambda clip=clip, length=length: clip.load()[:length]  # noqa: E731
        elif event.type == "bell":
            make = lambda length=length: _bell(length, sample_rate)  # noqa: E731
        elif event.type in ("inhale", "exhale") and cue == "tone":
            glide = (196.0, 262.0) if event.type == "inhale" else (262.0, 196.0)
            if _voice_cue_key(event, previous) == "inhale_again":
                glide = (262.0, 294.0)
            make = lambda length=length, g=glide: _tone(length, *g, sample_rate)  # noqa: E731
        elif event.type in ("inhale", "hold", "exhale") and cue == "voice":
            prompt = cue_clips.get(_voice_cue_key(event, previous))
            if prompt is not None:
                make, gain = _prompt(prompt, length, sample_rate), VOICE_CUE_GAIN
        if make is not None and length > 0:
            placed.append(_Placement(at, length, make, gain))
        previous = event
    return placed


def _play(
    placed: list[_Placement], ambience: _Ambience | None, samples: int, block: int
) -> Iterator[np.ndarray]:
    by_start = sorted(range(len(placed)), key=lambda i: placed[i].at)
    upcoming = 0
    active: dict[int, np.ndarray | None] = {}  # placement -> its sound, once made
    for a in range(0, samples, block):
        b = min(samples, a + block)
        while upcoming < len(by_start) and placed[by_start[upcoming]].at < b:
            active[by_start[upcoming]] = None
            upcoming += 1
        out = np.zeros(b - a, dtype=np.float32)
        for i in sorted(active):  # timeline order, as one whole buffer would add them
            p = placed[i]
            if p.at + p.span <= a:
                del active[i]  # passed: its sound is dropped
                continue
            sound = active[i]
            if sound is None:
                sound = active[i] = p.make()
            lo, hi = max(a, p.at), min(b, p.at + sound.size)
            if hi > lo:
                part = sound[lo - p.at : hi - p.at]
                out[lo - a : hi - a] += part if p.gain == 1.0 else np.float32(p.gain) * part
        if ambience is not None:
            out += ambience.block(a, b)
        yield out


def mix_stream(
    timeline: Timeline,
    script: Script,
    clips: Mapping[str, Clip],
    cue_clips: Mapping[str, Clip] | None = None,
    *,
    background: Path | None = None,
    sample_rate: int = MIX_RATE,
    block: int = BLOCK,
) -> Stream:
    """The unnormalised mix of one timeline as a stream of exactly its duration. The
    background is decoded here, so a broken file fails before anything is played."""
    samples = ms_to_samples(timeline.duration_ms, sample_rate)
    placed = _placements(timeline, script, clips, cue_clips or {}, sample_rate)
    ambience = None
    if background is not None:
        ambience = _Ambience(background, samples, sample_rate)
        ambience = None if ambience.silent else ambience
    return Stream(samples, lambda: _play(placed, ambience, samples, block))


def mix(
    timeline: Timeline,
    script: Script,
    clips: Mapping[str, Clip],
    cue_clips: Mapping[str, Clip] | None = None,
    *,
    background: Path | None = None,
    sample_rate: int = MIX_RATE,
) -> np.ndarray:
    """The unnormalised mix of one timeline in one float32 buffer (short audio and tests)."""
    return mix_stream(
        timeline, script, clips, cue_clips, background=background, sample_rate=sample_rate
    ).collect()
