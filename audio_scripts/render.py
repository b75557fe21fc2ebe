"""Script -> finished audio: narration, timeline, mix, loudness, renditions, captions.

Each length is mixed into one preallocated float32 buffer of its final size — every event's
sound is added at its `at_ms` — so time and memory grow linearly with the length. The buffer is
normalised in place and piped once to ffmpeg, which writes every rendition in a single run;
then each file is measured and any that misses the loudness promise is encoded again
(`conform.py`, docs/audio.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .captions import captions
from .conform import conform
from .encode import ALWAYS, Rendition, plan_formats
from .loudness import Normalisation, normalise
from .model import Breathe, Cue, Event, Say, Script, Timeline
from .pcm import MIX_RATE, SPEECH_PEAK_DB, DecodeError, decode, fade, ms_to_samples
from .settings import BUILTIN_SOUNDS_DIR
from .timeline import build_timeline
from .voices import (
    Clip,
    NarrationStats,
    PiperNarrator,
    RecordingError,
    RenderError,
    load_recording,
    narrator_for,
)

Progress = Callable[[float], None]

VOICE_CUES = {"inhale": "Breathe in.", "inhale_again": "In again.", "hold": "Hold.",
              "exhale": "Breathe out."}  # fmt: skip
VOICE_CUE_GAIN = 0.8  # prompts a little softer than the narration
# Breath tones sit about 6 LU under the voice. Loudness gating counts every block louder than
# 10 LU under the mean, so the tones are always counted, whatever share of the script they
# fill: tones near that gate made loudness jump by LUs between codecs and between passes.
TONE_PEAK_DB = -27.0
BELL_PEAK_DB = SPEECH_PEAK_DB - 1.0
AMBIENCE_RMS_DB = -42.0  # background: barely there
AMBIENCE_LOOP_SECONDS = 120.0  # at most this much of a background file is decoded and looped

__all__ = [
    "RecordingError",
    "RenderError",
    "RenderResult",
    "VariantResult",
    "default_sounds_dir",
    "mix",
    "render_script",
]


@dataclass(frozen=True)
class VariantResult:
    length_minutes: int
    duration_ms: int
    timeline: Timeline
    renditions: list[Rendition]
    captions_path: Path
    timeline_path: Path
    captions_sha256: str = ""
    timeline_sha256: str = ""
    gain_db: float = 0.0  # what loudness normalisation applied

    def rendition(self, fmt: str) -> Rendition:
        return next(r for r in self.renditions if r.format == fmt)


@dataclass(frozen=True)
class RenderResult:
    slug: str
    variants: list[VariantResult]
    narration: NarrationStats = field(default_factory=NarrationStats)  # this render's TTS work

    def variant(self, length_minutes: int) -> VariantResult:
        return next(v for v in self.variants if v.length_minutes == length_minutes)


def default_sounds_dir() -> Path:
    """The built-in background sounds; callers pass `sounds_dir` (AudioSettings) for others."""
    return BUILTIN_SOUNDS_DIR


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


def ambience(path: Path, samples: int, *, sample_rate: int = MIX_RATE) -> np.ndarray:
    """A background sound looped with crossfades over `samples`, quiet, faded in and out."""
    loop = decode(path, sample_rate=sample_rate, max_seconds=AMBIENCE_LOOP_SECONDS)
    rms = float(np.sqrt(np.mean(np.square(loop, dtype=np.float64))))
    if rms < 1e-6:
        return np.zeros(samples, dtype=np.float32)
    loop *= np.float32(10 ** (AMBIENCE_RMS_DB / 20) / rms)
    cross = min(sample_rate, loop.size // 4)
    fade(loop, cross, cross)  # raised-cosine halves sum to one where the loops overlap
    out = np.zeros(samples, dtype=np.float32)
    step = max(1, loop.size - cross)
    for start in range(0, samples, step):
        piece = loop[: samples - start]
        out[start : start + piece.size] += piece
    if loop.size >= samples:  # no loop needed: the first copy was faded in, fade the end too
        fade(out, 0, cross)
    edge = min(samples // 4, 3 * sample_rate)
    fade(out, edge, edge)
    return out


# --- the mix -------------------------------------------------------------------------------


def _add(buffer: np.ndarray, at: int, sound: np.ndarray, gain: float = 1.0) -> None:
    end = min(buffer.size, at + sound.size)
    if end > at:
        if gain == 1.0:
            buffer[at:end] += sound[: end - at]
        else:
            buffer[at:end] += np.float32(gain) * sound[: end - at]


def _cues_by_segment(script: Script) -> dict[str, Cue]:
    return {s.id: s.cue for s in script.segments if isinstance(s, Breathe)}


def _voice_cue_key(event: Event, previous: Event | None) -> str:
    second = event.type == "inhale" and previous is not None and previous.type == "inhale"
    return "inhale_again" if second else event.type


def mix(
    timeline: Timeline,
    script: Script,
    clips: Mapping[str, Clip],
    cue_clips: Mapping[str, Clip] | None = None,
    *,
    background: Path | None = None,
    sample_rate: int = MIX_RATE,
) -> np.ndarray:
    """The unnormalised mix of one timeline: one float32 buffer of exactly its duration."""
    buffer = np.zeros(ms_to_samples(timeline.duration_ms, sample_rate), dtype=np.float32)
    cues = _cues_by_segment(script)
    cue_clips = cue_clips or {}
    previous: Event | None = None
    for event in timeline.events:
        at = ms_to_samples(event.at_ms, sample_rate)
        length = ms_to_samples(event.until_ms, sample_rate) - at
        cue = cues.get(event.segment_id or "", "none")
        if event.type == "say" and event.segment_id is not None:
            _add(buffer, at, clips[event.segment_id].load()[:length])
        elif event.type == "bell":
            _add(buffer, at, bell(length, sample_rate=sample_rate))
        elif event.type in ("inhale", "exhale") and cue == "tone":
            glide = (196.0, 262.0) if event.type == "inhale" else (262.0, 196.0)
            if _voice_cue_key(event, previous) == "inhale_again":
                glide = (262.0, 294.0)
            _add(buffer, at, breath_tone(length, *glide, sample_rate=sample_rate))
        elif event.type in ("inhale", "hold", "exhale") and cue == "voice":
            prompt = cue_clips.get(_voice_cue_key(event, previous))
            if prompt is not None:
                sound = prompt.load()[:length]
                fade(sound, 0, min(sound.size, sample_rate // 20))  # a prompt cut short ends softly
                _add(buffer, at, sound, VOICE_CUE_GAIN)
        previous = event
    if background is not None:
        _add(buffer, 0, ambience(background, buffer.size, sample_rate=sample_rate))
    return buffer


# --- narration -----------------------------------------------------------------------------


def _narration(
    script: Script,
    narrator: PiperNarrator,
    recordings: Mapping[str, str | Path],
    workdir: Path,
    progress: Progress,
) -> tuple[dict[str, Clip], dict[str, Clip]]:
    """Clips for every say segment and for the voice prompts the script needs.

    Recordings are decoded first, so a missing or broken one fails before any synthesis runs.
    """
    says = [s for s in script.segments if isinstance(s, Say)]
    clips: dict[str, Clip] = {}
    for say in says:
        source = recordings.get(say.id, say.recording)
        if source is not None:
            clips[say.id] = load_recording(say.id, source, workdir, line=say.line)
    prompts = _voice_prompts(script)
    total = max(1, len(says) + len(prompts))
    done = len(clips)
    for say in says:
        if say.id not in clips:
            clips[say.id] = narrator.speak(say.text)
            done += 1
            progress(done / total)
    cue_clips = {}
    for key in prompts:
        cue_clips[key] = narrator.speak(VOICE_CUES[key])
        done += 1
        progress(done / total)
    for say in says:
        if clips[say.id].samples == 0:
            raise RenderError(
                f"segment {say.id!r}: the voice produced no audio for {say.text!r}",
                line=say.line,
                segment_id=say.id,
            )
    return clips, cue_clips


def _voice_prompts(script: Script) -> list[str]:
    """The prompts (keys of VOICE_CUES) that the script's `cue: voice` breathing will speak."""
    needed: set[str] = set()
    for segment in script.segments:
        if isinstance(segment, Breathe) and segment.cue == "voice":
            pattern = segment.pattern
            needed |= {"inhale", "exhale"}
            if pattern.second_inhale > 0:
                needed.add("inhale_again")
            if pattern.hold_in > 0 or pattern.hold_out > 0:
                needed.add("hold")
    return [key for key in VOICE_CUES if key in needed]


# --- the public entry point ----------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _background_path(script: Script, sounds_dir: Path | None) -> Path | None:
    if script.background is None:
        return None
    path = (sounds_dir or default_sounds_dir()) / script.background
    if not path.is_file():
        raise RenderError(f"background {script.background!r} was not found in {path.parent}")
    return path


def render_script(
    script: Script,
    out_dir: str | Path,
    *,
    lengths: Sequence[int] | None = None,
    formats: Iterable[str] = (ALWAYS,),
    bitrates: Mapping[str, int | str] | None = None,
    recordings: Mapping[str, str | Path] | None = None,
    narrator: PiperNarrator | None = None,
    progress: Progress | None = None,
    sounds_dir: Path | None = None,
) -> RenderResult:
    """Render `script` at each length (default: all of the script's lengths) into `out_dir`.

    Per length writes `<slug>-<n>min.m4a` (+ `.opus`, `.mp3` when asked), `.vtt` and `.json`
    (the timeline). `recordings` maps say segment ids to audio files that replace the TTS.
    Everything is rendered in a temporary folder and moved into `out_dir` only when all lengths
    have succeeded, so a failure leaves `out_dir` untouched. `progress` receives 0–1.

    Raises RenderError (RecordingError for a recording) or ScriptInvalid for a length that
    cannot fit; ValueError for an unknown format or a bad bitrate.
    """
    report = progress or (lambda _fraction: None)
    wanted = list(lengths) if lengths else list(script.lengths)
    if not wanted:
        raise ValueError("no lengths to render")
    formats = plan_formats(formats)
    background = _background_path(script, sounds_dir)
    narrator = narrator or narrator_for(script.voice)
    before = narrator.stats.copy()
    out_dir = Path(out_dir)
    report(0.0)

    with tempfile.TemporaryDirectory(prefix="interlude-render-") as tmp:
        workdir = Path(tmp)
        narration_share = 0.15
        clips, cue_clips = _narration(
            script, narrator, recordings or {}, workdir, lambda f: report(narration_share * f)
        )
        speech_ms = {segment_id: clip.ms for segment_id, clip in clips.items()}
        timelines = [build_timeline(script, minutes, speech_ms) for minutes in wanted]

        total_ms = sum(t.duration_ms for t in timelines)
        done_ms = 0
        staged: list[tuple[VariantResult, list[Path]]] = []
        for timeline in timelines:
            share = (1 - narration_share) * timeline.duration_ms / total_ms
            start = narration_share + (1 - narration_share) * done_ms / total_ms

            def step(fraction: float, start: float = start, share: float = share) -> None:
                report(min(1.0, start + share * fraction))

            staged.append(
                _render_variant(
                    script, timeline, clips, cue_clips, background, workdir, formats, bitrates, step
                )
            )
            done_ms += timeline.duration_ms

        out_dir.mkdir(parents=True, exist_ok=True)
        variants = []
        for variant, files in staged:
            for path in files:
                shutil.move(path, out_dir / path.name)
            variants.append(_relocated(variant, out_dir))
    report(1.0)
    return RenderResult(script.slug, variants, narrator.stats.since(before))


def _render_variant(
    script: Script,
    timeline: Timeline,
    clips: Mapping[str, Clip],
    cue_clips: Mapping[str, Clip],
    background: Path | None,
    workdir: Path,
    formats: list[str],
    bitrates: Mapping[str, int | str] | None,
    step: Progress,
) -> tuple[VariantResult, list[Path]]:
    base = workdir / f"{script.slug}-{timeline.length_minutes}min"
    try:
        pcm = mix(timeline, script, clips, cue_clips, background=background)
    except DecodeError as exc:
        raise RenderError(f"background {script.background!r} could not be decoded ({exc})") from exc
    step(0.05)
    levelled: Normalisation = normalise(pcm)
    step(0.12)
    renditions = conform(pcm, base, formats, bitrates, progress=lambda f: step(0.12 + 0.86 * f))
    del pcm
    captions_path = base.with_name(base.name + ".vtt")
    captions_path.write_text(captions(timeline), encoding="utf-8")
    timeline_path = base.with_name(base.name + ".json")
    timeline_json = json.dumps(timeline.as_json(), separators=(",", ":"))
    timeline_path.write_text(timeline_json, encoding="utf-8")
    step(1.0)
    variant = VariantResult(
        length_minutes=timeline.length_minutes,
        duration_ms=timeline.duration_ms,
        timeline=timeline,
        renditions=renditions,
        captions_path=captions_path,
        timeline_path=timeline_path,
        captions_sha256=_sha256(captions_path),
        timeline_sha256=_sha256(timeline_path),
        gain_db=levelled.gain_db,
    )
    return variant, [*(r.path for r in renditions), captions_path, timeline_path]


def _relocated(variant: VariantResult, out_dir: Path) -> VariantResult:
    return replace(
        variant,
        renditions=[replace(r, path=out_dir / r.path.name) for r in variant.renditions],
        captions_path=out_dir / variant.captions_path.name,
        timeline_path=out_dir / variant.timeline_path.name,
    )
