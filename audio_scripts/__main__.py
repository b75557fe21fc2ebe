"""`python -m audio_scripts COMMAND ...`: work with exercise scripts from a terminal.

Each command is a pair: `add_<name>_parser(subparsers)` declares its arguments and sets
`run=<function>`; the function takes the parsed arguments and returns the exit status. To add
a command, write such a pair and list the adder in COMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from audio_scripts.check import check_script
from audio_scripts.errors import ScriptInvalid
from audio_scripts.model import Say, Script

if TYPE_CHECKING:  # rendering is imported when a render runs, so `validate` starts fast
    from audio_scripts.render import RenderResult

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_MISSING = 2


def run_validate(args: argparse.Namespace) -> int:
    """Check every FILE; 0 if all are valid, 1 if any is not, 2 if any is missing or unreadable."""
    status = EXIT_OK
    for name in args.files:
        try:
            source = Path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            print(f"{name}: no such file", file=sys.stderr)
            status = EXIT_MISSING
            continue
        except UnicodeDecodeError:
            print(f"{name}:1:1: the file is not UTF-8 text")
            status = max(status, EXIT_INVALID)
            continue
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            status = EXIT_MISSING
            continue
        try:
            checked = check_script(source)
        except ScriptInvalid as exc:
            for error in exc.errors:
                print(f"{name}:{error.line}:{error.column}: {error.message}")
            status = max(status, EXIT_INVALID)
            continue
        lengths = ", ".join(f"{minutes} min" for minutes in checked.script.lengths)
        print(f"{name}: ok ({lengths})")
        for warning in checked.warnings:
            print(f"{name}: warning: {warning}")
    return status


def add_validate_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check scripts and report errors as FILE:LINE:COLUMN: message",
        description="Check exercise scripts. Exit 0 when all are valid, 1 when any is not, "
        "2 when a file is missing.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a YAML exercise script")
    parser.set_defaults(run=run_validate)


def _recordings_beside(script_path: Path, script: Script) -> dict[str, Path]:
    """A say's `recording:` names a file relative to the script."""
    return {
        s.id: script_path.parent / s.recording
        for s in script.segments
        if isinstance(s, Say) and s.recording is not None
    }


def _bitrates(values: list[str]) -> dict[str, str]:
    bitrates = {}
    for value in values:
        name, _, rate = value.partition("=")
        if not rate:
            raise ValueError(f"--bitrate {value!r}: write FORMAT=RATE, like opus=24k")
        bitrates[name.strip().lower()] = rate.strip()
    return bitrates


def _print_result(result: RenderResult) -> None:
    for variant in result.variants:
        for rendition in variant.renditions:
            print(
                f"{rendition.path}  {rendition.bytes} bytes  {rendition.bitrate / 1000:.1f} kb/s"
                f" (set to {rendition.nominal_bitrate // 1000}k)  "
                f"{rendition.integrated_lufs:.1f} LUFS  {rendition.true_peak_dbtp:.1f} dBTP"
            )
        print(variant.captions_path)
        print(variant.timeline_path)
    stats = result.narration
    print(f"narration: {stats.synthesised} sentences synthesised, {stats.cached} from the cache")


def run_render(args: argparse.Namespace) -> int:
    """Render FILE at the given lengths into --out; 1 with line-numbered errors when it cannot."""
    from tqdm import tqdm

    from audio_scripts.render import RenderError

    name = args.file
    try:
        source = Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{name}: cannot read: {exc}", file=sys.stderr)
        return EXIT_MISSING
    bar = tqdm(total=1.0, unit="", bar_format="{l_bar}{bar}| {elapsed}<{remaining}",
               desc="rendering", disable=not sys.stderr.isatty())  # fmt: skip

    def progress(fraction: float) -> None:
        bar.update(max(0.0, fraction - bar.n))

    try:
        result = _render_file(args, source, progress)
    except ScriptInvalid as exc:
        bar.close()
        for error in exc.errors:
            where = f"{name}:{error.line}:{error.column}" if error.line else name
            print(f"{where}: {error.message}", file=sys.stderr)
        return EXIT_INVALID
    except RenderError as exc:
        bar.close()
        where = f"{name}:{exc.line}" if exc.line else name
        print(f"{where}: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    except ValueError as exc:
        bar.close()
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    bar.close()
    _print_result(result)
    return EXIT_OK


def _render_file(
    args: argparse.Namespace, source: str, progress: Callable[[float], None]
) -> RenderResult:
    from audio_scripts.parse import parse
    from audio_scripts.render import render_script
    from audio_scripts.settings import AudioSettings
    from audio_scripts.voices import narrator_for

    settings = AudioSettings.from_environ()  # the one place audio_scripts reads the environment
    script = parse(source)
    return render_script(
        script,
        args.out,
        lengths=args.length or None,
        formats=args.format.split(","),
        bitrates=_bitrates(args.bitrate),
        recordings=_recordings_beside(Path(args.file), script),
        narrator=narrator_for(script.voice, settings),
        progress=progress,
        sounds_dir=settings.sounds_dir,
    )


def add_render_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render a script to audio (m4a, opus, mp3), captions (.vtt) and a timeline (.json)",
        description="Render an exercise script at one or more lengths. Exit 0 on success, 1 "
        "when the script or a recording is invalid (errors as FILE:LINE: message). Reads "
        "INTERLUDE_CACHE_DIR (the narration cache), INTERLUDE_TTS_VOICE (the voice of "
        "'voice: default') and INTERLUDE_SOUNDS_DIR (background sounds).",
    )
    parser.add_argument("file", metavar="FILE", help="a YAML exercise script")
    parser.add_argument(
        "--length",
        type=int,
        action="append",
        default=[],
        metavar="MINUTES",
        help="a length to render (repeatable; default: all of the script's)",
    )
    parser.add_argument(
        "--format",
        default="aac",
        metavar="LIST",
        help="comma-separated: aac, opus, mp3 (aac is always written)",
    )
    parser.add_argument(
        "--bitrate",
        action="append",
        default=[],
        metavar="FORMAT=RATE",
        help="e.g. opus=24k (defaults: aac 64k, opus 32k, mp3 64k)",
    )
    parser.add_argument("--out", default=".", metavar="DIR", help="where to write (default: .)")
    parser.set_defaults(run=run_render)


COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    add_validate_parser,
    add_render_parser,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audio_scripts", description="Validate and render exercise scripts."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
