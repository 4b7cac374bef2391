"""Read an existing rd.json's anchors again — the "downscale, code, enlarge" envelope and each codec, counted as
bitstreams and as files — without encoding semcomp again.

    .venv/bin/python tools/add_envelope.py result/rd.json [--images images] [--texts texts] [--output-size 64]

For every image of the document (found by name in --images, as it was given to `semcomp eval`),
`semcomp.evaluation.rescore` rebuilds the reference semcomp was scored against, codes it over the envelope's ladder
and reads every anchor at semcomp's rates (its files' bitstream bytes: the file less its container); then the curves,
BD numbers and figure are recomputed and written beside the file. Anchor records already in the file are replaced.
"""
import argparse, json, sys
from pathlib import Path

from semcomp.core import load_rgb
from semcomp.evaluation import rescore, write_rd
from semcomp.pipeline import find_jobs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rd", type=Path); p.add_argument("--images", default="images"); p.add_argument("--texts", default="texts")
    p.add_argument("--output-size", type=int, default=64, help="the models' output size the evaluation ran at")
    args = p.parse_args(argv)
    doc = json.loads(args.rd.read_text(encoding="utf-8"))
    jobs = {j.name: j for j in find_jobs(args.images, args.texts)}
    doc = write_rd(rescore(doc, {name: load_rgb(jobs[name].image_path) for name in doc["images"]}, args.output_size), args.rd.parent)
    for count, deltas in doc["delta_psnr_vs_envelope"].items():
        for point, delta in deltas.items(): print(f"{point}: ΔPSNR vs the envelope of {count} {'n/a' if delta is None else f'{delta:+.2f} dB'}")
    print({k: v for k, v in doc["bd_rate"].items() if "envelope" in k})
    return 0


if __name__ == "__main__":
    sys.exit(main())
