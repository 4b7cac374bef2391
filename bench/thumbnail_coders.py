"""Benchmark: the conditioning-image coders on the held-out photos' 8², 16², 32² and 64² thumbnails — bytes at 25, 28 and 30 dB.

    .venv/bin/python bench/thumbnail_coders.py [--out result]

Every photo marked `held_out` in semcomp/weights/photos.json is centre-cropped and Lanczos-resized to 64² (the demo
models' output; its 16² area thumbnail is what the demo codec sends, its 8² and 32² ones what a coarser or finer
structure would) and to 256² (LAION's output; its 64² area thumbnail is LAION's conditioning image). Each coder runs over
its quality ladder — dct 1–100, dpcm 1–8 bits, WebP and AVIF 0–100 (4:4:4) as whole files, VP8 and AV1 0–100 as their
bitstreams alone (`vp8`, `av1`: the container rebuilt on decoding), PNG once — through `semcomp.bitstream.encode_cond` / `cond_roundtrip`, so the bytes are the component's bytes in a
.sc file (one coder byte included). Per photo, the bytes at a PSNR are interpolated linearly in log-bytes between the two
ladder points around it (on the points sorted by PSNR); the mean is over the photos every coder reaches. Writes
result/thumbnail_coders.json (per photo ladders and the summary, with machine and versions).
"""
import argparse, sys
from pathlib import Path

import numpy as np
from PIL import Image

from semcomp.bitstream import CondCodec, cond_roundtrip, encode_cond
from semcomp.core import write_json, fit_image, to_tensor, to_uint8
from semcomp.metrics import psnr
from semcomp.pipeline import machine_info, package_versions
from semcomp.photos import fetch_photos, split_photos
from semcomp.upsampler import area_downsample

LADDERS = {"dct": range(1, 101, 3), "dpcm": range(1, 9), "webp": range(0, 101, 5), "avif": range(0, 101, 5), "vp8": range(0, 101, 5),
           "av1": range(0, 101, 5), "png": [0]}
TARGETS = (25.0, 28.0, 30.0)
SIZES = {8: 64, 16: 64, 32: 64, 64: 256}      # thumbnail side: the crop it is area-downsampled from


def bytes_at(points: list, target: float) -> float | None:
    "Bytes at PSNR `target` from [(bytes, psnr)], log-linear between the neighbouring points sorted by PSNR; None outside."
    pts = sorted(points, key=lambda p: p[1])
    for (b0, p0), (b1, p1) in zip(pts, pts[1:]):
        if p0 <= target <= p1 and p1 > p0:
            f = (target - p0) / (p1 - p0)
            return float(np.exp(np.log(b0) + f * (np.log(b1) - np.log(b0))))
    return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0]); p.add_argument("--out", default="result")
    args = p.parse_args(argv)
    _, held = split_photos(fetch_photos())
    doc = {"what": __doc__.split("\n\n")[0], "ladders": {k: list(v) for k, v in LADDERS.items()}, "targets_db": TARGETS,
           "sizes": {str(k): v for k, v in SIZES.items()}, "machine": machine_info(), "versions": package_versions(), "thumbnails": {}}
    for side, crop in SIZES.items():
        per = {}
        for name, px in held.items():
            thumb = to_uint8(area_downsample(to_tensor(fit_image(Image.fromarray(px), crop, "crop").pixels), side))
            per[name] = {fmt: [(len(encode_cond(thumb, CondCodec(fmt, q))), psnr(thumb, cond_roundtrip(thumb, CondCodec(fmt, q))))
                               for q in ladder] for fmt, ladder in LADDERS.items()}
        summary = {}
        for t in TARGETS:
            at = {fmt: {n: bytes_at(per[n][fmt], t) for n in per} for fmt in LADDERS if fmt != "png"}
            common = [n for n in per if all(at[fmt][n] is not None for fmt in at)]
            summary[f"{t:g} dB"] = {"photos": len(common), **{fmt: float(np.mean([at[fmt][n] for n in common])) if common else None for fmt in at}}
        png = float(np.mean([per[n]["png"][0][0] for n in per]))
        doc["thumbnails"][f"{side}²"] = {"per_photo": per, "bytes_at": summary, "png_lossless_bytes": png}
        print(f"{side}² thumbnails ({len(per)} held-out photos; PNG lossless {png:.0f} B):")
        for t, row in summary.items():
            print(f"  {t} ({row['photos']} photos): " + "  ".join(f"{fmt} {row[fmt]:.0f} B" for fmt in LADDERS if fmt in row and row[fmt]))
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    write_json(out / "thumbnail_coders.json", doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
