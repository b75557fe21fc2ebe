"""Streaming: the mix, the limiter and the peak meter give, block by block, what one whole
buffer gives, whatever the block size (including blocks that cut events and limiter windows),
and memory does not grow with the length."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from audio_scripts import build_timeline, parse
from audio_scripts.loudness import Limiter, normalised
from audio_scripts.mixing import AMBIENCE_LOOP_SECONDS, AMBIENCE_RMS_DB, _Ambience, mix_stream
from audio_scripts.pcm import MIX_RATE, decode, fade, write_wav_atomic
from audio_scripts.stream import of_array, rechunk
from audio_scripts.voices import Clip

from .reference import limit_true_peak, normalise

SCRIPT = """\
slug: stream-test
title: Streaming
kind: breathing
summary: Every kind of sound, overlapping block edges.
language: en
voice: default
lengths: [{minutes}]
segments:
  - bell: {{seconds: 3}}
  - say: Welcome.
    id: welcome
  - breathe: {{pattern: [2, 1, 3, 1], cycles: 2, cue: tone}}
  - say: Now a voice.
    id: guide
  - breathe: {{pattern: [2, 0, 3, 0], cycles: 2, cue: voice}}
  - pause: {{min: 2s, weight: 1}}
  - bell: {{}}
"""
# odd sizes cut events and the limiter's 65536-sample chunks and look-ahead anywhere
BLOCK_SIZES = [1, 997, 4096, 65535, 65536, 65600, 300_000]


def _sound(tmp_path: Path, name: str, seconds: float, hz: float, db: float = -12.0) -> Clip:
    t = np.arange(int(seconds * MIX_RATE)) / MIX_RATE
    samples = fade((10 ** (db / 20) * np.sin(2 * math.pi * hz * t)).astype(np.float32), 200, 200)
    path = tmp_path / f"{name}.wav"
    write_wav_atomic(path, samples)
    return Clip(path, samples.size)


Parts = tuple[dict[str, Clip], dict[str, Clip], Path]  # say clips, voice prompts, background


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    clips = {"welcome": _sound(tmp_path, "w", 2.5, 300), "guide": _sound(tmp_path, "g", 4, 500)}
    cue_clips = {key: _sound(tmp_path, key, 0.8, 700) for key in ("inhale", "exhale", "hold")}
    rng = np.random.default_rng(1)
    background = tmp_path / "rain.wav"
    write_wav_atomic(background, (rng.standard_normal(5 * MIX_RATE) * 0.1).astype(np.float32))
    return clips, cue_clips, background


def test_the_mix_is_the_same_in_blocks_of_any_size(parts: Parts) -> None:
    clips, cue_clips, background = parts
    script = parse(SCRIPT.format(minutes=1))
    timeline = build_timeline(script, 1, {k: c.ms for k, c in clips.items()})
    whole = mix_stream(
        timeline, script, clips, cue_clips, background=background, block=10**9
    ).collect()
    assert whole.size == timeline.duration_ms * MIX_RATE // 1000
    assert float(np.max(np.abs(whole))) > 0.2  # the sounds are there
    for block in BLOCK_SIZES[1:]:
        streamed = mix_stream(
            timeline, script, clips, cue_clips, background=background, block=block
        )
        assert np.array_equal(streamed.collect(), whole), block


def _old_ambience(path: Path, samples: int) -> np.ndarray:
    """The whole-buffer ambience the stream replaced, kept here as the reference."""
    loop = decode(path, max_seconds=AMBIENCE_LOOP_SECONDS)
    rms = float(np.sqrt(np.mean(np.square(loop, dtype=np.float64))))
    loop *= np.float32(10 ** (AMBIENCE_RMS_DB / 20) / rms)
    cross = min(MIX_RATE, loop.size // 4)
    fade(loop, cross, cross)
    out = np.zeros(samples, dtype=np.float32)
    for start in range(0, samples, max(1, loop.size - cross)):
        piece = loop[: samples - start]
        out[start : start + piece.size] += piece
    if loop.size >= samples:
        fade(out, 0, cross)
    edge = min(samples // 4, 3 * MIX_RATE)
    return fade(out, edge, edge)


@pytest.mark.parametrize("seconds", [3, 23])  # shorter than the loop, and looped four times
def test_the_looped_ambience_is_the_whole_buffer_one(parts: Parts, seconds: int) -> None:
    background = parts[2]
    samples = seconds * MIX_RATE
    ambience = _Ambience(background, samples)
    reference = _old_ambience(background, samples)
    for block in (1000, 65536, samples):
        pieces = [ambience.block(a, min(samples, a + block)) for a in range(0, samples, block)]
        assert np.array_equal(np.concatenate(pieces), reference), block


def _loud_clicks(seconds: float = 12.0) -> np.ndarray:
    """Noise with clicks far over the ceiling, some just either side of chunk edges."""
    rng = np.random.default_rng(5)
    pcm = (rng.standard_normal(int(seconds * MIX_RATE)) * 0.2).astype(np.float32)
    pcm[:: MIX_RATE // 3] = 0.95
    for edge in (65536, 131072, 196608):
        pcm[edge - 30 : edge + 30 : 7] = -0.99  # peaks inside the look-ahead across an edge
    return pcm


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_the_streamed_limiter_gives_the_whole_buffer_limiters_samples(block: int) -> None:
    source = _loud_clicks()
    whole = source.copy()
    touched = limit_true_peak(whole)
    assert touched > 0
    limiter = Limiter()
    streamed = np.concatenate(list(limiter.run(of_array(source, block).blocks())))
    assert np.array_equal(streamed, whole)
    assert limiter.touched == touched
    assert np.array_equal(source, _loud_clicks())  # the input is never changed


def test_rechunk_cuts_exact_chunks_with_what_follows() -> None:
    data = np.arange(10, dtype=np.float32)
    out = list(rechunk(of_array(data, 3).blocks(), 4, 2))
    assert [(c.tolist(), a.tolist()) for c, a in out] == [
        ([0, 1, 2, 3], [4, 5]),
        ([4, 5, 6, 7], [8, 9]),
        ([8, 9], []),
    ]


def test_normalising_a_stream_matches_normalising_its_buffer() -> None:
    pcm = _loud_clicks() * np.float32(0.3)
    result, stream = normalised(of_array(pcm, 12345))
    in_place = pcm.copy()
    assert normalise(in_place) == result
    assert np.array_equal(stream.collect(), in_place)
    assert result.output_lufs == pytest.approx(-16.0, abs=0.2)


def test_a_kept_normalised_mix_is_read_back_from_its_file(tmp_path: Path) -> None:
    pcm = _loud_clicks() * np.float32(0.3)
    plain_result, plain = normalised(of_array(pcm, 12345))
    kept_result, kept = normalised(of_array(pcm, 12345), keep=tmp_path / "mix.f32")
    assert kept_result == plain_result
    assert kept.path == tmp_path / "mix.f32"
    assert kept.path.stat().st_size == 4 * plain.samples
    assert np.array_equal(kept.collect(), plain.collect())


def test_mixing_an_hour_holds_a_few_blocks_not_the_hour(parts: Parts) -> None:
    clips, cue_clips, background = parts
    script = parse(SCRIPT.format(minutes=60))
    timeline = build_timeline(script, 60, {k: c.ms for k, c in clips.items()})
    stream = mix_stream(timeline, script, clips, cue_clips, background=background)
    tracemalloc.start()
    try:
        played = sum(block.size for block in stream.blocks())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert played == stream.samples == 60 * 60 * MIX_RATE
    assert peak < 20 * 2**20  # an hour of float32 is 318 MB
