"""Every built-in script renders at its shortest length, every format within ±0.5 LU of
−16 LUFS and under −1 dBTP, measured on the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_scripts import parse, render_script
from audio_scripts.loudness import measure
from audio_scripts.pcm import MIX_RATE, decode
from audio_scripts.voices import PiperNarrator

CONTENT = Path(__file__).resolve().parents[3] / "content"


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(CONTENT.glob("*.yaml")), ids=lambda p: p.stem)
def test_builtin_script_renders_to_its_length_at_minus_16_lufs(
    path: Path, narrator: PiperNarrator, tmp_path: Path
) -> None:
    script = parse(path.read_text(encoding="utf-8"))
    shortest = min(script.lengths)
    variant = render_script(
        script, tmp_path, lengths=[shortest], formats=("aac", "opus", "mp3"), narrator=narrator
    ).variants[0]
    assert abs(variant.duration_ms - shortest * 60_000) <= 0.02 * shortest * 60_000
    audio = variant.rendition("aac").path
    assert abs(decode(audio).size * 1000 / MIX_RATE - variant.duration_ms) <= 50
    for rendition in variant.renditions:
        loudness = measure(rendition.path)
        assert -16.5 <= loudness.integrated_lufs <= -15.5, (rendition.format, loudness)
        assert loudness.true_peak_dbtp <= -1.0, (rendition.format, loudness)
