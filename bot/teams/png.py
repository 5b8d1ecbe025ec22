"""The two app icons Teams requires, drawn in code and written as PNG without an imaging library.

The color icon (192x192) is a check mark on the forum's blue; the outline icon (32x32) is the same
check mark in white on a transparent background, as Teams asks for.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

RGBA = tuple[int, int, int, int]

BLUE: RGBA = (0x1F, 0x4E, 0x79, 255)
WHITE: RGBA = (255, 255, 255, 255)
CLEAR: RGBA = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[int, int], RGBA]) -> bytes:
    """An 8-bit RGBA PNG; `pixel(x, y)` gives each pixel's colour."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _distance_to_segment(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    cx, cy = ax + t * dx, ay + t * dy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5


def _check_mark(size: int, x: int, y: int) -> bool:
    """A check mark in the unit square, scaled to `size`."""
    points = [(0.24, 0.52), (0.42, 0.70), (0.76, 0.32)]
    u, v = (x + 0.5) / size, (y + 0.5) / size
    return min(_distance_to_segment(u, v, points[0], points[1]),
               _distance_to_segment(u, v, points[1], points[2])) <= 0.065


def color_icon(size: int = 192) -> bytes:
    return png(size, size, lambda x, y: WHITE if _check_mark(size, x, y) else BLUE)


def outline_icon(size: int = 32) -> bytes:
    return png(size, size, lambda x, y: WHITE if _check_mark(size, x, y) else CLEAR)
