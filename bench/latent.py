"""Benchmark: semcomp's side-information encoder against the seed's algorithm, on the same model and inputs.

    .venv/bin/python bench/latent.py [--models models] [--images images] [--out result]
                                     [--reference-epochs 100] [--reference-steps 100] [--iterations 30] [--steps 10]

For every image in --images (fitted to the model's output size by centre crop), runs:
- `reference`: the seed's algorithm (semcomp.latent.reference_side_info): 100-step plain inversion, latent pooled to
  a quarter of the output size, --reference-epochs epochs of --reference-steps DDIM steps with one SGD step (lr 2)
  per unet call, best epoch kept (each epoch scored by a real decode, counted);
- `inversion`: area-downsampled conditioning image + fixed-point-inverted latent, no optimisation;
- `optimized`: semcomp's end-to-end optimisation of the conditioning image and the pooled latent (--steps DDIM steps,
  --iterations passes), and `optimized@1/20`: the same with as many passes as fit in 1/20 of the reference's unet evaluations.
All with the same latent resolution and conditioning-image resolution. Writes result/bench_latent.json and
result/bench_latent.png (PSNR against cumulative unet evaluations, forwards + backwards, mean over the images).
"""
import argparse, dataclasses, json, sys, time
from pathlib import Path

import numpy as np

from semcomp.core import write_json, fit_image, load_rgb
from semcomp.latent import LatentSettings, encode_image, last_unet
from semcomp.metrics import mean_psnr
from semcomp.models import load_models
from semcomp.pipeline import IMAGE_SUFFIXES, package_versions, save_figure


def curve(method: str, enc, settings: LatentSettings, size: int) -> list:
    "(cumulative unet evaluations, best PSNR so far) after each pass / epoch of an encoder run."
    r = settings.latent_resolution(size)
    if method == "reference":
        inv = settings.reference_steps
        per = 3 * settings.reference_steps                      # forward + backward per step, and the epoch's decode
        return [(inv + per * (i + 1), max(enc.history[: i + 1])) for i in range(len(enc.history))]
    inv = settings.steps * (1 + settings.inversion_iters) if r else 0
    if method == "inversion": return [(inv, enc.psnr)]
    pass_cost = settings.steps * (3 if settings.checkpoint else 2)   # forward, backward (+ recompute)
    return [(inv + settings.steps + pass_cost * i, max(enc.history[: i + 1])) for i in range(len(enc.history))]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="models"); p.add_argument("--images", default="images"); p.add_argument("--out", default="result")
    p.add_argument("--device", default="auto"); p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=10); p.add_argument("--iterations", type=int, default=30)
    p.add_argument("--reference-epochs", type=int, default=100); p.add_argument("--reference-steps", type=int, default=100)
    p.add_argument("--reuse-reference", action="store_true", help="take the reference's results from an earlier bench_latent.json with the same model, images and settings")
    args = p.parse_args(argv)

    models = load_models(args.models, args.device)
    _, _, size = last_unet(models)
    paths = sorted(q for q in Path(args.images).iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
    targets = {q.stem: fit_image(load_rgb(q), size, "crop").pixels for q in paths}
    settings = LatentSettings(steps=args.steps, iterations=args.iterations, reference_epochs=args.reference_epochs,
                              reference_steps=args.reference_steps)
    print(f"models: {models.description}\nimages: {', '.join(targets)}")
    out = Path(args.out)
    previous = json.loads((out / "bench_latent.json").read_text()) if (out / "bench_latent.json").exists() else {}
    same_reference = (previous.get("model") == models.description and previous.get("images") == list(targets)
                      and all(previous.get("settings", {}).get(k) == getattr(settings, k)
                              for k in ("reference_epochs", "reference_steps", "reference_lr", "latent_size", "cond_size")))

    def run(method, s):
        rows = []
        for name, pixels in targets.items():
            start = time.perf_counter()
            enc = encode_image(models, pixels, "optimized" if method.startswith("optimized") else method, s, seed=args.seed, progress=True)
            rows.append({"name": name, "psnr": enc.psnr, "nfe_forward": enc.nfe_forward, "nfe_backward": enc.nfe_backward,
                         "nfe_decode": enc.nfe_decode, "seconds": time.perf_counter() - start, "history": enc.history,
                         "curve": curve(method.split("@")[0], enc, s, size)})
            print(f"{method:14s} {name:10s} {enc.psnr:6.2f} dB  {enc.nfe_forward} fwd + {enc.nfe_backward} bwd  {rows[-1]['seconds']:.1f} s", flush=True)
        return {"psnr_mean": mean_psnr([r["psnr"] for r in rows]), "iterations": s.iterations,
                "nfe_forward": sum(r["nfe_forward"] for r in rows), "nfe_backward": sum(r["nfe_backward"] for r in rows),
                "seconds": sum(r["seconds"] for r in rows), "per_image": rows}

    methods = {}
    if args.reuse_reference and same_reference and "reference" in previous.get("methods", {}):
        methods["reference"] = previous["methods"]["reference"]
        print("reference: reusing the results in", out / "bench_latent.json", "(same model, images and reference settings)")
    else:
        methods["reference"] = run("reference", settings)
    ref = methods["reference"]
    ref_total = ref["nfe_forward"] + ref["nfe_backward"]
    methods["inversion"] = run("inversion", settings)
    methods["optimized"] = run("optimized", settings)
    # the largest number of passes whose total cost stays within 1/20 of the reference's (same formula as `curve`)
    inv = settings.steps * (1 + settings.inversion_iters)
    per_image_budget = ref_total / len(targets) / 20
    estimate = settings.steps if settings.decode == "estimate" else 0   # the decoding run that shows every step's x̂₀
    passes = max(1, int((per_image_budget - inv - settings.steps - estimate) // (3 * settings.steps)) + 1)
    budget = dataclasses.replace(settings, iterations=passes)
    methods["optimized@1/20"] = run("optimized@1/20", budget)
    ours, small = methods["optimized"], methods["optimized@1/20"]
    ours_total, small_total = ours["nfe_forward"] + ours["nfe_backward"], small["nfe_forward"] + small["nfe_backward"]
    # the seed's own count, at its published settings (100 epochs of 100 steps): inversion + a forward and a backward per step
    seed_count = len(targets) * (100 + 2 * 100 * 100)
    doc = {"model": models.description, "images": list(targets), "output_size": size,
           "settings": dataclasses.asdict(settings), "latent_size": settings.latent_resolution(size), "seed": args.seed,
           "versions": package_versions(), "methods": methods,
           "comparison": {"reference_epochs_run": settings.reference_epochs,
                          "psnr_optimized_minus_reference": ours["psnr_mean"] - ref["psnr_mean"],
                          "unet_evaluations_ratio_optimized_to_reference": ours_total / ref_total,
                          "psnr_optimized_at_1_20_minus_reference": small["psnr_mean"] - ref["psnr_mean"],
                          "unet_evaluations_ratio_optimized_at_1_20_to_reference": small_total / ref_total,
                          "unet_evaluations_ratio_optimized_to_seed_100_epochs": ours_total / seed_count,
                          "target_met": bool(small["psnr_mean"] >= ref["psnr_mean"] and small_total <= ref_total / 20)}}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "bench_latent.json", doc)

    from matplotlib.figure import Figure
    fig = Figure(figsize=(6, 4), dpi=100); ax = fig.add_subplot()
    for method, data in methods.items():
        n = min(len(r["curve"]) for r in data["per_image"])
        xs = [data["per_image"][0]["curve"][i][0] for i in range(n)]
        ys = [np.mean([r["curve"][i][1] for r in data["per_image"]]) for i in range(n)]
        ax.plot(xs, ys, "o-" if n == 1 else "-", label=f"{method} ({data['psnr_mean']:.2f} dB)")
    ax.set_xscale("log"); ax.set_xlabel("unet evaluations per image (forward + backward)"); ax.set_ylabel("mean PSNR (dB), best so far")
    ax.set_title(f"side information on {size}² ({len(targets)} images), latent {settings.latent_resolution(size)}²"); ax.legend(); ax.grid(alpha=0.3)
    fig.tight_layout(); save_figure(fig, out / "bench_latent.png")
    print(json.dumps(doc["comparison"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
