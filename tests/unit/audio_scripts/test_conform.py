"""The loudness promise holds for the files themselves: every format at low bitrates, for
tone-heavy, speech-heavy and mostly-silent scripts, measured by decoding what was rendered."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from audio_scripts import RenderResult, parse, render_script
from audio_scripts.conform import conform
from audio_scripts.loudness import measure
from audio_scripts.pcm import MIX_RATE
from audio_scripts.voices import PiperNarrator

from .reference import ffmpeg_loudness, normalise

FORMATS = ("aac", "opus", "mp3")
LOW_BITRATES = {"aac": "32k", "opus": "16k", "mp3": "32k"}

HEADER = """\
slug: {slug}
title: A test of loudness
kind: breathing
summary: A script shaped to be hard to bring to −16 LUFS.
language: en
voice: default
lengths: [{minutes}]
segments:
"""
SCRIPTS = {
    # four minutes almost all breath tones: the Opus true peak overshot here (−0.4 dBTP)
    "tone-heavy": (
        4,
        """\
  - say: Follow the tones. Breathe in as they rise and out as they fall.
  - breathe: {pattern: [4, 4, 4, 4], fill: 1, cue: tone}
  - say: Well done.
""",
    ),
    "speech-heavy": (
        1,
        """\
  - say: Welcome. Settle into a position where your chest and belly have room to move.
  - say: Close your eyes or keep a soft gaze, and stop whenever you need to, for any reason.
  - breathe: {pattern: [2, 0, 3, 0], cycles: 2, cue: voice}
  - say: Notice the places where your body meets the chair, the floor, or the bed.
  - say: There is nothing you need to achieve here. Just notice what is already happening.
  - pause: {min: 1s, weight: 1}
  - say: When the mind wanders, and it will, gently bring it back to the breath.
""",
    ),
    "mostly-silent": (
        3,
        """\
  - bell: {}
  - say: Rest in silence for a while.
  - pause: {min: 10s, weight: 1}
  - say: Gently come back.
  - bell: {}
""",
    ),
}


@pytest.fixture(scope="module", params=sorted(SCRIPTS))
def rendered(
    request: pytest.FixtureRequest,
    narrator: PiperNarrator,
    tmp_path_factory: pytest.TempPathFactory,
) -> RenderResult:
    minutes, segments = SCRIPTS[request.param]
    script = parse(HEADER.format(slug=request.param, minutes=minutes) + segments)
    out = tmp_path_factory.mktemp(request.param)
    return render_script(script, out, formats=FORMATS, bitrates=LOW_BITRATES, narrator=narrator)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_file_measures_minus_16_lufs_and_at_most_minus_1_dbtp(
    rendered: RenderResult, fmt: str
) -> None:
    rendition = rendered.variants[0].rendition(fmt)
    loudness = measure(rendition.path)
    # what the rendition reports is what its file measures
    assert (rendition.integrated_lufs, rendition.true_peak_dbtp) == (
        loudness.integrated_lufs,
        loudness.true_peak_dbtp,
    )
    # and ffmpeg, reading the file on its own, agrees that it keeps the promise
    integrated, true_peak = ffmpeg_loudness(rendition.path)
    assert -17.0 <= integrated <= -15.0, (fmt, integrated)
    assert true_peak <= -1.0, (fmt, true_peak)
    assert loudness.integrated_lufs == pytest.approx(integrated, abs=0.06)  # tenths, too
    assert loudness.true_peak_dbtp == pytest.approx(true_peak, abs=0.1)  # ffmpeg prints tenths


@pytest.mark.slow
def test_only_the_final_files_are_left(rendered: RenderResult) -> None:
    variant = rendered.variants[0]
    folder = variant.captions_path.parent
    stem = variant.captions_path.stem
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{stem}.{ext}" for ext in ("json", "m4a", "mp3", "opus", "vtt")
    )


def _clicks(seconds: float = 20.0) -> np.ndarray:
    """Bursts of noise with sharp clicks: at low bitrates Opus and MP3 encode it 1–2 LU quiet."""
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * MIX_RATE)) / MIX_RATE
    bursts = (np.sin(2 * math.pi * 0.5 * t) > 0).astype(np.float32)
    noise = rng.standard_normal(t.size).astype(np.float32) * 0.05 * bursts
    noise[:: MIX_RATE // 5] = 0.9
    return noise


def test_a_rendition_that_misses_is_encoded_again_within_the_bounds(tmp_path: Path) -> None:
    pcm = _clicks()
    normalise(pcm)
    unchanged = pcm.copy()
    renditions = conform(pcm, tmp_path / "clicks", FORMATS, LOW_BITRATES)
    for rendition in renditions:
        integrated, true_peak = ffmpeg_loudness(rendition.path)
        assert true_peak <= -1.0, rendition
        assert -17.0 <= integrated <= -15.0, rendition
    assert np.array_equal(pcm, unchanged)  # each correction works on its own copy, chunk by chunk


def test_silence_is_encoded_once_and_left_silent(tmp_path: Path) -> None:
    renditions = conform(np.zeros(MIX_RATE * 5, dtype=np.float32), tmp_path / "quiet", FORMATS)
    assert [r.format for r in renditions] == list(FORMATS)
    assert all(r.integrated_lufs <= -70 for r in renditions)
