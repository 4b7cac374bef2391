"""Benchmark: where the demo upsampler's PSNR goes between its estimate of the mean and a 10-step DDIM sample.

    .venv/bin/python bench/upsampler_steps.py [--weights semcomp/weights/demo_decoder.pth] [--codec-photos chelsea coins] [--out result]

On every held-out photo of semcomp/weights/photos.json (64² centre crop; its 16² area thumbnail, 8-bit, DPCM-coded as
the codec first sends it), the upsampler alone is run with deterministic DDIM for 1, 2, 3, 5, 10 and 25 steps from the
codec's seeded noise, and for 10 steps from that noise scaled by 0.5 and by 0 (a "temperature"), beside bicubic and
Lanczos of the same thumbnail. One DDIM step returns the network's x̂₀ at t = T: its estimate of the conditional mean.
Then `compress` at its defaults with the upsampler run for 2 steps instead of 10 (the `latent.steps` setting) on the
`--codec-photos`, beside the default. Writes result/upsampler_steps.json (per photo and mean, with settings, machine and
versions).
"""
import argparse, dataclasses, hashlib, sys, time
from pathlib import Path

import numpy as np
from PIL import Image

from semcomp.codec import compress
from semcomp.core import write_json, fit_image
from semcomp.latent import LatentSettings
from semcomp.metrics import mean_psnr, psnr
from semcomp.models import DEMO_WEIGHTS, demo_model_set
from semcomp.pipeline import Settings, machine_info, package_versions
from semcomp.photos import fetch_photos, load_manifest, split_photos
from semcomp.train import coded_thumbnail, upsample_thumbnail

RUNS = [(1, 1.0), (2, 1.0), (3, 1.0), (5, 1.0), (10, 1.0), (25, 1.0), (10, 0.5), (10, 0.0)]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", default=str(DEMO_WEIGHTS)); p.add_argument("--out", default="result")
    p.add_argument("--codec-photos", nargs="*", default=["chelsea", "coins"])
    args = p.parse_args(argv)
    _, held = split_photos(fetch_photos())
    why = {e["name"]: e["why"] for e in load_manifest()}
    models = demo_model_set(weights=args.weights)
    rows = []
    for name, px in held.items():
        target = fit_image(Image.fromarray(px), 64, "crop").pixels
        low = coded_thumbnail(target, 16)
        row = {"name": name, "bicubic": psnr(target, np.asarray(Image.fromarray(low).resize((64, 64), Image.BICUBIC))),
               "lanczos": psnr(target, np.asarray(Image.fromarray(low).resize((64, 64), Image.LANCZOS)))}
        for steps, scale in RUNS: row[f"{steps} steps, noise x{scale:g}"] = psnr(target, upsample_thumbnail(models.decoder, low, steps, 0, scale))
        rows.append(row); print(name, {k: round(v, 2) for k, v in row.items() if k != "name"}, flush=True)
    mean = {k: mean_psnr([r[k] for r in rows]) for k in rows[0] if k != "name"}
    codec = []
    for name in args.codec_photos:
        target = fit_image(Image.fromarray(held[name]), 64, "crop").pixels
        for steps in (10, 2):
            start = time.perf_counter()
            c = compress(models, Image.fromarray(target), why[name], Settings(method="optimized", latent=LatentSettings(steps=steps)))
            codec.append({"name": name, "latent_steps": steps, "bytes": len(c.data), "psnr": c.metrics["psnr"],
                          "seconds_encode": round(time.perf_counter() - start, 2)})
            print(codec[-1], flush=True)
    doc = {"what": "demo upsampler alone on the held-out photos at 64² (coded 16² thumbnail): PSNR by DDIM steps and starting-noise "
                   "scale, beside bicubic and Lanczos; and compress at defaults with 2 instead of 10 upsampler steps",
           "weights": args.weights, "sha256": hashlib.sha256(Path(args.weights).read_bytes()).hexdigest(),
           "model_fingerprint": models.fingerprint().hex(), "seed": 0, "runs": [list(r) for r in RUNS],
           "codec_settings": dataclasses.asdict(Settings()), "machine": machine_info(), "versions": package_versions(),
           "photos": rows, "mean": mean, "codec": codec}
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    write_json(out / "upsampler_steps.json", doc)
    for k, v in mean.items(): print(f"{k:22s} {v:6.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
