"""Benchmark: short training runs of the demo upsampler side by side, to choose the recipe.

    .venv/bin/python bench/train_recipes.py [--jobs 2] [--steps 600] [--only NAME ...] [--out result]

Each recipe is `TrainSettings` with a few fields changed (RECIPES below), trained for --steps steps (100 warm-up) on
the corpus' training photos on one CPU thread, then scored on the held-out photos: mean PSNR at 64² of 10 deterministic
DDIM steps from seeded noise, from the 16² coded thumbnail (semcomp.train.upsampler_psnr), beside bicubic and Lanczos.
--jobs N runs N recipes at once (one thread each). Per-run records go to ~/.cache/semcomp/recipes/NAME.json (a run
already recorded there with the same settings is not repeated); all of them are merged into result/train_recipes.json.
The v-objective recipes were measured under dalle2-pytorch 1.15.6; 1.1.0, whose networks semcomp now runs, has no v
objective, so they are skipped and their earlier records kept.
"""
import argparse, dataclasses, json, os, subprocess, sys, time
from pathlib import Path

import torch

from semcomp.core import write_json
from semcomp.metrics import mean_psnr
from semcomp.pipeline import machine_info, package_versions
from semcomp.photos import fetch_photos, photo_cache, split_photos
from semcomp.train import TrainSettings, train_upsampler, upsampler_psnr

# name, label, fields changed from TrainSettings' defaults
RECIPES = [
    ("x0_lr1e-3", "x0 objective (the default)", {}),
    ("v_lr1e-3", "v objective", {"objective": "v"}),
    ("eps_lr1e-3", "ε objective", {"objective": "eps"}),
    ("v_lr3e-4", "v, lr 3e-4", {"objective": "v", "lr": 3e-4}),
    ("v_crop64_b8", "v, whole 64² images, batch 8", {"objective": "v", "crop": None, "batch_size": 8}),
    ("v_b32", "v, batch 32", {"objective": "v", "batch_size": 32}),
    ("v_linear", "v, linear noise schedule", {"objective": "v", "schedule": "linear"}),
    ("v_mults1234", "v, width 24, multipliers 1-2-3-4", {"objective": "v", "dim": 24, "dim_mults": [1, 2, 3, 4]}),
]


def settings_for(fields: dict, steps: int) -> TrainSettings:
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
    return TrainSettings(**{"steps": steps, "warmup": 100, "eval_every": steps // 3, **fields})


def run_one(name: str, fields: dict, steps: int, work: Path) -> dict:
    "Train one recipe and score it; the record is also written to work/NAME.json."
    train, held = split_photos(fetch_photos(progress=False))
    s = settings_for(fields, steps)
    run = train_upsampler(train, held, s, run_dir=work / name, progress=False)
    rows = upsampler_psnr(run.decoder, held, 10, 0)
    rec = {"name": name, "settings": dataclasses.asdict(s), "steps": run.steps, "seconds": run.seconds,
           "psnr": mean_psnr([r["upsampler"] for r in rows]), "bicubic": mean_psnr([r["bicubic"] for r in rows]),
           "lanczos": mean_psnr([r["lanczos"] for r in rows]), "evals": run.evals, "losses": run.losses[-5:],
           "threads": torch.get_num_threads()}
    write_json(work / f"{name}.json", rec)
    return rec


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=600); p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--only", nargs="*"); p.add_argument("--out", default="result"); p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    work = photo_cache() / "recipes"
    recipes = {n: (label, f) for n, label, f in RECIPES}
    if args.worker:
        run_one(args.worker, recipes[args.worker][1], args.steps, work); return 0
    fetch_photos()   # once, before the workers start
    runnable = {n for n, (_, f) in recipes.items() if f.get("objective", "x0") in ("eps", "x0")}
    names = []
    for n in args.only or list(recipes):
        if n in runnable: names.append(n)
        else: print(f"{n}: skipped (dalle2-pytorch 1.1.0 has no v objective; its 1.15.6 record is kept)")
    todo = [n for n in names if not (work / f"{n}.json").exists()
            or json.loads((work / f"{n}.json").read_text())["settings"] != json.loads(json.dumps(dataclasses.asdict(settings_for(recipes[n][1], args.steps))))]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    running = []
    for name in todo:
        while len(running) >= args.jobs: running = [q for q in running if q.poll() is None] or running; time.sleep(2)
        print(f"training {name} …", flush=True)
        running.append(subprocess.Popen([sys.executable, __file__, "--worker", name, "--steps", str(args.steps)], env=env))
    for q in running: q.wait()
    out = Path(args.out)
    earlier = {r["name"]: r for r in json.loads((out / "train_recipes.json").read_text())["runs"]} if (out / "train_recipes.json").exists() else {}
    runs = []
    for name in recipes:
        if name not in runnable and name in earlier: runs.append(earlier[name])   # measured under 1.15.6, kept as it was
        elif (work / f"{name}.json").exists():
            rec = json.loads((work / f"{name}.json").read_text()); rec["label"] = recipes[name][0]; runs.append(rec)
    _, held = split_photos(fetch_photos(progress=False))
    doc = {"what": "short training runs of the demo upsampler, scored on held-out photos (10 DDIM steps from seeded noise, 16² coded thumbnail → 64²)",
           "steps": args.steps, "held_out": sorted(held), "machine": machine_info(), "versions": package_versions(), "runs": runs}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "train_recipes.json", doc)
    for r in sorted(runs, key=lambda r: -r["psnr"]): print(f"{r['label']:34s} {r['psnr']:6.2f} dB  ({r['seconds'] / r['steps']:.2f} s/step)")
    print(f"bicubic {runs[0]['bicubic']:.2f} dB, Lanczos {runs[0]['lanczos']:.2f} dB; wrote {out / 'train_recipes.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
