"""Train the demo upsampler from a shell: fetch the corpus, train (resumably), evaluate on the held-out photos, save.

    OMP_NUM_THREADS=1 nohup .venv/bin/python tools/train_demo.py [--steps 6000] [--time-budget SECONDS]
                                                               [--run-dir DIR] [--out semcomp/weights/demo_decoder.pth] > train.log 2>&1 &

The state is saved in --run-dir (default ~/.cache/semcomp/runs/demo) every few minutes; run the same command again
after an interruption (or when --time-budget ran out) and it continues where it stopped. When the last step is done
the weights and their record are written to --out. Any other TrainSettings field: --set NAME=VALUE (JSON value).
"""
import argparse, dataclasses, json, sys
from pathlib import Path

from semcomp.metrics import mean_psnr
from semcomp.models import DEMO_WEIGHTS
from semcomp.train import TrainSettings, train_demo_weights


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(DEMO_WEIGHTS)); p.add_argument("--run-dir"); p.add_argument("--images")
    p.add_argument("--steps", type=int, default=TrainSettings().steps); p.add_argument("--time-budget", type=float)
    p.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE")
    args = p.parse_args(argv)
    fields = {"steps": args.steps}
    for item in args.set:
        name, _, value = item.partition("=")
        if name not in {f.name for f in dataclasses.fields(TrainSettings)}: p.error(f"--set {name}: not a TrainSettings field")
        fields[name] = json.loads(value)
    settings = TrainSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
    print(f"training {settings}", flush=True)
    done = train_demo_weights(args.out, args.images, settings, args.run_dir, args.time_budget)
    if done is None:
        print("stopped before the last step; run the same command again to continue", flush=True); return 3
    record = json.loads(Path(done).with_suffix(".json").read_text())
    ev = record["evaluation"]
    mean = lambda k: mean_psnr([r[k] for r in ev])
    print(f"wrote {done}: held-out mean {mean('upsampler'):.2f} dB (bicubic {mean('bicubic'):.2f}, Lanczos {mean('lanczos'):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
