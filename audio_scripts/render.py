"""Script -> finished audio: narration, timeline, mix, loudness, renditions, captions.

Each length is a stream of blocks (`mixing.py`): every block's mix is computed from the events
that overlap it, so memory does not depend on the length. The stream is played to measure its
loudness, then turned and limited in rounds until it lands on the target; the round that lands
is kept in a file, which an ffmpeg per format encodes from; each file is measured as its
encoder finishes, and any that misses the loudness promise is encoded again from the kept mix
(`loudness.py`, `encode.py`, `conform.py`, docs/audio.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .captions import captions
from .conform import conform
from .encode import ALWAYS, Rendition, plan_formats
from .loudness import normalised
from .mixing import mix, mix_stream
from .model import Breathe, Say, Script, Timeline
from .pcm import DecodeError
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
__all__ = [
    "RecordingError",
    "RenderError",
    "RenderResult",
    "VariantResult",
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
    path = (sounds_dir or BUILTIN_SOUNDS_DIR) / script.background  # else AudioSettings' own
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
    report(0.0)

    with tempfile.TemporaryDirectory(prefix="interlude-render-") as tmp:
        workdir = Path(tmp)
        clips, cue_clips = _narration(
            script, narrator, recordings or {}, workdir, lambda f: report(NARRATION_SHARE * f)
        )
        narrator.release()  # the mix and the encoders never need the model
        speech_ms = {segment_id: clip.ms for segment_id, clip in clips.items()}
        timelines = [build_timeline(script, minutes, speech_ms) for minutes in wanted]
        staged = []
        for timeline, step in zip(timelines, _length_progress(timelines, report), strict=True):
            staged.append(
                _render_variant(
                    script, timeline, clips, cue_clips, background, workdir, formats, bitrates, step
                )
            )
        variants = _move_into(staged, Path(out_dir))
    report(1.0)
    return RenderResult(script.slug, variants, narrator.stats.since(before))


NARRATION_SHARE = 0.15  # of the progress bar; the lengths share the rest by their duration


def _length_progress(timelines: Sequence[Timeline], report: Progress) -> list[Progress]:
    """One progress callback per length, each mapping its own 0–1 onto its share of the bar."""
    total_ms = sum(t.duration_ms for t in timelines)
    steps: list[Progress] = []
    done_ms = 0
    for timeline in timelines:
        share = (1 - NARRATION_SHARE) * timeline.duration_ms / total_ms
        start = NARRATION_SHARE + (1 - NARRATION_SHARE) * done_ms / total_ms

        def step(fraction: float, start: float = start, share: float = share) -> None:
            report(min(1.0, start + share * fraction))

        steps.append(step)
        done_ms += timeline.duration_ms
    return steps


def _move_into(
    staged: Sequence[tuple[VariantResult, list[Path]]], out_dir: Path
) -> list[VariantResult]:
    """Every length's files moved from the work folder into `out_dir`, once all succeeded."""
    out_dir.mkdir(parents=True, exist_ok=True)
    variants = []
    for variant, files in staged:
        for path in files:
            shutil.move(path, out_dir / path.name)
        variants.append(_relocated(variant, out_dir))
    return variants


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
        source = mix_stream(timeline, script, clips, cue_clips, background=background)
    except DecodeError as exc:
        raise RenderError(f"background {script.background!r} could not be decoded ({exc})") from exc
    step(0.05)
    kept = base.with_name(base.name + ".mix.f32")  # the normalised mix, read by every encoder
    levelled, stream = normalised(source, keep=kept)
    step(0.12)
    try:
        renditions = conform(
            stream, base, formats, bitrates, fed_lufs=levelled.output_lufs,
            progress=lambda f: step(0.12 + 0.86 * f),
        )  # fmt: skip
    finally:
        kept.unlink(missing_ok=True)
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
