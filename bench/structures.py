"""Benchmark of the one rate knob (chapter `modes`): every structure's curve, the table `--method auto` reads (measured as
`semcomp calibrate` measures it: chapter `calibrate`, whose `FAMILIES` and `RATES` these are), and the curve the knob traces,
on held-out photos at the models' output size.

    .venv/bin/python bench/structures.py measure  --rows-out result/structures/table_rows.json   [--photos ...]
    .venv/bin/python bench/structures.py table    result/structures/table_rows*.json --out semcomp/weights/structures.json
    .venv/bin/python bench/structures.py evaluate --rows-out result/structures/eval_rows.json    [--photos ...]
    .venv/bin/python bench/structures.py knob     --rows-out result/structures/knob_rows.json    [--photos ...]
    .venv/bin/python bench/structures.py report   result/structures/eval_rows*.json --out result/structures
    .venv/bin/python bench/structures.py rescore  result/structures/*_rows*.json

The held-out photos of semcomp/weights/photos.json (never seen in training the demo upsampler) are split by name order:
the even ones measure the table (`measure`, then `table`), the odd ones evaluate the knob (`evaluate`, then `report`), so
the knob is scored on photos its table never saw. Each photo is centre-cropped and Lanczos-resized to the models' output
size, captioned by its manifest description. `measure` compresses every structure of FAMILIES at every target of RATES
(bits per output pixel; each a real file); `evaluate` does the same and also `--method auto` at each target with the
table (`knob`: only the knob, e.g. after the table changed; `--families`: only some structures); `report` writes knob.json (from the rows files given; where
several hold the knob's rows for a photo, the last file's) (per target: bytes, bpp, PSNR, MS-SSIM, envelope, ΔPSNR, unet evaluations, seconds, the
structures chosen; each structure's curve; the knob against the best fixed structure and the transform coder alone) and
knob.png; `rescore` reads the anchors of existing rows files again (semcomp's files are not made again) and rewrites
them. Every row is scored against both anchors (chapter `classical`): the envelope of the codecs' bitstreams, against
semcomp's file less its container (the headline), and of their files, against semcomp's whole file. Split a long run between processes with `--photos` and join the rows files. With `--models FOLDER` (LAION's,
say) the same commands measure a table for those models (`--out FOLDER/structures.json`: semcomp reads it from there); for
that alone, `semcomp calibrate --models FOLDER --images … --texts …` is the command.
"""
import argparse, dataclasses, json, sys, time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from semcomp.bitstream import container_bytes
from semcomp.codec import compress
from semcomp.core import write_json
from semcomp.classical import COUNTS, envelope_ladder, envelope_record
from semcomp.models import demo_model_set, load_models
from semcomp.modes import TABLE, save_table
from semcomp.calibrate import FAMILIES, RATES, measure_rows, row_envelope, table_from_rows
from semcomp.pipeline import Settings, machine_info, package_versions, save_figure
from semcomp.photos import heldout_photos

def photos(models, names=None, half=None) -> list:
    "[(name, PIL image at the models' output size, caption)] of the held-out photos: `names`, or the table half / evaluation half."
    return heldout_photos(models.output_size, names, half)


def knob_rows(models, shots, rates, table, base, log=print) -> list:
    "`--method auto` at every target on every photo: what it wrote and chose, and what the search cost."
    rows, s = [], models.output_size
    for name, image, caption in shots:
        ladder = envelope_ladder(np.asarray(image))
        for rate in rates:
            target = max(1, round(rate * s * s / 8))
            start = time.perf_counter()
            c = compress(models, image, caption, dataclasses.replace(base, method="auto", structures=table, target_bytes=target))
            rows.append({"photo": name, "structure": "auto", "rate": rate, "bytes": len(c.data), "bpp": c.bpp, "bitstream_bytes": c.bitstream_bytes,
                         "bitstream_bpp": c.bitstream_bpp, "psnr": c.rec.psnr, "ms_ssim": c.metrics["ms_ssim"],
                         **envelope_record(ladder, c.bpp, c.bitstream_bpp, c.rec.psnr), "chosen": c.structure["chosen"],
                         "tried": [t["structure"] for t in c.structure["tried"]],
                         "unet_evaluations": c.structure["unet_evaluations"], "seconds": time.perf_counter() - start})
        log(f"{name} auto: " + ", ".join(f"{r['rate']}: {r['psnr']:.2f} dB ({r['chosen']})" for r in rows if r["photo"] == name))
    return rows


def report(rows: list, out: Path) -> dict:
    "Per target: the knob's means, each structure's, both envelopes, and the knob against them, the best fixed structure and the transform coder."
    names = list(dict.fromkeys(r["photo"] for r in rows))
    labels = list(dict.fromkeys(r["structure"] for r in rows))
    rates = sorted({r["rate"] for r in rows})
    rows = [{**r, **{f"envelope_{c}": row_envelope(r, c) for c in COUNTS}} for r in rows]
    def mean(label, rate, key):
        got = [r for r in rows if r["structure"] == label and r["rate"] == rate]
        ok = len(got) == len(names) and all(r.get(key) is not None for r in got)
        return float(np.mean([r[key] for r in got])) if ok else None
    keys = ("bpp", "bitstream_bpp", "psnr", "ms_ssim", "envelope_bitstreams", "envelope_files", "unet_evaluations", "seconds")
    curves = {label: {k: [mean(label, rate, k) for rate in rates] for k in keys} for label in labels}
    knob, auto = [], curves["auto"]
    def free(i): return [curves[f.label]["psnr"][i] for f in FAMILIES if f.method == "transform" and curves.get(f.label, {}).get("psnr", [None] * len(rates))[i] is not None]
    for i, rate in enumerate(rates):
        got = [r for r in rows if r["structure"] == "auto" and r["rate"] == rate]
        fixed = {l: curves[l]["psnr"][i] for l in labels if l != "auto" and curves[l]["psnr"][i] is not None}
        best = max(fixed, key=fixed.get) if fixed else None
        # per photo, the best file any fixed structure made for this target (the hull the knob should reach)
        hull = [max([r["psnr"] for r in rows if r["photo"] == n and r["rate"] == rate and r["structure"] != "auto" and "psnr" in r], default=None) for n in names]
        row = {"target_bpp": rate, **{k: auto[k][i] for k in auto},
               "delta_psnr_vs_envelope": {c: None if auto[f"envelope_{c}"][i] is None else auto["psnr"][i] - auto[f"envelope_{c}"][i] for c in COUNTS},
               "chosen": {l: sum(r["chosen"] == l for r in got) for l in dict.fromkeys(r["chosen"] for r in got)},
               "best_fixed_structure": best, "vs_best_fixed_structure": None if best is None else auto["psnr"][i] - fixed[best],
               "vs_per_photo_best_fixed": None if None in hull else auto["psnr"][i] - float(np.mean(hull)),
               "vs_transform_coder_alone": None if not free(i) else auto["psnr"][i] - max(free(i))}
        knob.append(row)
    doc = {"photos": names, "rates": rates, "knob": knob, "curves": curves,
           "note": "means over the photos at the models' output size (64² for the demo); PSNR and MS-SSIM of the decoded files; "
                   "envelope: the best of JPEG/WebP/AVIF (each coded at full, half or quarter size and enlarged with Lanczos) at the "
                   "same rate, counted as bitstreams (AVIF's AV1 data, WebP's VP8 data, JPEG's file) at semcomp's bitstream rate "
                   "(its file less its 20-byte container), and as files at semcomp's file rate",
           "machine": machine_info(), "versions": package_versions()}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "knob.json", doc)
    save_figure(figure(doc), out / "knob.png")
    return doc


def figure(doc: dict) -> Figure:
    fig = Figure(figsize=(7.6, 7.8), dpi=100)                # one column, legible at page width
    ax, dx = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2, sharex=None)
    auto = doc["curves"]["auto"]
    for label, c in doc["curves"].items():
        pts = [(b, p) for b, p in zip(c["bitstream_bpp"], c["psnr"]) if b is not None and p is not None]
        if not pts: continue
        style = dict(lw=2.6, color="black", marker="o", zorder=5) if label == "auto" else dict(lw=1.1, marker=".", alpha=0.75)
        ax.plot(*zip(*pts), label="one knob (--method auto)" if label == "auto" else label, **style)
    env = [(b, e) for b, e in zip(auto["bitstream_bpp"], auto["envelope_bitstreams"]) if e is not None]
    if env: ax.plot(*zip(*env), ls="-", lw=1.8, color="tab:red", marker="s", ms=3, label="JPEG/WebP/AVIF envelope, bitstreams")
    files = [(b, p) for b, p in zip(auto["bpp"], auto["psnr"]) if p is not None]
    ax.plot(*zip(*files), ls="--", lw=1.4, color="black", label="one knob, whole files")
    env = [(b, e) for b, e in zip(auto["bpp"], auto["envelope_files"]) if e is not None]
    if env: ax.plot(*zip(*env), ls="--", lw=1.4, color="tab:red", label="JPEG/WebP/AVIF envelope, whole files")
    ax.set_xscale("log"); ax.set_xlabel("bits per pixel (64²): bitstreams (solid), whole files (dashed)"); ax.set_ylabel("PSNR (dB)"); ax.grid(alpha=0.3)
    ax.legend(fontsize=6.5, loc="upper left"); ax.set_title(f"held-out photos ({len(doc['photos'])}), demo models", fontsize=10)
    for count, ls in (("bitstreams", "-"), ("files", "--")):
        k = [(r["bitstream_bpp" if count == "bitstreams" else "bpp"], r["delta_psnr_vs_envelope"][count]) for r in doc["knob"]
             if r["delta_psnr_vs_envelope"][count] is not None]
        if k: dx.plot(*zip(*k), marker="o", ls=ls, color="black", label=f"knob − envelope ({count})")
    h = [(r["bitstream_bpp"], r["vs_per_photo_best_fixed"]) for r in doc["knob"] if r["vs_per_photo_best_fixed"] is not None]
    if h: dx.plot(*zip(*h), marker="s", color="tab:blue", label="knob − best fixed structure per photo")
    dx.axhline(0, color="grey", lw=0.8); dx.set_xscale("log"); dx.set_xlabel("bits per pixel (64²): bitstreams (solid), whole files (dashed)")
    dx.set_ylabel("ΔPSNR (dB)"); dx.grid(alpha=0.3); dx.legend(fontsize=8)
    dx.set_title("the knob against both envelopes and the structures' hull", fontsize=10)
    fig.tight_layout()
    return fig


def rescore(paths: list, models) -> None:
    "Read the anchors of each rows file again (semcomp's files as they were: the rows' bytes, less the container) and rewrite it."
    s = models.output_size
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        ladders = {name: envelope_ladder(np.asarray(image)) for name, image, _ in photos(models, doc["photos"])}
        for r in doc["rows"]:
            if "bytes" not in r: continue
            bits = r["bytes"] - container_bytes((s, s))
            r.update(bitstream_bytes=bits, bitstream_bpp=8 * bits / (s * s), **envelope_record(ladders[r["photo"]], r["bpp"], 8 * bits / (s * s), r["psnr"]))
        doc["rescored"] = {"command": " ".join(sys.argv), "machine": machine_info(), "versions": package_versions(),
                           "note": "the anchors read again, both counts (chapter classical); semcomp's rows as measured"}
        write_json(path, doc)
        print(f"rescored {path}: {len(doc['rows'])} rows, {len(ladders)} photos")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=["measure", "table", "evaluate", "knob", "report", "rescore"])
    p.add_argument("rows", nargs="*", type=Path, help="table / report: rows files to join")
    p.add_argument("--photos", nargs="*"); p.add_argument("--rows-out", type=Path); p.add_argument("--out", type=Path)
    p.add_argument("--models", type=Path, default=None, help="a LAION models folder (default: the demo models)")
    p.add_argument("--table", type=Path, default=TABLE, help="evaluate: the table the knob reads")
    p.add_argument("--rates", nargs="*", type=float, default=RATES)
    p.add_argument("--families", nargs="*", help="measure / evaluate: only the structures with these labels (join the rows files after)")
    args = p.parse_args(argv)
    models = load_models(args.models) if args.models else demo_model_set()
    base = Settings()
    if args.command in ("measure", "evaluate", "knob"):
        shots = photos(models, args.photos, "table" if args.command == "measure" else "evaluate")
        unknown = set(args.families or ()) - {f.label for f in FAMILIES}
        if unknown: p.error(f"no structures labelled {sorted(unknown)}; the labels are {[f.label for f in FAMILIES]}")
        families = [f for f in FAMILIES if not args.families or f.label in args.families]
        doc = {"command": " ".join(sys.argv), "photos": [s[0] for s in shots], "families": [f.to_dict() for f in FAMILIES], "rates": args.rates}
        done = json.loads(args.rows_out.read_text(encoding="utf-8"))["rows"] if args.rows_out.exists() else []   # an interrupted run carries on
        save = lambda rows: write_json(args.rows_out, {**doc, "rows": rows})
        rows = measure_rows(models, shots, families, args.rates, base, done=[r for r in done if r["structure"] != "auto"], save=save) if args.command != "knob" else []
        if args.command != "measure": rows += knob_rows(models, shots, args.rates, str(args.table), base)
        save(rows)
        return 0
    if args.command == "rescore":
        rescore(args.rows, models); return 0
    docs = [json.loads(f.read_text(encoding="utf-8")) for f in args.rows]
    rows = {}
    for d in docs:                                   # a later file's rows replace an earlier one's for the same photo, structure and rate
        for r in d["rows"]: rows[(r["photo"], r["structure"], r["rate"])] = r
    rows = list(rows.values())
    if args.command == "table":
        table = table_from_rows(models, rows, FAMILIES, docs[0]["rates"], base)
        table.measured["command"] = "bench/structures.py measure, then table (see its docstring; `semcomp calibrate` does both)"
        save_table(table, args.out)
        print(f"wrote {args.out}: default {table.default_bpp} bits per output pixel; lead over the envelopes by target: {table.measured['lead_over_envelope_db']}")
        for f in table.families: print(f"  {f.label:50s} " + " ".join("  –  " if q is None else f"{q:5.2f}" for q in f.psnr))
        return 0
    doc = report(rows, args.out)
    for r in doc["knob"]:
        d = {c: "n/a" if r["delta_psnr_vs_envelope"][c] is None else f"{r['delta_psnr_vs_envelope'][c]:+.2f}" for c in COUNTS}
        print(f"target {r['target_bpp']:.2f}: {r['bpp']:.3f} bpp ({r['bitstream_bpp']:.3f} bitstream) {r['psnr']:.2f} dB, Δ vs envelope: bitstreams {d['bitstreams']}, files {d['files']}, "
              f"vs hull {r['vs_per_photo_best_fixed'] if r['vs_per_photo_best_fixed'] is None else round(r['vs_per_photo_best_fixed'], 2)}, "
              f"{r['unet_evaluations']:.0f} evals, {r['seconds']:.1f} s, chosen {r['chosen']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
