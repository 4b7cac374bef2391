"""The README's figure and table: held-out photos at the demo models' 64², each coded by `semcomp` with no options
(method auto at the structure table's default rate) and by JPEG, WebP and AVIF at no more bytes (each at the best of
full, half and quarter size, enlarged back with Lanczos: the "downscale, code, enlarge" envelope's members).

    .venv/bin/python bench/front_page.py [--photos boats chelsea coins picos] [--out result/front_page]

Writes front_page.png (one row per photo: original, semcomp, JPEG, WebP, AVIF, each titled with bytes and PSNR) and
front_page.json (per photo and mean: bytes, bpp, PSNR, MS-SSIM, seconds, unet evaluations; the structure semcomp chose;
machine and versions). The photos are from the evaluation half of the held-out photos (bench/structures.py), which the
structure table never saw. Run with OMP_NUM_THREADS=1 for the seconds to be one core's.
"""
import argparse, json, sys, time
from pathlib import Path

import numpy as np
from PIL import Image
from matplotlib.figure import Figure

from semcomp.codec import compress, decompress
from semcomp.core import atomic_write_bytes, fit_image
from semcomp.evaluation import CLASSICAL, ENVELOPE_SCALES, at_rate, classical_encode
from semcomp.models import demo_model_set
from semcomp.pipeline import Settings, machine_info, package_versions, save_figure
from semcomp.train import fetch_photos, load_manifest, split_photos


def classical_at(reference: np.ndarray, codec: str, max_bytes: int) -> dict | None:
    "The best PSNR `codec` reaches in at most `max_bytes`, coding `reference` at full, half or quarter size and enlarging it back."
    h, w = reference.shape[:2]
    hits = [at_rate(reference, codec, max_bytes, None if s == 1 else (max(1, round(w * s)), max(1, round(h * s)))) for s in ENVELOPE_SCALES]
    hits = [dict(hit, scale=s) for hit, s in zip(hits, ENVELOPE_SCALES) if hit is not None]
    return max(hits, key=lambda hit: hit["psnr"]) if hits else None


def smallest(reference: np.ndarray, codec: str) -> int:
    "The fewest bytes `codec` codes `reference` in, at its lowest quality and the smallest of the envelope's sizes."
    h, w = reference.shape[:2]
    small = np.asarray(Image.fromarray(reference).resize((max(1, round(w * ENVELOPE_SCALES[-1])), max(1, round(h * ENVELOPE_SCALES[-1]))), Image.LANCZOS))
    return len(classical_encode(small, codec, 0))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--photos", nargs="*", default=["boats", "chelsea", "coins", "picos"]); p.add_argument("--out", type=Path, default=Path("result/front_page"))
    args = p.parse_args(argv)
    _, held = split_photos(fetch_photos())
    why = {e["name"]: e["why"] for e in load_manifest()}
    models = demo_model_set()
    rows, pictures = [], []
    for name in args.photos:
        square = fit_image(Image.fromarray(held[name]), models.output_size, "crop").pixels
        start = time.perf_counter()
        c = compress(models, Image.fromarray(square), why[name], Settings())
        seconds = time.perf_counter() - start
        assert np.array_equal(decompress(c.data, models).image, c.image)           # what a user decodes from the file
        row = {"photo": name, "semcomp": {"bytes": len(c.data), "bpp": c.bpp, "psnr": c.metrics["psnr"], "ms_ssim": c.metrics["ms_ssim"],
                                           "seconds": seconds, "unet_evaluations": c.structure["unet_evaluations"],
                                           "structure": c.structure["chosen"], "tried": [t["structure"] for t in c.structure["tried"]]}}
        shots = [("original", square), (f"semcomp\n{len(c.data)} B, {c.metrics['psnr']:.2f} dB", c.image)]
        for codec in CLASSICAL:
            start = time.perf_counter()
            hit = classical_at(square, codec, len(c.data))
            took = time.perf_counter() - start
            row[codec] = {"cannot_fit": True, "smallest_bytes": smallest(square, codec)} if hit is None else {"bytes": hit["bytes"], "bpp": hit["bpp"], "psnr": hit["psnr"], "ms_ssim": hit["ms_ssim"],
                                                   "scale": hit["scale"], "quality": hit["quality"], "seconds_search": took}
            shots.append((f"{codec.upper()}\n" + (f"≥ {row[codec]['smallest_bytes']} B: cannot fit" if hit is None else f"{hit['bytes']} B, {hit['psnr']:.2f} dB"),
                          np.full_like(square, 255) if hit is None else hit["image"]))
        rows.append(row); pictures.append(shots)
        print(name, json.dumps({k: v for k, v in row.items() if k != "photo"}, default=lambda x: round(x, 3)))
    mean = {}
    for key in ("semcomp", *CLASSICAL):
        got = [r[key] for r in rows if "psnr" in r[key]]
        mean[key] = {m: float(np.mean([g[m] for g in got])) if got else None for m in ("bytes", "bpp", "psnr", "ms_ssim")} | {"photos": len(got), "smallest_bytes_when_unfit": [r[key]["smallest_bytes"] for r in rows if "smallest_bytes" in r[key]]}
    for m in ("seconds", "unet_evaluations"): mean["semcomp"][m] = float(np.mean([r["semcomp"][m] for r in rows]))
    fig = Figure(figsize=(7.5, 1.75 * len(rows) + 0.3), dpi=100)       # page width: every panel at its size

    for i, shots in enumerate(pictures):
        for j, (title, pixels) in enumerate(shots):
            ax = fig.add_subplot(len(rows), 5, 5 * i + j + 1)
            ax.imshow(pixels, interpolation="nearest"); ax.set_title(title, fontsize=8); ax.axis("off")
    fig.suptitle(f"held-out photos at 64²: semcomp with no options (demo models) and JPEG/WebP/AVIF in no more bytes", fontsize=8.5)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    save_figure(fig, args.out / "front_page.png")
    doc = {"photos": args.photos, "rows": rows, "mean": mean, "settings": "semcomp: Settings() (method auto, the built-in table's default rate); "
           "classical: the best of full, half and quarter size at the highest quality within semcomp's bytes", "machine": machine_info(),
           "versions": package_versions()}
    atomic_write_bytes(args.out / "front_page.json", (json.dumps(doc, indent=1) + "\n").encode())
    print(json.dumps(mean, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
