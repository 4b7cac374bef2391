"""Time the full-size LAION networks on one device, with random weights (the real ones cannot be downloaded here).

Builds CLIP ViT-L/14, the LAION prior and the LAION decoder v1.0.2 from their published configs (`--configs`, default
`../shared/laion-configs`, else the copy of their model sections in this file), plus a 64→256 upsampler STAND-IN (the seed's upsampler config is not published: unet 2 takes
the v1.0.2 unet's width, dim 320, dim_mults 1,2,3,4, with `lowres_cond`, as `../shared/laion-configs/README.md`
describes). For each dtype it times, on the device: one evaluation of each network at batch 1; the caption path (prior +
decoder + upsampler) at each `--steps`; the side-information encoder at its defaults (`optimized`, 30 passes,
gradient checkpointing on) and the decoder of its file. Peak memory per measurement (`torch.cuda.max_memory_allocated`;
none on a CPU). Writes `result/bench_gpu.json` (device, torch version, dtype, seconds, NFE, memory) and prints a table.

`--small` runs the same code on reduced widths (unets dim 32 with one resnet block, a one-layer prior and CLIP) so that it
finishes on a CPU in seconds: `python bench/gpu.py --device cpu --small --dtype fp32 --steps 2 --iterations 1 --upsampler-steps 2`
is in the test suite.
Weights are random, so the images are noise: only the times and the memory mean anything.

Usage: python bench/gpu.py [--device cuda] [--dtype fp32 bf16 fp16] [--steps 50 100] [--small] [--out result/bench_gpu.json]
"""
from __future__ import annotations
import argparse, copy, datetime, platform, sys, time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                      # the checkout's semcomp, installed or not
from semcomp.core import write_json  # noqa: E402
from semcomp.codec import compress, decompress      # noqa: E402
from semcomp.embedding import embed_text           # noqa: E402
from semcomp.latent import LatentSettings          # noqa: E402
from semcomp.models import (ModelSet, build_clip, build_prior, build_random_decoder, combine_decoders,  # noqa: E402
                            count_parameters, read_config, seeded_build)
from semcomp.pipeline import Settings, generate_from_caption, package_versions, with_model_defaults  # noqa: E402

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
CAPTION = "a white space rocket standing on a launch pad beside its service tower, under a clear blue sky"
SMALL_CLIP = {"make": "semcomp-tiny", "model": "small (benchmark)",
              "model_cfg": {"embed_dim": 768, "quick_gelu": True,
                            "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8},
                            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 1}}}


# The model sections of the published configs (../shared/laion-configs; tests/test_gpu_bench.py checks that they agree), so
# that this script also runs where that folder is not, such as the GPU machine or a fresh clone.
LAION_DECODER_V1_0_2 = {
    "clip": {"make": "openai", "model": "ViT-L/14"}, "image_sizes": [64], "channels": 3, "timesteps": 1000, "loss_type": "l2",
    "beta_schedule": ["cosine"], "learned_variance": True,
    "unets": [{"dim": 320, "cond_dim": 512, "image_embed_dim": 768, "text_embed_dim": 768, "cond_on_text_encodings": True, "channels": 3,
               "dim_mults": [1, 2, 3, 4], "num_resnet_blocks": 4, "attn_heads": 8, "attn_dim_head": 64, "sparse_attn": True,
               "memory_efficient": True, "self_attn": [False, True, True, True]}]}
LAION_PRIOR = {
    "clip": {"make": "openai", "model": "ViT-L/14"},
    "net": {"dim": 768, "depth": 12, "num_timesteps": 1000, "max_text_len": 77, "num_time_embeds": 1, "num_image_embeds": 1,
            "num_text_embeds": 1, "dim_head": 64, "heads": 12, "ff_mult": 4, "norm_out": True, "attn_dropout": 0.05, "ff_dropout": 0.05,
            "final_proj": True, "normformer": True, "rotary_emb": True},
    "image_embed_dim": 768, "image_size": 224, "image_channels": 3, "timesteps": 1000, "sample_timesteps": 64, "cond_drop_prob": 0.1,
    "loss_type": "l2", "predict_x_start": True, "beta_schedule": "cosine", "condition_on_text_encodings": True}


def find_configs(given: Path | None) -> Path | None:
    "The folder with the published configs, or None (the built-in copies of their model sections are used)."
    for folder in [given] if given else [ROOT.parent / "shared" / "laion-configs", ROOT / "shared" / "laion-configs"]:
        if folder and (folder / "decoder_v1.0.2_config.json").exists() and (folder / "prior_config.json").exists(): return folder
    if given: raise SystemExit(f"bench/gpu.py: no decoder_v1.0.2_config.json and prior_config.json in {given}")
    return None


def configs(folder: Path | None, small: bool) -> tuple[dict, dict, dict]:
    "(decoder v1.0.2, upsampler stand-in, prior) model sections; `small`: the same layout on reduced widths."
    if folder is None: first, prior = copy.deepcopy(LAION_DECODER_V1_0_2), copy.deepcopy(LAION_PRIOR)
    else: first, prior = read_config(folder / "decoder_v1.0.2_config.json", "decoder"), read_config(folder / "prior_config.json", "prior")
    if small:
        first["unets"] = [dict(u, dim=32, cond_dim=64, num_resnet_blocks=1, attn_heads=2, attn_dim_head=16) for u in first["unets"]]
        first["clip"] = prior["clip"] = copy.deepcopy(SMALL_CLIP)
        prior["net"] = dict(prior["net"], depth=1, heads=2, dim_head=32, ff_mult=1)
    unet = {k: v for k, v in first["unets"][0].items() if k != "cond_on_text_encodings"}
    second = copy.deepcopy(first)               # the stand-in: unet 1's width at 256², conditioned on the 64² image
    second.update(unets=[first["unets"][0], dict(unet, self_attn=False, cond_on_text_encodings=False)], image_sizes=[64, 256],
                  beta_schedule=["cosine", "cosine"], learned_variance=[True, False])
    return first, second, prior


def build(folder: Path | None, small: bool, device: str) -> ModelSet:
    "The models, with random weights, built on `device` (fp32)."
    first, second, prior_cfg = configs(folder, small)
    with torch.device(device):
        clip = seeded_build(build_clip, first["clip"], device=device, seed=0)
        a, b = seeded_build(build_random_decoder, first, device=device, seed=1), seeded_build(build_random_decoder, second, device=device, seed=2)
        decoder, dcfg = combine_decoders(a, first, b, second, n_first=1)
        prior = seeded_build(build_prior, prior_cfg, device=device, seed=3)
    note = "random weights (timing only)"
    ms = ModelSet(clip=clip, decoder=decoder, prior=prior, decoder_config=dcfg, prior_config=prior_cfg, clip_config=first["clip"],
                  sources={"clip": f"{first['clip']['model']}, {note}", "decoder": f"LAION v1.0.2 unet 1, {note}",
                           "upsampler": f"64→256 STAND-IN (v1.0.2 unet width, lowres_cond; the seed's upsampler config is not published), {note}",
                           "prior": f"LAION prior, {note}"},
                  trained=False, name="LAION-size networks, random weights" + (" (--small: reduced widths)" if small else ""))
    return ms.to(device)


def synchronize(device: torch.device):
    if device.type == "cuda": torch.cuda.synchronize(device)


def measure(models: ModelSet, fn, repeats: int = 1) -> dict:
    "Seconds (best of `repeats`, after one warm-up for single evaluations) and peak memory of `fn()`."
    device = models.device
    if device.type == "cuda": torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(device)
    times, out = [], None
    for _ in range(repeats):
        synchronize(device); start = time.perf_counter()
        out = fn()
        synchronize(device); times.append(time.perf_counter() - start)
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return {"seconds": min(times), "peak_memory_mib": None if peak is None else round(peak, 1), "result": out}


def single_evaluations(models: ModelSet) -> dict:
    "One forward pass of each network at batch 1 (after a warm-up), with its conditioning."
    device, dtype = models.device, models.dtype
    text = embed_text(models.clip, CAPTION)
    enc, emb = text.encodings.to(device, dtype), text.embed.to(device, dtype)
    t = torch.tensor([500], device=device)
    u1, u2 = models.decoder.unets
    x64, x256 = torch.randn(1, 3, 64, 64, device=device, dtype=dtype), torch.randn(1, 3, 256, 256, device=device, dtype=dtype)
    calls = {
        "clip text": lambda: embed_text(models.clip, CAPTION),
        "prior net": lambda: models.prior.net.forward_with_cond_scale(emb, t, cond_scale=1.0, text_embed=emb,
                                                                      **({"text_encodings": enc} if models.prior.condition_on_text_encodings else {})),
        "decoder unet 64²": lambda: u1.forward_with_cond_scale(x64, t, cond_scale=1.0, image_embed=emb,
                                                               text_encodings=enc if u1.cond_on_text_encodings else None),
        "upsampler unet 256² (stand-in)": lambda: u2.forward_with_cond_scale(x256, t, cond_scale=1.0, image_embed=emb, lowres_cond_img=x256,
                                                                               text_encodings=enc if u2.cond_on_text_encodings else None),
    }
    rows = {}
    with torch.no_grad():
        for name, fn in calls.items():
            fn()                                                   # warm-up (kernels, allocator)
            m = measure(models, fn, repeats=3)
            rows[name] = {"seconds": round(m["seconds"], 5), "nfe": 1, "peak_memory_mib": m["peak_memory_mib"]}
    return rows


def run(models: ModelSet, steps: list[int], iterations: int, upsampler_steps: int, image) -> dict:
    rows = single_evaluations(models)
    for n in steps:
        settings = with_model_defaults(Settings(steps=n, prior_steps=n, method="caption"), models)
        m = measure(models, lambda: generate_from_caption(models, CAPTION, settings))
        _, nfe, _ = m["result"]
        rows[f"caption path, {n} steps"] = {"seconds": round(m["seconds"], 3), "nfe": int(sum(nfe.values())), "nfe_per_stage": nfe,
                                            "peak_memory_mib": m["peak_memory_mib"]}
    settings = Settings(method="optimized", latent=LatentSettings(iterations=iterations, steps=upsampler_steps))
    m = measure(models, lambda: compress(models, image, CAPTION, settings, "rocket"))
    c = m["result"]
    rows["side-information encoder (optimized, checkpointing)"] = {
        "seconds": round(c.rec.seconds_encode, 3), "nfe": c.rec.nfe_encode, "nfe_backward": c.rec.nfe_backward,
        "peak_memory_mib": m["peak_memory_mib"], "bytes": len(c.data), "iterations": iterations, "upsampler_steps": settings.latent.steps}
    d = measure(models, lambda: decompress(c.data, models))
    rows["decoder of the .sc file"] = {"seconds": round(d["seconds"], 3), "nfe": d["result"].nfe, "peak_memory_mib": d["peak_memory_mib"],
                                       "bit_identical_to_encoder": bool(np.array_equal(d["result"].image, c.image))}
    return rows


def table(doc: dict) -> str:
    lines = [f"{doc['device_name']} · torch {doc['torch']} · {'SMALL widths' if doc['small'] else 'full size'} · upsampler is a STAND-IN",
             f"{'measurement':<52} {'dtype':>5} {'seconds':>9} {'NFE':>6} {'peak MiB':>9}"]
    for dtype, rows in doc["results"].items():
        if "error" in rows: lines.append(f"{'(all)':<52} {dtype:>5}  failed: {rows['error']}"); continue
        for name, r in rows.items():
            mem = "" if r["peak_memory_mib"] is None else f"{r['peak_memory_mib']:.0f}"
            lines.append(f"{name:<52} {dtype:>5} {r['seconds']:>9.4f} {r['nfe']:>6} {mem:>9}")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dtype", nargs="+", default=["fp32", "bf16", "fp16"], choices=list(DTYPES))
    p.add_argument("--steps", nargs="+", type=int, default=[50, 100], help="DDIM steps of the caption path (each a measurement)")
    p.add_argument("--iterations", type=int, default=LatentSettings().iterations, help="encoder passes (default: its default)")
    p.add_argument("--upsampler-steps", type=int, default=LatentSettings().steps, help="the encoder's and decoder's upsampler DDIM steps (default: its default)")
    p.add_argument("--small", action="store_true", help="reduced widths, for a CPU check of this script")
    p.add_argument("--configs", type=Path, default=None, help="folder with decoder_v1.0.2_config.json and prior_config.json")
    p.add_argument("--image", type=Path, default=ROOT / "images" / "rocket.png")
    p.add_argument("--out", type=Path, default=ROOT / "result" / "bench_gpu.json")
    args = p.parse_args(argv)
    from semcomp.core import load_rgb
    device = torch.device(args.device)
    folder = find_configs(args.configs)
    models = build(folder, args.small, args.device)
    params = {"clip": count_parameters(models.clip), "prior": count_parameters(models.prior),
              **{f"unet {i + 1}": count_parameters(u) for i, u in enumerate(models.decoder.unets)}}
    doc = {"created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "device": str(device),
           "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine(),
           "torch": torch.__version__, "cuda": torch.version.cuda, "small": args.small,
           "configs": str(folder) if folder else "built-in copy of the published model sections (bench/gpu.py)", "threads": torch.get_num_threads(),
           "models": models.sources, "parameters": params, "caption": CAPTION, "image": args.image.name,
           "settings": {"steps": args.steps, "iterations": args.iterations, "upsampler_steps": args.upsampler_steps}, "versions": package_versions(), "results": {}}
    image = load_rgb(args.image)
    for name in args.dtype:
        try:
            models.to(device, DTYPES[name])
            doc["results"][name] = run(models, args.steps, args.iterations, args.upsampler_steps, image)
        except RuntimeError as e:              # e.g. a dtype an op does not support on this device, or out of memory
            doc["results"][name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"}
        print(f"{name}: {'failed: ' + doc['results'][name]['error'] if 'error' in doc['results'][name] else 'done'}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, doc, indent=2)
    print(table(doc))
    print(f"wrote {args.out}")
    return 0 if all("error" not in r for r in doc["results"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
