"""A letterhead logo's image file (a council's ``[council] logo``, docs/rules.md): its kind and size
in pixels read from its first bytes (PNG's IHDR, JPEG's frame header), and the box it is drawn in
on page 1: scaled to fit the logo area's 110 x 23 mm, its aspect kept (letters.md, Fit to post:
a logo in 15-125 mm across, 5-30 mm down; Word's first-page header starts 6.5 mm down)."""

from __future__ import annotations

import struct
from pathlib import Path

from correspondence.common.errors import CorrespondenceError

SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_BYTES = 2 * 1024 * 1024  # a letterhead logo is tens of kilobytes; a bigger file is a mistake
BOX_MM = (110.0, 23.0)


class ImageProblem(CorrespondenceError, ValueError):
    """Why a file is no usable logo (a phrase: "is not a PNG or JPEG image")."""


def pixel_size(data: bytes) -> tuple[str, int, int]:
    """("png" or "jpeg", width, height) of an image's bytes; ImageProblem for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        if width and height:
            return "png", width, height
    elif data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                if width and height:
                    return "jpeg", width, height
                break
            i += 2 + length
    raise ImageProblem("is not a whole PNG or JPEG image")


def read_logo(path: Path) -> tuple[bytes, str, int, int]:
    """The file's bytes, kind and size in pixels; ImageProblem saying what is wrong with it."""
    try:
        size = path.stat().st_size
    except OSError:
        raise ImageProblem("does not exist") from None
    if size > MAX_BYTES:
        raise ImageProblem(f"is {size // 1024} KB, more than a logo's {MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageProblem(f"cannot be read ({exc.strerror or exc})") from None
    return (data, *pixel_size(data))


def box_mm(width: int, height: int) -> tuple[float, float]:
    """The logo's drawn size in mm: as large as fits BOX_MM, its aspect kept."""
    scale = min(BOX_MM[0] / width, BOX_MM[1] / height)
    return round(width * scale, 2), round(height * scale, 2)
