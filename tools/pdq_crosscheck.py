#!/usr/bin/env python3
"""Cross-checks `lifeguard hash` against the HMA pipeline (Pillow full-size
decode + Meta's C++ PDQ core, see pdq_oracle.py) on edited copies of images.

    pip install Pillow numpy pdqhash
    python3 tools/pdq_crosscheck.py --lifeguard target/release/lifeguard IMAGE...

For every input it writes edited copies in a temporary folder (re-encodings in
several formats and JPEG settings, resizes, crops, rotations, greyscale, an
overlay), hashes each with both tools, and prints per edit the distribution of
Hamming distances between the two hashes and how many quality scores differ.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdq_oracle  # noqa: E402


def edits(img):
    w, h = img.size
    rgb = img.convert("RGB")
    yield "jpeg-q95-420", rgb, ("JPEG", {"quality": 95})
    yield "jpeg-q50", rgb, ("JPEG", {"quality": 50})
    yield "jpeg-q90-444", rgb, ("JPEG", {"quality": 90, "subsampling": 0})
    yield "jpeg-q90-422", rgb, ("JPEG", {"quality": 90, "subsampling": 1})
    yield "jpeg-progressive", rgb, ("JPEG", {"quality": 85, "progressive": True})
    yield "jpeg-grey", rgb.convert("L"), ("JPEG", {"quality": 90})
    yield "jpeg-cmyk", rgb.convert("CMYK"), ("JPEG", {"quality": 90})
    yield "jpeg-resize-half", rgb.resize((max(1, w // 2), max(1, h // 2))), ("JPEG", {"quality": 90})
    yield "jpeg-crop-5pct", rgb.crop((w // 40, h // 40, w - w // 40, h - h // 40)), ("JPEG", {"quality": 90})
    yield "jpeg-rot90", rgb.transpose(Image.Transpose.ROTATE_90), ("JPEG", {"quality": 90})
    over = rgb.copy()
    ImageDraw.Draw(over).rectangle((w // 10, h // 10, w // 4, h // 6), fill=(255, 255, 255))
    yield "jpeg-overlay", over, ("JPEG", {"quality": 90})
    yield "png", rgb, ("PNG", {})
    yield "png-rgba", rgb.convert("RGBA"), ("PNG", {})
    yield "png-palette", rgb.convert("P"), ("PNG", {})
    yield "png-grey", rgb.convert("L"), ("PNG", {})
    yield "webp-lossy", rgb, ("WEBP", {"quality": 80})
    yield "webp-lossless", rgb, ("WEBP", {"lossless": True})
    yield "gif", rgb, ("GIF", {})
    yield "bmp", rgb, ("BMP", {})
    yield "tiff", rgb, ("TIFF", {})


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifeguard", default="target/release/lifeguard")
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, path in enumerate(args.images):
            with Image.open(path) as img:
                img.load()
                for name, edited, (fmt, opts) in edits(img):
                    out = os.path.join(tmp, f"{i:04d}-{name}.{fmt.lower()}")
                    edited.save(out, fmt, **opts)
                    files.append((name, out))
        ours = {}
        proc = subprocess.run([args.lifeguard, "hash", *[f for _, f in files]],
                              capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            d = json.loads(line)
            ours[d["path"]] = d
        dist = collections.defaultdict(collections.Counter)
        qual = collections.Counter()
        for name, f in files:
            ref = pdq_oracle.hash_file(f)
            mine = ours.get(f, {"error": "missing"})
            if "error" in ref or "error" in mine:
                dist[name]["error"] += 1
                continue
            dist[name][hamming(ref["pdq"], mine["pdq"])] += 1
            qual[name] += ref["quality"] != mine["quality"]
        total = collections.Counter()
        for name in dist:
            total.update(dist[name])
            print(f"{name:18} distances {dict(sorted(dist[name].items(), key=str))} quality differs {qual[name]}")
        print(f"{'all':18} distances {dict(sorted(total.items(), key=str))} files {len(files)}")


if __name__ == "__main__":
    main()
