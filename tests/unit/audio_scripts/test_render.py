"""render_script: decode what was rendered and check it against its own timeline."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from audio_scripts import RenderResult, Script, parse, render_script
from audio_scripts.loudness import measure
from audio_scripts.model import Event
from audio_scripts.pcm import MIX_RATE, decode
from audio_scripts.pcm import frame_levels_db as frame_db
from audio_scripts.voices import PiperNarrator, RecordingError

from .conftest import ToneFile

SCRIPT = """\
slug: test-minute
title: A test minute
kind: breathing
summary: Everything the renderer can do, in one minute.
language: en
voice: default
lengths: [1]
segments:
  - bell: {seconds: 3}
  - say: Welcome. Let yourself arrive.
    id: welcome
  - pause: 2s
  - breathe: {pattern: [2, 1, 3, 1], cycles: 1, cue: tone}
    id: tones
  - say: Now a voice will guide you.
    id: guide
  - breathe: {pattern: [2, 0, 3, 0], cycles: 1, cue: voice}
    id: voiced
  - pause: {min: 2s, weight: 1}
  - say: Well done.
    id: end
"""

FORMATS = ("aac", "opus", "mp3")
TOLERANCE_MS = 50
LOUD_DB = -45.0  # a frame this loud holds sound
QUIET_DB = -60.0  # a frame under this is (near) silence


@pytest.fixture(scope="module")
def script() -> Script:
    return parse(SCRIPT)


@pytest.fixture(scope="module")
def rendered(
    script: Script, narrator: PiperNarrator, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RenderResult, Path, list[float]]:
    out = tmp_path_factory.mktemp("rendered")
    seen: list[float] = []
    result = render_script(script, out, formats=FORMATS, narrator=narrator, progress=seen.append)
    return result, out, seen


@pytest.fixture(scope="module")
def decoded(rendered: tuple[RenderResult, Path, list[float]]) -> np.ndarray:
    result, _, _ = rendered
    return decode(result.variant(1).rendition("aac").path)


def _window(samples: np.ndarray, start_ms: int, end_ms: int) -> np.ndarray:
    return samples[start_ms * MIX_RATE // 1000 : end_ms * MIX_RATE // 1000]


def _loud_frames_ms(samples: np.ndarray, event: Event) -> np.ndarray:
    """Start times (ms) of the loud 10 ms frames within an event."""
    levels = frame_db(_window(samples, event.at_ms, event.until_ms))
    return event.at_ms + 10 * np.flatnonzero(levels > LOUD_DB)


def test_writes_every_rendition_captions_and_timeline_named_by_slug_and_length(
    rendered: tuple[RenderResult, Path, list[float]],
) -> None:
    _, out, _ = rendered
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "test-minute-1min.json",
        "test-minute-1min.m4a",
        "test-minute-1min.mp3",
        "test-minute-1min.opus",
        "test-minute-1min.vtt",
    ]


def test_result_describes_each_file_by_size_hash_and_type(
    rendered: tuple[RenderResult, Path, list[float]],
) -> None:
    result, _, _ = rendered
    variant = result.variant(1)
    assert {r.format: r.mime for r in variant.renditions} == {
        "aac": "audio/mp4",
        "opus": "audio/ogg",
        "mp3": "audio/mpeg",
    }
    for rendition in variant.renditions:
        data = rendition.path.read_bytes()
        assert rendition.bytes == len(data)
        assert rendition.sha256 == hashlib.sha256(data).hexdigest()
    assert variant.timeline_sha256 == hashlib.sha256(variant.timeline_path.read_bytes()).hexdigest()
    assert variant.captions_sha256 == hashlib.sha256(variant.captions_path.read_bytes()).hexdigest()


def test_timeline_json_lasts_exactly_the_length_with_contiguous_events(
    rendered: tuple[RenderResult, Path, list[float]],
) -> None:
    result, _, _ = rendered
    document = json.loads(result.variant(1).timeline_path.read_text())
    assert document["duration_ms"] == 60_000 == result.variant(1).duration_ms
    events = document["events"]
    assert events[0]["at_ms"] == 0 and events[-1]["until_ms"] == 60_000
    assert all(a["until_ms"] == b["at_ms"] for a, b in itertools.pairwise(events))
    assert [e["text"] for e in events if e["type"] == "say"] == [
        "Welcome. Let yourself arrive.",
        "Now a voice will guide you.",
        "Well done.",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_rendition_lasts_as_long_as_its_timeline(
    rendered: tuple[RenderResult, Path, list[float]], fmt: str
) -> None:
    result, _, _ = rendered
    variant = result.variant(1)
    samples = decode(variant.rendition(fmt).path)
    assert abs(samples.size * 1000 / MIX_RATE - variant.duration_ms) <= TOLERANCE_MS


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_rendition_is_at_minus_16_lufs_with_true_peak_under_minus_1_dbtp(
    rendered: tuple[RenderResult, Path, list[float]], fmt: str
) -> None:
    result, _, _ = rendered
    loudness = measure(result.variant(1).rendition(fmt).path)
    assert -17.0 <= loudness.integrated_lufs <= -15.0
    assert loudness.true_peak_dbtp <= -1.0


def test_speech_fills_its_event_from_start_to_end(
    rendered: tuple[RenderResult, Path, list[float]], decoded: np.ndarray
) -> None:
    result, _, _ = rendered
    for event in (e for e in result.variant(1).timeline.events if e.type == "say"):
        loud = _loud_frames_ms(decoded, event)
        assert loud.size, f"no sound during {event.text!r}"
        assert int(loud[0]) - event.at_ms <= TOLERANCE_MS, event
        assert event.until_ms - (int(loud[-1]) + 10) <= TOLERANCE_MS, event


def test_bells_sound_from_their_start(
    rendered: tuple[RenderResult, Path, list[float]], decoded: np.ndarray
) -> None:
    result, _, _ = rendered
    bells = [e for e in result.variant(1).timeline.events if e.type == "bell"]
    assert bells
    for event in bells:
        loud = _loud_frames_ms(decoded, event)
        assert loud.size and int(loud[0]) - event.at_ms <= TOLERANCE_MS


def test_pauses_and_holds_are_near_silent_so_no_sound_spills_past_its_event(
    rendered: tuple[RenderResult, Path, list[float]], decoded: np.ndarray
) -> None:
    result, _, _ = rendered
    quiet = [e for e in result.variant(1).timeline.events if e.type in ("pause", "hold")]
    assert quiet
    for event in quiet:
        levels = frame_db(_window(decoded, event.at_ms + TOLERANCE_MS, event.until_ms))
        assert levels.max() < QUIET_DB, event


def test_tone_cues_sound_softly_on_each_breath(
    rendered: tuple[RenderResult, Path, list[float]], decoded: np.ndarray
) -> None:
    result, _, _ = rendered
    breaths = [
        e
        for e in result.variant(1).timeline.events
        if e.segment_id == "tones" and e.type in ("inhale", "exhale")
    ]
    assert len(breaths) == 2
    # The voice's own level in this render: the mix's gain moves voice and tones together, and
    # Piper's synthesis varies a little from run to run, so the tones are judged against it.
    says = [e for e in result.variant(1).timeline.events if e.type == "say"]
    voice = float(
        np.median(
            np.concatenate([frame_db(_window(decoded, e.at_ms, e.until_ms), 400) for e in says])
        )
    )
    for event in breaths:
        middle = (event.at_ms + event.until_ms) // 2
        level = frame_db(_window(decoded, middle - 200, middle + 200), 400)[0]
        assert -45.0 < level < voice - 5.0, (event, level, voice)  # audible, well under the voice


def test_voice_cues_speak_at_the_start_of_each_phase(
    rendered: tuple[RenderResult, Path, list[float]], decoded: np.ndarray
) -> None:
    result, _, _ = rendered
    phases = [e for e in result.variant(1).timeline.events if e.segment_id == "voiced"]
    assert [e.type for e in phases] == ["inhale", "exhale"]
    for event in phases:
        levels = frame_db(_window(decoded, event.at_ms, event.at_ms + 800))
        assert levels.max() > -30.0, event


def test_progress_rises_from_zero_to_one(rendered: tuple[RenderResult, Path, list[float]]) -> None:
    _, _, seen = rendered
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(a <= b for a, b in itertools.pairwise(seen))


def test_a_second_render_takes_every_sentence_from_the_cache(
    script: Script, narrator: PiperNarrator, rendered: object, tmp_path: Path
) -> None:
    again = render_script(script, tmp_path, narrator=narrator)
    assert again.narration.synthesised == 0
    assert again.narration.cached == 4 + 2  # four sentences in three says, two voice prompts


def test_a_later_process_reuses_the_cache_without_loading_the_voice(
    script: Script, tts_cache: Path, rendered: object, tmp_path: Path
) -> None:
    fresh = PiperNarrator(cache_dir=tts_cache)
    result = render_script(script, tmp_path, narrator=fresh)
    assert result.narration.synthesised == 0
    assert not fresh.model_loaded


def test_a_recording_replaces_the_tts_of_its_segment(
    script: Script, narrator: PiperNarrator, tmp_path: Path, tone_file: ToneFile
) -> None:
    tone = tone_file("welcome.wav", hz=1000.0, seconds=2.0)
    result = render_script(
        script, tmp_path / "out", narrator=narrator, recordings={"welcome": tone}
    )
    variant = result.variant(1)
    event = next(e for e in variant.timeline.events if e.segment_id == "welcome")
    assert abs((event.until_ms - event.at_ms) - 2000) <= TOLERANCE_MS
    heard = _window(decode(variant.rendition("aac").path), event.at_ms + 100, event.until_ms - 100)
    spectrum = np.abs(np.fft.rfft(heard))
    assert abs(np.fft.rfftfreq(heard.size, 1 / MIX_RATE)[spectrum.argmax()] - 1000.0) < 5.0


def test_a_missing_recording_names_its_segment_and_line_and_writes_nothing(
    script: Script, narrator: PiperNarrator, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with pytest.raises(RecordingError) as raised:
        render_script(
            script, out, narrator=narrator, recordings={"guide": tmp_path / "nowhere.wav"}
        )
    assert "'guide'" in str(raised.value) and "not found" in str(raised.value)
    assert raised.value.segment_id == "guide"
    assert raised.value.line == 15  # where the say segment starts
    assert not out.exists()


def test_an_undecodable_recording_is_an_error_and_writes_nothing(
    script: Script, narrator: PiperNarrator, tmp_path: Path
) -> None:
    fake = tmp_path / "guide.wav"
    fake.write_text("this is not audio")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RecordingError, match=r"'guide'.*could not be decoded"):
        render_script(script, out, narrator=narrator, recordings={"guide": fake})
    assert list(out.iterdir()) == []
