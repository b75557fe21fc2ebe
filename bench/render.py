"""Render a realistic script at several lengths: wall time and the whole process tree's peak
memory, cold and warm, beside ffmpeg's own encoding floor.

    .venv/bin/python bench/render.py [--formats aac,opus,mp3] [--minutes 10,30,60]

Per length, each render runs in a fresh subprocess whose RSS, and that of all its children
(ffmpeg encoders and meters), is read from /proc every ~50 ms; the peak is the largest sum.
1. Cold (an empty TTS cache): Piper loads its voice and synthesises every sentence.
2. Warm (the cache full): the render alone.
3. The floor: ffmpeg alone encoding the same renditions from a WAV of the final mix.
Targets: warm wall / floor <= 1.5, cold peak of the whole tree <= 300 MB at 60 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
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
PAGE = os.sysconf("SC_PAGE_SIZE")


def build_script(minutes: int) -> str:
    """40 say segments, tone and voice breathing, flexible pauses and bells (one breathing
    cycle each under 20 minutes, so that the fixed parts fit 10 minutes; four from 20)."""
    cycles = 4 if minutes >= 20 else 1
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
        lines.append(f"  - breathe: {{pattern: [4, 2, 6, 0], cycles: {cycles}, cue: {cue}}}")
        lines.append(f"  - pause: {{min: 10s, weight: {1 + block % 3}}}")
    lines.append("  - bell: {}")
    return "\n".join(lines) + "\n"


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
        "synthesis_seconds": stats.synthesis_seconds,
        "audio_seconds": stats.audio_seconds,
        "duration_ms": result.variants[0].duration_ms,
    }


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants (from /proc/<pid>/task/<tid>/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as file:
                    todo += [int(child) for child in file.read().split()]
        except OSError:
            continue  # it has just ended
    return found


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as file:
            return int(file.read().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


def run_sampled(command: list[str], env: dict[str, str]) -> tuple[str, float]:
    """Run `command`; its stdout and the peak of its whole tree's summed RSS in MB."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, env=env, stdout=out)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, sum(_rss_bytes(pid) for pid in _tree(proc.pid)))
            time.sleep(0.05)
        if proc.returncode != 0:
            raise SystemExit(f"the render failed ({proc.returncode}): {command}")
        out.seek(0)
        return out.read().decode(), peak / 2**20


def floor_seconds(m4a: Path, formats: str, workdir: Path) -> float:
    """ffmpeg alone: the final mix as a WAV (decoded from the m4a) to the same renditions."""
    from audio_scripts.encode import encode_command
    from audio_scripts.pcm import MIX_RATE, ffmpeg_exe

    wav = workdir / "mix.wav"
    decode = [ffmpeg_exe(), "-v", "error", "-y", "-i", str(m4a), "-ar", str(MIX_RATE)]
    subprocess.run([*decode, "-ac", "1", str(wav)], check=True)
    command, _ = encode_command(["-i", str(wav)], workdir / "floor", formats.split(","))
    started = time.perf_counter()
    subprocess.run(command, check=True)
    elapsed = time.perf_counter() - started
    wav.unlink()
    return elapsed


def bench_length(minutes: int, formats: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="interlude-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "INTERLUDE_CACHE_DIR": str(work / "tts")}
        script_path = work / "bench.yaml"
        script_path.write_text(build_script(minutes), encoding="utf-8")
        row: dict[str, float] = {"minutes": minutes}
        for run in ("cold", "warm"):
            child = [sys.executable, __file__, "--formats", formats]
            child += ["--child", str(script_path), str(work / run)]
            stdout, peak = run_sampled(child, env)
            result = json.loads(stdout.strip().splitlines()[-1])
            row |= {f"{run}_wall": result["wall"], f"{run}_peak_mb": peak}
            row[f"{run}_synthesised"] = result["synthesised"]
        row["floor"] = floor_seconds(next((work / "warm").glob("*.m4a")), formats, work)
        row["load"] = os.getloadavg()[0]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="10,30,60")
    parser.add_argument("--formats", default="aac,opus,mp3")
    parser.add_argument("--child", nargs=2, metavar=("SCRIPT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one render, measured from outside by the parent
        print(json.dumps(render_once(args.child[0], args.child[1], args.formats)))
        return

    print(f"formats {args.formats}, 40 say segments; peak = whole process tree, summed RSS")
    print(f"{'min':>4} {'cold s':>7} {'cold MB':>8} {'warm s':>7} {'warm MB':>8} "
          f"{'floor s':>8} {'warm/floor':>10} {'load':>5}")  # fmt: skip
    for minutes in (int(m) for m in args.minutes.split(",")):
        r = bench_length(minutes, args.formats)
        print(
            f"{minutes:>4} {r['cold_wall']:>7.1f} {r['cold_peak_mb']:>8.0f} {r['warm_wall']:>7.1f}"
            f" {r['warm_peak_mb']:>8.0f} {r['floor']:>8.1f} {r['warm_wall'] / r['floor']:>10.2f}"
            f" {r['load']:>5.1f}",
            flush=True,
        )
    print("targets: warm/floor <= 1.5; cold peak <= 300 MB at 60 min")


if __name__ == "__main__":
    main()
