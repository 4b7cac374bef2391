"""The README's figure and table: held-out photos at the demo models' 64², each coded by `semcomp` with no options
(method auto at the structure table's default rate) and by JPEG, WebP and AVIF in no more bytes — counted as
bitstreams (semcomp's file less its container against AVIF's AV1 data, WebP's VP8 data, JPEG's file: the headline) and
as whole files — each at the best of full, half and quarter size, enlarged back with Lanczos (the "downscale, code,
enlarge" envelope's members; chapter `classical`).

    .venv/bin/python bench/front_page.py [--photos boats chelsea coins picos] [--out result/front_page]

Writes front_page.png (one row per photo: original, semcomp, JPEG, WebP and AVIF within semcomp's bitstream bytes, and
the best classical *file* within semcomp's file bytes; each titled with bytes and PSNR) and front_page.json (per photo
and mean: bytes, bitstream bytes, bpp, PSNR, MS-SSIM, seconds, unet evaluations; the structure semcomp chose; each
codec's hit counted both ways; machine and versions). The photos are from the evaluation half of the held-out photos
(bench/structures.py), which the structure table never saw. Run with OMP_NUM_THREADS=1 for the seconds to be one core's.
"""
import argparse, json, sys, time
from pathlib import Path

import numpy as np
from PIL import Image
from matplotlib.figure import Figure

from semcomp.classical import CLASSICAL, COUNTS, ENVELOPE_SCALES, at_rate, classical_encode, coded_bytes
from semcomp.codec import compress, decompress
from semcomp.core import write_json
from semcomp.models import demo_model_set
from semcomp.pipeline import Settings, machine_info, package_versions, save_figure
from semcomp.photos import heldout_photos

NAMES = {"jpeg": "JPEG", "webp": "WebP", "avif": "AVIF"}
SCALES = {1.0: "full size", 0.5: "½ size", 0.25: "¼ size"}


def classical_at(reference: np.ndarray, codec: str, max_bytes: int, count: str) -> dict | None:
    "The best PSNR `codec` reaches in at most `max_bytes` counted as `count`, coding `reference` at full, half or quarter size and enlarging it back."
    h, w = reference.shape[:2]
    hits = [at_rate(reference, codec, max_bytes, None if s == 1 else (max(1, round(w * s)), max(1, round(h * s))), count) for s in ENVELOPE_SCALES]
    hits = [dict(hit, scale=s) for hit, s in zip(hits, ENVELOPE_SCALES) if hit is not None]
    return max(hits, key=lambda hit: hit["psnr"]) if hits else None


def smallest(reference: np.ndarray, codec: str, count: str) -> int:
    "The fewest bytes (counted as `count`) `codec` codes `reference` in: its lowest quality at the smallest of the envelope's sizes."
    h, w = reference.shape[:2]
    small = np.asarray(Image.fromarray(reference).resize((max(1, round(w * ENVELOPE_SCALES[-1])), max(1, round(h * ENVELOPE_SCALES[-1]))), Image.LANCZOS))
    return coded_bytes(classical_encode(small, codec, 0, "4:4:4"), codec, count)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--photos", nargs="*", default=["boats", "chelsea", "coins", "picos"]); p.add_argument("--out", type=Path, default=Path("result/front_page"))
    args = p.parse_args(argv)
    models = demo_model_set()
    rows, pictures = [], []
    for name, image, caption in heldout_photos(models.output_size, args.photos):
        square = np.asarray(image)
        start = time.perf_counter()
        c = compress(models, image, caption, Settings())
        seconds = time.perf_counter() - start
        assert np.array_equal(decompress(c.data, models).image, c.image)           # what a user decodes from the file
        row = {"photo": name, "semcomp": {"bytes": len(c.data), "bitstream_bytes": c.bitstream_bytes, "bpp": c.bpp, "bitstream_bpp": c.bitstream_bpp,
                                           "psnr": c.metrics["psnr"], "ms_ssim": c.metrics["ms_ssim"], "seconds": seconds,
                                           "unet_evaluations": c.structure["unet_evaluations"],
                                           "structure": c.structure["chosen"], "tried": [t["structure"] for t in c.structure["tried"]]}}
        shots = [("original", square), (f"semcomp\n{c.bitstream_bytes} B ({len(c.data)} B file)\n{c.metrics['psnr']:.2f} dB", c.image)]
        for count, budget in (("bitstreams", c.bitstream_bytes), ("files", len(c.data))):
            for codec in CLASSICAL:
                start = time.perf_counter()
                hit = classical_at(square, codec, budget, count)
                took = time.perf_counter() - start
                row.setdefault(codec, {})[count] = ({"cannot_fit": True, "smallest_bytes": smallest(square, codec, count)} if hit is None else
                    {"bytes": hit["bytes"], "bitstream_bytes": hit["bitstream_bytes"], "bpp": hit["bpp"], "bitstream_bpp": hit["bitstream_bpp"],
                     "psnr": hit["psnr"], "ms_ssim": hit["ms_ssim"], "scale": hit["scale"], "quality": hit["quality"], "seconds_search": took, "image": hit["image"]})
            if count == "bitstreams":
                for codec in CLASSICAL:
                    h = row[codec][count]
                    shots.append((f"{NAMES[codec]} bitstream\n" + (f"≥ {h['smallest_bytes']} B: cannot fit" if "cannot_fit" in h else
                                  f"{h['bitstream_bytes']} B, {SCALES[h['scale']]}\n{h['psnr']:.2f} dB"), h.get("image", np.full_like(square, 255))))
            else:
                fits = [(codec, row[codec][count]) for codec in CLASSICAL if "psnr" in row[codec][count]]
                codec, h = max(fits, key=lambda ch: ch[1]["psnr"]) if fits else (None, None)
                shots.append(("best file\n" + ("none fits" if h is None else f"{NAMES[codec]} {h['bytes']} B, {SCALES[h['scale']]}\n{h['psnr']:.2f} dB"),
                              np.full_like(square, 255) if h is None else h["image"]))
        for codec in CLASSICAL:
            for count in COUNTS: row[codec][count].pop("image", None)
        rows.append(row); pictures.append(shots)
        print(name, json.dumps({k: v for k, v in row.items() if k != "photo"}, default=lambda x: round(x, 3)))
    mean = {"semcomp": {m: float(np.mean([r["semcomp"][m] for r in rows])) for m in
                        ("bytes", "bitstream_bytes", "bpp", "bitstream_bpp", "psnr", "ms_ssim", "seconds", "unet_evaluations")}}
    for codec in CLASSICAL:
        for count in COUNTS:
            got = [r[codec][count] for r in rows if "psnr" in r[codec][count]]
            mean[f"{codec} ({count})"] = {m: float(np.mean([g[m] for g in got])) if len(got) == len(rows) else None
                                          for m in ("bytes", "bitstream_bytes", "bpp", "bitstream_bpp", "psnr", "ms_ssim")} | {
                "photos_that_fit": len(got), "smallest_bytes_when_unfit": [r[codec][count]["smallest_bytes"] for r in rows if "smallest_bytes" in r[codec][count]]}
    best = [max((r[c]["files"] for c in CLASSICAL if "psnr" in r[c]["files"]), key=lambda h: h["psnr"], default=None) for r in rows]
    mean["best file"] = ({m: float(np.mean([b[m] for b in best])) for m in ("bytes", "bpp", "psnr", "ms_ssim")} if None not in best else None)
    fig = Figure(figsize=(7.5, 1.95 * len(rows) + 0.35), dpi=100)       # page width: every panel at its size
    for i, shots in enumerate(pictures):
        for j, (title, pixels) in enumerate(shots):
            ax = fig.add_subplot(len(rows), len(shots), len(shots) * i + j + 1)
            ax.imshow(pixels, interpolation="nearest"); ax.set_title(title, fontsize=7); ax.axis("off")
    fig.suptitle("held-out photos at 64²: semcomp with no options (demo models) and JPEG/WebP/AVIF in no more bytes\n"
                 "(bitstream against bitstream; last column: the best classical file in semcomp's file size)", fontsize=8)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    save_figure(fig, args.out / "front_page.png")
    doc = {"photos": args.photos, "rows": rows, "mean": mean, "settings": "semcomp: Settings() (method auto, the built-in table's default rate); "
           "classical: the best of full, half and quarter size at the highest quality within semcomp's bytes, counted as bitstreams "
           "(semcomp's file less its container; AVIF's AV1 data, WebP's VP8 data, JPEG's file) and as files", "machine": machine_info(),
           "versions": package_versions()}
    write_json(args.out / "front_page.json", doc)
    print(json.dumps(mean, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
