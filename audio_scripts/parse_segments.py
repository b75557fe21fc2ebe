"""The `segments:` list of a script: say, pause, breathe and bell, each read with its id."""

from __future__ import annotations

import re
from typing import cast

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from audio_scripts.model import Bell, Breathe, BreathPattern, Cue, Pause, Say, Segment
from audio_scripts.yaml_nodes import NULL_TAG, NodeReader, describe, format_seconds, ordinal

ID_RE = re.compile(r"[a-z0-9-]+")
DERIVED_ID_RE = re.compile(r"s([0-9]+)")
MAX_SAY_CHARS = 1000
MIN_FIXED_PAUSE_S = 0.5
MIN_BREATH_PHASE_S = 0.1
MIN_BELL_S = 1.0
MAX_BELL_S = 60.0
CUES = ("tone", "voice", "none")
VERBS = ("say", "pause", "breathe", "bell")
SEGMENT_KEYS = (*VERBS, "id")
SAY_KEYS = ("text", "id", "recording")
FLEXIBLE_PAUSE_KEYS = ("min", "weight")
BREATHE_KEYS = ("pattern", "cycles", "fill", "cue", "second_inhale")
BELL_KEYS = ("seconds",)


class SegmentReader(NodeReader):
    """Reads a script's segments; every segment's problems are reported, not just the first."""

    def segments(self, node: Node) -> tuple[Segment, ...] | None:
        if not isinstance(node, SequenceNode):
            self.error(
                node, f"segments must be a list of say/pause/breathe/bell, got {describe(node)}"
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
        what = f"the {ordinal(position)} segment"
        if not isinstance(node, MappingNode):
            self.error(
                node,
                f"{what} must be a mapping like `- say: Hello.` or `- pause: 4s`, "
                f"got {describe(node)}",
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
                f'id "{value}" is the automatic id of the {ordinal(int(reserved[1]))} segment; '
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
            self.error(node, f"say must be text or {{text: ..., id: ...}}, got {describe(node)}")
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
                        keys["min"], f"pause min must be 0 or more, got {describe(keys['min'])}"
                    )
                    min_seconds = None
            if "weight" in keys:
                weight = self.number(keys["weight"], "pause weight")
                if weight is not None and weight <= 0:
                    self.error(
                        keys["weight"],
                        f"pause weight must be more than 0, got {describe(keys['weight'])}",
                    )
                    weight = None
            if min_seconds is None or weight is None:
                return None
            return Pause(id=segment_id, min_seconds=min_seconds, weight=weight, line=line)
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
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
                f"pause must be at least {format_seconds(MIN_FIXED_PAUSE_S)}, got {describe(node)}",
            )
            return None
        return Pause(id=segment_id, seconds=seconds, line=line)

    def breathe(self, node: Node, segment_id: str, line: int) -> Breathe | None:
        keys = self.mapping(node, BREATHE_KEYS, "breathe")
        if keys is None:
            return None
        errors_before = len(self.errors)
        if "pattern" not in keys:
            self.error(node, "breathe needs a pattern: [inhale, hold, exhale, hold] in seconds")
        pattern = self.pattern(keys["pattern"]) if "pattern" in keys else None
        second_inhale = self.second_inhale(keys["second_inhale"]) if "second_inhale" in keys else 0
        cycles, fill = self.breath_count(node, keys)
        cue = self.choice(keys["cue"], CUES, "cue") if "cue" in keys else "tone"
        if len(self.errors) > errors_before or pattern is None or second_inhale is None:
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

    def second_inhale(self, node: Node) -> float | None:
        value = self.number(node, "second_inhale")
        if value is not None and value != 0 and value < MIN_BREATH_PHASE_S:
            self.error(
                node,
                f"second_inhale must be 0 or at least {format_seconds(MIN_BREATH_PHASE_S)}, "
                f"got {describe(node)}",
            )
            return None
        return value

    def breath_count(self, node: Node, keys: dict[str, Node]) -> tuple[int | None, float | None]:
        """(cycles, fill): exactly one of them is given; an error is reported otherwise."""
        if ("cycles" in keys) == ("fill" in keys):
            self.error(
                node,
                "breathe needs either cycles: N (a fixed number of breaths) or fill: WEIGHT "
                "(breaths that fill a share of the length), not both",
            )
            return None, None
        if "cycles" in keys:
            cycles = self.whole_number(keys["cycles"], "cycles")
            if cycles is not None and cycles < 1:
                self.error(
                    keys["cycles"], f"cycles must be 1 or more, got {describe(keys['cycles'])}"
                )
                return None, None
            return cycles, None
        fill = self.number(keys["fill"], "fill")
        if fill is not None and fill <= 0:
            self.error(
                keys["fill"], f"fill must be a weight more than 0, got {describe(keys['fill'])}"
            )
            return None, None
        return None, fill

    def pattern(self, node: Node) -> tuple[float, float, float, float] | None:
        shape = (
            "pattern must be four numbers of seconds, [inhale, hold, exhale, hold], "
            "like [4, 0, 6, 0]"
        )
        if not isinstance(node, SequenceNode):
            self.error(node, f"{shape}; got {describe(node)}")
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
                self.error(item, f"the {name} must be 0 or more seconds, got {describe(item)}")
                continue
            if 0 < value < MIN_BREATH_PHASE_S:
                self.error(
                    item,
                    f"the {name} must be 0 or at least {format_seconds(MIN_BREATH_PHASE_S)}, "
                    f"got {describe(item)}",
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
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
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
                f"bell seconds must be {format_seconds(MIN_BELL_S)} to "
                f"{format_seconds(MAX_BELL_S)}, got {describe(keys['seconds'])}",
            )
            return None
        return Bell(id=segment_id, seconds=seconds, line=line)
