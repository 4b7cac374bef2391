"""Benchmark: does a `.sc` file decode to the same PNG with different CPU thread counts?

    .venv/bin/python bench/threads.py [--models models] [--images images] [--out result] [--threads 1 default 4]
                                      [--iterations 30]

Compresses every image in --images with `semcomp compress` at its defaults (the demo models when --models is empty;
--iterations passes), then decodes each file with `semcomp decompress` in separate processes, one per thread count
(`OMP_NUM_THREADS=N`; `default` leaves it unset, so torch takes one thread per core). Compares every decoded PNG with
the one the encoder scored (`--recon`, written at the default threads): identical bytes or not, the largest pixel
difference and the PSNR between the two. Writes result/bench_threads.json (with the machine, versions and settings).
"""
import argparse, os, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
from PIL import Image

from semcomp.core import write_json
from semcomp.metrics import psnr
from semcomp.pipeline import IMAGE_SUFFIXES, machine_info, package_versions

SEMCOMP = str(Path(sys.executable).with_name("semcomp"))


def run(args: list, threads: str) -> subprocess.CompletedProcess:
    "Run a `semcomp` command with `threads` CPU threads ('default': OMP_NUM_THREADS unset)."
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if threads != "default": env["OMP_NUM_THREADS"] = threads
    done = subprocess.run([SEMCOMP, *args], capture_output=True, text=True, env=env)
    if done.returncode: sys.exit(f"semcomp {' '.join(args)} failed:\n{done.stderr}")
    return done


def compare(a: Path, b: Path) -> dict:
    "Byte identity, largest pixel difference and PSNR of two PNGs."
    x, y = np.asarray(Image.open(a).convert("RGB")), np.asarray(Image.open(b).convert("RGB"))
    diff = int(np.abs(x.astype(np.int16) - y.astype(np.int16)).max())
    value = psnr(x, y)
    return {"identical": a.read_bytes() == b.read_bytes(), "max_pixel_difference": diff,
            "psnr_db": None if value == float("inf") else value}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="models"); p.add_argument("--images", default="images"); p.add_argument("--texts", default="texts")
    p.add_argument("--out", default="result"); p.add_argument("--iterations", type=int, default=30)
    p.add_argument("--threads", nargs="+", default=["1", "default", "4"])
    args = p.parse_args(argv)
    paths = sorted(q for q in Path(args.images).iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for image in paths:
            sc, recon = tmp / f"{image.stem}.sc", tmp / f"{image.stem}_enc.png"
            start = time.perf_counter()
            run(["compress", str(image), "--text-file", str(Path(args.texts) / f"{image.stem}.txt"), "-o", str(sc), "--recon", str(recon),
                 "--models", args.models, "--iterations", str(args.iterations), "--quiet"], "default")
            rec = {"image": image.name, "bytes": sc.stat().st_size, "seconds_encode": round(time.perf_counter() - start, 2), "decodes": {}}
            for threads in args.threads:
                out = tmp / f"{image.stem}_dec{threads}.png"
                run(["decompress", str(sc), "-o", str(out), "--models", args.models, "--quiet"], threads)
                rec["decodes"][threads] = compare(recon, out)
                print(f"{image.name}: decoded with {threads} thread(s): {rec['decodes'][threads]}", flush=True)
            records.append(rec)
    doc = {"what": "decoded PNGs per thread count, compared with the encoder's --recon (written at the default threads)",
           "machine": machine_info(),
           "settings": {"iterations": args.iterations, "threads": args.threads, "models": args.models},
           "versions": package_versions(), "images": records}
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    write_json(out / "bench_threads.json", doc)
    print(f"wrote {out / 'bench_threads.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
