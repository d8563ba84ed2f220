"""Screenshot thumbnails for the report: the top of a page, downscaled, as a JPEG data URI.

The HTML report is one self-contained file, so images travel inside it. A home-page screenshot is often a
full-page capture many screens tall; the thumbnail keeps its first screen (the part a visitor sees first) at
a few kilobytes.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path


def thumbnail_data_uri(path: str | Path, width: int = 320, height: int = 200, quality: int = 72) -> str | None:
    """The top of an image scaled to `width` x `height` as a data: URI; None if the file is missing or unreadable."""
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError:
        return None
    return _thumbnail(str(path), stamp, width, height, quality)


@lru_cache(maxsize=256)  # pages shared by several sites (one portal for many bodies) are decoded once
def _thumbnail(path: str, _stamp: int, width: int, height: int, quality: int) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            w, h = img.size
            crop_h = min(h, round(w * height / width))  # the first screen, at the thumbnail's proportions
            img = img.crop((0, 0, w, crop_h))
            img.thumbnail((width, height), Image.Resampling.LANCZOS)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality, optimize=True)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
