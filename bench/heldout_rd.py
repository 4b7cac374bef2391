"""Benchmark: `semcomp eval` on held-out photos given at the models' output size (64² for the demo models) — semcomp's
current coder and its λ curve against JPEG/WebP/AVIF and the "downscale, code, enlarge" envelope.

    .venv/bin/python bench/heldout_rd.py [--photos chelsea coins ...] [--iterations 15] [--out result/heldout]
    .venv/bin/python bench/heldout_rd.py --merge result/heldout_a result/heldout_b --out result/heldout
    .venv/bin/python bench/heldout_rd.py --own-size --out result/heldout_own

Every photo named (default: all held-out photos of semcomp/weights/photos.json) is centre-cropped and Lanczos-resized to
64² (with `--own-size`: given as it is, so semcomp codes it through the 64² model and the codecs at the photo's size),
written with its manifest description as caption to a temporary images/ + texts/ pair, and evaluated with
`semcomp.evaluation.evaluate` at the points below (each a real compress/decompress; `--iterations` encoder passes;
`--points` runs only some). The families' curves (current coder; dct λ curve; λ curve with the residual layer; diffc) are
their Pareto fronts, each scored against the envelope at its own rates and, over the rates both cover, against the
current coder's curve (BD-PSNR: how much better at equal rate); at 64² the record also holds `dct_alone`, the photos
coded by the dct coder without any model, the baseline a residual layer has to beat. `--merge` joins the records of several such runs (other photos, or other points on the same
photos; the same settings and code) into one rd.json / rd.png, so a long run can be split between processes or extended.
`--rescore` reads the anchors of an existing OUT/rd.json again (both counts: bitstreams and files) without encoding semcomp
again, and redoes the analysis. Everything is scored both ways: semcomp's file less its container against the codecs'
bitstreams (the headline), and whole files against whole files.
"""
import argparse, json, sys, tempfile
from pathlib import Path


from semcomp.bitstream import CondCodec, encode_cond, decode_cond
from semcomp.evaluation import OperatingPoint, bd_rate, envelope_at, evaluate, rescore, two_step_points, residual_points, diffc_points, transform_points, pareto, summarize, write_rd
import numpy as np
from semcomp.latent import LatentSettings
from semcomp.metrics import psnr
from semcomp.models import demo_model_set
from semcomp.pipeline import Settings
from semcomp.photos import heldout_photos

POINTS = [OperatingPoint("cond dpcm 4b", cond=CondCodec("dpcm", 4)),
          OperatingPoint("cond 4b + latent 8² 4b", cond=CondCodec("dpcm", 4), latent_size=8, latent_bits=4),
          OperatingPoint("cond 6b + latent 16² 4b (default)", cond=CondCodec("dpcm", 6), latent_size=16, latent_bits=4),
          OperatingPoint("dct q60 λ.004 + latent 16² 4b", cond=CondCodec("dct", 60), latent_size=16, latent_bits=4, lmbda=0.004),
          OperatingPoint("dct q60 λ.001 + latent 16² 4b", cond=CondCodec("dct", 60), latent_size=16, latent_bits=4, lmbda=0.001),
          OperatingPoint("dct q80 λ.0005 + latent 16² 4b", cond=CondCodec("dct", 80), latent_size=16, latent_bits=4, lmbda=0.0005),
          *two_step_points(), *residual_points(), *residual_points((20, 30, 40, 50), "av1"), *diffc_points(), *transform_points("av1")]


def merge(folders: list, out: Path) -> dict:
    "Join the records of several runs — other photos, or other points on the same photos (same settings and code) — into one."
    docs = [json.loads((Path(f) / "rd.json").read_text(encoding="utf-8")) for f in folders]
    doc = {**docs[0], "images": list(dict.fromkeys(n for d in docs for n in d["images"])),
           "points": list({p["label"]: p for d in docs for p in d["points"]}.values()),
           "failures": [x for d in docs for x in d["failures"]], "records": [r for d in docs for r in d["records"]],
           "envelope_ladders": {k: v for d in docs for k, v in d.get("envelope_ladders", {}).items()},
           "merged_from": [{"created": d["created"], "images": d["images"], "points": [p["label"] for p in d["points"]]} for d in docs]}
    return write_rd(summarize(doc), out)


def dct_alone(doc: dict, qualities=(20, 25, 30, 35, 40, 45, 50)) -> dict:
    "The baseline the residual layer has to beat: each photo's 64² image coded by semcomp's `dct` coder alone, no model (bytes: its payload only, so it is compared with the codecs' bitstreams)."
    squares = {name: np.asarray(image) for name, image, _ in heldout_photos(64, doc["images"])}
    rows = []
    for q in qualities:
        per = []
        for name in doc["images"]:
            pixels = squares[name]
            payload = encode_cond(pixels, CondCodec("dct", q))
            bpp = 8 * len(payload) / pixels.shape[0] / pixels.shape[1]
            per.append((bpp, psnr(pixels, decode_cond(payload)), envelope_at(doc["envelope_ladders"][name], bpp)))
        deltas = [p - e for _, p, e in per if e is not None]
        rows.append({"quality": q, "bpp": float(np.mean([r[0] for r in per])), "psnr": float(np.mean([r[1] for r in per])),
                     "delta_psnr_vs_envelope": {"bitstreams": float(np.mean(deltas)) if len(deltas) == len(per) else None}})
    return {"note": "the 64² image coded by the dct coder alone (payload bytes only, no .sc container), mean over the photos, "
                    "against the envelope of the codecs' bitstreams", "points": rows}


FAMILIES = (("current coder (dpcm, λ 0)", lambda label: label.startswith("cond")),
            ("dct + rate term (λ curve)", lambda label: label.startswith("dct") and "residual" not in label),
            ("λ curve + residual layer", lambda label: label.startswith("dct") and "residual av1" not in label),
            ("λ curve + residual layer (AV1)", lambda label: label.startswith("dct") and "residual q" not in label),
            ("diffc (reverse-channel coding)", lambda label: label.startswith("diffc")),
            ("AV1 alone (no model)", lambda label: label.startswith("av1 alone")))


def families(doc: dict) -> dict:
    "Per count ('bitstreams', 'files'): each family's curve (its Pareto front), the envelope at its rates, BD against the envelope and against the current coder."
    out = {}
    for count, rate in (("bitstreams", "bitstream_bpp"), ("files", "bpp")):
        def mean(codec, key, point):
            return float(np.mean([r[key] for r in doc["records"] if r["codec"] == codec and r["point"] == point and r.get("count", count) == count]))
        fams = {}
        for family, member in FAMILIES:
            pts = [pt["label"] for pt in doc["points"] if member(pt["label"])]
            ok = [pt for pt in pts if all(r["psnr"] is not None for r in doc["records"] if r["point"] == pt
                                          and (r["codec"] == "semcomp" or (r["codec"] == "envelope" and r.get("count", count) == count)))]
            rows = pareto([(mean("semcomp", rate, pt), mean("semcomp", "psnr", pt), mean("semcomp", "ms_ssim", pt), mean("envelope", "psnr", pt), pt)
                           for pt in ok])   # the family's curve: its points no other of them beats on both rate and PSNR, by rate
            curve = {"points": [r[4] for r in rows], "bpp": [r[0] for r in rows], "psnr": [r[1] for r in rows], "ms_ssim": [r[2] for r in rows]}
            env = {"bpp": curve["bpp"], "psnr": [r[3] for r in rows]}
            fams[family] = {"curve": curve, "envelope": env, "vs_envelope": bd_rate(env, curve)}
            if family != FAMILIES[0][0]:        # over the rates both cover: the difference of their BD-PSNRs vs the envelope there
                fams[family]["vs_current_coder"] = bd_rate(fams[FAMILIES[0][0]]["curve"], curve)
        out[count] = fams
    return out


def originals(names: list | None, own_size: bool) -> dict:
    "name → (the photo as the evaluation is given it: centre-cropped and resized to 64², or (`own_size`) as it is; its caption)."
    return {n: (image, caption) for n, image, caption in heldout_photos(None if own_size else 64, names)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--photos", nargs="*"); p.add_argument("--iterations", type=int, default=15)
    p.add_argument("--merge", nargs="*"); p.add_argument("--out", type=Path, default=Path("result/heldout"))
    p.add_argument("--own-size", action="store_true", help="the photos at their own size, not resized to 64²")
    p.add_argument("--points", nargs="*", help="run only the points with these labels")
    p.add_argument("--rescore", action="store_true", help="read the anchors of OUT/rd.json again (semcomp is not encoded again)")
    args = p.parse_args(argv)
    if args.merge: doc = merge(args.merge, args.out)
    elif args.rescore:
        doc = json.loads((args.out / "rd.json").read_text(encoding="utf-8"))
        doc = rescore(doc, {n: image for n, (image, _) in originals(doc["images"], args.own_size).items()}, 64)
    else:
        photos = originals(args.photos, args.own_size)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp); (tmp / "images").mkdir(); (tmp / "texts").mkdir()
            for name, (photo, caption) in photos.items():
                photo.save(tmp / "images" / f"{name}.png")
                (tmp / "texts" / f"{name}.txt").write_text(caption + "\n", encoding="utf-8")
            unknown = set(args.points or ()) - {pt.label for pt in POINTS}
            if unknown: p.error(f"no points labelled {sorted(unknown)}; the labels are {[pt.label for pt in POINTS]}")
            points = [pt for pt in POINTS if not args.points or pt.label in args.points]
            doc = evaluate(demo_model_set(), tmp / "images", tmp / "texts", args.out, points,
                           Settings(method="optimized", latent=LatentSettings(iterations=args.iterations)))
    print(f"{len(doc['images'])} photos:", ", ".join(doc["images"]))
    for name, curve in doc["curves"].items():
        print(f"{name:26s} " + ", ".join(f"{b:.3f} bpp {q:.2f} dB" for b, q in zip(curve["bpp"], curve["psnr"])))
    for count, deltas in doc["delta_psnr_vs_envelope"].items():
        for point, delta in deltas.items(): print(f"ΔPSNR vs the envelope of {count:10s} {point:34s} " + ("n/a" if delta is None else f"{delta:+.2f} dB"))
    for name, bd in doc["bd_rate"].items(): print(name, {k: (round(v, 2) if isinstance(v, float) else v) for k, v in bd.items() if not k.endswith("note")})
    doc["families"] = families(doc)
    for count, fams in doc["families"].items():
        for family, f in fams.items(): print(count, family, json.dumps(f, default=lambda x: round(x, 3)))
    if not args.own_size:
        doc["dct_alone"] = dct_alone(doc)
        for r in doc["dct_alone"]["points"]:
            d = r["delta_psnr_vs_envelope"]["bitstreams"]
            print(f"dct alone q{r['quality']}: {r['bpp']:.3f} bpp {r['psnr']:.2f} dB, ΔPSNR vs the bitstream envelope " + ("n/a" if d is None else f"{d:+.2f} dB"))
    write_rd(doc, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
