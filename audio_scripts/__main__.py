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

from audio_scripts.check import check_script
from audio_scripts.parse import ScriptInvalid

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


COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    add_validate_parser,
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
