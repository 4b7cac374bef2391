"""Benchmark: what the decoder should return for PSNR — the sampler's final image, or the network's x̂₀ at the step the
encoder picks — for each side-information method, on the held-out photos at 64² with the demo models.

    .venv/bin/python bench/decode_mode.py [--methods inversion optimized diffc] [--iterations 30] [--out result]

Every photo marked `held_out` in semcomp/weights/photos.json (centre crop, Lanczos to 64²) is compressed at the default
settings of each method with `decode='estimate'`: the encoder scores every step's x̂₀ (the last one is the sample) and the
file says where the decoder stops. One encode gives both numbers: the PSNR of the sample (`decode='sample'` writes the
same side information; its file is 0–1 byte smaller) and of the chosen estimate. Each file is decoded and must give the
scored image. Writes result/decode_mode.json (per photo: bytes, PSNR of every step's x̂₀, the step chosen, evaluations
to decode; per method: mean PSNR of sample and estimate, how often each is chosen), with settings, machine and versions.
"""
import argparse, dataclasses, sys, time
from pathlib import Path

import numpy as np
from PIL import Image

from semcomp.codec import compress, decompress
from semcomp.core import write_json
from semcomp.latent import LatentSettings
from semcomp.metrics import mean_psnr
from semcomp.models import demo_model_set
from semcomp.pipeline import Settings, machine_info, package_versions
from semcomp.photos import heldout_photos


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", nargs="+", default=["inversion", "optimized", "diffc"])
    p.add_argument("--iterations", type=int, default=LatentSettings().iterations); p.add_argument("--out", default="result")
    args = p.parse_args(argv)
    shots = heldout_photos(64)
    targets, why = {name: np.asarray(image) for name, image, _ in shots}, {name: caption for name, _, caption in shots}
    models = demo_model_set()
    results = {}
    for method in args.methods:
        settings = Settings(method=method, latent=LatentSettings(iterations=args.iterations, decode="estimate"))
        rows = []
        for name, target in targets.items():
            start = time.perf_counter()
            c = compress(models, Image.fromarray(target), why[name], settings)
            seconds = time.perf_counter() - start
            d = decompress(c.data, models)
            assert (d.image == c.image).all(), f"{method} {name}: the file does not decode to the scored image"
            steps = settings.latent.steps
            scores = c.rec.decode_psnrs
            rows.append({"name": name, "bytes": len(c.data), "psnr_sample": scores[-1], "psnr_estimate": c.rec.psnr,
                         "decode_step": c.rec.decode_step, "steps": steps, "first_candidate_step": steps - len(scores) + 1,
                         "psnr_by_step": [round(s, 4) for s in scores], "nfe_decode": c.rec.nfe_decode, "seconds_encode": round(seconds, 2)})
            print(f"{method:9s} {name:14s} {len(c.data):4d} B  sample {scores[-1]:6.2f} dB  estimate {c.rec.psnr:6.2f} dB at step "
                  f"{c.rec.decode_step:2d} of {steps} ({c.rec.nfe_decode} evaluations to decode)", flush=True)
        picked = [r["decode_step"] < r["steps"] for r in rows]
        gains = [r["psnr_estimate"] - r["psnr_sample"] for r in rows]
        results[method] = {
            "photos": rows,
            "mean": {"bytes": float(np.mean([r["bytes"] for r in rows])), "psnr_sample": mean_psnr([r["psnr_sample"] for r in rows]),
                     "psnr_estimate": mean_psnr([r["psnr_estimate"] for r in rows]), "nfe_decode": float(np.mean([r["nfe_decode"] for r in rows]))},
            "estimate_chosen": int(sum(picked)), "sample_chosen": len(rows) - int(sum(picked)),
            "gain_db": {"min": min(gains), "max": max(gains), "mean": float(np.mean(gains))},
            "chosen_steps": sorted({r["decode_step"] for r in rows})}
        m = results[method]
        print(f"{method}: sample {m['mean']['psnr_sample']:.2f} dB, estimate {m['mean']['psnr_estimate']:.2f} dB "
              f"(+{m['gain_db']['mean']:.2f}, {m['gain_db']['min']:+.2f} … {m['gain_db']['max']:+.2f}); the estimate chosen on "
              f"{m['estimate_chosen']} of {len(rows)} photos (steps {m['chosen_steps']}); {m['mean']['nfe_decode']:.1f} evaluations to decode", flush=True)
    doc = {"what": "the decoder's output for PSNR on the held-out photos at 64² (demo models): the final sample vs the best step's x̂₀ "
                   "(chosen by the encoder, written in the file), per side-information method at default settings",
           "held_out": list(targets), "settings": {m: dataclasses.asdict(Settings(method=m, latent=LatentSettings(iterations=args.iterations)))
                                                   for m in args.methods},
           "model_fingerprint": models.fingerprint().hex(), "machine": machine_info(), "versions": package_versions(), "results": results}
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    write_json(out / "decode_mode.json", doc)
    print(f"wrote {out / 'decode_mode.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
