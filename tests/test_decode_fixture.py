"""Decoding on another machine: a committed `.sc` file (made with the demo models on the machine named in its .json)
decodes here to the image its encoder scored, to within 45 dB.

Bit identity is promised only for the same computation (same machine, device, dtype and thread count); another CPU
or thread count may round differently, so this compares with a tolerance and prints the largest difference seen.
Regenerate the fixture with `tools/make_decode_fixture.py` when the demo weights change."""
import json
from pathlib import Path

import numpy as np
from PIL import Image

from semcomp.codec import decompress, parse_file
from semcomp.metrics import psnr
from semcomp.models import demo_model_set

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_committed_file_decodes_to_the_encoders_image(capsys):
    data = (FIXTURES / "demo_chelsea64.sc").read_bytes()
    made = json.loads((FIXTURES / "demo_chelsea64.json").read_text())
    scored = np.asarray(Image.open(FIXTURES / "demo_chelsea64.png").convert("RGB"))
    models = demo_model_set()
    assert parse_file(data).stream.fingerprint == models.fingerprint(), \
        "the demo weights changed since the fixture was made: run tools/make_decode_fixture.py and commit its files"
    decoded = decompress(data, models).image
    assert decoded.shape == scored.shape == (made["size"][1], made["size"][0], 3)
    largest = int(np.abs(decoded.astype(np.int16) - scored.astype(np.int16)).max())
    value = psnr(scored, decoded)
    with capsys.disabled():
        print(f"\nfixture made on {made['machine']['cpu']} ({made['machine']['cpu_capability']}, "
              f"{made['machine']['torch_threads']} threads): largest pixel difference here {largest}, PSNR {value:.2f} dB")
    assert value >= 45, f"decoded image is {value:.2f} dB from the encoder's (largest pixel difference {largest})"
