"""Benchmark: does a `.sc` file decode to the encoder's image on another machine? Decodes the committed fixtures — a file of
every structure the format holds (tests/fixtures/format<V>/, made by tools/make_decode_fixture.py with the demo models, on
the machine their index.json names) — under other conditions, each in a fresh process:

- 1, 2 and 4 torch threads (this CPU's own kernels);
- torch's AVX2 kernels (`ATEN_CPU_CAPABILITY=avx2`) and its scalar kernels (`ATEN_CPU_CAPABILITY=default`, oneDNN limited
  to SSE4.1: what an x86 CPU without AVX2 runs, and close to what ARM machines run);
- a CUDA GPU, in this process, where one is at hand (`--device cuda`; `bench/gpu.sh` runs it on the lent GPU machine).

    .venv/bin/python bench/decode_anywhere.py [--sets tests/fixtures/format1 tests/fixtures/format2] [--out result/decode_anywhere.json]
    python bench/decode_anywhere.py --device cuda --make DIR     # on a GPU: decode the fixtures there, and make a set there (DIR)

Per set, structure and condition it saves the largest pixel difference from the encoder's image and the PSNR (against the
original) less the encoder's. A set made elsewhere (`--make` on a GPU) is decoded here the same way (`--sets DIR`).
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "tools"))
SCALAR = {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41"}
CONDITIONS = {"1 thread": ({}, 1), "2 threads": ({}, 2), "4 threads": ({}, 4), "AVX2 kernels, 1 thread": ({"ATEN_CPU_CAPABILITY": "avx2"}, 1),
              "scalar kernels, 1 thread": (SCALAR, 1)}


def decode_set(folder: Path, device: str = "cpu") -> dict:
    "Decode every file of a fixture set here: {structure: {max_difference, psnr_difference, error}}."
    import torch
    from semcomp.codec import decompress
    from semcomp.metrics import psnr
    from semcomp.models import demo_model_set
    from make_decode_fixture import STRUCTURES, inputs
    models, pictures = demo_model_set(device=device), inputs()
    index = json.loads((folder / "index.json").read_text())
    out = {}
    for name, made in index["files"].items():
        scored = np.asarray(Image.open(folder / f"{name}.png").convert("RGB"))
        try: d = decompress((folder / f"{name}.sc").read_bytes(), models)
        except ValueError as e: out[name] = {"error": str(e)}; continue
        original = np.asarray(pictures[STRUCTURES[name][0]][0])
        out[name] = {"max_difference": int(np.abs(d.image.astype(np.int16) - scored.astype(np.int16)).max()),
                     "psnr_difference": psnr(original, d.image) - made["psnr_db"], "note": d.note}
    return {"capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(), "device": device, "files": out}


def in_subprocess(folder: Path, env: dict, threads: int) -> dict:
    run_env = {**os.environ, **env, "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run([sys.executable, __file__, "--worker", str(folder), "--threads", str(threads)], env=run_env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode: return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sets", nargs="*", type=Path, default=sorted((ROOT / "tests" / "fixtures").glob("format*")))
    p.add_argument("--out", type=Path, default=ROOT / "result" / "decode_anywhere.json")
    p.add_argument("--device", default="cpu"); p.add_argument("--make", type=Path, default=None, help="also make a fixture set on --device here")
    p.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS); p.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        import torch
        if args.threads: torch.set_num_threads(args.threads)
        print(json.dumps(decode_set(args.worker))); return 0
    from semcomp.core import write_json, machine_info, package_versions
    results = {}
    for folder in args.sets:
        made = json.loads((folder / "index.json").read_text())
        rows = {}
        if args.device == "cpu":
            for label, (env, threads) in CONDITIONS.items():
                start = time.perf_counter()
                rows[label] = in_subprocess(folder, env, threads)
                print(f"{folder.name} {label}: " + ", ".join(f"{k} {v.get('max_difference', 'refused')}" for k, v in rows[label].get("files", {}).items())
                      + f" ({time.perf_counter() - start:.0f} s)", flush=True)
        else:
            rows[args.device] = decode_set(folder, args.device)
            print(folder.name, args.device, {k: v.get("max_difference") for k, v in rows[args.device]["files"].items()}, flush=True)
        results[folder.name] = {"made": made.get("made"), "made_on": made.get("machine"), "format_version": made.get("format_version"), "decoded": rows}
    if args.make:
        import make_decode_fixture
        make_decode_fixture.OUT = args.make; make_decode_fixture.main(device=args.device)
    doc = {"what": __doc__.split("\n\n")[0], "conditions": {k: {"env": v[0], "threads": v[1]} for k, v in CONDITIONS.items()},
           "results": results, "machine": machine_info(), "versions": package_versions()}
    worst = {}
    for s, r in results.items():
        for label, row in r["decoded"].items():
            diffs = [f.get("max_difference") for f in row.get("files", {}).values()]
            worst[f"{s}, {label}"] = {"largest_difference": max((d for d in diffs if d is not None), default=None),
                                      "refused": sum(d is None for d in diffs), "files": len(diffs),
                                      "largest_psnr_difference": max((abs(f.get("psnr_difference", 0)) for f in row.get("files", {}).values()), default=None)}
    doc["summary"] = worst
    write_json(args.out, doc)
    for k, v in worst.items(): print(f"{k:45s} largest difference {v['largest_difference']} level(s), |ΔPSNR| ≤ {v['largest_psnr_difference']:.4f} dB, {v['refused']} of {v['files']} refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
