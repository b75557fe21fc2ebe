"""Draw the web app's icons (a breath: a calm dot inside a soft ring) as PNG files.

`python -m api.web.draw_icons` rewrites api/web/static/app/icons/. Pure Python (zlib), shapes
drawn from signed distances so their edges are smooth; nothing downloaded. The PNGs are
committed; run this again only to change the drawing."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).parent / "static" / "app" / "icons"
BACKGROUND = (0x2F, 0x6F, 0x6A)
RING = (0x8C, 0xC5, 0xBD)
DOT = (0xF6, 0xF4, 0xEF)


def _coverage(distance: float) -> float:
    """How much of a pixel lies inside a shape whose edge is `distance` pixels away."""
    return min(1.0, max(0.0, 0.5 - distance))


def _rounded_square(x: float, y: float, half: float, radius: float) -> float:
    qx, qy = abs(x) - (half - radius), abs(y) - (half - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def draw(size: int, *, maskable: bool) -> bytes:
    """RGBA rows. A maskable icon fills the square (the platform cuts its own shape) and keeps
    the drawing inside the central 80 % safe zone."""
    centre = size / 2
    scale = 0.8 if maskable else 1.0
    ring_r, ring_w, dot_r = size * 0.30 * scale, size * 0.045 * scale, size * 0.17 * scale
    rows = bytearray()
    for j in range(size):
        rows.append(0)  # PNG filter: none
        for i in range(size):
            x, y = i + 0.5 - centre, j + 0.5 - centre
            corner = _rounded_square(x, y, size / 2, size * 0.22)
            alpha = 1.0 if maskable else _coverage(corner)
            r = math.hypot(x, y)
            ring = _coverage(abs(r - ring_r) - ring_w / 2)
            dot = _coverage(r - dot_r)
            colour = [b * (1 - ring) + g * ring for b, g in zip(BACKGROUND, RING, strict=True)]
            colour = [c * (1 - dot) + d * dot for c, d in zip(colour, DOT, strict=True)]
            rows.extend((*(round(c) for c in colour), round(alpha * 255)))
    return bytes(rows)


def png(size: int, rgba_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rgba_rows, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icons = {
        "icon-192.png": (192, False),
        "icon-512.png": (512, False),
        "maskable-512.png": (512, True),
        "apple-touch-icon.png": (180, True),  # iOS rounds the corners itself
    }
    for name, (size, maskable) in icons.items():
        (OUT / name).write_bytes(png(size, draw(size, maskable=maskable)))
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
