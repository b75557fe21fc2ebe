"""YAML source text -> `Script`, with every error found reported by line and column.

The script language (see ARCHITECTURE.md, "Audio"):

    slug: self-compassion-break       # required, [a-z0-9-]+, 1-80 characters
    title: A self-compassion break    # required
    kind: self-compassion             # required: mindfulness | breathing | self-compassion |
                                      #   body-scan | grounding | sleep
    summary: Three short steps.       # optional, default ""
    language: en                      # optional, default "en"; a tag like en or en-GB
    voice: default                    # optional, default "default"; a Piper voice or .onnx path
    lengths: [3, 5, 10]               # required: distinct whole minutes, 1-120 (stored sorted)
    background: rain.ogg              # optional: a file under content/sounds, or null
    segments:                         # required, at least one
      - say: Find a comfortable position.
      - {say: Welcome., id: intro}    # an id beside the verb names the segment
      - say: {text: Welcome back., id: outro, recording: outro.m4a}
      - pause: 4s                     # fixed: 4s, 1m30s, 2.5 (seconds); at least 0.5s
      - pause: {min: 10s, weight: 2}  # flexible: min (default 0) + a weighted share of spare time
      - breathe: {pattern: [4, 0, 6, 0], cycles: 3, cue: tone}
      - breathe: {pattern: [2, 0, 6, 0], second_inhale: 1, fill: 1, cue: voice}
      - bell: {}                      # or `bell:` / `bell: {seconds: 8}`

Decisions worth knowing:

- Segment ids. Any segment may carry `id:` beside its verb (`- {pause: 4s, id: settle}`); a
  `say` may instead put it inside its mapping (`say: {text: ..., id: intro}`), not both. Given
  ids match [a-z0-9-]+ and are unique. A segment without one gets `s<N>`, N its 1-based
  position, so `s3` is the third segment; a given id of that shape must be its own position's.
  Derived ids move when segments are inserted, so give an id to any segment with a recording.
- Durations are a number of seconds (`2.5`) or text with minutes and/or seconds (`4s`, `1m`,
  `1m30s`, `0.5s`).
- Breathing: `pattern` is [inhale, hold, exhale, hold] in seconds (decimals allowed); each phase
  is 0 or at least 0.1s, inhale and exhale more than 0. `second_inhale: 1` adds a top-up inhale
  of that many seconds straight after the first (cyclic sighing). Exactly one of `cycles` (a
  whole number) or `fill` (a weight) is given. `cue` is tone (default), voice or none.
- Text fields take the scalar exactly as written, so `title: 2024` is the text "2024" and
  `say: Yes` is "Yes" (not YAML's boolean). An optional key set to null counts as left out.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar, cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from audio_scripts.model import (
    KINDS,
    Bell,
    Breathe,
    BreathPattern,
    Cue,
    Kind,
    Pause,
    Say,
    Script,
    Segment,
)

SLUG_RE = re.compile(r"[a-z0-9-]{1,80}")
ID_RE = re.compile(r"[a-z0-9-]+")
DERIVED_ID_RE = re.compile(r"s([0-9]+)")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
DURATION_RE = re.compile(
    r"(?P<sign>-)?(?:(?P<m>[0-9]+(?:\.[0-9]+)?)m)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)s)?"
)

MAX_SAY_CHARS = 1000
MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 1000
MAX_LENGTH_MINUTES = 120
MIN_FIXED_PAUSE_S = 0.5
MIN_BREATH_PHASE_S = 0.1
MIN_BELL_S = 1.0
MAX_BELL_S = 60.0
CUES = ("tone", "voice", "none")
VERBS = ("say", "pause", "breathe", "bell")
DURATION_FORMS = "a duration like 4s, 1m30s or 2.5 (seconds)"

TOP_KEYS = (
    "slug",
    "title",
    "kind",
    "summary",
    "language",
    "voice",
    "lengths",
    "background",
    "segments",
)
REQUIRED_KEYS = ("slug", "title", "kind", "lengths", "segments")
SEGMENT_KEYS = (*VERBS, "id")
SAY_KEYS = ("text", "id", "recording")
FLEXIBLE_PAUSE_KEYS = ("min", "weight")
BREATHE_KEYS = ("pattern", "cycles", "fill", "cue", "second_inhale")
BELL_KEYS = ("seconds",)

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"

T = TypeVar("T")


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


def parse(source: str) -> Script:
    """Parse a script's YAML source; raise ScriptInvalid listing every error found."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ScriptInvalid([_syntax_error(exc)]) from None
    except yaml.YAMLError as exc:  # errors without a position, e.g. an unreadable stream
        raise ScriptInvalid([ScriptError(1, 1, f"YAML syntax error: {exc}")]) from None
    except RecursionError:  # PyYAML composes nested lists recursively
        raise ScriptInvalid([ScriptError(1, 1, "the YAML is nested too deeply")]) from None
    return _Reader().script(root)


def _syntax_error(exc: yaml.MarkedYAMLError) -> ScriptError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "the text is not valid YAML"
    message = f"YAML syntax error: {problem}"
    if exc.context:
        message += f" ({exc.context})"
    if mark is None:
        return ScriptError(1, 1, message)
    return ScriptError(mark.line + 1, mark.column + 1, message)


def _describe(node: Node) -> str:
    """What a node holds, for 'got ...' in messages."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    if node.tag in (_INT_TAG, _FLOAT_TAG):
        return str(node.value)
    if node.tag == _BOOL_TAG:
        return f'"{node.value}" (read as yes/no)'
    if node.tag == _NULL_TAG:
        return "nothing"
    return f'"{node.value}"'


def _suggest(key: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f'unknown key "{key}"; did you mean "{close[0]}"?'
    return f'unknown key "{key}"; allowed keys are {", ".join(allowed)}'


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g}s"


class _Reader:
    """Walks the composed YAML nodes, collecting errors instead of stopping at the first."""

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
            self.error(node, f"{what} must be a mapping of keys, got {_describe(node)}")
            return None
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"keys in {what} must be text, got {_describe(key_node)}")
                continue
            key = key_node.value
            if key not in allowed:
                self.error(key_node, _suggest(key, allowed))
                continue
            out.setdefault(key, value_node)
        return out

    def text(self, node: Node, what: str, *, max_chars: int | None = None) -> str | None:
        """A non-empty text as written; None (after reporting) when it is not one."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what} must be text, got {_describe(node)}")
            return None
        if node.tag == _NULL_TAG or not node.value.strip():
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
        if not isinstance(node, ScalarNode) or node.tag not in (_INT_TAG, _FLOAT_TAG):
            self.error(node, f"{what} must be a number, got {_describe(node)}")
            return None
        value = self._constructor.construct_object(node)
        if not math.isfinite(value):
            self.error(node, f"{what} must be a finite number, got {_describe(node)}")
            return None
        return float(value)

    def whole_number(self, node: Node, what: str) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != _INT_TAG:
            self.error(node, f"{what} must be a whole number, got {_describe(node)}")
            return None
        return int(self._constructor.construct_object(node))

    def duration(self, node: Node, what: str) -> float | None:
        """Seconds, from a number or text like 4s / 1m30s; None (after reporting) otherwise."""
        if isinstance(node, ScalarNode) and node.tag in (_INT_TAG, _FLOAT_TAG):
            return self.number(node, what)
        if isinstance(node, ScalarNode) and node.tag == _STR_TAG:
            match = DURATION_RE.fullmatch(node.value.strip().replace(" ", ""))
            if match and (match["m"] or match["s"]):
                seconds = float(match["m"] or 0) * 60 + float(match["s"] or 0)
                return -seconds if match["sign"] else seconds
        self.error(node, f"{what} must be {DURATION_FORMS}, got {_describe(node)}")
        return None

    def choice(self, node: Node, allowed: tuple[str, ...], what: str) -> str | None:
        if isinstance(node, ScalarNode) and node.value in allowed:
            return node.value
        self.error(node, f"{what} must be one of {', '.join(allowed)}; got {_describe(node)}")
        return None

    # -- the script ----------------------------------------------------------------------

    def script(self, root: Node | None) -> Script:
        if root is None:
            raise ScriptInvalid(
                [ScriptError(1, 1, "the script is empty; it needs " + ", ".join(REQUIRED_KEYS))]
            )
        self.find_duplicate_keys(root)
        if not isinstance(root, MappingNode):
            self.error(
                root,
                f"a script must be a mapping of keys like slug: and title:, got {_describe(root)}",
            )
            raise ScriptInvalid(self.errors)
        keys = self.mapping(root, TOP_KEYS, "the script") or {}
        for key in REQUIRED_KEYS:
            if key not in keys:
                self.error(root, f'missing required key "{key}"')

        def optional(key: str, read: Callable[[Node], T | None], default: T) -> T | None:
            node = keys.get(key)
            if node is None or (isinstance(node, ScalarNode) and node.tag == _NULL_TAG):
                return default
            return read(node)

        slug = self.slug(keys["slug"]) if "slug" in keys else None
        title = (
            self.text(keys["title"], "title", max_chars=MAX_TITLE_CHARS)
            if "title" in keys
            else None
        )
        kind = self.choice(keys["kind"], KINDS, "kind") if "kind" in keys else None
        summary = optional(
            "summary", lambda n: self.text(n, "summary", max_chars=MAX_SUMMARY_CHARS), ""
        )
        language = optional("language", self.language, "en")
        voice = optional("voice", lambda n: self.text(n, "voice"), "default")
        background = optional("background", self.background, None)
        lengths = self.lengths(keys["lengths"]) if "lengths" in keys else None
        segments = self.segments(keys["segments"]) if "segments" in keys else None

        if self.errors:
            raise ScriptInvalid(self.errors)
        assert slug and title and kind and lengths and segments is not None
        assert summary is not None and language and voice
        ordered = sorted(lengths, key=lambda pair: pair[0])
        return Script(
            slug=slug,
            title=title,
            kind=cast(Kind, kind),
            summary=summary,
            language=language,
            voice=voice,
            lengths=tuple(minutes for minutes, _ in ordered),
            segments=segments,
            background=background,
            length_marks=tuple(mark for _, mark in ordered),
        )

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

    def slug(self, node: Node) -> str | None:
        value = self.text(node, "slug")
        if value is None:
            return None
        if not SLUG_RE.fullmatch(value):
            self.error(
                node,
                "slug must be 1-80 lowercase letters, digits and hyphens, "
                f'like "box-breathing"; got "{value}"',
            )
            return None
        return value

    def language(self, node: Node) -> str | None:
        value = self.text(node, "language")
        if value is None:
            return None
        if not LANGUAGE_RE.fullmatch(value):
            self.error(node, f'language must be a language tag like en or en-GB, got "{value}"')
            return None
        return value

    def background(self, node: Node) -> str | None:
        value = self.text(node, "background")
        if value is None:
            return None
        if value.startswith(("/", "\\")) or ".." in value.replace("\\", "/").split("/"):
            self.error(
                node,
                f'background must name a file under content/sounds, like "rain.ogg"; got "{value}"',
            )
            return None
        return value

    def lengths(self, node: Node) -> list[tuple[int, tuple[int, int]]] | None:
        example = "a list of minutes like [3, 5, 10]"
        if not isinstance(node, SequenceNode):
            self.error(node, f"lengths must be {example}, got {_describe(node)}")
            return None
        if not node.value:
            self.error(node, f"lengths must not be empty; give {example}")
            return None
        out: list[tuple[int, tuple[int, int]]] = []
        seen: set[int] = set()
        for item in node.value:
            if not (isinstance(item, ScalarNode) and item.tag == _INT_TAG):
                self.error(
                    item, f"each length must be a whole number of minutes, got {_describe(item)}"
                )
                continue
            minutes = int(self._constructor.construct_object(item))
            if not 1 <= minutes <= MAX_LENGTH_MINUTES:
                self.error(
                    item, f"each length must be 1 to {MAX_LENGTH_MINUTES} minutes, got {minutes}"
                )
                continue
            if minutes in seen:
                self.error(item, f"length {minutes} is listed twice")
                continue
            seen.add(minutes)
            out.append((minutes, (item.start_mark.line + 1, item.start_mark.column + 1)))
        return out if len(out) == len(node.value) else None

    # -- segments ------------------------------------------------------------------------

    def segments(self, node: Node) -> tuple[Segment, ...] | None:
        if not isinstance(node, SequenceNode):
            self.error(
                node, f"segments must be a list of say/pause/breathe/bell, got {_describe(node)}"
            )
            return None
        if not node.value:
            self.error(node, "segments must not be empty; start with a say: segment")
            return None
        errors_before = len(self.errors)
        given: dict[str, Node] = {}
        out: list[Segment] = []
        for position, item in enumerate(node.value, start=1):
            segment = self.segment(item, position, given)
            if segment is not None:
                out.append(segment)
        if len(self.errors) > errors_before:
            return None
        return tuple(out)

    def segment(self, node: Node, position: int, given: dict[str, Node]) -> Segment | None:
        what = f"the {_ordinal(position)} segment"
        if not isinstance(node, MappingNode):
            self.error(
                node,
                f"{what} must be a mapping like `- say: Hello.` or `- pause: 4s`, "
                f"got {_describe(node)}",
            )
            return None
        unknown_before = len(self.errors)
        keys = self.mapping(node, SEGMENT_KEYS, what) or {}
        had_unknown = len(self.errors) > unknown_before
        verbs = [k for k in VERBS if k in keys]
        if not verbs:
            if not had_unknown:
                self.error(node, f"{what} needs one of {', '.join(VERBS)}")
            return None
        if len(verbs) > 1:
            second = next(
                k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == verbs[1]
            )
            self.error(
                second,
                f"a segment has one verb, but {what} has {' and '.join(verbs)}; "
                'start each on its own "- " line',
            )
            return None
        verb = verbs[0]
        value = keys[verb]
        line = node.start_mark.line + 1

        id_node = keys.get("id")
        if verb == "say" and isinstance(value, MappingNode):
            inner = {k.value: v for k, v in value.value if isinstance(k, ScalarNode)}
            if "id" in inner:
                if id_node is not None:
                    self.error(inner["id"], "give the id once: beside say or inside it, not both")
                    return None
                id_node = inner["id"]
        segment_id = self.segment_id(id_node, position, given)

        if verb == "say":
            return self.say(value, segment_id, line)
        if verb == "pause":
            return self.pause(value, segment_id, line)
        if verb == "breathe":
            return self.breathe(value, segment_id, line)
        return self.bell(value, segment_id, line)

    def segment_id(self, node: Node | None, position: int, given: dict[str, Node]) -> str:
        derived = f"s{position}"
        if node is None:
            return derived
        value = self.text(node, "id")
        if value is None:
            return derived
        if not ID_RE.fullmatch(value):
            self.error(node, f'id must be lowercase letters, digits and hyphens, got "{value}"')
            return derived
        reserved = DERIVED_ID_RE.fullmatch(value)
        if reserved and int(reserved[1]) != position:
            self.error(
                node,
                f'id "{value}" is the automatic id of the {_ordinal(int(reserved[1]))} segment; '
                "choose another",
            )
            return derived
        if value in given:
            self.error(
                node,
                f'id "{value}" is already used on line {given[value].start_mark.line + 1}; '
                "ids must be unique",
            )
            return derived
        given[value] = node
        return value

    def say(self, node: Node, segment_id: str, line: int) -> Say | None:
        recording: str | None = None
        if isinstance(node, MappingNode):
            keys = self.mapping(node, SAY_KEYS, "say")
            if keys is None:
                return None
            if "text" not in keys:
                self.error(node, 'say needs "text"')
                return None
            text_node = keys["text"]
            if "recording" in keys:
                recording = self.text(keys["recording"], "recording")
        elif isinstance(node, ScalarNode):
            text_node = node
        else:
            self.error(node, f"say must be text or {{text: ..., id: ...}}, got {_describe(node)}")
            return None
        text = self.text(text_node, "say text")
        if text is None:
            return None
        if len(text) > MAX_SAY_CHARS:
            self.error(
                text_node,
                f"say text is {len(text)} characters; the limit is {MAX_SAY_CHARS}, "
                "so split it into several say segments",
            )
            return None
        return Say(id=segment_id, text=text, recording=recording, line=line)

    def pause(self, node: Node, segment_id: str, line: int) -> Pause | None:
        if isinstance(node, MappingNode):
            keys = self.mapping(node, FLEXIBLE_PAUSE_KEYS, "a flexible pause")
            if keys is None:
                return None
            min_seconds: float | None = 0.0
            weight: float | None = 1.0
            if "min" in keys:
                min_seconds = self.duration(keys["min"], "pause min")
                if min_seconds is not None and min_seconds < 0:
                    self.error(
                        keys["min"], f"pause min must be 0 or more, got {_describe(keys['min'])}"
                    )
                    min_seconds = None
            if "weight" in keys:
                weight = self.number(keys["weight"], "pause weight")
                if weight is not None and weight <= 0:
                    self.error(
                        keys["weight"],
                        f"pause weight must be more than 0, got {_describe(keys['weight'])}",
                    )
                    weight = None
            if min_seconds is None or weight is None:
                return None
            return Pause(id=segment_id, min_seconds=min_seconds, weight=weight, line=line)
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
            self.error(
                node, "pause needs a duration like 4s, or {min: 10s, weight: 1} to stretch to fit"
            )
            return None
        seconds = self.duration(node, "pause")
        if seconds is None:
            return None
        if seconds < MIN_FIXED_PAUSE_S:
            self.error(
                node,
                f"pause must be at least {_format_seconds(MIN_FIXED_PAUSE_S)}, "
                f"got {_describe(node)}",
            )
            return None
        return Pause(id=segment_id, seconds=seconds, line=line)

    def breathe(self, node: Node, segment_id: str, line: int) -> Breathe | None:
        keys = self.mapping(node, BREATHE_KEYS, "breathe")
        if keys is None:
            return None
        ok = True
        if "pattern" not in keys:
            self.error(node, "breathe needs a pattern: [inhale, hold, exhale, hold] in seconds")
            ok = False
        pattern = self.pattern(keys["pattern"]) if "pattern" in keys else None

        second_inhale = 0.0
        if "second_inhale" in keys:
            value = self.number(keys["second_inhale"], "second_inhale")
            if value is None:
                ok = False
            elif value != 0 and value < MIN_BREATH_PHASE_S:
                self.error(
                    keys["second_inhale"],
                    f"second_inhale must be 0 or at least {_format_seconds(MIN_BREATH_PHASE_S)}, "
                    f"got {_describe(keys['second_inhale'])}",
                )
                ok = False
            else:
                second_inhale = value

        cycles: int | None = None
        fill: float | None = None
        if ("cycles" in keys) == ("fill" in keys):
            self.error(
                node,
                "breathe needs either cycles: N (a fixed number of breaths) or fill: WEIGHT "
                "(breaths that fill a share of the length), not both",
            )
            ok = False
        elif "cycles" in keys:
            cycles_node = keys["cycles"]
            cycles = self.whole_number(cycles_node, "cycles")
            if cycles is not None and cycles < 1:
                self.error(cycles_node, f"cycles must be 1 or more, got {_describe(cycles_node)}")
                cycles = None
            ok = ok and cycles is not None
        else:
            fill = self.number(keys["fill"], "fill")
            if fill is not None and fill <= 0:
                self.error(
                    keys["fill"],
                    f"fill must be a weight more than 0, got {_describe(keys['fill'])}",
                )
                fill = None
            ok = ok and fill is not None

        cue = "tone"
        if "cue" in keys:
            chosen = self.choice(keys["cue"], CUES, "cue")
            if chosen is None:
                ok = False
            else:
                cue = chosen

        if not ok or pattern is None:
            return None
        inhale, hold_in, exhale, hold_out = pattern
        return Breathe(
            id=segment_id,
            pattern=BreathPattern(inhale, hold_in, exhale, hold_out, second_inhale=second_inhale),
            cycles=cycles,
            fill=fill,
            cue=cast(Cue, cue),
            line=line,
        )

    def pattern(self, node: Node) -> tuple[float, float, float, float] | None:
        shape = (
            "pattern must be four numbers of seconds, [inhale, hold, exhale, hold], "
            "like [4, 0, 6, 0]"
        )
        if not isinstance(node, SequenceNode):
            self.error(node, f"{shape}; got {_describe(node)}")
            return None
        if len(node.value) != 4:
            self.error(node, f"{shape}; got {len(node.value)} numbers")
            return None
        names = ("inhale", "hold after inhale", "exhale", "hold after exhale")
        values: list[float] = []
        for name, item in zip(names, node.value, strict=True):
            value = self.number(item, f"the {name}")
            if value is None:
                continue
            if value < 0:
                self.error(item, f"the {name} must be 0 or more seconds, got {_describe(item)}")
                continue
            if 0 < value < MIN_BREATH_PHASE_S:
                self.error(
                    item,
                    f"the {name} must be 0 or at least {_format_seconds(MIN_BREATH_PHASE_S)}, "
                    f"got {_describe(item)}",
                )
                continue
            values.append(value)
        if len(values) != 4:
            return None
        if not any(values):
            self.error(node, "breath pattern is all zeros; give seconds like [4, 0, 6, 0]")
            return None
        if values[0] == 0:
            self.error(node.value[0], "the inhale must be longer than 0 seconds")
            return None
        if values[2] == 0:
            self.error(node.value[2], "the exhale must be longer than 0 seconds")
            return None
        return values[0], values[1], values[2], values[3]

    def bell(self, node: Node, segment_id: str, line: int) -> Bell | None:
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
            return Bell(id=segment_id, line=line)
        keys = self.mapping(node, BELL_KEYS, "bell")
        if keys is None:
            return None
        if "seconds" not in keys:
            return Bell(id=segment_id, line=line)
        seconds = self.duration(keys["seconds"], "bell seconds")
        if seconds is None:
            return None
        if not MIN_BELL_S <= seconds <= MAX_BELL_S:
            self.error(
                keys["seconds"],
                f"bell seconds must be {_format_seconds(MIN_BELL_S)} to "
                f"{_format_seconds(MAX_BELL_S)}, got {_describe(keys['seconds'])}",
            )
            return None
        return Bell(id=segment_id, seconds=seconds, line=line)
