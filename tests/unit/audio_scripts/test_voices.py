"""Narration: Piper TTS with an on-disk cache, and recordings that stand in for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_scripts import voices
from audio_scripts.pcm import MIX_RATE, TRIM_AFTER_MS, TRIM_BEFORE_MS, frame_levels_db
from audio_scripts.voices import (
    PiperNarrator,
    RecordingError,
    VoiceError,
    load_recording,
)

from .conftest import ToneFile


def test_speech_is_synthesised_once_then_read_from_the_cache(narrator: PiperNarrator) -> None:
    before = narrator.stats.copy()
    first = narrator.speak("The cache keeps this sentence.")
    second = narrator.speak("The cache keeps this sentence.")
    work = narrator.stats.since(before)
    assert (work.synthesised, work.cached) == (1, 1)
    assert first == second
    assert work.audio_seconds == pytest.approx(first.samples / MIX_RATE)
    # The time is recorded; how fast it is belongs to bench/render.py, not to a test (the
    # bound "faster than real time" failed at load 25, with the model loading in the span).
    assert work.synthesis_seconds > 0


def test_a_new_narrator_on_the_same_cache_does_not_load_the_model(
    narrator: PiperNarrator, tts_cache: Path
) -> None:
    narrator.speak("Loaded once, heard many times.")
    fresh = PiperNarrator(cache_dir=tts_cache)
    fresh.speak("Loaded once, heard many times.")
    assert (fresh.stats.synthesised, fresh.stats.cached) == (0, 1)
    assert not fresh.model_loaded


def test_other_settings_are_other_cache_entries(tts_cache: Path) -> None:
    slow = PiperNarrator(cache_dir=tts_cache, length_scale=1.3)
    normal = PiperNarrator(cache_dir=tts_cache)
    assert slow.cache_path("Slowly now.") != normal.cache_path("Slowly now.")
    assert normal.cache_path("Slowly now.") != normal.cache_path("Slowly now!")


def test_sentence_and_text_entries_have_their_own_keys_apart_from_format_1(
    narrator: PiperNarrator, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = {narrator.cache_path("Rest now."), narrator.sentence_path("Rest now.")}
    assert len(entries) == 2  # a one-sentence text is not its sentence: that one is levelled
    monkeypatch.setattr(voices, "CACHE_FORMAT", 1)  # the whole-text entries made before
    assert not entries & {narrator.cache_path("Rest now."), narrator.sentence_path("Rest now.")}


def test_cache_files_are_complete_wavs_with_no_temporary_files_left(
    narrator: PiperNarrator, tts_cache: Path
) -> None:
    clip = narrator.speak("Nothing half written.")
    assert clip.path.is_relative_to(tts_cache)
    assert clip.load().size == clip.samples
    assert not list(tts_cache.rglob(".tmp-*"))


def test_speech_is_trimmed_to_the_voice_with_the_same_short_margins(
    narrator: PiperNarrator,
) -> None:
    levels = frame_levels_db(narrator.speak("Trim the silence around me.").load())
    loud = np.flatnonzero(levels > levels.max() - 40)
    assert loud[0] * 10 <= TRIM_BEFORE_MS + 20
    assert (levels.size - 1 - loud[-1]) * 10 <= TRIM_AFTER_MS + 20


def test_an_unknown_voice_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match=r"nowhere\.onnx"):
        PiperNarrator(tmp_path / "nowhere.onnx", cache_dir=tmp_path)


def test_a_recording_is_decoded_to_the_mix_rate_and_levelled(
    tone_file: ToneFile, tmp_path: Path
) -> None:
    clip = load_recording("intro", tone_file("intro.wav", seconds=1.5, db=-30), tmp_path)
    assert abs(clip.ms - 1500) <= 50
    samples = clip.load()
    assert -24 < frame_levels_db(samples, 500).max() < -16  # brought up to the speaking level


def test_a_missing_recording_names_the_segment_and_line(tmp_path: Path) -> None:
    with pytest.raises(
        RecordingError, match=r"segment 'intro': recording .* was not found"
    ) as raised:
        load_recording("intro", tmp_path / "gone.wav", tmp_path, line=12)
    assert str(raised.value).startswith("line 12: ")


def test_a_file_that_is_not_audio_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.m4a"
    bogus.write_bytes(b"\x00\x01 definitely not audio" * 100)
    with pytest.raises(RecordingError, match=r"segment 'intro'.*could not be decoded"):
        load_recording("intro", bogus, tmp_path)
