#!/usr/bin/env python3
"""Reference PDQ hashes the way Meta's HMA computes them: Pillow decodes the
file at full size (no EXIF orientation, no pre-resize), converted to RGB, and
the `pdqhash` package (Meta's C++ core via Cython) hashes the pixels.

This is a test oracle for `lifeguard hash`, not part of the product:

    pip install Pillow numpy pdqhash
    python3 tools/pdq_oracle.py FILE... > reference.jsonl

One JSON line per file: {"path", "pdq", "quality"} or {"path", "error"}.
"""
import json
import sys

import numpy as np
import pdqhash
from PIL import Image


def pdq_hex(bits):
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return f"{value:064x}"


def hash_file(path):
    """{"path", "pdq", "quality"} for one file, or {"path", "error"}."""
    try:
        with Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"))
        bits, quality = pdqhash.compute(rgb)
        return {"path": path, "pdq": pdq_hex(bits), "quality": int(quality)}
    except Exception as e:  # noqa: BLE001 - report and carry on
        return {"path": path, "error": str(e)}


def main(paths):
    for path in paths:
        print(json.dumps(hash_file(path)))


if __name__ == "__main__":
    main(sys.argv[1:])
