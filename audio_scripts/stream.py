"""Audio as a replayable stream of blocks, so no stage holds a whole mix in memory.

A `Stream` knows its length and makes a fresh iterator of mono float32 blocks each time it is
played: the mix is computed block by block from the timeline events that overlap each block,
and every pass over it (loudness measurement, limiting, encoding, a rendition's correction)
plays it again instead of keeping it. Memory depends on the block size, not on the length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BLOCK = 1 << 16  # samples per block (~3 s at the mix rate)


@dataclass(frozen=True)
class Stream:
    samples: int  # how many samples every play yields in all
    play: Callable[[], Iterator[np.ndarray]]  # a fresh iterator of float32 blocks
    path: Path | None = None  # a file of raw float32 samples holding what a play yields

    def blocks(self) -> Iterator[np.ndarray]:
        return self.play()

    def collect(self) -> np.ndarray:
        """The whole stream in one array (for tests and short audio only)."""
        out = np.empty(self.samples, dtype=np.float32)
        at = 0
        for block in self.play():
            out[at : at + block.size] = block
            at += block.size
        return out[:at]


def of_array(pcm: np.ndarray, block: int = BLOCK) -> Stream:
    """A stream over an existing array: blocks are views, so nothing is copied until a stage
    changes them (and every stage that changes a block makes its own)."""

    def play() -> Iterator[np.ndarray]:
        for start in range(0, pcm.size, block):
            yield pcm[start : start + block]

    return Stream(pcm.size, play)


def of_file(path: Path, samples: int, block: int = BLOCK) -> Stream:
    """A stream over a file of raw float32 samples (read a block at a time, never whole)."""

    def play() -> Iterator[np.ndarray]:
        with path.open("rb") as file:
            while data := file.read(block * 4):
                yield np.frombuffer(data, dtype=np.float32).copy()

    return Stream(samples, play, path)


def written(blocks: Iterable[np.ndarray], path: Path) -> Iterator[np.ndarray]:
    """The blocks, unchanged, written on the way to a file of raw float32 samples at `path`."""
    with path.open("wb") as file:
        for block in blocks:
            file.write(np.ascontiguousarray(block, dtype=np.float32).data)
            yield block


def scaled(blocks: Iterable[np.ndarray], gain_db: float) -> Iterator[np.ndarray]:
    """Each block times `gain_db` (new arrays: the input is never changed)."""
    scale = np.float32(10 ** (gain_db / 20))
    for block in blocks:
        yield block * scale


def rechunk(
    blocks: Iterable[np.ndarray], size: int, ahead: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`blocks` cut into chunks of exactly `size` samples (the last may be shorter), each with
    the up to `ahead` samples that follow it, whatever sizes the blocks come in. Chunks are
    fresh arrays that the caller may change."""
    pending: list[np.ndarray] = []
    held = 0
    for block in blocks:
        pending.append(block)
        held += block.size
        if held < size + ahead:
            continue
        buffer = np.concatenate(pending)
        start = 0
        while buffer.size - start >= size + ahead:
            yield buffer[start : start + size].copy(), buffer[start + size : start + size + ahead]
            start += size
        pending, held = [buffer[start:]], buffer.size - start
    buffer = np.concatenate(pending) if pending else np.zeros(0, dtype=np.float32)
    for start in range(0, buffer.size, size):
        yield buffer[start : start + size].copy(), buffer[start + size : start + size + ahead]
