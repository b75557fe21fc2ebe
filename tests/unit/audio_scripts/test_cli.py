"""`python -m audio_scripts validate FILE...`: output and exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audio_scripts.__main__ import main

from .conftest import ToneFile

VALID = """\
slug: quiet-minute
title: A quiet minute
kind: mindfulness
lengths: [5, 3, 10]
segments:
  - say: Let the breath come and go.
  - pause: {min: 4s}
  - bell: {}
"""

INVALID = VALID.replace("kind: mindfulness", "kind: calm").replace("pause: {min: 4s}", "pause: -3s")


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    path = tmp_path / "valid.yaml"
    path.write_text(VALID, encoding="utf-8")
    return path


@pytest.fixture
def invalid_file(tmp_path: Path) -> Path:
    path = tmp_path / "invalid.yaml"
    path.write_text(INVALID, encoding="utf-8")
    return path


def test_valid_file_prints_ok_with_its_lengths_and_exits_0(
    valid_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(valid_file)]) == 0
    assert capsys.readouterr().out == f"{valid_file}: ok (3 min, 5 min, 10 min)\n"


def test_invalid_file_prints_each_error_with_line_and_column_and_exits_1(
    invalid_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(invalid_file)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{invalid_file}:3:7: kind must be one of mindfulness, breathing, self-compassion, "
        'body-scan, grounding, sleep; got "calm"',
        f'{invalid_file}:7:12: pause must be at least 0.5s, got "-3s"',
    ]


def test_length_that_cannot_fit_is_reported_at_its_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(VALID.replace("pause: {min: 4s}", "pause: {min: 4m}"), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{path}:4:14: length 3 min cannot fit: the fixed parts and minimums")


def test_any_invalid_file_makes_the_run_fail(
    valid_file: Path, invalid_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(valid_file), str(invalid_file)]) == 1
    assert capsys.readouterr().out.startswith(f"{valid_file}: ok")


def test_missing_file_exits_2(
    valid_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert main(["validate", str(missing), str(valid_file)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{missing}: no such file\n"
    assert captured.out == f"{valid_file}: ok (3 min, 5 min, 10 min)\n"


def test_file_that_is_not_utf8_is_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: café".encode("latin-1"))
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == f"{path}:1:1: the file is not UTF-8 text\n"


def test_warnings_follow_the_ok_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "unfinished.yaml"
    path.write_text(VALID.replace("come and go.", "come and go"), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"{path}: warning: line 6: say text does not end with . ! or ?, "
        "so the voice may sound cut off"
    )


def test_no_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2


def test_module_runs_as_a_program(invalid_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "audio_scripts", "validate", str(invalid_file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{invalid_file}:7:12: pause must be at least 0.5s" in result.stdout


RENDERABLE = """\
slug: cli-render
title: A render from the command line
kind: mindfulness
lengths: [1]
background: hum.wav
segments:
  - say: Settle in. Notice the sound around you.
  - pause: {min: 2s, weight: 1}
"""


@pytest.fixture
def renderable(tmp_path: Path) -> Path:
    path = tmp_path / "render.yaml"
    path.write_text(RENDERABLE, encoding="utf-8")
    return path


def test_render_takes_its_settings_from_the_environment(
    renderable: Path,
    tmp_path: Path,
    tone_file: ToneFile,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    tone_file("hum.wav", seconds=4.0).rename(sounds / "hum.wav")
    monkeypatch.setenv("INTERLUDE_SOUNDS_DIR", str(sounds))
    monkeypatch.setenv("INTERLUDE_CACHE_DIR", str(tmp_path / "narration"))
    out = tmp_path / "out"
    assert main(["render", str(renderable), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "narration: 2 sentences synthesised, 0 from the cache" in printed
    assert len(list((tmp_path / "narration").rglob("*.wav"))) == 2 + 1  # sentences, the say
    assert (out / "cli-render-1min.m4a").is_file()


def test_render_looks_for_backgrounds_in_the_builtin_sounds_without_the_setting(
    renderable: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.delenv("INTERLUDE_SOUNDS_DIR", raising=False)
    assert main(["render", str(renderable), "--out", str(tmp_path / "out")]) == 1
    assert "background 'hum.wav' was not found in" in capsys.readouterr().err
