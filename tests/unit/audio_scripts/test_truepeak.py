"""The true-peak meter reads the waveform between the samples, as BS.1770's true peak does."""

from __future__ import annotations

import math

import numpy as np
import pytest

from audio_scripts.pcm import MIX_RATE, fade
from audio_scripts.stream import of_array
from audio_scripts.truepeak import TruePeak


def _sine(cycles_per_sample: float, phase: float, amplitude: float = 0.5) -> np.ndarray:
    n = np.arange(MIX_RATE * 2)
    pcm = (amplitude * np.sin(2 * math.pi * cycles_per_sample * n + phase)).astype(np.float32)
    fade(pcm, MIX_RATE // 10, MIX_RATE // 10)  # an abrupt start rings between samples
    return pcm


def _read(pcm: np.ndarray, block: int) -> float:
    meter = TruePeak()
    passed = np.concatenate(list(meter.watch(of_array(pcm, block).blocks())))
    assert np.array_equal(passed, pcm)  # the stream goes by unchanged
    return meter.dbtp


def test_the_peak_between_samples_is_found() -> None:
    # a quarter of the sample rate, 45° off: every sample at 0.354, the wave itself at 0.5
    pcm = _sine(0.25, math.pi / 4)
    assert 20 * math.log10(float(np.max(np.abs(pcm)))) == pytest.approx(-9.03, abs=0.05)
    assert _read(pcm, 5000) == pytest.approx(20 * math.log10(0.5), abs=0.05)


@pytest.mark.parametrize("cycles_per_sample", [0.02, 0.11, 0.19, 0.27, 0.33, 0.4])
@pytest.mark.parametrize("phase", [0.0, 0.7, 2.1])
def test_a_sine_reads_its_own_amplitude_up_to_four_tenths_of_the_rate(
    cycles_per_sample: float, phase: float
) -> None:
    dbtp = _read(_sine(cycles_per_sample, phase), 4096)
    assert dbtp == pytest.approx(20 * math.log10(0.5), abs=0.1)


@pytest.mark.parametrize("block", [1, 7, 100, 65536, MIX_RATE * 2])
def test_the_reading_does_not_depend_on_the_block_size(block: int) -> None:
    rng = np.random.default_rng(5)
    pcm = _sine(0.13, 0.3) * np.float32(0.6) + rng.normal(0, 0.05, MIX_RATE * 2).astype(np.float32)
    assert _read(pcm, block) == pytest.approx(_read(pcm, 65536), abs=1e-6)


def test_silence_and_nothing_read_minus_infinity() -> None:
    assert _read(np.zeros(1000, dtype=np.float32), 300) == -math.inf
    meter = TruePeak()
    meter.close()
    assert meter.dbtp == -math.inf
