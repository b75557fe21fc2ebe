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

import re
from collections.abc import Callable
from typing import TypeVar, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from audio_scripts.errors import ScriptError, ScriptInvalid
from audio_scripts.model import KINDS, Kind, Script
from audio_scripts.parse_segments import SegmentReader
from audio_scripts.yaml_nodes import INT_TAG, NULL_TAG, describe, syntax_error

SLUG_RE = re.compile(r"[a-z0-9-]{1,80}")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 1000
MAX_LENGTH_MINUTES = 120

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

T = TypeVar("T")


def parse(source: str) -> Script:
    """Parse a script's YAML source; raise ScriptInvalid listing every error found."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ScriptInvalid([syntax_error(exc)]) from None
    except yaml.YAMLError as exc:  # errors without a position, e.g. an unreadable stream
        raise ScriptInvalid([ScriptError(1, 1, f"YAML syntax error: {exc}")]) from None
    except RecursionError:  # PyYAML composes nested lists recursively
        raise ScriptInvalid([ScriptError(1, 1, "the YAML is nested too deeply")]) from None
    return _ScriptReader().script(root)


class _ScriptReader(SegmentReader):
    """A whole script: its top-level keys, then its segments."""

    def script(self, root: Node | None) -> Script:
        keys = self.top_keys(root)

        def optional(key: str, read: Callable[[Node], T | None], default: T) -> T | None:
            node = keys.get(key)
            if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
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

    def top_keys(self, root: Node | None) -> dict[str, Node]:
        """The script's top-level keys; a script that is not a mapping stops here."""
        if root is None:
            raise ScriptInvalid(
                [ScriptError(1, 1, "the script is empty; it needs " + ", ".join(REQUIRED_KEYS))]
            )
        self.find_duplicate_keys(root)
        if not isinstance(root, MappingNode):
            self.error(
                root,
                f"a script must be a mapping of keys like slug: and title:, got {describe(root)}",
            )
            raise ScriptInvalid(self.errors)
        keys = self.mapping(root, TOP_KEYS, "the script") or {}
        for key in REQUIRED_KEYS:
            if key not in keys:
                self.error(root, f'missing required key "{key}"')
        return keys

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
            self.error(node, f"lengths must be {example}, got {describe(node)}")
            return None
        if not node.value:
            self.error(node, f"lengths must not be empty; give {example}")
            return None
        out: list[tuple[int, tuple[int, int]]] = []
        seen: set[int] = set()
        for item in node.value:
            if not (isinstance(item, ScalarNode) and item.tag == INT_TAG):
                self.error(
                    item, f"each length must be a whole number of minutes, got {describe(item)}"
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
