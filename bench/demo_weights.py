"""Benchmark: demo weights on the held-out photos at 64² — the upsampler alone against bicubic and Lanczos, and
`semcomp compress` at its defaults, for one or more sets of weights side by side; and a figure grid.

    .venv/bin/python bench/demo_weights.py [--weights semcomp/weights/demo_decoder.pth OLD.pth ...] [--iterations 30] [--out result]

Every photo marked `held_out` in semcomp/weights/photos.json (the four samples, two more bundled photos and ten of the
corpus; fetched by semcomp.photos.fetch_photos) is centre-cropped and Lanczos-resized to 64² — the models' output size —
and then:
1. the upsampler alone: its 16² area thumbnail, 8-bit, DPCM-coded (the codec's default), enlarged by 10 deterministic
   DDIM steps from seeded noise (semcomp.train.upsampler_psnr), beside bicubic and Lanczos of the same thumbnail;
2. `compress` with the structure that was the default before `--method auto` (method optimized: optimised conditioning
   image + 16² latent, 10 upsampler steps, --iterations passes) and `decompress`:
   bytes, bpp, PSNR, MS-SSIM.
Writes result/bench_demo.json (per photo and mean, per weights file, with its sha256) and result/bench_demo.png
(original / bicubic / upsampler / semcomp for every photo, with the first weights file). Results of other weights files
already in result/bench_demo.json for the same photos and settings are kept rather than recomputed.
"""
import argparse, dataclasses, hashlib, json, sys, time
from pathlib import Path

import numpy as np
from PIL import Image
from matplotlib.figure import Figure

from semcomp.codec import compress, decompress
from semcomp.core import write_json, fit_image
from semcomp.latent import LatentSettings
from semcomp.metrics import mean_psnr
from semcomp.models import DEMO_WEIGHTS, demo_model_set
from semcomp.pipeline import Settings, machine_info, package_versions, save_figure
from semcomp.photos import fetch_photos, load_manifest, split_photos
from semcomp.train import coded_thumbnail, upsample_thumbnail, upsampler_psnr


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", nargs="+", default=[str(DEMO_WEIGHTS)]); p.add_argument("--labels", nargs="*")
    p.add_argument("--iterations", type=int, default=LatentSettings().iterations); p.add_argument("--out", default="result")
    args = p.parse_args(argv)
    labels = args.labels or [Path(w).stem for w in args.weights]
    _, held = split_photos(fetch_photos())
    why = {e["name"]: e["why"] for e in load_manifest()}
    targets = {name: fit_image(Image.fromarray(px), 64, "crop").pixels for name, px in held.items()}
    settings = Settings(method="optimized", latent=LatentSettings(iterations=args.iterations))
    out = Path(args.out)
    previous = json.loads((out / "bench_demo.json").read_text()) if (out / "bench_demo.json").exists() else {}
    same = previous.get("held_out") == list(targets) and previous.get("settings") == json.loads(json.dumps(dataclasses.asdict(settings)))
    results, grids, first_models = {}, {}, None
    for label, path in zip(labels, args.weights):
        sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        kept = next((r for r in previous.get("results", {}).values() if same and r["sha256"] == sha), None)
        if kept is not None and label != labels[0]:   # the first weights are re-run: the grid needs their images
            results[label] = kept; print(f"{label}: kept from {out / 'bench_demo.json'} (same weights, photos and settings)"); continue
        models = demo_model_set(weights=path)
        up = {r["name"]: r for r in upsampler_psnr(models.decoder, held, 10, 0)}
        rows = []
        for name, target in targets.items():
            start = time.perf_counter()
            c = compress(models, Image.fromarray(target), why[name], settings)
            d = decompress(c.data, models)
            assert (d.image == c.image).all(), name   # the file decodes to the scored image
            rows.append({"name": name, "bytes": len(c.data), "bpp": c.bpp, "psnr": c.metrics["psnr"], "ms_ssim": c.metrics["ms_ssim"],
                         "ms_ssim_scales": c.metrics["ms_ssim_scales"], "seconds_encode": round(time.perf_counter() - start, 2),
                         "upsampler_psnr": up[name]["upsampler"], "bicubic_psnr": up[name]["bicubic"], "lanczos_psnr": up[name]["lanczos"]})
            print(f"{label} {name:14s} {rows[-1]['bytes']:4d} B  semcomp {rows[-1]['psnr']:6.2f} dB  MS-SSIM {rows[-1]['ms_ssim']:.3f}  "
                  f"upsampler {up[name]['upsampler']:6.2f}  bicubic {up[name]['bicubic']:6.2f}", flush=True)
            grids.setdefault(label, {})[name] = c.image
        first_models = first_models or models
        mean = {k: float(np.mean([r[k] for r in rows])) for k in ("bytes", "bpp", "ms_ssim")}
        mean.update({k: mean_psnr([r[k] for r in rows]) for k in ("psnr", "upsampler_psnr", "bicubic_psnr", "lanczos_psnr")})
        results[label] = {"weights": str(path), "sha256": sha,
                          "model_fingerprint": models.fingerprint().hex(), "photos": rows, "mean": mean}
    doc = {"what": "demo weights on held-out photos at 64²: upsampler alone (10 DDIM steps, seeded noise, coded 16² thumbnail) vs "
                   "bicubic/Lanczos, and compress at default settings", "held_out": list(targets),
           "settings": dataclasses.asdict(settings), "machine": machine_info(), "versions": package_versions(), "results": results}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "bench_demo.json", doc)
    save_figure(grid_figure(targets, grids[labels[0]], results[labels[0]]["photos"], first_models, labels[0]), out / "bench_demo.png")
    for label, r in results.items():
        m = r["mean"]
        print(f"{label}: mean {m['bytes']:.0f} B, semcomp {m['psnr']:.2f} dB, MS-SSIM {m['ms_ssim']:.3f}; upsampler alone {m['upsampler_psnr']:.2f} dB, "
              f"bicubic {m['bicubic_psnr']:.2f}, Lanczos {m['lanczos_psnr']:.2f}")
    return 0


def grid_figure(targets: dict, recons: dict, rows: list, models, models_label: str) -> Figure:
    "Original / bicubic / upsampler alone / semcomp for every photo, two photos per row."
    names = list(targets)
    per = {r["name"]: r for r in rows}
    n_rows = (len(names) + 1) // 2
    fig = Figure(figsize=(10, 1.45 * n_rows))
    axes = fig.subplots(n_rows, 8)
    for ax in axes.flat: ax.axis("off")
    for i, name in enumerate(names):
        target = targets[name]
        low = coded_thumbnail(target, 16)
        bicubic = np.asarray(Image.fromarray(low).resize((64, 64), Image.BICUBIC))
        up = upsample_thumbnail(models.decoder, low, 10, 0)
        r = per[name]
        pictures = [(target, name), (bicubic, f"bicubic {r['bicubic_psnr']:.1f}"), (up, f"upsampler {r['upsampler_psnr']:.1f}"),
                    (recons[name], f"semcomp {r['psnr']:.1f}, {r['bytes']} B")]
        for j, (img, title) in enumerate(pictures):
            ax = axes[i // 2, 4 * (i % 2) + j]
            ax.imshow(img, interpolation="nearest"); ax.set_title(title, fontsize=7)
    fig.suptitle(f"held-out photos at 64² ({models_label}): original, bicubic of the coded 16² thumbnail, the upsampler alone "
                 f"(10 DDIM steps), semcomp at its defaults; PSNR in dB", fontsize=8)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    sys.exit(main())
