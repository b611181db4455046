#!/usr/bin/env python3
"""PDQ distances between photos and edited copies, computed with Meta's own
code (Pillow + the `pdqhash` package) rather than ours: a check that what
Lifeguard's robustness table shows (e.g. PDQ's weakness under cropping) is
PDQ's behaviour, not a bug of our port.

    pip install Pillow numpy pdqhash
    python3 tools/pdq_edit_distances.py PHOTO...
"""
import io
import sys

import numpy as np
import pdqhash
from PIL import Image, ImageDraw


def bits(img):
    b, _ = pdqhash.compute(np.asarray(img.convert("RGB")))
    return np.array(b)


def jpeg(img, quality):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue()))


def crop(img, frac):
    w, h = img.size
    dx, dy = int(w * frac / 2), int(h * frac / 2)
    return img.crop((dx, dy, w - dx, h - dy))


def overlay(img):
    w, h = img.size
    o = img.copy()
    ImageDraw.Draw(o).rectangle((w - w * 12 // 100 - 6, h - h // 10 - 6, w - 6, h - 6), fill=(250, 250, 250))
    return o


EDITS = [
    ("resize 50%", lambda im: im.resize((im.size[0] // 2, im.size[1] // 2), Image.Resampling.BILINEAR)),
    ("JPEG quality 50", lambda im: jpeg(im, 50)),
    ("crop 5%", lambda im: crop(im, 0.05)),
    ("crop 10%", lambda im: crop(im, 0.10)),
    ("greyscale", lambda im: im.convert("L")),
    ("overlay 12%x10%", overlay),
]


def main(paths):
    print("| photo | " + " | ".join(n for n, _ in EDITS) + " |")
    print("|---|" + "---|" * len(EDITS))
    for p in paths:
        im = Image.open(p).convert("RGB")
        o = bits(im)
        row = [str(int((bits(f(im)) != o).sum())) for _, f in EDITS]
        print(f"| {p.split('/')[-1]} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
