"""Render a realistic 30-minute script and compare the time with ffmpeg's own encoding floor.

    .venv/bin/python bench/render.py [--formats aac,opus,mp3] [--minutes 30]

1. Cold run (fresh TTS cache): gives the TTS real-time factor (synthesis s / audio s).
2. Warm run in a fresh subprocess (cache full): wall time and the render's own peak RSS.
3. The floor: ffmpeg alone encoding the same renditions from a WAV of the final mix.
Targets: warm wall / floor <= 1.5, peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "Welcome. Find a position that lets you be still and comfortable for a while.",
    "Let your eyes close, or rest your gaze softly on the floor in front of you.",
    "Notice the places where your body meets the chair, the floor, or the bed.",
    "There is nothing you need to achieve here. Just notice what is already happening.",
    "Bring your attention to the breath, wherever you feel it most clearly.",
    "Perhaps at the nostrils, the chest, or the belly rising and falling.",
    "When the mind wanders, and it will, gently bring it back to the breath.",
    "Each time you notice and return, that is the practice. Nothing has gone wrong.",
    "Now let the breath slow down a little, without forcing anything.",
    "Let the out-breath be a little longer than the in-breath.",
    "Now widen your attention to the whole body, sitting here and breathing.",
    "Notice any tension in the shoulders, the jaw, or the hands, and let it soften if it can.",
    "If a feeling is difficult, you might place a hand on your chest, as you would for a friend.",
    "You might say to yourself: this is hard right now, and I am not alone in this.",
    "Let sounds come and go around you, without needing to name them.",
    "Rest here for a while, simply breathing and being.",
]


def build_script(minutes: int) -> str:
    """~40 say segments, tone and voice breathing, flexible pauses and bells."""
    lines = [
        "slug: bench-long-practice",
        "title: A long practice",
        "kind: mindfulness",
        "summary: A long guided practice for benchmarking.",
        "language: en",
        "voice: default",
        f"lengths: [{minutes}]",
        "segments:",
        "  - bell: {}",
    ]
    for block in range(10):
        for i in range(4):
            text = SENTENCES[(block * 4 + i) % len(SENTENCES)]
            lines.append(f'  - say: "{text} ({block + 1}.{i + 1})"')
            lines.append("  - pause: 2s")
        cue = "voice" if block % 3 == 0 else "tone"
        lines.append(f"  - breathe: {{pattern: [4, 2, 6, 0], cycles: 4, cue: {cue}}}")
        lines.append(f"  - pause: {{min: 10s, weight: {1 + block % 3}}}")
    lines.append("  - bell: {}")
    return "\n".join(lines) + "\n"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def render_once(script_path: str, out_dir: str, formats: str) -> dict[str, float | int]:
    from audio_scripts import parse, render_script
    from audio_scripts.settings import AudioSettings
    from audio_scripts.voices import narrator_for

    script = parse(Path(script_path).read_text(encoding="utf-8"))
    settings = AudioSettings(cache_dir=Path(os.environ["INTERLUDE_CACHE_DIR"]))  # main() sets it
    started = time.perf_counter()
    narrator = narrator_for(script.voice, settings)
    result = render_script(script, out_dir, formats=formats.split(","), narrator=narrator)
    wall = time.perf_counter() - started
    stats = result.narration
    return {
        "wall": wall,
        "synthesised": stats.synthesised,
        "cached": stats.cached,
        "synthesis_seconds": stats.synthesis_seconds,
        "audio_seconds": stats.audio_seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "duration_ms": result.variants[0].duration_ms,
    }


def floor_seconds(m4a: Path, formats: str, workdir: Path) -> float:
    """ffmpeg alone: the final mix as a WAV (decoded from the m4a) to the same renditions."""
    from audio_scripts.encode import encode_command
    from audio_scripts.pcm import MIX_RATE, ffmpeg_exe

    wav = workdir / "mix.wav"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-i",
            str(m4a),
            "-ar",
            str(MIX_RATE),
            "-ac",
            "1",
            str(wav),
        ],
        check=True,
    )
    command, _ = encode_command(["-i", str(wav)], workdir / "floor", formats.split(","))
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--formats", default="aac,opus,mp3")
    parser.add_argument("--child", nargs=2, metavar=("SCRIPT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # the warm render, measured in its own process
        print(json.dumps(render_once(args.child[0], args.child[1], args.formats)))
        return

    with tempfile.TemporaryDirectory(prefix="interlude-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "INTERLUDE_CACHE_DIR": str(work / "tts")}
        script_path = work / "bench.yaml"
        script_path.write_text(build_script(args.minutes), encoding="utf-8")

        def run(out: str) -> dict[str, float]:
            child = [sys.executable, __file__, "--formats", args.formats]
            child += ["--child", str(script_path), out]
            proc = subprocess.run(child, env=env, capture_output=True, text=True, check=True)
            result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
            return result

        cold = run(str(work / "cold"))
        warm = run(str(work / "warm"))
        m4a = next((work / "warm").glob("*.m4a"))
        floor = floor_seconds(m4a, args.formats, work)

    rtf = cold["synthesis_seconds"] / cold["audio_seconds"] if cold["audio_seconds"] else 0.0
    print(f"script: {args.minutes} min, formats {args.formats}, 40 say segments")
    cold_note = f"{cold['synthesised']:.0f} synthesised"
    print(f"cold render (empty TTS cache): {cold['wall']:.1f} s, {cold_note}")
    print(
        f"TTS real-time factor: {rtf:.3f} "
        f"({cold['synthesis_seconds']:.1f} s synthesis for {cold['audio_seconds']:.1f} s audio)"
    )
    print(f"warm render (cache full): {warm['wall']:.1f} s, {warm['synthesised']:.0f} synthesised")
    print(f"ffmpeg floor (WAV -> same renditions): {floor:.1f} s")
    print(f"ratio warm / floor: {warm['wall'] / floor:.2f} (target <= 1.5)")
    print(f"peak RSS of the warm render: {warm['peak_rss_mb']:.0f} MB (target <= 300)")


if __name__ == "__main__":
    main()
