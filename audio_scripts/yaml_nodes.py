"""Reading typed values out of composed YAML nodes, with messages a script's author can act
on; the script language itself is in `parse` (top-level keys) and `parse_segments`."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from audio_scripts.errors import ScriptError

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"

DURATION_RE = re.compile(
    r"(?P<sign>-)?(?:(?P<m>[0-9]+(?:\.[0-9]+)?)m)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)s)?"
)
DURATION_FORMS = "a duration like 4s, 1m30s or 2.5 (seconds)"


def syntax_error(exc: yaml.MarkedYAMLError) -> ScriptError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "the text is not valid YAML"
    message = f"YAML syntax error: {problem}"
    if exc.context:
        message += f" ({exc.context})"
    if mark is None:
        return ScriptError(1, 1, message)
    return ScriptError(mark.line + 1, mark.column + 1, message)


def describe(node: Node) -> str:
    """What a node holds, for 'got ...' in messages."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    if node.tag in (INT_TAG, FLOAT_TAG):
        return str(node.value)
    if node.tag == BOOL_TAG:
        return f'"{node.value}" (read as yes/no)'
    if node.tag == NULL_TAG:
        return "nothing"
    return f'"{node.value}"'


def suggest(key: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f'unknown key "{key}"; did you mean "{close[0]}"?'
    return f'unknown key "{key}"; allowed keys are {", ".join(allowed)}'


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_seconds(seconds: float) -> str:
    return f"{seconds:g}s"


class NodeReader:
    """Reads typed values from composed YAML nodes, collecting errors (with line and column)
    instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[ScriptError] = []
        self._constructor = SafeConstructor()

    # -- error helpers -------------------------------------------------------------------

    def error(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.errors.append(ScriptError(mark.line + 1, mark.column + 1, message))

    # -- generic readers -----------------------------------------------------------------

    def mapping(self, node: Node, allowed: tuple[str, ...], what: str) -> dict[str, Node] | None:
        """Keys to value nodes; unknown keys are reported (duplicates are found separately)."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of keys, got {describe(node)}")
            return None
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"keys in {what} must be text, got {describe(key_node)}")
                continue
            key = key_node.value
            if key not in allowed:
                self.error(key_node, suggest(key, allowed))
                continue
            out.setdefault(key, value_node)
        return out

    def text(self, node: Node, what: str, *, max_chars: int | None = None) -> str | None:
        """A non-empty text as written; None (after reporting) when it is not one."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what} must be text, got {describe(node)}")
            return None
        if node.tag == NULL_TAG or not node.value.strip():
            self.error(node, f"{what} must not be empty")
            return None
        value = node.value.strip()
        if max_chars is not None and len(value) > max_chars:
            self.error(
                node,
                f"{what} is {len(value)} characters; the limit is {max_chars}",
            )
            return None
        return value

    def number(self, node: Node, what: str) -> float | None:
        if not isinstance(node, ScalarNode) or node.tag not in (INT_TAG, FLOAT_TAG):
            self.error(node, f"{what} must be a number, got {describe(node)}")
            return None
        value = self._constructor.construct_object(node)
        if not math.isfinite(value):
            self.error(node, f"{what} must be a finite number, got {describe(node)}")
            return None
        return float(value)

    def whole_number(self, node: Node, what: str) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != INT_TAG:
            self.error(node, f"{what} must be a whole number, got {describe(node)}")
            return None
        return int(self._constructor.construct_object(node))

    def duration(self, node: Node, what: str) -> float | None:
        """Seconds, from a number or text like 4s / 1m30s; None (after reporting) otherwise."""
        if isinstance(node, ScalarNode) and node.tag in (INT_TAG, FLOAT_TAG):
            return self.number(node, what)
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            match = DURATION_RE.fullmatch(node.value.strip().replace(" ", ""))
            if match and (match["m"] or match["s"]):
                seconds = float(match["m"] or 0) * 60 + float(match["s"] or 0)
                return -seconds if match["sign"] else seconds
        self.error(node, f"{what} must be {DURATION_FORMS}, got {describe(node)}")
        return None

    def choice(self, node: Node, allowed: tuple[str, ...], what: str) -> str | None:
        if isinstance(node, ScalarNode) and node.value in allowed:
            return node.value
        self.error(node, f"{what} must be one of {', '.join(allowed)}; got {describe(node)}")
        return None

    def find_duplicate_keys(self, root: Node) -> None:
        seen_nodes: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen_nodes:  # aliases share nodes
                continue
            seen_nodes.add(id(node))
            if isinstance(node, SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, MappingNode):
                first_line: dict[str, int] = {}
                for key_node, value_node in node.value:
                    stack.append(value_node)
                    if not isinstance(key_node, ScalarNode):
                        continue
                    if key_node.value in first_line:
                        self.error(
                            key_node,
                            f'duplicate key "{key_node.value}" '
                            f"(first given on line {first_line[key_node.value]})",
                        )
                    else:
                        first_line[key_node.value] = key_node.start_mark.line + 1
