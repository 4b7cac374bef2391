"""Benchmark: the rate term in the encoder's loss — bytes and PSNR of `compress` with the dct conditioning coder over a λ
sweep, beside the default (6-bit DPCM, λ = 0), on held-out photos at 64² with the demo models.

    .venv/bin/python bench/rate_term.py [--photos chelsea coins] [--qualities 60] [--lmbdas 0 0.001 0.004] [--out result]

Rows of earlier invocations with other settings are kept in the file. Every run is a real `compress` (optimised conditioning image + latent at the default 30 passes) and a `decompress` that must
give the scored image. Writes result/rate_term.json (per photo and setting: bytes, per-component bytes, PSNR, MS-SSIM,
encode seconds; with settings, machine and versions).
"""
import argparse, dataclasses, json, sys, time
from pathlib import Path


from semcomp.bitstream import CondCodec, component_bits, unpack
from semcomp.codec import compress, decompress
from semcomp.core import write_json
from semcomp.latent import LatentSettings
from semcomp.models import demo_model_set
from semcomp.pipeline import Settings, machine_info, package_versions
from semcomp.photos import heldout_photos


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--photos", nargs="+", default=["chelsea", "coins"])
    p.add_argument("--qualities", nargs="+", type=int, default=[60]); p.add_argument("--lmbdas", nargs="+", type=float, default=[0, 0.001, 0.004])
    p.add_argument("--skip-default", action="store_true", help="do not run the default settings (6-bit DPCM, λ 0)")
    p.add_argument("--out", default="result")
    args = p.parse_args(argv)
    models = demo_model_set()
    runs = [] if args.skip_default else [("dpcm 6 bits, λ 0 (default)", LatentSettings())]
    runs += [(f"dct q{q}, λ {lm:g}", LatentSettings(cond_codec=CondCodec("dct", q), lmbda=lm)) for q in args.qualities for lm in args.lmbdas]
    rows = []
    for name, target, caption in heldout_photos(64, args.photos):
        for label, lat in runs:
            start = time.perf_counter()
            c = compress(models, target, caption, Settings(method="optimized", latent=lat))
            seconds = time.perf_counter() - start
            assert (decompress(c.data, models).image == c.image).all(), (name, label)
            parts = {k: v // 8 for k, v in component_bits(unpack(c.data)).items()}
            rows.append({"name": name, "run": label, "cond_codec": dataclasses.asdict(lat.cond_codec), "lmbda": lat.lmbda,
                         "bytes": len(c.data), "component_bytes": parts, "psnr": c.metrics["psnr"], "ms_ssim": c.metrics["ms_ssim"],
                         "seconds_encode": round(seconds, 1)})
            print(f"{name:8s} {label:28s} {len(c.data):4d} B ({parts})  {c.metrics['psnr']:.2f} dB  {seconds:.0f} s", flush=True)
    out = Path(args.out)
    previous = json.loads((out / "rate_term.json").read_text())["rows"] if (out / "rate_term.json").exists() else []
    done = {(r["name"], r["run"]) for r in rows}
    rows = [r for r in previous if (r["name"], r["run"]) not in done] + rows   # earlier runs of other settings are kept
    doc = {"what": __doc__.split("\n\n")[0], "photos": sorted({r["name"] for r in rows}), "runs": sorted({r["run"] for r in rows}),
           "settings": dataclasses.asdict(Settings()), "machine": machine_info(), "versions": package_versions(), "rows": rows}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "rate_term.json", doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
