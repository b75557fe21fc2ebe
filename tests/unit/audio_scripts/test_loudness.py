"""Loudness: ffmpeg's EBU R128 measurement and normalisation to −16 LUFS under the ceiling."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from audio_scripts.loudness import PCM_CEILING_DBTP, measure
from audio_scripts.pcm import MIX_RATE, write_wav_atomic

from .reference import normalise


def _sine(db: float, seconds: float = 5.0, hz: float = 997.0) -> np.ndarray:
    t = np.arange(int(seconds * MIX_RATE)) / MIX_RATE
    return (10 ** (db / 20) * np.sin(2 * math.pi * hz * t)).astype(np.float32)


def _speechlike(seconds: float = 30.0) -> np.ndarray:
    """Noisy bursts with sharp peaks, silences between: hard to bring to −16 LUFS cleanly."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * MIX_RATE)) / MIX_RATE
    bursts = (np.sin(2 * math.pi * 0.7 * t) > 0.2).astype(np.float32)
    noise = rng.standard_normal(t.size).astype(np.float32) * 0.05
    noise[:: MIX_RATE // 7] = 0.9  # clicks far above the body of the sound
    return noise * bursts


def test_a_full_scale_sine_measures_minus_3_lufs_as_bs1770_defines() -> None:
    loudness = measure(_sine(0.0))
    assert loudness.integrated_lufs == pytest.approx(-3.0, abs=0.2)
    assert loudness.true_peak_dbtp == pytest.approx(0.0, abs=0.2)


def test_a_file_and_its_pcm_measure_the_same(tmp_path: Path) -> None:
    pcm = _sine(-20.0)
    write_wav_atomic(tmp_path / "sine.wav", pcm)
    from_file, from_pcm = measure(tmp_path / "sine.wav"), measure(pcm)
    # the file holds 16-bit samples: the same to a hundredth
    assert from_file.integrated_lufs == pytest.approx(from_pcm.integrated_lufs, abs=0.01)
    assert from_file.true_peak_dbtp == pytest.approx(from_pcm.true_peak_dbtp, abs=0.01)


def test_normalise_reaches_minus_16_lufs_with_the_true_peak_under_the_ceiling() -> None:
    pcm = _speechlike()
    result = normalise(pcm)
    after = measure(pcm)
    assert after.integrated_lufs == pytest.approx(-16.0, abs=0.5)
    assert after.true_peak_dbtp <= PCM_CEILING_DBTP + 0.2
    assert result.limited_ms > 0  # the clicks had to be pulled down


def test_a_quiet_clean_tone_is_only_turned_up() -> None:
    pcm = _sine(-30.0)
    result = normalise(pcm)
    assert result.gain_db == pytest.approx(-16.0 - measure(_sine(-30.0)).integrated_lufs, abs=0.01)
    assert result.limited_ms == 0
    assert measure(pcm).integrated_lufs == pytest.approx(-16.0, abs=0.2)


def test_silence_is_left_alone() -> None:
    pcm = np.zeros(MIX_RATE * 3, dtype=np.float32)
    assert normalise(pcm).gain_db == 0.0
    assert not pcm.any()
