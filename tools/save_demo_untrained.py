"""Save the demo models' untrained parts — the tiny CLIP and prior — as numbers, so the built-in demo models are the same
numbers on every machine (semcomp before this file rebuilt them at load time from torch's random initialisation, whose
normal draws another CPU's kernels round differently in the last bits: a file made on one machine was then refused on
another, its model fingerprint naming other numbers).

    .venv/bin/python tools/save_demo_untrained.py      # writes semcomp/weights/demo_untrained.pt

It draws them as semcomp always did (`models.tiny_model_set(seed=0)`) and refuses to write unless the demo models they
make have the fingerprint every earlier demo file carries (`d5c929b6175ca620`, the fixtures'), i.e. unless this machine's
kernels (AVX2 or AVX-512) give the numbers those files were made with.
"""
import io, sys

import torch

from semcomp.core import atomic_write_bytes
from semcomp.models import DEMO_UNTRAINED, demo_model_set, tiny_model_set

EXPECTED = "d5c929b6175ca620"


def main() -> int:
    drawn = tiny_model_set(seed=0)
    parts = {"clip": {k: v.detach().cpu().clone() for k, v in drawn.clip.state_dict().items()},
             "prior": {k: v.detach().cpu().clone() for k, v in drawn.prior.state_dict().items()}}
    buf = io.BytesIO(); torch.save(parts, buf)
    tmp = DEMO_UNTRAINED.with_suffix(".new")
    atomic_write_bytes(tmp, buf.getvalue())
    got = demo_model_set(untrained=tmp).fingerprint().hex()
    if got != EXPECTED:
        tmp.unlink()
        print(f"these numbers make demo models {got}, not {EXPECTED}: this CPU's kernels round torch's random draws otherwise; "
              f"run this on an AVX2 or AVX-512 machine", file=sys.stderr)
        return 1
    tmp.replace(DEMO_UNTRAINED)
    print(f"wrote {DEMO_UNTRAINED} ({DEMO_UNTRAINED.stat().st_size / 1e6:.1f} MB); demo models {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
