"""encode: every rendition from one mix, each by an ffmpeg of its own, described by size, hash
and type."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from audio_scripts.encode import Rendition, encode, parse_bitrate, plan_formats
from audio_scripts.loudness import measure
from audio_scripts.pcm import MIX_RATE, decode
from audio_scripts.stream import Stream, of_array, of_file, written


@pytest.fixture(scope="module")
def speechlike() -> np.ndarray:
    """Ten seconds of a warbling tone with syllable-like bursts."""
    t = np.arange(10 * MIX_RATE) / MIX_RATE
    bursts = (np.sin(2 * np.pi * 3 * t) > 0).astype(np.float64)
    return (0.3 * bursts * np.sin(2 * np.pi * (180 + 40 * np.sin(2 * np.pi * t)) * t)).astype(
        np.float32
    )


def test_writes_each_format_with_its_size_hash_and_mime(
    speechlike: np.ndarray, tmp_path: Path
) -> None:
    renditions = encode(speechlike, tmp_path / "clip", ["aac", "opus", "mp3"])
    assert [(r.format, r.path.name, r.mime) for r in renditions] == [
        ("aac", "clip.m4a", "audio/mp4"),
        ("opus", "clip.opus", "audio/ogg"),
        ("mp3", "clip.mp3", "audio/mpeg"),
    ]
    for rendition in renditions:
        data = rendition.path.read_bytes()
        assert rendition.bytes == len(data)
        assert rendition.sha256 == hashlib.sha256(data).hexdigest()
        decoded = decode(rendition.path)
        assert abs(decoded.size - speechlike.size) * 1000 / MIX_RATE <= 50


def test_aac_is_always_written_and_first(speechlike: np.ndarray, tmp_path: Path) -> None:
    renditions = encode(speechlike, tmp_path / "clip", ["mp3"])
    assert [r.format for r in renditions] == ["aac", "mp3"]


def test_m4a_puts_its_index_first_so_playback_starts_at_once(
    speechlike: np.ndarray, tmp_path: Path
) -> None:
    data = encode(speechlike, tmp_path / "clip")[0].path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_default_bitrates_are_mono_speech_rates(speechlike: np.ndarray, tmp_path: Path) -> None:
    renditions = encode(speechlike, tmp_path / "clip", ["aac", "opus", "mp3"])
    nominal = {r.format: r.nominal_bitrate for r in renditions}
    assert nominal == {"aac": 64000, "opus": 32000, "mp3": 64000}


def test_a_configured_bitrate_is_used(speechlike: np.ndarray, tmp_path: Path) -> None:
    low = encode(speechlike, tmp_path / "low", ["mp3"], {"mp3": "32k"})[1]
    high = encode(speechlike, tmp_path / "high", ["mp3"], {"mp3": "128k"})[1]
    assert (low.nominal_bitrate, high.nominal_bitrate) == (32000, 128000)
    assert abs(low.bytes * 8 / 10 - 32000) < 32000 * 0.2
    assert high.bytes > 3 * low.bytes


def test_the_same_mix_encodes_to_the_same_bytes(speechlike: np.ndarray, tmp_path: Path) -> None:
    first = encode(speechlike, tmp_path / "a", ["aac", "opus", "mp3"])
    second = encode(speechlike, tmp_path / "b", ["aac", "opus", "mp3"])
    assert [r.sha256 for r in first] == [r.sha256 for r in second]


@pytest.mark.parametrize(("given", "bits"), [("64k", 64000), (48000, 48000), ("24000", 24000)])
def test_bitrates_are_read_in_bits_or_kilobits(given: str | int, bits: int) -> None:
    assert parse_bitrate(given) == bits


@pytest.mark.parametrize("given", ["fast", "1k", "1000k"])
def test_a_bad_bitrate_says_what_is_allowed(given: str) -> None:
    with pytest.raises(ValueError, match="bitrate"):
        parse_bitrate(given)


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown format 'wav': choose from aac, opus, mp3"):
        plan_formats(["wav"])


def test_a_renditions_bitrate_is_its_files_average(speechlike: np.ndarray, tmp_path: Path) -> None:
    mostly_silent = np.concatenate([speechlike[: 2 * MIX_RATE], np.zeros(8 * MIX_RATE, np.float32)])
    for rendition in encode(mostly_silent, tmp_path / "quiet", ["aac", "opus", "mp3"]):
        assert rendition.duration_ms == 10_000
        assert rendition.bitrate == round(rendition.path.stat().st_size * 8 / 10)
    aac = encode(mostly_silent, tmp_path / "again")[0]
    assert aac.bitrate < aac.nominal_bitrate / 2  # silence costs the encoder little


def test_the_mix_is_written_once_for_the_encoders_and_removed_after(
    speechlike: np.ndarray, tmp_path: Path
) -> None:
    fractions: list[float] = []
    encode(speechlike, tmp_path / "clip", ["aac", "opus", "mp3"], progress=fractions.append)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.m4a", "clip.mp3", "clip.opus"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_a_mix_already_in_a_file_is_read_from_it_and_left_there(
    speechlike: np.ndarray, tmp_path: Path
) -> None:
    kept = tmp_path / "mix.f32"
    for _ in written(of_array(speechlike).blocks(), kept):
        pass
    from_file = encode(of_file(kept, speechlike.size), tmp_path / "a", ["opus"])
    from_array = encode(speechlike, tmp_path / "b", ["opus"])
    assert kept.exists()
    assert [r.sha256 for r in from_file] == [r.sha256 for r in from_array]


def test_each_rendition_is_handed_on_as_its_encoder_finishes(
    speechlike: np.ndarray, tmp_path: Path
) -> None:
    seen: list[str] = []

    def then(rendition: Rendition) -> Rendition:
        assert rendition.path.exists()  # its file is whole by now
        seen.append(rendition.format)
        return rendition

    renditions = encode(speechlike, tmp_path / "clip", ["opus", "mp3"], then=then)
    assert sorted(seen) == ["aac", "mp3", "opus"]
    assert [r.format for r in renditions] == ["aac", "opus", "mp3"]


def test_encodes_from_one_base_at_once_each_read_their_own_samples(tmp_path: Path) -> None:
    # conform corrects several formats at once, all named from the same base: each encode must
    # read the samples it was given, even when both are written side by side
    first_written = {"loud": threading.Event(), "quiet": threading.Event()}

    def stream(name: str, other: str, level_db: float) -> Stream:
        t = np.arange(5 * MIX_RATE) / MIX_RATE
        pcm = (10 ** (level_db / 20) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)

        def play() -> Iterator[np.ndarray]:
            for start in range(0, pcm.size, 4096):
                yield pcm[start : start + 4096]
                if start == 0:  # both have begun writing before either goes on
                    first_written[name].set()
                    first_written[other].wait(10)

        return Stream(pcm.size, play)

    streams = {"opus": stream("loud", "quiet", -10.0), "mp3": stream("quiet", "loud", -30.0)}
    with ThreadPoolExecutor(2) as pool:
        done = list(
            pool.map(
                lambda fmt: encode(streams[fmt], tmp_path / "clip", [fmt], exactly=True)[0],
                ["opus", "mp3"],
            )
        )
    loud, quiet = (measure(rendition.path).integrated_lufs for rendition in done)
    assert loud - quiet == pytest.approx(20.0, abs=1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp3", "clip.opus"]
