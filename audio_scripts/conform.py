"""Every rendition at the loudness promise, measured on the encoded file itself.

The mix is normalised before encoding, but encoders move loudness and peaks: Opus overshoots
the true peak at low bitrates, and a script whose breath tones sit near the loudness gate can
measure a few LU apart in one codec. So each file is decoded and measured as soon as its
encoder is done (ffmpeg's ebur128 for the loudness, `TruePeak` on the decoded samples for the
peak; they agree with ffmpeg's own true peak within 0.05 dB on the bench), and a rendition
outside the bounds is encoded again from the mix with its own gain and limiter ceiling, at
most `MAX_PASSES` times. Only the renditions that miss pay for a second encode. The mix is a
stream: each correction plays it again (turned and limited on the way) instead of keeping it.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .encode import Rendition, encode
from .loudness import PCM_CEILING_DBTP, SILENCE_LUFS, TARGET_LUFS, limited, measure
from .pcm import MIX_RATE
from .stream import Stream, of_array

TRUE_PEAK_LIMIT = -1.0  # dBTP: the promise for every file
# a file is accepted this close to the target: the promise is ±1, and half of it is left for
# other decoders and meters, which agree with ffmpeg's to a few hundredths
LUFS_TOLERANCE = 0.5
TRUE_PEAK_MARGIN = 0.1  # accepted at or under −1.1 dBTP, so another decoder has room
TRUE_PEAK_AIM = -1.5  # where a corrected rendition aims its peaks
MIN_OVERSHOOT_DB = 0.3  # assumed at least, so a correction does not land on the line again
MAX_PASSES = 4
_GAIN_ROUNDS = 2  # measurements of the mix per pass, to find its gain


@dataclass(frozen=True)
class _Attempt:
    gain_db: float  # relative to the normalised mix
    ceiling_dbtp: float  # the limiter's ceiling on the mix before encoding
    fed_lufs: float  # the loudness of what the encoder was fed
    rendition: Rendition  # measured

    @property
    def miss(self) -> tuple[bool, float]:
        """How far outside the accepted bounds (0 when within): a true peak over is worse."""
        r = self.rendition
        over = max(0.0, r.true_peak_dbtp - (TRUE_PEAK_LIMIT - TRUE_PEAK_MARGIN))
        # ffmpeg prints tenths: allow for the float behind "-16.3"
        off = max(0.0, abs(r.integrated_lufs - TARGET_LUFS) - LUFS_TOLERANCE - 1e-6)
        return over > 0, over + off

    @property
    def within(self) -> bool:
        return self.miss == (False, 0.0)


def conform(
    source: np.ndarray | Stream,
    base: Path,
    formats: Iterable[str],
    bitrates: Mapping[str, int | str] | None = None,
    *,
    fed_lufs: float = math.nan,
    sample_rate: int = MIX_RATE,
    progress: Callable[[float], None] | None = None,
) -> list[Rendition]:
    """Encode the normalised mix to every format, then measure each file and encode again
    the ones outside −16 ±0.5 LUFS or over −1.1 dBTP. Returns the renditions with their
    measured loudness; `source` is left as it is. `fed_lufs`, when known, is the mix's own
    loudness (else it is measured, when a file needs correcting)."""
    report = progress or (lambda _fraction: None)
    mix = source if isinstance(source, Stream) else of_array(source)
    measured = encode(mix, base, formats, bitrates, sample_rate=sample_rate,
                      progress=lambda f: report(0.8 * f), then=_measured)  # fmt: skip
    if all(not r.integrated_lufs > SILENCE_LUFS for r in measured):
        return measured  # silence has no loudness to correct
    current = [_Attempt(0.0, PCM_CEILING_DBTP, fed_lufs, r) for r in measured]
    best = list(current)
    mix_peak = math.nan  # the mix's true peak, read once a rendition needs correcting
    for number in range(1, MAX_PASSES + 1):
        misses = [i for i, a in enumerate(current) if not a.within]
        if not misses:
            break
        if math.isnan(mix_peak):
            loudness = measure(mix.blocks(), sample_rate=sample_rate)
            mix_peak = loudness.true_peak_dbtp
            if not math.isfinite(fed_lufs):
                current = [replace(a, fed_lufs=loudness.integrated_lufs) for a in current]
        pass_base = base.with_name(f"{base.name}.pass{number}")
        with ThreadPoolExecutor(len(misses)) as pool:
            redone = list(pool.map(_redo, [mix] * len(misses), [pass_base] * len(misses),
                                   [current[i] for i in misses], [mix_peak] * len(misses),
                                   [sample_rate] * len(misses)))  # fmt: skip
        for i, attempt in zip(misses, redone, strict=True):
            current[i] = attempt
            if attempt.miss <= best[i].miss:
                best[i] = attempt
        report(0.8 + 0.2 * number / MAX_PASSES)
    return [_settled(a.rendition, base) for a in best]


def _redo(
    mix: Stream, base: Path, attempt: _Attempt, mix_peak: float, sample_rate: int
) -> _Attempt:
    """Encode a rendition that missed again. The ceiling comes down by the codec's own
    overshoot when the peaks would pass the limit; the gain is found on the mix itself (cheap
    to measure, unlike an encode), so that the mix fed to the encoder plus the codec's own
    loudness shift lands on the target."""
    r = attempt.rendition
    fed_peak = min(attempt.ceiling_dbtp, mix_peak + attempt.gain_db)
    overshoot = max(MIN_OVERSHOOT_DB, r.true_peak_dbtp - fed_peak)
    gain = attempt.gain_db + (TARGET_LUFS - r.integrated_lufs)
    ceiling = attempt.ceiling_dbtp
    if min(ceiling, mix_peak + gain) + overshoot > TRUE_PEAK_LIMIT - TRUE_PEAK_MARGIN:
        ceiling = TRUE_PEAK_AIM - overshoot
    codec_shift = r.integrated_lufs - attempt.fed_lufs
    fed = attempt.fed_lufs
    for _ in range(_GAIN_ROUNDS):
        fed_stream = limited(mix, gain, ceiling, sample_rate=sample_rate)
        measured = measure(fed_stream.blocks(), sample_rate=sample_rate, true_peak=False)
        error = TARGET_LUFS - (measured.integrated_lufs + codec_shift)
        fed = measured.integrated_lufs
        if abs(error) < 0.1:
            break
        gain += error
        fed += error  # near enough: a small change of gain is the same change of loudness
    fed_stream = limited(mix, gain, ceiling, sample_rate=sample_rate)
    rendition = encode(fed_stream, base, [r.format], {r.format: r.nominal_bitrate},
                       sample_rate=sample_rate, exactly=True, then=_measured)[0]  # fmt: skip
    return _Attempt(gain, ceiling, fed, rendition)


def _measured(rendition: Rendition) -> Rendition:
    """The rendition with what its file measures (decoded by ffmpeg, see `measure`)."""
    loudness = measure(rendition.path)
    return replace(
        rendition, integrated_lufs=loudness.integrated_lufs, true_peak_dbtp=loudness.true_peak_dbtp
    )


def _settled(rendition: Rendition, base: Path) -> Rendition:
    """The chosen file under the rendition's own name (`base.<ext>`); other passes deleted."""
    final = base.with_name(f"{base.name}{rendition.path.suffix}")
    if rendition.path != final:
        shutil.move(rendition.path, final)
    for stale in base.parent.glob(f"{base.name}.pass*{rendition.path.suffix}"):
        stale.unlink()
    return replace(rendition, path=final)
