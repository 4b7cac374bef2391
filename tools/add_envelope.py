"""Add the "downscale, code, enlarge" envelope to an existing rd.json without encoding semcomp again.

    .venv/bin/python tools/add_envelope.py result/rd.json [--images images] [--output-size 64]

For every image of the document (found by name in --images), the reference semcomp was scored against is rebuilt (the
original, cropped to the fit's region), `semcomp.evaluation.envelope_ladder` codes it at every scale and quality, and the
envelope records at semcomp's rates are added — exactly what `semcomp eval` now does while it evaluates; then the curves,
BD numbers and figure are recomputed (`summarize`, `write_rd`). Envelope records already in the file are replaced.
"""
import argparse, json, sys
from pathlib import Path

import numpy as np

from semcomp.core import crop_to_box, fit_geometry, load_rgb
from semcomp.evaluation import envelope_ladder, envelope_records, summarize, write_rd
from semcomp.pipeline import find_jobs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rd", type=Path); p.add_argument("--images", default="images"); p.add_argument("--texts", default="texts")
    p.add_argument("--output-size", type=int, default=64, help="the models' output size the evaluation ran at")
    args = p.parse_args(argv)
    doc = json.loads(args.rd.read_text(encoding="utf-8"))
    jobs = {j.name: j for j in find_jobs(args.images, args.texts)}
    records = [r for r in doc["records"] if r["codec"] != "envelope"]
    ladders = {}
    for name in doc["images"]:
        original = load_rgb(jobs[name].image_path)
        geometry = fit_geometry(original.size, args.output_size, doc["base_settings"]["fit"])
        l, t, r, b = geometry.content_box
        reference = crop_to_box(np.asarray(original), geometry.region)
        ladders[name] = envelope_ladder(reference, tuple(doc["codecs"]), model_size=(r - l, b - t))
        records += envelope_records(ladders[name], [x for x in records if x["image"] == name and x["codec"] == "semcomp"])
        print(name, "envelope of", len(ladders[name]), "files", flush=True)
    doc = write_rd(summarize({**doc, "records": records, "envelope_ladders": ladders}), args.rd.parent)
    for point, delta in doc["delta_psnr_vs_envelope"].items(): print(f"{point}: ΔPSNR {delta if delta is None else round(delta, 2)} dB")
    print({k: v for k, v in doc["bd_rate"].items() if "envelope" in k})
    return 0


if __name__ == "__main__":
    sys.exit(main())
