"""What is wrong with a script: each problem with its place, and the exception that carries
them all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ScriptError:
    """One problem in a script; `line` and `column` are 1-based (0 when there is no place)."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return self.message
        return f"line {self.line}, column {self.column}: {self.message}"

    def as_json(self) -> dict[str, int | str]:
        return {"line": self.line, "column": self.column, "message": self.message}


class ScriptInvalid(ValueError):
    """A script that cannot be used; `.errors` lists every problem found, in source order."""

    def __init__(self, errors: Iterable[ScriptError]) -> None:
        self.errors: list[ScriptError] = sorted(errors, key=lambda e: (e.line, e.column))
        super().__init__("; ".join(str(e) for e in self.errors))
